"""The stateful rules, per shard: dedup, replay, stale odds, confirmations, Betfair books.

Everything a shard remembers is plain picklable data (``NormalizeShardState.state``): the flow
snapshots it for recovery, so a resumed run judges duplicates exactly as an uninterrupted one.
"""

from __future__ import annotations

import zlib
from typing import NamedTuple

import msgspec

from wagerflow.adapters import betfair, uof_events
from wagerflow.adapters.base import PendingEvent
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.decode import MarketChangeInput, ShardInput
from wagerflow.pipeline.dedup import Deduplicator, Verdict
from wagerflow.pipeline.staleness import LatestByKey
from wagerflow.schemas.dlq import DlqEntry, Reason
from wagerflow.schemas.events import (
    EVENT_ENCODER,
    NO_SOURCE,
    LineOddsChanged,
    LineSettled,
    NormalizedEvent,
    RoundResult,
    RoundSettled,
    SourceRef,
)
from wagerflow.schemas.state import MarketState

CORRECTABLE = (RoundSettled, RoundResult)
"""The types whose same-key resend with new content is a correction, not a conflict: the live
bridge's ``round.settle`` and the generic ``roundResult``. Both carry a round's provider-computed
outcome and payouts, which a provider re-issues when the studio fixes a mis-read result or a
miscomputed payout; the casino books settle the new figures as CORRECTED versions. Every other
once-per-id fact (a bet, a decision, a sports result, a round transition) is written once, so a
changed resend is a reused id: a conflict."""


def content_fingerprint(event: NormalizedEvent) -> int:
    """What a resend must repeat to be a duplicate: the event without its times and source
    (a provider's recovery resend carries a new timestamp; a replay comes from another offset)."""
    bare = msgspec.structs.replace(event, event_time_ms=0, received_time_ms=0, source=NO_SOURCE)
    return zlib.crc32(EVENT_ENCODER.encode(bare))


class AcceptedEvent(NamedTuple):
    """A normalized event with the entity whose order it keeps (the output's message key)."""

    entity: str
    event: NormalizedEvent


NormalizeOutput = AcceptedEvent | MarketState | DlqEntry


class ShardTally(NamedTuple):
    duplicates: int
    stale: int


Snapshot = tuple[dict[str, betfair.MarketBook], dict[str, Deduplicator], dict[str, LatestByKey]]


class NormalizeShardState:
    """The memory of one shard.

    - a message whose dedup key was seen with the same content is a **duplicate** (dropped,
      counted); with other content a **conflict** (DLQ), except for the ``CORRECTABLE`` types,
      where it is a **correction**: it passes, marked ``corrects`` with its dedup key. A Betfair
      market change is judged per part (``_admit_change``), so the lines of a split message are
      not conflicts;
    - a signed message whose nonce was seen is a **replay** (DLQ);
    - odds older than what their line (or Betfair market) already applied are **stale**
      (dropped, counted);
    - a UOF settlement with certainty 2 whose certainty-1 settlement was seen passes, marked
      ``confirms`` with that settlement's dedup key.
    """

    def __init__(self, ctx: NormalizeContext, state: Snapshot | None = None) -> None:
        self.ctx = ctx
        if state is None:
            state = (
                {},
                {},
                {},
            )
        self.books, self._dedup, self._latest = state
        self.duplicates = 0
        self.stale = 0

    @property
    def state(self) -> Snapshot:
        return self.books, self._dedup, self._latest

    def dedup(self, provider: str) -> Deduplicator:
        """The dedup memory of one provider. Each provider has its own, because each has its
        own clock: a replay of last year's recordings must not be expired by a live feed."""
        memory = self._dedup.get(provider)
        if memory is None:
            memory = self._dedup[provider] = Deduplicator(
                self.ctx.dedup_horizon_ms, self.ctx.dedup_max_keys
            )
        return memory

    def latest(self, provider: str) -> LatestByKey:
        """The newest odds time applied per line, per provider (for the same reason)."""
        memory = self._latest.get(provider)
        if memory is None:
            memory = self._latest[provider] = LatestByKey(
                self.ctx.dedup_horizon_ms, self.ctx.dedup_max_keys
            )
        return memory

    def take_tally(self) -> ShardTally:
        """Counts since the last call (for metrics)."""
        tally = ShardTally(self.duplicates, self.stale)
        self.duplicates = self.stale = 0
        return tally

    def _conflict(self, provider: str, key: str, source: SourceRef, raw: bytes) -> DlqEntry:
        return DlqEntry(
            reason=Reason.CONFLICT,
            detail=f"dedup key {key} was seen with different content",
            provider_id=provider,
            tenant_id=self.ctx.tenant_id,
            source=source,
            raw=raw,
        )

    def _admit(self, cand: PendingEvent) -> DlqEntry | Verdict:
        event = cand.event
        key, provider = event.dedup_key, event.provider_id
        fp, correctable = content_fingerprint(event), isinstance(event, CORRECTABLE)
        verdict = self.dedup(provider).check(key, fp, event.event_time_ms, correctable)
        if verdict is Verdict.DUPLICATE:
            self.duplicates += 1
        if verdict is Verdict.CONFLICT:
            return self._conflict(provider, key, event.source, cand.raw)
        return verdict

    def _admit_change(self, work: MarketChangeInput) -> DlqEntry | bool:
        """A Betfair market change is keyed per part (``betfair.change_parts``) under its market,
        ``pt`` and ``clk``: the lines of a split message carry other parts and are all new, a
        resend repeats seen parts (a duplicate when all are the same, a conflict when one is
        not). A change with a new part is applied whole: its repeated parts are idempotent."""
        change, meta, clock, raw = work
        memory = self.dedup(betfair.PROVIDER)
        prefix = f"{betfair.PROVIDER}:{change.id}:{meta.publish_time_ms}:{clock}"
        parts = [(f"{prefix}:{name}", fp) for name, fp in betfair.change_parts(change)]
        verdicts = [memory.peek(key, fp) for key, fp in parts]
        if Verdict.CONFLICT in verdicts:
            key = next(
                k for (k, _), v in zip(parts, verdicts, strict=True) if v is Verdict.CONFLICT
            )
            return self._conflict(betfair.PROVIDER, key, meta.source, raw)
        if Verdict.NEW not in verdicts:
            self.duplicates += 1
            return False
        for key, fp in parts:
            memory.check(key, fp, meta.publish_time_ms)
        return True

    def _apply_market(
        self,
        work: MarketChangeInput,
        out: list[NormalizeOutput],
        touched: dict[str, betfair.MarketBook],
    ) -> None:
        change, meta = work.change, work.meta
        admitted = self._admit_change(work)
        if admitted is not True:
            if admitted is not False:
                out.append(admitted)
            return
        book = self.books.get(change.id)
        if book is not None and meta.publish_time_ms < book.version:
            self.stale += 1
            return
        book, events = betfair.apply_market_change(book, change, meta)
        self.books[change.id] = book
        touched[change.id] = book
        out.extend(AcceptedEvent(change.id, e) for e in events)

    def _apply_candidate(self, cand: PendingEvent, out: list[NormalizeOutput]) -> None:
        event = cand.event
        if cand.nonce is not None:
            nonce_key = f"nonce:{event.provider_id}:{cand.nonce}"
            nonces = self.dedup(event.provider_id)
            if nonces.check(nonce_key, 0, event.event_time_ms) is not Verdict.NEW:
                out.append(
                    DlqEntry(
                        reason=Reason.REPLAY,
                        detail=f"nonce {cand.nonce} was already used",
                        provider_id=event.provider_id,
                        tenant_id=self.ctx.tenant_id,
                        source=event.source,
                        raw=cand.raw,
                    )
                )
                return
        admitted = self._admit(cand)
        if isinstance(admitted, DlqEntry):
            out.append(admitted)
            return
        if admitted is Verdict.DUPLICATE:
            return
        if admitted is Verdict.CORRECTION and isinstance(event, CORRECTABLE):
            event = msgspec.structs.replace(event, corrects=event.dedup_key)
        if isinstance(event, LineOddsChanged) and self.latest(event.provider_id).is_stale(
            cand.entity, event.event_time_ms
        ):
            self.stale += 1
            return
        if isinstance(event, LineSettled):
            earlier = uof_events.confirmed_key(event)
            if earlier is not None and self.dedup(event.provider_id).seen(earlier):
                event = msgspec.structs.replace(event, confirms=earlier)
        for key in uof_events.keys_undone_by(event):
            self.dedup(event.provider_id).forget(key)
        out.append(AcceptedEvent(cand.entity, event))

    def apply(self, works: list[ShardInput]) -> list[NormalizeOutput]:
        """Apply work in order; emit events and rejections, then the latest state of each
        Betfair market touched."""
        out: list[NormalizeOutput] = []
        touched: dict[str, betfair.MarketBook] = {}
        for work in works:
            if isinstance(work, MarketChangeInput):
                self._apply_market(work, out, touched)
            else:
                self._apply_candidate(work, out)
        out.extend(
            betfair.market_state(book, self.ctx.tenant_id, self.ctx.currency)
            for book in touched.values()
        )
        return out
