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

from collections.abc import Sequence

from schemas.dlq import DlqEntry, Reason
from schemas.events import (
    EVENT_ENCODER,
    BetDecided,
    BetPlaced,
    BetSettled,
    LimitsUpdated,
    NormalizedEvent,
    ProviderHealth,
)
from schemas.risk import EventExposure, LineExposure, RiskRecord
from wagerflow.risk.limits import LimitBook, LimitsError, LimitUpdate, validate_update
from wagerflow.risk.rounds import RoundBook
from wagerflow.risk.sports import SportsBook
from wagerflow.risk.suspend import SuspendConfig, SuspendRules
from wagerflow.sharding import shard_of

BROADCAST = (LimitsUpdated, BetDecided, BetSettled)
"""Sent to every shard: limits concern all markets; a bet decision or a per-bet settlement
names only the bet, and the shard holding it is the one that acts."""


def risk_entity(event: NormalizedEvent) -> str | None:
    """What a risk shard is keyed by: the sport event (all its lines and bets), the live round,
    a Betfair market, or the provider (its health); None for events the risk layer does not
    use."""
    if isinstance(event, ProviderHealth):
        return f"provider:{event.provider_id}"
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
"""A sport event or round silent this long (in its provider's time) is forgotten."""
SWEEP_EVERY_MS = 3600 * 1000

Entity = tuple[str, ...]  # ("event", tenant, event_id) or ("round", tenant, provider, round_id)


def entities(event: NormalizedEvent) -> list[Entity]:
    """The sport events (a Betfair market stands for its event) and rounds an event touches."""
    tenant = event.tenant_id
    round_id = getattr(event, "round_id", None)
    if isinstance(round_id, str):
        return [("round", tenant, event.provider_id, round_id)]
    if isinstance(event, BetPlaced):
        return [("event", tenant, s.event_id) for s in event.selections if s.event_id]
    found: list[Entity] = []
    for name in ("event_id", "market_id"):
        value = getattr(event, name, None)
        if isinstance(value, str):
            found.append(("event", tenant, value))
    return found


class Retention:
    """When each sport event and round was last seen, in its provider's own clock (feeds of
    different providers may run on different clocks, e.g. a replayed recording beside live
    bets): ``idle`` lists those silent for ``RETENTION_MS``, every ``SWEEP_EVERY_MS``."""

    def __init__(self) -> None:
        self._seen: dict[Entity, tuple[str, int]] = {}  # entity -> (provider, time)
        self._clocks: dict[str, int] = {}  # provider -> newest received time
        self._next_sweep: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def touch(self, event: NormalizedEvent) -> list[Entity]:
        """Record ``event``; return the entities due to be forgotten now (usually none)."""
        provider, at = event.provider_id, event.received_time_ms
        for entity in entities(event):
            self._seen[entity] = (provider, at)
        clock = self._clocks[provider] = max(self._clocks.get(provider, at), at)
        if clock < self._next_sweep.setdefault(provider, clock + SWEEP_EVERY_MS):
            return []
        self._next_sweep[provider] = clock + SWEEP_EVERY_MS
        cutoff = clock - RETENTION_MS
        return [e for e, (p, t) in self._seen.items() if p == provider and t < cutoff]

    def forget(self, forgotten: list[Entity]) -> None:
        for entity in forgotten:
            self._seen.pop(entity, None)


class RiskShard:
    """Plain picklable state: the flow snapshots it for recovery."""

    def __init__(self, limits: LimitBook, suspend: SuspendConfig) -> None:
        self.sports = SportsBook()
        self.rounds = RoundBook()
        self.limits = limits
        self.suspend = SuspendRules(suspend)
        self.retention = Retention()

    def _sweep(self, idle: list[Entity]) -> None:
        """Forget idle events (those the sports book can drop) and rounds."""
        events = {(e[1], e[2]) for e in idle if e[0] == "event"}
        forgotten = self.sports.forget_events(events)
        for tenant, event in forgotten:
            self.suspend.forget_event(tenant, event)
        rounds = {(e[1], e[2], e[3]) for e in idle if e[0] == "round"}
        self.rounds.forget_rounds(rounds)
        self.retention.forget([e for e in idle if e[0] == "round" or (e[1], e[2]) in forgotten])

    def apply(self, event: NormalizedEvent, now_ms: int) -> list[RiskRecord]:
        idle = self.retention.touch(event)
        if idle:
            self._sweep(idle)
        out: list[RiskRecord] = []
        if isinstance(event, LimitsUpdated):
            self.limits.apply_update(event)
        exposures = self.sports.apply(event)
        out.extend(exposures)
        out.extend(self.rounds.apply(event))
        if isinstance(event, BetPlaced) and exposures:
            relevant: Sequence[LineExposure | EventExposure] = [
                e for e in exposures if isinstance(e, LineExposure | EventExposure)
            ]
            out.extend(self.limits.check(event, relevant))
        out.extend(self.suspend.apply(event, now_ms))
        for record in exposures:
            if isinstance(record, LineExposure | EventExposure):
                out.extend(self.suspend.apply(record, now_ms))
        return out

    def on_time(self, now_ms: int) -> list[RiskRecord]:
        return list(self.suspend.on_time(now_ms))

    def next_deadline(self) -> int | None:
        return self.suspend.next_deadline()
