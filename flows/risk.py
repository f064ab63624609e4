"""normalized events -> exposures, limit breaches and market-control commands.

    events ─ key by sport event / round (broadcast: health, limits) ─ risk shard ─┬─ exposure topic
            (exposure books, limits, suspend rules; timers per stream, wall clock, end of input)      ├─ market.control
                                                                                   ├─ limit.breach
                                                                                   └─ Redis exposure

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

from connectors.records import OutRecord, RawBatch
from flows.normalize import Outputs, normalize_steps
from schemas.dlq import DlqEntry
from schemas.events import NormalizedEvent
from schemas.risk import EventExposure, LineExposure, RiskRecord, RoundExposure
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.outputs import dlq_record
from wagerflow.pipeline.shard import Emitted
from wagerflow.risk.engine import RiskShard, invalid_limits_update, risk_keys
from wagerflow.risk.limits import LimitBook
from wagerflow.risk.outputs import risk_record
from wagerflow.risk.suspend import SuspendConfig
from wagerflow.topics import Topics

PIPELINE_FLOW_ID = "wagerflow"
RISK_SHARDS = 16
END_OF_INPUT_MS = 2**62
"""Later than any deadline: at the end of the input every timer is due."""


@dataclass(frozen=True)
class RiskContext:
    limits: LimitBook
    suspend: SuspendConfig
    wall_clock: Callable[[], int] | None
    """Epoch ms now, for timers that must fire with no input (a provider gone silent). None in
    replays: timers then advance with event time only."""
    shards: int = RISK_SHARDS


class _RiskLogic(StatefulBatchLogic[NormalizedEvent, RiskRecord, bytes]):
    def __init__(self, shard: RiskShard, clock: Callable[[], int] | None) -> None:
        self._shard = shard
        self._clock = clock

    def on_batch(self, values: list[NormalizedEvent]) -> tuple[list[RiskRecord], bool]:
        out: list[RiskRecord] = []
        for event in values:
            out.extend(self._shard.apply(event, event.received_time_ms))
        return out, StatefulBatchLogic.RETAIN

    def on_eof(self) -> tuple[list[RiskRecord], bool]:
        """The input has ended (a replay, ``--stop-at-end``): every pending timer fires at its
        deadline, as it would have with more input."""
        return self._shard.on_time(END_OF_INPUT_MS), StatefulBatchLogic.RETAIN

    def on_notify(self) -> tuple[list[RiskRecord], bool]:
        if self._clock is None:
            return [], StatefulBatchLogic.RETAIN
        return self._shard.on_time(self._clock()), StatefulBatchLogic.RETAIN

    def notify_at(self) -> datetime | None:
        deadline = self._shard.next_deadline()
        if deadline is None or self._clock is None:
            return None
        return datetime.fromtimestamp(deadline / 1000, tz=UTC)

    def snapshot(self) -> bytes:
        return pickle.dumps(self._shard, protocol=pickle.HIGHEST_PROTOCOL)


def _keyed(shards: int, kv: tuple[str, Emitted]) -> list[tuple[str, NormalizedEvent | DlqEntry]]:
    event = kv[1].event
    refused = invalid_limits_update(event)
    if refused is not None:
        return [("dlq", refused)]
    return [(key, event) for key in risk_keys(event, shards)]


def risk_steps(
    events: Stream[tuple[str, Emitted]], ctx: RiskContext, topics: Topics
) -> tuple[Stream[tuple[str, OutRecord]], Stream[tuple[str, Any]]]:
    """Wire the risk steps; return topic records and the exposures for Redis."""
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
            else RiskShard(ctx.limits, ctx.suspend)
        )
        return _RiskLogic(shard, ctx.wall_clock)

    records = op.stateful_batch(
        "risk_rules", cast("Stream[tuple[str, NormalizedEvent]]", keyed), build
    )
    risk_records = op.map("risk_record", records, lambda kv: (kv[0], risk_record(kv[1], topics)))
    to_topics = op.merge("risk_and_refused", risk_records, refused)
    exposures = op.filter(
        "exposures_for_redis",
        records,
        lambda kv: isinstance(kv[1], LineExposure | EventExposure | RoundExposure),
    )
    return to_topics, exposures


def build_pipeline_flow(
    source: Source[RawBatch],
    outputs: Outputs,
    exposures_sink: Sink[tuple[str, Any]],
    ctx: NormalizeContext,
    risk: RiskContext,
    topics: Topics,
) -> Dataflow:
    """Normalize and risk as one dataflow: the risk steps see the normalized events directly."""
    flow = Dataflow(PIPELINE_FLOW_ID)
    events, normalized = normalize_steps(flow, source, outputs, ctx, topics)
    risk_records, exposures = risk_steps(events, risk, topics)
    op.output("topics", op.merge("all_topic_records", normalized, risk_records), outputs.topics)
    op.output("redis_exposure", exposures, exposures_sink)
    return flow
