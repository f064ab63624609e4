"""Raw batches -> work for the shards, and DLQ entries. Stateless: any worker can run it."""

from __future__ import annotations

from typing import NamedTuple

from wagerflow.adapters import betfair
from wagerflow.adapters.base import PendingEvent, RawMeta
from wagerflow.adapters.registry import ADAPTERS, BETFAIR
from wagerflow.adapters.rejection import Rejection
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.schemas.betfair import MarketChange
from wagerflow.schemas.dlq import DlqEntry
from wagerflow.schemas.events import ProviderHealth, SourceRef
from wagerflow.schemas.records import RawBatch
from wagerflow.shard_key import shard_of

LAGGING_STATUS = 503


class MarketChangeInput(NamedTuple):
    """One Betfair market change, applied to its market's cached book in the shard."""

    change: MarketChange
    meta: betfair.ChangeMeta
    clock: str
    raw: bytes


ShardInput = MarketChangeInput | PendingEvent


class DecodeTally(NamedTuple):
    received: int
    heartbeats: int
    rejected: int


def _reject(
    rejection: Rejection, provider: str, ctx: NormalizeContext, source: SourceRef, raw: bytes
) -> DlqEntry:
    return DlqEntry(
        reason=rejection.reason,
        detail=rejection.detail,
        provider_id=provider,
        tenant_id=ctx.tenant_id,
        source=source,
        raw=raw,
    )


def _betfair_work(
    raw: bytes, source: SourceRef, received: int | None, ctx: NormalizeContext
) -> list[tuple[str, ShardInput]] | Rejection | None:
    """Work for one Betfair line; None for a heartbeat."""
    msg = betfair.decode(raw)
    if isinstance(msg, Rejection):
        return msg
    if msg.status == LAGGING_STATUS:
        health = ProviderHealth(
            tenant_id=ctx.tenant_id,
            provider_id=BETFAIR,
            category=betfair.CATEGORY,
            event_time_ms=msg.pt,
            received_time_ms=received if received is not None else msg.pt,
            dedup_key=f"{BETFAIR}:status:{LAGGING_STATUS}:{msg.pt}",
            source=source,
            producer="stream",
            state="LAGGING",
            detail="status 503: the stream is lagging behind the exchange",
        )
        entity = f"{BETFAIR}:stream"
        return [(shard_of(entity, ctx.shards), PendingEvent(entity, health, raw))]
    if betfair.is_heartbeat(msg):
        return None
    at = received if received is not None else msg.pt
    return [
        (
            shard_of(change.id, ctx.shards),
            MarketChangeInput(
                change,
                betfair.ChangeMeta(ctx.tenant_id, ctx.currency, msg.pt, at, source),
                msg.clk or "",
                raw,
            ),
        )
        for change in msg.mc
    ]


def decode_batch(
    batch: RawBatch, ctx: NormalizeContext
) -> tuple[list[tuple[str, ShardInput]], list[DlqEntry], DecodeTally]:
    """Decode every message of a batch; bad input becomes a DLQ entry, never an exception."""
    provider = batch.provider
    adapter = ADAPTERS.get(provider)
    if adapter is None and provider != BETFAIR:
        msg = f"no adapter for provider {provider!r}"
        raise ValueError(msg)
    work: list[tuple[str, ShardInput]] = []
    dlq: list[DlqEntry] = []
    heartbeats = 0
    stamps, headers = batch.timestamps, batch.headers
    for i, (offset, raw) in enumerate(zip(batch.offsets, batch.values, strict=True)):
        source = SourceRef(topic=batch.topic, partition=batch.partition, offset=offset)
        received = stamps[i] if stamps is not None else None
        signed = ctx.signing.verify(provider, raw, headers[i] if headers else None, received)
        if isinstance(signed, Rejection):
            dlq.append(_reject(signed, provider, ctx, source, raw))
            continue
        if adapter is None:
            result = _betfair_work(raw, source, received, ctx)
            if result is None:
                heartbeats += 1
                continue
        else:
            decoded = adapter(raw, RawMeta(ctx.tenant_id, source, received))
            result = (
                decoded
                if isinstance(decoded, Rejection)
                else [(shard_of(c.entity, ctx.shards), c) for c in decoded]
            )
        if isinstance(result, Rejection):
            dlq.append(_reject(result, provider, ctx, source, raw))
            continue
        if signed is not None:
            result = [
                (k, w._replace(nonce=signed) if isinstance(w, PendingEvent) else w)
                for k, w in result
            ]
        work.extend(result)
    return work, dlq, DecodeTally(len(batch.values), heartbeats, len(dlq))
