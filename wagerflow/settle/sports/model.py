"""The shapes the sports settlement modules share: a placed bet, its legs, and the settlement
its lines give it. Package-internal: ``settlement.SportsSettlement`` is the public face."""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from wagerflow.schemas.events import BetOutcome
from wagerflow.schemas.settlement import SettlementFlag

BetKey = tuple[str, str]  # tenant, bet_id
LineKey = tuple[str, str | None, str]  # tenant, event_id (None: the line on every event), line


class Leg(NamedTuple):
    event_id: str
    line: str
    selection_id: str
    market_odds: int | None  # the market's at acceptance, x ODDS_SCALE (for ODDS_MISMATCH)
    odds: int | None  # the leg's own accepted odds, x ODDS_SCALE (a multiple's leg factors)


class Bet(NamedTuple):
    provider_id: str
    player_id: str | None
    currency: str
    stake: int
    odds: Fraction  # O, exact (``bet_rules.bet_odds``): R = floor(S x O), singles and multiples
    placed_ms: int
    legs: tuple[Leg, ...]
    odds_mismatch: bool
    payout_mismatch: bool


class Target(NamedTuple):
    """The settlement a bet should have now (its next version unless it has it already)."""

    outcome: BetOutcome
    payout: int
    reason: str | None
    flags: tuple[SettlementFlag, ...]
    settled_at_ms: int
    accepted_odds: int | None = None
    reduced_odds: int | None = None
