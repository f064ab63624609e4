"""Where an event goes in the risk step: its entities (a sport event, a live round, an exchange
market, a provider), the shard keys of those entities, and what every shard must see.

A multiple goes to the entity of every event it touches (MONEY.md §1.5), its home (its first
leg's event) first. Events every shard must see are broadcast: limit, threshold and player
directory updates; bet decisions and per-bet settlements, which name only the bet; line results,
which a multiple with a leg on that line needs wherever it is held.
"""

from __future__ import annotations

from wagerflow.risk.limits import LimitsError, LimitUpdate, validate_update
from wagerflow.risk.suspend import (
    ThresholdsError,
)
from wagerflow.risk.suspend.thresholds import ThresholdUpdate, validate_thresholds
from wagerflow.schemas.dlq import DlqEntry, Reason
from wagerflow.schemas.events import (
    EVENT_ENCODER,
    BetDecided,
    BetPlaced,
    BetSettled,
    CancelRolledBack,
    EventResult,
    LimitsUpdated,
    LineCancelled,
    LineSettled,
    MarketSettled,
    NormalizedEvent,
    PlayerUpdated,
    ProviderHealth,
    RoundChanged,
    RoundResult,
    RoundSettled,
    RunnerRemoved,
    SettlementRolledBack,
    ThresholdsUpdated,
    WalletTransaction,
)
from wagerflow.shard_key import shard_of

LINE_RESULTS = (
    RunnerRemoved,
    LineSettled,
    EventResult,
    MarketSettled,
    SettlementRolledBack,
    LineCancelled,
    CancelRolledBack,
)
SHARD_WIDE = (LimitsUpdated, PlayerUpdated, ThresholdsUpdated)
"""Applied to the shard's own limits and thresholds, not to an entity."""
BROADCAST = (*SHARD_WIDE, BetDecided, BetSettled, *LINE_RESULTS)
"""Sent to every shard: limits, thresholds and players concern all markets; a bet decision or
a per-bet settlement names only the bet, and the shards holding it are the ones that act; a line
result concerns its event's entity and every entity holding a multiple with a leg on that
line."""
LineResult = (
    RunnerRemoved
    | LineSettled
    | EventResult
    | MarketSettled
    | SettlementRolledBack
    | LineCancelled
    | CancelRolledBack
)


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


LIVE_TRAFFIC = (BetPlaced, RoundChanged, RoundResult, RoundSettled)
"""A live provider's round traffic: its bets (with a round), round lifecycle and results."""
PROVIDER_ENTITY = "provider:"


def risk_entities(event: NormalizedEvent) -> list[str]:
    """Every entity an event goes to, its home (``risk_entity``) first: a sports multiple goes
    to the entity of each event it has a leg on; a live provider's round traffic also to the
    provider's entity (its tables' health)."""
    home = risk_entity(event)
    if home is None:
        return []
    if isinstance(event, BetPlaced) and event.round_id is None:
        events = {f"event:{s.event_id}": None for s in event.selections if s.event_id is not None}
        return [home, *(e for e in events if e != home)]
    if isinstance(event, LIVE_TRAFFIC) and home.startswith("round:"):
        return [home, f"{PROVIDER_ENTITY}{event.provider_id}"]
    return [home]


def line_of(event: LineResult) -> tuple[str, str | None, str]:
    if isinstance(event, EventResult | MarketSettled | RunnerRemoved):
        return event.tenant_id, event.event_id, event.market_id
    return event.tenant_id, event.event_id, event.line_id


def invalid_limits_update(event: NormalizedEvent) -> DlqEntry | None:
    """A limit or threshold update the shard would refuse, as a DLQ entry (checked once, before
    it is broadcast to every shard); None for anything else."""
    try:
        if isinstance(event, LimitsUpdated):
            validate_update(LimitUpdate.from_event(event))
        elif isinstance(event, ThresholdsUpdated):
            validate_thresholds(ThresholdUpdate.from_event(event))
    except (LimitsError, ThresholdsError) as exc:
        tag = event.__struct_config__.tag
        return DlqEntry(
            reason=Reason.INVALID_VALUE,
            detail=f"{tag} refused: {exc}",
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
    keys = {shard_of(entity, shards): None for entity in risk_entities(event)}
    return list(keys)
