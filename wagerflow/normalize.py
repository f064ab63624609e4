"""The normalize pipeline's rules, with no engine and no I/O: the flow only wires these.

``decode_batch`` turns a raw batch into per-market work items (keyed by shard) and DLQ entries;
``ShardBooks`` holds the market books of one shard and turns work into normalized events and
latest market states; the ``*_record`` / ``*_row`` functions shape outputs for the sinks.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from connectors.records import OutRecord, RawBatch
from schemas.betfair import MarketChange
from schemas.dlq import DLQ_ENCODER, DlqEntry, Reason
from schemas.events import (
    EVENT_ENCODER,
    MarketSettled,
    MarketStatusChanged,
    NormalizedEvent,
    OddsChanged,
    SourceRef,
)
from schemas.state import MarketState
from wagerflow import topics
from wagerflow.adapters import betfair
from wagerflow.adapters.rejection import Rejection
from wagerflow.dedup import Deduplicator, Verdict
from wagerflow.sharding import DEFAULT_SHARDS, shard_of


@dataclass(frozen=True, slots=True)
class NormalizeContext:
    tenant_id: str
    currency: str
    shards: int = DEFAULT_SHARDS


class MarketWork(NamedTuple):
    change: MarketChange
    meta: betfair.ChangeMeta
    clock: str
    raw: bytes


class DecodeTally(NamedTuple):
    received: int
    heartbeats: int
    rejected: int


def decode_batch(
    batch: RawBatch, ctx: NormalizeContext
) -> tuple[list[tuple[str, MarketWork]], list[DlqEntry], DecodeTally]:
    """Decode every message of a batch; bad input becomes a DLQ entry, never an exception."""
    work: list[tuple[str, MarketWork]] = []
    dlq: list[DlqEntry] = []
    heartbeats = 0
    stamps = batch.timestamps
    for i, (offset, raw) in enumerate(zip(batch.offsets, batch.values, strict=True)):
        source = SourceRef(topic=batch.topic, partition=batch.partition, offset=offset)
        msg = betfair.decode(raw)
        if isinstance(msg, Rejection):
            dlq.append(
                DlqEntry(
                    reason=msg.reason,
                    detail=msg.detail,
                    provider_id=betfair.PROVIDER,
                    tenant_id=ctx.tenant_id,
                    source=source,
                    raw=raw,
                )
            )
            continue
        if betfair.is_heartbeat(msg):
            heartbeats += 1
            continue
        received = stamps[i] if stamps is not None else msg.pt
        for change in msg.mc:
            meta = betfair.ChangeMeta(ctx.tenant_id, ctx.currency, msg.pt, received, source)
            work.append(
                (shard_of(change.id, ctx.shards), MarketWork(change, meta, msg.clk or "", raw))
            )
    return work, dlq, DecodeTally(len(batch.values), heartbeats, len(dlq))


class ShardTally(NamedTuple):
    duplicates: int
    stale: int


class ShardBooks:
    """The market books and dedup memory of one shard. Plain data: ``state`` is what the flow
    pickles as its recovery snapshot.

    A market change is dropped as a **duplicate** when the same market, publish time and stream
    clock was seen with the same bytes (a resend), and rejected as a **conflict** when the bytes
    differ. It is dropped as **stale** when it is older than what its market already applied.
    """

    def __init__(
        self,
        ctx: NormalizeContext,
        state: tuple[dict[str, betfair.MarketBook], Deduplicator] | None = None,
    ) -> None:
        self.ctx = ctx
        self.books, self.dedup = state if state is not None else ({}, Deduplicator())
        self.duplicates = 0
        self.stale = 0

    @property
    def state(self) -> tuple[dict[str, betfair.MarketBook], Deduplicator]:
        return self.books, self.dedup

    def take_tally(self) -> ShardTally:
        """Counts since the last call (for metrics)."""
        tally = ShardTally(self.duplicates, self.stale)
        self.duplicates = self.stale = 0
        return tally

    def _admit(self, work: MarketWork) -> DlqEntry | bool:
        change, meta, clock, raw = work
        key = f"{betfair.PROVIDER}:{change.id}:{meta.publish_time_ms}:{clock}"
        verdict = self.dedup.check(key, zlib.crc32(raw), meta.publish_time_ms)
        if verdict is Verdict.DUPLICATE:
            self.duplicates += 1
            return False
        if verdict is Verdict.CONFLICT:
            return DlqEntry(
                reason=Reason.CONFLICT,
                detail=f"dedup key {key} was seen with different content",
                provider_id=betfair.PROVIDER,
                tenant_id=meta.tenant_id,
                source=meta.source,
                raw=raw,
            )
        book = self.books.get(change.id)
        if book is not None and meta.publish_time_ms < book.version:
            self.stale += 1
            return False
        return True

    def apply(self, works: list[MarketWork]) -> list[NormalizedEvent | MarketState | DlqEntry]:
        """Apply work in order; emit events and rejections, then the latest state of each
        touched market."""
        out: list[NormalizedEvent | MarketState | DlqEntry] = []
        touched: dict[str, betfair.MarketBook] = {}
        for work in works:
            admitted = self._admit(work)
            if admitted is not True:
                if admitted is not False:
                    out.append(admitted)
                continue
            change, meta = work.change, work.meta
            book, events = betfair.apply_market_change(self.books.get(change.id), change, meta)
            self.books[change.id] = book
            touched[change.id] = book
            out.extend(events)
        out.extend(
            betfair.market_state(book, self.ctx.tenant_id, self.ctx.currency)
            for book in touched.values()
        )
        return out


_TOPIC_OF = {
    OddsChanged: topics.NORM_ODDS,
    MarketStatusChanged: topics.NORM_MARKETS,
    MarketSettled: topics.NORM_RESULTS,
}


def event_record(event: NormalizedEvent, t: topics.Topics) -> OutRecord:
    """An event as a message for its normalized topic, keyed by tenant and market."""
    key = f"{event.tenant_id}:{event.provider_id}:{event.market_id}".encode()
    return OutRecord(t.name(_TOPIC_OF[type(event)]), key, EVENT_ENCODER.encode(event))


def dlq_record(entry: DlqEntry, t: topics.Topics) -> OutRecord:
    return OutRecord(t.dlq, None, DLQ_ENCODER.encode(entry))


EVENT_COLUMNS = [
    "tenant_id",
    "provider_id",
    "category",
    "type",
    "dedup_key",
    "event_time",
    "received_time",
    "event_id",
    "market_id",
    "selection_id",
    "status",
    "best_back_odds",
    "best_lay_odds",
    "last_traded_odds",
    "winners",
    "payload",
    "source_topic",
    "source_partition",
    "source_offset",
    "version",
]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(epoch_ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=epoch_ms)


def event_row(event: NormalizedEvent) -> tuple[object, ...]:
    """An event as a row of ``norm_events`` (column order: ``EVENT_COLUMNS``)."""
    selection, status, back, lay, ltp, winners = "", "", None, None, None, []
    if isinstance(event, OddsChanged):
        selection, back, lay = event.selection_id, event.best_back_odds, event.best_lay_odds
        ltp = event.last_traded_odds
    elif isinstance(event, MarketStatusChanged):
        status = event.status
    else:
        status, winners = "SETTLED", event.winners
    return (
        event.tenant_id,
        event.provider_id,
        event.category,
        type(event).__struct_config__.tag,
        event.dedup_key,
        _utc(event.event_time_ms),
        _utc(event.received_time_ms),
        event.event_id or "",
        event.market_id,
        selection,
        status,
        back,
        lay,
        ltp,
        winners,
        EVENT_ENCODER.encode(event).decode(),
        event.source.topic,
        event.source.partition,
        event.source.offset,
        event.event_time_ms,
    )
