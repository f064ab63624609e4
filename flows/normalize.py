"""raw provider feeds -> normalized topics, latest market state in Redis, rows in ClickHouse.

    raw ─ decode ─┬─ rejects ─────────────────────────────────────────── dlq topic
                  └─ work (keyed by shard) ─ shard rules ─┬─ events ─┬─ normalized topics
                        (dedup, replay, stale, confirm,   │          └─ ClickHouse norm_events
                         Betfair books)                   ├─ conflicts, replays ─ dlq topic
                                                          └─ market states ─ Redis

The same flow runs on Kafka (``wagerflow run``) and on recorded files (``wagerflow demo``): only
the source and the sinks differ.
"""

from __future__ import annotations

import pickle
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

import bytewax.operators as op
from bytewax.dataflow import Dataflow, Stream
from bytewax.inputs import Source
from bytewax.operators import StatefulBatchLogic
from bytewax.outputs import Sink

from wagerflow import metrics
from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import keyed_rows
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.decode import ShardInput, decode_batch
from wagerflow.pipeline.normalize_state import AcceptedEvent, NormalizeOutput, NormalizeShardState
from wagerflow.pipeline.outputs import dlq_record, event_record
from wagerflow.schemas.dlq import DlqEntry
from wagerflow.schemas.records import OutRecord, RawBatch
from wagerflow.schemas.state import MarketState
from wagerflow.topics import Topics

FLOW_ID = "normalize"


@dataclass(frozen=True, slots=True)
class NormalizeSinks:
    topics: Sink[tuple[str, OutRecord]]
    states: Sink[tuple[str, MarketState]]
    rows: Sink[tuple[str, Any]]
    """ClickHouse: ``(table, (table, row))`` items (``wagerflow.analytics.rows.keyed_rows``)."""
    pseudo: Pseudonymizer
    """Player ids become pseudonyms before any row leaves for analytics."""


class _NormalizeShardLogic(StatefulBatchLogic[ShardInput, NormalizeOutput, bytes]):
    """Holds one shard's ``NormalizeShardState``; snapshots are pickled bytes (an immutable
    copy)."""

    def __init__(self, shard: NormalizeShardState) -> None:
        self._shard = shard

    def on_batch(self, values: list[ShardInput]) -> tuple[list[NormalizeOutput], bool]:
        out = self._shard.apply(values)
        _count_outputs(out)
        tally = self._shard.take_tally()
        if tally.duplicates:
            metrics.DUPLICATES.inc(tally.duplicates)
        if tally.stale:
            metrics.STALE.inc(tally.stale)
        return out, StatefulBatchLogic.RETAIN

    def snapshot(self) -> bytes:
        with metrics.SNAPSHOT_SECONDS.labels("shard_rules").time():
            return pickle.dumps(self._shard.state, protocol=pickle.HIGHEST_PROTOCOL)


def _count_outputs(out: list[NormalizeOutput]) -> None:
    emitted: Counter[tuple[str, str]] = Counter()
    sampled: set[str] = set()
    now_ms = time.time() * 1000
    for item in out:
        if isinstance(item, AcceptedEvent):
            provider = item.event.provider_id
            if provider not in sampled:
                sampled.add(provider)
                # latency: one sample per provider per batch (received -> emitted)
                metrics.PROCESSING_LATENCY.labels(provider, metrics.game_type(provider)).observe(
                    max(0.0, now_ms - item.event.received_time_ms) / 1000
                )
            emitted[(provider, str(type(item.event).__struct_config__.tag))] += 1
        elif isinstance(item, DlqEntry):
            _count_dlq(item)
    for (provider, kind), n in emitted.items():
        metrics.EVENTS_EMITTED.labels(provider, metrics.game_type(provider), kind).inc(n)


def _count_dlq(entry: DlqEntry) -> None:
    provider = entry.provider_id
    metrics.DLQ_ENTRIES.labels(provider, metrics.game_type(provider), entry.reason).inc()


def _decode(ctx: NormalizeContext, batch: RawBatch) -> list[Any]:
    work, dlq, tally = decode_batch(batch, ctx)
    metrics.MESSAGES_RECEIVED.labels(batch.provider, metrics.game_type(batch.provider)).inc(
        tally.received
    )
    if tally.heartbeats:
        metrics.HEARTBEATS.labels(batch.provider).inc(tally.heartbeats)
    for entry in dlq:
        _count_dlq(entry)
    return [*work, *dlq]


def normalize_steps(
    flow: Dataflow,
    source: Source[RawBatch],
    outputs: NormalizeSinks,
    ctx: NormalizeContext,
    topics: Topics,
) -> tuple[
    Stream[tuple[str, AcceptedEvent]], Stream[tuple[str, OutRecord]], Stream[tuple[str, Any]]
]:
    """Wire the normalize steps; return the normalized events (for steps downstream, such as
    risk), the topic records (events and DLQ) and the analytics rows still to be written."""
    raw = op.input("raw", flow, source)
    decoded = op.flat_map("decode", raw, lambda batch: _decode(ctx, batch))
    split = op.branch("split_rejects", decoded, lambda item: isinstance(item, DlqEntry))
    rejects = op.map("dlq_record", split.trues, lambda e: ("dlq", dlq_record(e, topics)))

    def build_shard(resume: bytes | None) -> _NormalizeShardLogic:
        state = pickle.loads(resume) if resume is not None else None  # noqa: S301 own snapshot
        return _NormalizeShardLogic(NormalizeShardState(ctx, state))

    work = cast("Stream[tuple[str, ShardInput]]", split.falses)
    applied = op.stateful_batch("shard_rules", work, build_shard)
    by_kind = op.branch("split_states", applied, lambda kv: isinstance(kv[1], MarketState))
    op.output("redis_state", cast("Stream[tuple[str, MarketState]]", by_kind.trues), outputs.states)
    by_fate = op.branch(
        "split_late_rejects", by_kind.falses, lambda kv: isinstance(kv[1], DlqEntry)
    )
    late_rejects = op.map(
        "late_dlq_record",
        cast("Stream[tuple[str, DlqEntry]]", by_fate.trues),
        lambda kv: ("dlq", dlq_record(kv[1], topics)),
    )
    events = cast("Stream[tuple[str, AcceptedEvent]]", by_fate.falses)
    records = op.map(
        "event_record", events, lambda kv: (kv[0], event_record(kv[1].entity, kv[1].event, topics))
    )
    pseudo = outputs.pseudo
    event_rows = op.flat_map(
        "event_rows", events, lambda kv: keyed_rows(kv[1].event, pseudo, entity=kv[1].entity)
    )
    late = cast("Stream[tuple[str, DlqEntry]]", by_fate.trues)
    entries = op.merge(
        "dlq_entries",
        cast("Stream[DlqEntry]", split.trues),
        op.map("late_entry", late, lambda kv: kv[1]),
    )
    dlq_rows = op.flat_map("dlq_rows", entries, lambda entry: keyed_rows(entry, pseudo))
    rows = op.merge("normalize_rows", event_rows, dlq_rows)
    return events, op.merge("all_records", records, rejects, late_rejects), rows


def build_normalize_flow(
    source: Source[RawBatch], outputs: NormalizeSinks, ctx: NormalizeContext, topics: Topics
) -> Dataflow:
    """The normalize flow alone."""
    flow = Dataflow(FLOW_ID)
    _, records, rows = normalize_steps(flow, source, outputs, ctx, topics)
    op.output("topics", records, outputs.topics)
    op.output("clickhouse", rows, outputs.rows)
    return flow
