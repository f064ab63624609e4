"""Assemble the normalize flow from settings and run it, on Kafka or on recorded files.

On Kafka the flow runs as one process or as one process of a cluster (``wagerflow.ops.cluster``);
every process serves ``/healthz``, ``/readyz`` and ``/metrics`` (``wagerflow.ops.health``), its
sinks are instrumented (``wagerflow.ops.instrument``) and its input obeys the DLQ brake.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bytewax.dataflow import Dataflow
from bytewax.outputs import FixedPartitionedSink
from bytewax.recovery import RecoveryConfig, init_db_dir
from bytewax.run import cli_main
from bytewax.testing import run_main

from wagerflow import metrics
from wagerflow.adapters.registry import PROVIDERS
from wagerflow.commands import analytics
from wagerflow.commands.risk_files import RiskFiles, risk_context
from wagerflow.config import Settings
from wagerflow.connectors import clickhouse_client, clickhouse_migrations
from wagerflow.connectors.file_source import FileSource
from wagerflow.connectors.jsonl_sink import JsonlSink
from wagerflow.connectors.kafka_admin import create_topics
from wagerflow.connectors.kafka_sink import KafkaSink
from wagerflow.connectors.kafka_source import KafkaSource, SourceHooks
from wagerflow.connectors.redis_exposure import RedisExposureSink
from wagerflow.connectors.redis_feeds import RedisFeedSink
from wagerflow.connectors.redis_settlement import RedisSettlementSink
from wagerflow.connectors.redis_store import RedisStateSink
from wagerflow.connectors.redis_store import connect as redis_connect
from wagerflow.connectors.redis_suspensions import RedisSuspensionSink
from wagerflow.flows.normalize import NormalizeSinks
from wagerflow.flows.risk import RiskSinks, build_pipeline_flow
from wagerflow.ops.brake import DlqBrake
from wagerflow.ops.cluster import Cluster
from wagerflow.ops.instrument import InstrumentedSink
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.signing import Signing

DEFAULT_RECOVERY_PARTITIONS = 4
log = logging.getLogger("wagerflow.run")


def _noop() -> None:
    return None


@dataclass(frozen=True)
class Observers:
    """What the running flow reports to: epochs (``Health.progressed``) and the DLQ brake."""

    progressed: Callable[[], None] = _noop
    brake: DlqBrake | None = None


def prepare_clickhouse(settings: Settings) -> list[str]:
    """Check ClickHouse answers and apply pending migrations; return those applied."""
    client = clickhouse_client.connect(settings.clickhouse_dsn, settings.clickhouse_database)
    try:
        return clickhouse_migrations.migrate(client)
    finally:
        client.close()


def _outputs(settings: Settings, topic_sink: KafkaSink | JsonlSink) -> NormalizeSinks:
    return NormalizeSinks(
        topics=topic_sink,
        states=RedisStateSink(settings.redis_url),
        rows=analytics.analytics_sink(settings),
        pseudo=analytics.pseudonymizer(settings),
    )


def _risk_sinks(settings: Settings) -> RiskSinks:
    return RiskSinks(
        exposures=RedisExposureSink(settings.redis_url),
        settlements=RedisSettlementSink(settings.redis_url),
        suspensions=RedisSuspensionSink(settings.redis_url),
        feeds=RedisFeedSink(settings.redis_url),
    )


def normalize_context(settings: Settings) -> NormalizeContext:
    return NormalizeContext(
        settings.tenant,
        settings.betfair_currency,
        dedup_horizon_ms=int(settings.dedup_horizon_hours * 3600 * 1000),
        signing=Signing(settings.signing_secrets),
    )


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def prepare_kafka(settings: Settings, *, migrate: bool = True) -> None:
    """Create the topics of the deployment's table, check Redis, and (``migrate``) apply the
    ClickHouse migrations. In a cluster only process 0 migrates: the embedded engine admits one
    process, and a server needs it once."""
    created = create_topics(
        settings.kafka_bootstrap, settings.topics.table(PROVIDERS, settings.topic_partitions)
    )
    if created:
        log.info(f"created {len(created)} topics", extra={"event": "topics", "topics": created})
    redis_connect(settings.redis_url).close()
    if migrate:
        applied = prepare_clickhouse(settings)
        if applied:
            log.info(f"applied migrations {', '.join(applied)}", extra={"event": "migrate"})


def _lag(provider: str, topic: str, partition: int, lag: int) -> None:
    metrics.CONSUMER_LAG.labels(provider, topic, str(partition)).set(lag)


def _instrumented(
    sinks: RiskSinks, outputs: NormalizeSinks, obs: Observers
) -> tuple[RiskSinks, NormalizeSinks]:
    progressed = obs.progressed

    def wrap(sink: object, name: str) -> Any:
        assert isinstance(sink, FixedPartitionedSink), name
        return InstrumentedSink(sink, name, progressed=progressed)

    redis_sinks = RiskSinks(
        exposures=wrap(sinks.exposures, "redis_exposure"),
        settlements=wrap(sinks.settlements, "redis_settlement"),
        suspensions=wrap(sinks.suspensions, "redis_suspensions"),
        feeds=wrap(sinks.feeds, "redis_feeds"),
    )
    out = NormalizeSinks(
        topics=wrap(outputs.topics, "kafka"),
        states=wrap(outputs.states, "redis_state"),
        rows=wrap(outputs.rows, "clickhouse"),
        pseudo=outputs.pseudo,
    )
    return redis_sinks, out


def kafka_flow(
    settings: Settings,
    *,
    stop_at_end: bool = False,
    batch_size: int = 2000,
    risk_files: RiskFiles | None = None,
    observers: Observers | None = None,
    prepare: bool = True,
    migrate: bool = True,
) -> Dataflow:
    """Normalize and risk, reading every provider's raw topic and writing the normalized
    topics, exposures, market-control commands and limit breaches."""
    obs = observers or Observers()
    topics = settings.topics
    raw = {topics.raw(p): p for p in PROVIDERS}
    if prepare:
        prepare_kafka(settings, migrate=migrate)

    def snapshotted() -> None:
        metrics.EPOCHS.inc()
        obs.progressed()

    hooks = SourceHooks(
        lag=_lag,
        snapshot=snapshotted,
        paused=obs.brake.paused if obs.brake is not None else SourceHooks().paused,
    )
    source = KafkaSource(
        settings.kafka_bootstrap, raw, batch_size=batch_size, stop_at_end=stop_at_end, hooks=hooks
    )
    sinks, outputs = _instrumented(
        _risk_sinks(settings), _outputs(settings, KafkaSink(settings.kafka_bootstrap)), obs
    )
    return build_pipeline_flow(
        source,
        outputs,
        sinks,
        normalize_context(settings),
        # timers on the wall clock when live (a silent provider must still time out)
        risk_context(risk_files or RiskFiles(), None if stop_at_end else wall_clock_ms),
        topics,
    )


def recovery_config(
    recovery_dir: Path, partitions: int = DEFAULT_RECOVERY_PARTITIONS
) -> RecoveryConfig:
    """Recovery on ``recovery_dir``, creating the store when absent (its partition count is
    fixed from then on)."""
    if not any(recovery_dir.glob("part-*.sqlite3")):
        recovery_dir.mkdir(parents=True, exist_ok=True)
        init_db_dir(recovery_dir, partitions)
    return RecoveryConfig(recovery_dir)


def run_kafka(
    settings: Settings,
    *,
    stop_at_end: bool,
    recovery_dir: Path | None,
    epoch_s: float,
    workers: int = 1,
    batch_size: int = 2000,
    risk_files: RiskFiles | None = None,
    cluster: Cluster | None = None,
    observers: Observers | None = None,
    prepare: bool = True,
) -> None:
    """Run the flow in this process: alone, or as ``cluster.process_id`` of a cluster."""
    first = cluster is None or cluster.process_id == 0
    flow = kafka_flow(
        settings,
        stop_at_end=stop_at_end,
        batch_size=batch_size,
        risk_files=risk_files,
        observers=observers,
        prepare=prepare,
        migrate=first,
    )
    recovery = recovery_config(recovery_dir) if recovery_dir is not None else None
    cli_main(
        flow,
        workers_per_process=workers,
        process_id=None if cluster is None else cluster.process_id,
        addresses=None if cluster is None else cluster.addresses,
        epoch_interval=timedelta(seconds=epoch_s),
        recovery_config=recovery,
    )


def run_files(settings: Settings, feeds: list[tuple[str, Path]], out_dir: Path) -> None:
    """Run the same flow (normalize and risk) over recorded ``(provider, file)`` feeds,
    writing topic files under ``out_dir``."""
    redis_connect(settings.redis_url).close()
    prepare_clickhouse(settings)
    flow = build_pipeline_flow(
        FileSource(feeds),
        _outputs(settings, JsonlSink(out_dir)),
        _risk_sinks(settings),
        normalize_context(settings),
        risk_context(RiskFiles(), None),
        settings.topics,
    )
    run_main(flow, epoch_interval=timedelta(seconds=1))
