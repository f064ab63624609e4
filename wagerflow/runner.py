"""Assemble the normalize flow from settings and run it, on Kafka or on recorded files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bytewax.dataflow import Dataflow
from bytewax.recovery import RecoveryConfig, init_db_dir
from bytewax.run import cli_main
from bytewax.testing import run_main

from connectors import clickhouse
from connectors.file_source import FileSource
from connectors.jsonl_sink import JsonlSink
from connectors.kafka_admin import ensure_topics
from connectors.kafka_sink import KafkaSink
from connectors.kafka_source import KafkaSource
from connectors.redis_store import RedisStateSink
from connectors.redis_store import connect as redis_connect
from flows.normalize import Outputs, build_normalize_flow
from wagerflow.config import Settings
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.outputs import EVENT_COLUMNS, EVENT_KEY_COLUMNS
from wagerflow.providers import PROVIDERS
from wagerflow.signing import Signing

EVENTS_TABLE = "norm_events"
DEFAULT_RECOVERY_PARTITIONS = 4


def prepare_clickhouse(settings: Settings) -> list[str]:
    """Check ClickHouse answers and apply pending migrations; return those applied."""
    client = clickhouse.connect(settings.clickhouse_dsn, settings.clickhouse_database)
    try:
        return clickhouse.migrate(client)
    finally:
        client.close()


def _outputs(settings: Settings, topic_sink: KafkaSink | JsonlSink) -> Outputs:
    return Outputs(
        topics=topic_sink,
        states=RedisStateSink(settings.redis_url),
        rows=clickhouse.ClickHouseSink(
            settings.clickhouse_dsn,
            settings.clickhouse_database,
            EVENTS_TABLE,
            EVENT_COLUMNS,
            EVENT_KEY_COLUMNS,
        ),
    )


def normalize_context(settings: Settings) -> NormalizeContext:
    return NormalizeContext(
        settings.tenant,
        settings.betfair_currency,
        dedup_horizon_ms=int(settings.dedup_horizon_hours * 3600 * 1000),
        signing=Signing(settings.signing_secrets),
    )


def kafka_flow(
    settings: Settings, *, stop_at_end: bool = False, batch_size: int = 2000
) -> Dataflow:
    """The normalize flow reading every provider's raw topic and writing the normalized ones."""
    topics = settings.topics
    raw = {topics.raw(p): p for p in PROVIDERS}
    ensure_topics(settings.kafka_bootstrap, [*raw, *topics.all_outputs()])
    redis_connect(settings.redis_url).close()
    prepare_clickhouse(settings)
    source = KafkaSource(
        settings.kafka_bootstrap, raw, batch_size=batch_size, stop_at_end=stop_at_end
    )
    return build_normalize_flow(
        source,
        _outputs(settings, KafkaSink(settings.kafka_bootstrap)),
        normalize_context(settings),
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
) -> None:
    flow = kafka_flow(settings, stop_at_end=stop_at_end, batch_size=batch_size)
    recovery = recovery_config(recovery_dir) if recovery_dir is not None else None
    cli_main(
        flow,
        workers_per_process=workers,
        epoch_interval=timedelta(seconds=epoch_s),
        recovery_config=recovery,
    )


def run_files(settings: Settings, feeds: list[tuple[str, Path]], out_dir: Path) -> None:
    """Run the same flow over recorded ``(provider, file)`` feeds, writing topic files under
    ``out_dir``."""
    redis_connect(settings.redis_url).close()
    prepare_clickhouse(settings)
    flow = build_normalize_flow(
        FileSource(feeds),
        _outputs(settings, JsonlSink(out_dir)),
        normalize_context(settings),
        settings.topics,
    )
    run_main(flow, epoch_interval=timedelta(seconds=1))
