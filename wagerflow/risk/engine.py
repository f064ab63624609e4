"""One risk shard: the exposure books, the limits and the suspend rules, applied in order.

For each normalized event, in this order:

1. the sports book and the round book update the exposures it changes;
2. a sports bet is checked against its limits with the exposures it produced;
3. the suspend rules see the event and the new exposures, and may emit commands.

Events every shard must see (limit updates, and bet decisions and per-bet settlements, which
name only the bet) are broadcast by the flow; each shard applies them to its own state. Provider
health goes to one shard per provider (its commands are provider-wide). ``now_ms`` is the
event's received time (or, on a timer, the wall clock or the end of the input): no rule reads a
clock.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

from wagerflow.risk.limits import LimitBook, LimitsError, LimitUpdate, validate_update
from wagerflow.risk.rounds import RoundBook
from wagerflow.risk.sports import SportsBook
from wagerflow.risk.suspend import SuspendConfig, SuspendRules
from wagerflow.schemas.dlq import DlqEntry, Reason
from wagerflow.schemas.events import (
    EVENT_ENCODER,
    BetDecided,
    BetPlaced,
    BetSettled,
    LimitsUpdated,
    NormalizedEvent,
    ProviderHealth,
    WalletTransaction,
)
from wagerflow.schemas.risk import EventExposure, LineExposure, RiskRecord
from wagerflow.schemas.settlement import BetSettlement, RoundSummary, Settlement
from wagerflow.settle.casino.settlement import CasinoSettlement
from wagerflow.settle.publish import RoundTotals, settlement_messages
from wagerflow.settle.sports.settlement import SportsSettlement
from wagerflow.shard_key import shard_of

BROADCAST = (LimitsUpdated, BetDecided, BetSettled)
"""Sent to every shard: limits concern all markets; a bet decision or a per-bet settlement
names only the bet, and the shard holding it is the one that acts."""


def risk_entity(event: NormalizedEvent) -> str | None:
    """What a risk shard is keyed by: the sport event (all its lines and bets), the live round,
    a Betfair market, or the provider (its health); None for events the risk layer does not
    use."""
    if isinstance(event, ProviderHealth):
        return f"provider:{event.provider_id}"
    if isinstance(event, WalletTransaction) and event.round_id is None:
        return f"wallet:{event.provider_id}:{event.reference_id or event.transaction_id}"
    if isinstance(event, BetPlaced):
        if event.round_id is not None:
            return f"round:{event.round_id}"
        leg = event.selections[0] if event.selections else None
        if leg is None or leg.event_id is None:
            return None
        return f"event:{leg.event_id}"
    round_id = getattr(event, "round_id", None)
    if isinstance(round_id, str):
        return f"round:{round_id}"
    event_id = getattr(event, "event_id", None)
    if isinstance(event_id, str):
        return f"event:{event_id}"
    market_id = getattr(event, "market_id", None)
    if isinstance(market_id, str):
        return f"event:{market_id}"
    bet_id = getattr(event, "bet_id", None)
    if isinstance(bet_id, str):
        return f"bet:{bet_id}"
    return None


def invalid_limits_update(event: NormalizedEvent) -> DlqEntry | None:
    """A limit update the limit book would refuse, as a DLQ entry (checked once, before it is
    broadcast to every shard); None for anything else."""
    if not isinstance(event, LimitsUpdated):
        return None
    try:
        validate_update(LimitUpdate.from_event(event))
    except LimitsError as exc:
        return DlqEntry(
            reason=Reason.INVALID_VALUE,
            detail=f"limits.update refused: {exc}",
            provider_id=event.provider_id,
            tenant_id=event.tenant_id,
            source=event.source,
            raw=EVENT_ENCODER.encode(event),
        )
    return None


def risk_keys(event: NormalizedEvent, shards: int) -> list[str]:
    """The shard keys an event goes to: every shard for broadcast events, else its entity's."""
    if isinstance(event, BROADCAST):
        return [str(n) for n in range(shards)]
    entity = risk_entity(event)
    return [] if entity is None else [shard_of(entity, shards)]


RETENTION_MS = 72 * 3600 * 1000
"""A risk entity (sport event, round) silent this long, in its provider's time, is forgotten."""
SWEEP_EVERY_MS = 3600 * 1000


RiskOutput = RiskRecord | BetSettlement | RoundSummary | Settlement
"""What a risk entity emits: exposures, commands and breaches; bet settlements, round summaries
and the ``round.settle`` messages."""


class EntityRisk:
    """The books and rules of one risk entity (``risk_entity``): a sport event with its lines
    and bets, a live round, an exchange market, or a provider's health. A settlement releases
    exposure in the exposure books and pays in the settlement books, from the same input."""

    def __init__(self, suspend: SuspendConfig) -> None:
        self.sports = SportsBook()
        self.rounds = RoundBook()
        self.suspend = SuspendRules(suspend)
        self.sports_settlement = SportsSettlement()
        self.casino_settlement = CasinoSettlement()
        self.round_totals = RoundTotals()
        self.bets: dict[tuple[str, str], int] = {}  # (tenant, bet_id) placed here -> event time
        self.provider = ""
        self.last_seen_ms = 0

    def apply(self, event: NormalizedEvent, now_ms: int, limits: LimitBook) -> list[RiskOutput]:
        self.provider, self.last_seen_ms = event.provider_id, event.received_time_ms
        if isinstance(event, BetPlaced):
            self.bets.setdefault((event.tenant_id, event.bet_id), event.event_time_ms)
        out: list[RiskOutput] = []
        settled = self.sports_settlement.apply(event) + self.casino_settlement.apply(event)
        if settled:
            out.extend(settled)
            out.extend(self.round_totals.apply(settled))
            out.extend(settlement_messages(settled))
        exposures = self.sports.apply(event)
        out.extend(exposures)
        out.extend(self.rounds.apply(event))
        if isinstance(event, BetPlaced) and exposures:
            relevant: Sequence[LineExposure | EventExposure] = [
                e for e in exposures if isinstance(e, LineExposure | EventExposure)
            ]
            out.extend(limits.check(event, relevant))
        out.extend(self.suspend.apply(event, now_ms))
        for record in exposures:
            if isinstance(record, LineExposure | EventExposure):
                out.extend(self.suspend.apply(record, now_ms))
        return out


class RiskShardState:
    """The risk entities of one shard key, and the limits they share.

    Snapshots are incremental: each entity is pickled on its own and its bytes are kept until
    the entity changes, so an epoch's snapshot re-pickles only the entities its inputs touched
    (the rest are copied as bytes). Entities silent for ``RETENTION_MS`` (by their provider's
    newest received time, since feeds of different providers may run on different clocks, e.g.
    a replayed recording beside live bets) are forgotten by a sweep every ``SWEEP_EVERY_MS``.
    A multiple's legs on other entities are not seen by this entity's books."""

    def __init__(self, limits: LimitBook, suspend: SuspendConfig) -> None:
        self.limits = limits
        self.config = suspend
        self.entities: dict[str, EntityRisk] = {}
        self._clocks: dict[str, int] = {}  # provider -> newest received time
        self._next_sweep: dict[str, int] = {}
        self._pickled: dict[str, bytes] = {}
        self._dirty: set[str] = set()
        self._bet_index: dict[tuple[str, str], str] = {}  # derived: rebuilt on restore
        self._deadlines: dict[str, int] = {}  # derived: each entity's next timer

    def __getstate__(self) -> dict[str, object]:
        for key in self._dirty:
            entity = self.entities.get(key)
            if entity is None:
                self._pickled.pop(key, None)
            else:
                self._pickled[key] = pickle.dumps(entity, protocol=pickle.HIGHEST_PROTOCOL)
        self._dirty.clear()
        return {
            "limits": self.limits,
            "config": self.config,
            "clocks": self._clocks,
            "next_sweep": self._next_sweep,
            "entities": self._pickled,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.limits = state["limits"]
        self.config = state["config"]
        self._clocks = state["clocks"]
        self._next_sweep = state["next_sweep"]
        self._pickled = dict(state["entities"])
        self.entities = {
            k: pickle.loads(v)  # noqa: S301 own snapshot
            for k, v in self._pickled.items()
        }
        self._dirty = set()
        self._bet_index = {bet: key for key, entity in self.entities.items() for bet in entity.bets}
        self._deadlines = {}
        for key, entity in self.entities.items():
            self._track_deadline(key, entity)

    def _track_deadline(self, key: str, entity: EntityRisk) -> None:
        deadline = entity.suspend.next_deadline()
        if deadline is None:
            self._deadlines.pop(key, None)
        else:
            self._deadlines[key] = deadline

    def apply(self, event: NormalizedEvent, now_ms: int) -> list[RiskOutput]:
        if isinstance(event, LimitsUpdated):
            self.limits.apply_update(event)
            return []
        self._sweep(event)
        if isinstance(event, BetDecided | BetSettled):
            key = self._bet_index.get((event.tenant_id, event.bet_id))
        else:
            key = risk_entity(event)
        if key is None:
            return []
        entity = self.entities.get(key)
        if entity is None:
            entity = self.entities[key] = EntityRisk(self.config)
        self._dirty.add(key)
        if isinstance(event, BetPlaced):
            self._bet_index[(event.tenant_id, event.bet_id)] = key
        out = entity.apply(event, now_ms, self.limits)
        self._track_deadline(key, entity)
        return out

    def _sweep(self, event: NormalizedEvent) -> None:
        provider, at = event.provider_id, event.received_time_ms
        clock = self._clocks[provider] = max(self._clocks.get(provider, at), at)
        if clock < self._next_sweep.setdefault(provider, clock + SWEEP_EVERY_MS):
            return
        self._next_sweep[provider] = clock + SWEEP_EVERY_MS
        cutoff = clock - RETENTION_MS
        for key, entity in list(self.entities.items()):
            if entity.provider == provider and entity.last_seen_ms < cutoff:
                del self.entities[key]
                self._dirty.add(key)
                self._deadlines.pop(key, None)
                for bet in entity.bets:
                    self._bet_index.pop(bet, None)

    def placed_at(self, tenant: str, bet_id: str) -> int | None:
        """When a bet held by this shard was placed (event time), for time-to-settle."""
        key = self._bet_index.get((tenant, bet_id))
        return None if key is None else self.entities[key].bets.get((tenant, bet_id))

    def on_time(self, now_ms: int) -> list[RiskOutput]:
        """Fire the timers due at ``now_ms`` (the wall clock, or the end of the input)."""
        out: list[RiskOutput] = []
        for key in sorted(k for k, at in self._deadlines.items() if at <= now_ms):
            entity = self.entities[key]
            out.extend(entity.suspend.on_time(now_ms))
            self._dirty.add(key)
            self._track_deadline(key, entity)
        return out

    def next_deadline(self) -> int | None:
        return min(self._deadlines.values(), default=None)
