"""One risk shard: the exposure books, the limits and the suspend rules, applied in order.

For each normalized event, in this order:

1. the sports book and the round book update the exposures it changes;
2. a sports bet is checked against its limits with the exposures it produced;
3. the suspend rules see the event and the new exposures, and may emit commands.

Events every shard must see (provider health, limit updates, and bet decisions and per-bet
settlements, which name only the bet) are broadcast by the flow; each shard applies them to its
own state. ``now_ms`` is the event's received time (or, on a timer,
the notification time): no rule reads a clock.
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

BROADCAST = (ProviderHealth, LimitsUpdated, BetDecided, BetSettled)
"""Sent to every shard: health and limits concern all markets; a bet decision or a per-bet
settlement names only the bet, and the shard holding it is the one that acts."""


def risk_entity(event: NormalizedEvent) -> str | None:
    """What a risk shard is keyed by: the sport event (all its lines and bets), the live round,
    or a Betfair market; None for events the risk layer does not use."""
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


class RiskShard:
    """Plain picklable state: the flow snapshots it for recovery."""

    def __init__(self, limits: LimitBook, suspend: SuspendConfig) -> None:
        self.sports = SportsBook()
        self.rounds = RoundBook()
        self.limits = limits
        self.suspend = SuspendRules(suspend)

    def apply(self, event: NormalizedEvent, now_ms: int) -> list[RiskRecord]:
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
