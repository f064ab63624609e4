"""normalized events -> exposures, limit breaches, market-control commands and settlements.

    events ─ key by shard of event / round / market / provider ─ risk shard ─┬─ exposure topic
            (broadcast: limits, bet decisions)                                ├─ market.control
            (per entity: exposure books, limits, suspend rules with           ├─ limit.breach
             per-stream timers, settlement books)                             ├─ settlements topic
                                                                              ├─ Redis exposure
                                                                              ├─ Redis settlement
                                                                              ├─ Redis suspensions
                                                                              └─ Redis feeds
    (provider health events ─────────────────────────────────────────────────── Redis feeds)

``build_pipeline_flow`` runs normalize and risk as one dataflow (``wagerflow run``, ``replay``).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import bytewax.operators as op
from bytewax.dataflow import Dataflow, Stream
from bytewax.inputs import Source
from bytewax.operators import StatefulBatchLogic
from bytewax.outputs import Sink

from wagerflow import metrics
from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import keyed_rows
from wagerflow.flows.normalize import NormalizeSinks, normalize_steps
from wagerflow.metrics import SETTLEMENT_FLAGS, SETTLEMENTS, TIME_TO_SETTLE
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.normalize_state import AcceptedEvent
from wagerflow.pipeline.outputs import dlq_record
from wagerflow.risk.engine import RiskShardState
from wagerflow.risk.entity import RiskOutput
from wagerflow.risk.limits import LimitBook
from wagerflow.risk.outputs import topic_record
from wagerflow.risk.routing import invalid_limits_update, risk_keys
from wagerflow.risk.suspend import SuspendConfig, Thresholds
from wagerflow.schemas.dlq import DlqEntry
from wagerflow.schemas.events import NormalizedEvent, ProviderHealth
from wagerflow.schemas.records import OutRecord, RawBatch
from wagerflow.schemas.risk import (
    EventExposure,
    LimitBreach,
    LineExposure,
    MarketResume,
    MarketSuspend,
    PlayerExposure,
    RoundExposure,
    RoundLiability,
    TableResume,
    TableSuspend,
)
from wagerflow.schemas.settlement import BetSettlement, RoundSummary, Settlement
from wagerflow.topics import Topics

PIPELINE_FLOW_ID = "wagerflow"
RISK_SHARDS = 16
END_OF_INPUT_MS = 2**62
"""Later than any deadline: at the end of the input every timer is due."""


@dataclass(frozen=True)
class RiskSinks:
    """Where the risk step writes besides topics: exposures and settlements in Redis, and for
    the risk board the current suspensions and the recent breaches, settlements and provider
    health (None: not written, as in replays and benchmarks)."""

    exposures: Sink[tuple[str, Any]]
    settlements: Sink[tuple[str, Any]]
    suspensions: Sink[tuple[str, Any]] | None = None
    feeds: Sink[tuple[str, Any]] | None = None


@dataclass(frozen=True)
class RiskContext:
    limits: LimitBook
    suspend: SuspendConfig
    wall_clock: Callable[[], int] | None
    """Epoch ms now, for timers that must fire with no input (a provider gone silent). None in
    replays: timers then advance with event time only."""
    shards: int = RISK_SHARDS
    thresholds: Thresholds | None = None
    """The suspend thresholds every shard starts from (None: ``suspend``'s built-in figures)."""


def _observe(shard: RiskShardState, record: BetSettlement) -> None:
    outcome = record.outcome or "OPEN"
    SETTLEMENTS.labels(record.provider_id, metrics.game_type(record.provider_id), outcome).inc()
    for flag in record.flags:
        SETTLEMENT_FLAGS.labels(record.provider_id, flag).inc()
    if record.state == "SETTLED" and record.previous_state is None:
        placed = shard.placed_at(record.tenant_id, record.bet_id)
        if placed is not None:
            TIME_TO_SETTLE.labels(record.category).observe((record.settled_at_ms - placed) / 1000)


_TOP_LIABILITIES = metrics.TopLiabilities()
_EXPOSURE_KINDS = {
    LineExposure: "line",
    EventExposure: "event",
    PlayerExposure: "player",
    RoundExposure: "round",
}


def _count(shard: RiskShardState, out: list[RiskOutput], provider: str | None) -> None:
    """Metrics of one batch's risk outputs; ``provider``: the input's (None: timers fired)."""
    for record in out:
        if isinstance(record, BetSettlement):
            _observe(shard, record)
        elif isinstance(record, MarketSuspend | MarketResume):
            who = record.provider_id or provider or "unknown"
            action = "suspend" if isinstance(record, MarketSuspend) else "resume"
            metrics.MARKET_COMMANDS.labels(who, metrics.game_type(who), action, record.rule).inc()
        elif isinstance(record, LimitBreach):
            metrics.LIMIT_BREACHES.labels(provider or "unknown", record.rule).inc()
        elif isinstance(record, RoundExposure):
            who = record.provider_id
            metrics.EXPOSURE_UPDATES.labels(who, metrics.game_type(who), "round").inc()
            entity = f"round:{record.round_id}"
            _TOP_LIABILITIES.update(who, entity, record.currency, record.worst_case)
        elif isinstance(record, LineExposure | EventExposure | PlayerExposure):
            who = provider or "unknown"
            kind = _EXPOSURE_KINDS[type(record)]
            metrics.EXPOSURE_UPDATES.labels(who, metrics.game_type(who), kind).inc()
            if isinstance(record, EventExposure):
                entity = f"event:{record.event_id}"
                _TOP_LIABILITIES.update(who, entity, record.currency, record.worst_case)


RoutedEvent = tuple[str, NormalizedEvent]
"""An event with the risk shard key it was routed by (``risk_keys``)."""


class _RiskLogic(StatefulBatchLogic[RoutedEvent, RiskOutput, bytes]):
    def __init__(self, shard: RiskShardState, clock: Callable[[], int] | None) -> None:
        self._shard = shard
        self._clock = clock

    def on_batch(self, values: list[RoutedEvent]) -> tuple[list[RiskOutput], bool]:
        out = self._shard.apply_batch(values)
        providers = {event.provider_id for _, event in values}
        # exposures name no provider: a batch of one provider's inputs labels them, else unknown
        _count(self._shard, out, providers.pop() if len(providers) == 1 else None)
        return out, StatefulBatchLogic.RETAIN

    def on_eof(self) -> tuple[list[RiskOutput], bool]:
        """The input has ended (a replay, ``--stop-at-end``): every pending timer fires at its
        deadline, as it would have with more input."""
        out = self._shard.on_time(END_OF_INPUT_MS)
        _count(self._shard, out, None)
        return out, StatefulBatchLogic.RETAIN

    def on_notify(self) -> tuple[list[RiskOutput], bool]:
        if self._clock is None:
            return [], StatefulBatchLogic.RETAIN
        out = self._shard.on_time(self._clock())
        _count(self._shard, out, None)
        return out, StatefulBatchLogic.RETAIN

    def notify_at(self) -> datetime | None:
        deadline = self._shard.next_deadline()
        if deadline is None or self._clock is None:
            return None
        return datetime.fromtimestamp(deadline / 1000, tz=UTC)

    def snapshot(self) -> bytes:
        with metrics.SNAPSHOT_SECONDS.labels("risk_rules").time():
            return pickle.dumps(self._shard, protocol=pickle.HIGHEST_PROTOCOL)


def _keyed(shards: int, kv: tuple[str, AcceptedEvent]) -> list[tuple[str, RoutedEvent | DlqEntry]]:
    event = kv[1].event
    refused = invalid_limits_update(event)
    if refused is not None:
        return [("dlq", refused)]
    return [(key, (key, event)) for key in risk_keys(event, shards)]


def _topic_record(kv: tuple[str, RiskOutput], topics: Topics) -> list[tuple[str, OutRecord]]:
    record = topic_record(kv[1], topics)
    return [] if record is None else [(kv[0], record)]


def _analytics_rows(record: RiskOutput, pseudo: Pseudonymizer) -> list[tuple[str, Any]]:
    """Rows for ClickHouse. A ``round.settle`` message and a round summary add none: both are
    derived from the bet settlement versions, which have rows of their own; nor do the table
    commands (``round.liability``, ``table.*``), which have no table yet (topic only)."""
    if isinstance(record, Settlement | RoundSummary | RoundLiability | TableSuspend | TableResume):
        return []
    return keyed_rows(record, pseudo)


@dataclass(frozen=True)
class RiskStreams:
    topics: Stream[tuple[str, OutRecord]]
    exposures: Stream[tuple[str, Any]]
    settlements: Stream[tuple[str, Any]]
    suspensions: Stream[tuple[str, Any]]
    feeds: Stream[tuple[str, Any]]
    rows: Stream[tuple[str, Any]]


def risk_steps(
    events: Stream[tuple[str, AcceptedEvent]],
    ctx: RiskContext,
    topics: Topics,
    pseudo: Pseudonymizer,
) -> RiskStreams:
    """Wire the risk steps; return topic records, the exposures and the settlements for Redis,
    and the analytics rows."""
    keyed_all = op.flat_map("risk_key", events, lambda kv: _keyed(ctx.shards, kv))
    split = op.branch("split_refused", keyed_all, lambda kv: isinstance(kv[1], DlqEntry))
    refused = op.map(
        "refused_record",
        cast("Stream[tuple[str, DlqEntry]]", split.trues),
        lambda kv: ("dlq", dlq_record(kv[1], topics)),
    )
    keyed = split.falses

    def build(resume: bytes | None) -> _RiskLogic:
        shard = (
            pickle.loads(resume)  # noqa: S301 own snapshot
            if resume is not None
            else RiskShardState(ctx.limits, ctx.suspend, ctx.shards, ctx.thresholds)
        )
        return _RiskLogic(shard, ctx.wall_clock)

    records = op.stateful_batch("risk_rules", cast("Stream[tuple[str, RoutedEvent]]", keyed), build)
    risk_records = op.flat_map("risk_record", records, lambda kv: _topic_record(kv, topics))
    to_topics = op.merge("risk_and_refused", risk_records, refused)
    exposures = op.filter(
        "exposures_for_redis",
        records,
        lambda kv: isinstance(kv[1], LineExposure | EventExposure | PlayerExposure | RoundExposure),
    )
    settlements = op.filter(
        "settlements_for_redis",
        records,
        lambda kv: isinstance(kv[1], BetSettlement | RoundSummary),
    )
    suspensions = op.filter(
        "suspensions_for_redis", records, lambda kv: isinstance(kv[1], MarketSuspend | MarketResume)
    )
    health = op.filter_map(
        "health_for_redis",
        events,
        lambda kv: (kv[0], kv[1].event) if isinstance(kv[1].event, ProviderHealth) else None,
    )
    feeds = op.merge(
        "feeds_for_redis",
        op.filter(
            "breaches_and_settlements",
            records,
            lambda kv: isinstance(kv[1], LimitBreach | BetSettlement),
        ),
        health,
    )
    rows = op.merge(
        "risk_rows",
        op.flat_map("risk_analytics_rows", records, lambda kv: _analytics_rows(kv[1], pseudo)),
        op.flat_map(
            "refused_rows",
            cast("Stream[tuple[str, DlqEntry]]", split.trues),
            lambda kv: keyed_rows(kv[1], pseudo),
        ),
    )
    return RiskStreams(to_topics, exposures, settlements, suspensions, feeds, rows)


def build_pipeline_flow(
    source: Source[RawBatch],
    outputs: NormalizeSinks,
    sinks: RiskSinks,
    ctx: NormalizeContext,
    risk: RiskContext,
    topics: Topics,
) -> Dataflow:
    """Normalize and risk as one dataflow: the risk steps see the normalized events directly."""
    flow = Dataflow(PIPELINE_FLOW_ID)
    events, normalized, rows = normalize_steps(flow, source, outputs, ctx, topics)
    out = risk_steps(events, risk, topics, outputs.pseudo)
    op.output("topics", op.merge("all_topic_records", normalized, out.topics), outputs.topics)
    op.output("redis_exposure", out.exposures, sinks.exposures)
    op.output("redis_settlement", out.settlements, sinks.settlements)
    if sinks.suspensions is not None:
        op.output("redis_suspensions", out.suspensions, sinks.suspensions)
    if sinks.feeds is not None:
        op.output("redis_feeds", out.feeds, sinks.feeds)
    op.output("clickhouse", op.merge("all_rows", rows, out.rows), outputs.rows)
    return flow
