"""raw provider feed -> normalized topics, latest market state in Redis, rows in ClickHouse.

    raw ─ decode ─┬─ rejects ─────────────────────────── dlq topic
                  └─ work (keyed by shard) ─ books ─┬─ events ─┬─ normalized topics
                                   (dedup, stale) ├─ conflicts ── dlq topic
                                                     │          └─ ClickHouse norm_events
                                                     └─ states ─── Redis (check-and-apply)

The same flow runs on Kafka (``wagerflow run``) and on recorded files (``wagerflow demo``): only
the source and the sinks differ.
"""

from __future__ import annotations

import pickle
from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

import bytewax.operators as op
from bytewax.dataflow import Dataflow, Stream
from bytewax.inputs import Source
from bytewax.operators import StatefulBatchLogic
from bytewax.outputs import Sink

from connectors.records import OutRecord, RawBatch
from schemas.dlq import DlqEntry
from schemas.events import NormalizedEvent
from schemas.state import MarketState
from wagerflow import metrics
from wagerflow.adapters import betfair
from wagerflow.normalize import (
    MarketWork,
    NormalizeContext,
    ShardBooks,
    decode_batch,
    dlq_record,
    event_record,
    event_row,
)
from wagerflow.topics import Topics

FLOW_ID = "normalize"


@dataclass(frozen=True, slots=True)
class Outputs:
    topics: Sink[tuple[str, OutRecord]]
    states: Sink[tuple[str, MarketState]]
    rows: Sink[tuple[str, Any]]


class _BooksLogic(StatefulBatchLogic[MarketWork, NormalizedEvent | MarketState, bytes]):
    """Holds one shard's ``ShardBooks``; snapshots are pickled bytes (an immutable copy)."""

    def __init__(self, books: ShardBooks) -> None:
        self._books = books

    def on_batch(self, values: list[MarketWork]) -> tuple[list[Any], bool]:
        out = self._books.apply(values)
        kinds: Counter[str] = Counter()
        for v in out:
            if isinstance(v, DlqEntry):
                metrics.DLQ_ENTRIES.labels(v.provider_id, v.reason).inc()
            elif not isinstance(v, MarketState):
                kinds[str(type(v).__struct_config__.tag)] += 1
        for kind, n in kinds.items():
            metrics.EVENTS_EMITTED.labels(betfair.PROVIDER, kind).inc(n)
        tally = self._books.take_tally()
        if tally.duplicates:
            metrics.DUPLICATES.labels(betfair.PROVIDER).inc(tally.duplicates)
        if tally.stale:
            metrics.STALE.labels(betfair.PROVIDER).inc(tally.stale)
        return out, StatefulBatchLogic.RETAIN

    def snapshot(self) -> bytes:
        return pickle.dumps(self._books.state, protocol=pickle.HIGHEST_PROTOCOL)


def _decode(ctx: NormalizeContext, batch: RawBatch) -> list[Any]:
    work, dlq, tally = decode_batch(batch, ctx)
    metrics.MESSAGES_RECEIVED.labels(betfair.PROVIDER).inc(tally.received)
    if tally.heartbeats:
        metrics.HEARTBEATS.labels(betfair.PROVIDER).inc(tally.heartbeats)
    for entry in dlq:
        metrics.DLQ_ENTRIES.labels(entry.provider_id, entry.reason).inc()
    return [*work, *dlq]


def build_normalize_flow(
    source: Source[RawBatch], outputs: Outputs, ctx: NormalizeContext, topics: Topics
) -> Dataflow:
    flow = Dataflow(FLOW_ID)
    raw = op.input("raw", flow, source)
    decoded = op.flat_map("decode", raw, lambda batch: _decode(ctx, batch))
    split = op.branch("split_rejects", decoded, lambda item: isinstance(item, DlqEntry))
    rejects = op.map("dlq_record", split.trues, lambda e: ("dlq", dlq_record(e, topics)))

    def build_books(resume: bytes | None) -> _BooksLogic:
        state = pickle.loads(resume) if resume is not None else None  # noqa: S301 own snapshot
        return _BooksLogic(ShardBooks(ctx, state))

    applied = op.stateful_batch("books", split.falses, build_books)
    by_kind = op.branch("split_states", applied, lambda kv: isinstance(kv[1], MarketState))
    states = cast("Stream[tuple[str, MarketState]]", by_kind.trues)
    op.output("redis_state", states, outputs.states)
    by_fate = op.branch("split_conflicts", by_kind.falses, lambda kv: isinstance(kv[1], DlqEntry))
    conflicts = op.map(
        "conflict_record",
        cast("Stream[tuple[str, DlqEntry]]", by_fate.trues),
        lambda kv: ("dlq", dlq_record(kv[1], topics)),
    )
    events = cast("Stream[tuple[str, NormalizedEvent]]", by_fate.falses)
    records = op.map("event_record", events, lambda kv: (kv[0], event_record(kv[1], topics)))
    all_records = op.merge("all_records", records, rejects, conflicts)
    op.output("topics", all_records, outputs.topics)
    rows = op.map("event_row", events, lambda kv: (kv[0], event_row(kv[1])))
    op.output("clickhouse", rows, outputs.rows)
    return flow
