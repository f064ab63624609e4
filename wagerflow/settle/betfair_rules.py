"""Betfair Exchange market rules that move money (MONEY.md §2), pure and exact.

Used by both the exposure books (``wagerflow.risk.sports``) and the settlement
(``wagerflow.settle.sports``), so the odds the risk team reads are the odds that are paid.

Sources: Betfair Exchange rules (non-runners and reduction factors, dead heats, each way);
flumine ``SimulatedMiddleware._process_runner_removal`` / ``_calculate_reduction_factor``
(``WIN_MINIMUM_ADJUSTMENT_FACTOR = 2.5``, minimum odds 1.01) and ``Blotter.process_closed_market``
(dead-heat winners counted only when ``numberOfWinners`` is 1). Adjustment factors are percent
x 10,000 and the each-way divisor x 10,000, as the contract carries them (``RunnerRemoved``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from typing import NamedTuple

from wagerflow.money import ODDS_SCALE
from wagerflow.schemas.events import BetOutcome, SelectionResultCode
from wagerflow.schemas.settlement import SettlementFlag

MIN_REDUCTION_FACTOR = 25_000
"""2.5 % x 10,000: a removal with a smaller adjustment factor reduces nothing."""
MIN_ODDS = Fraction(101, 100)
REMOVED: frozenset[SelectionResultCode] = frozenset({"REMOVED", "REMOVED_VACANT"})


class Removal(NamedTuple):
    """A runner removed from a market: its selection, adjustment factor, removal time."""

    selection_id: str
    adjustment_factor: int | None
    removal_time_ms: int


class MarketTerms(NamedTuple):
    """What a closed market says about paying it: places, each-way divisor, winners."""

    number_of_winners: int
    each_way_divisor: int | None
    winners: int


class ExchangePayout(NamedTuple):
    outcome: BetOutcome
    payout: int
    reason: str | None
    flags: tuple[SettlementFlag, ...]


def _round_half_up_2dp(value: Fraction) -> Fraction:
    return Fraction(math.floor(value * 100 + Fraction(1, 2)), 100)


def reduced_odds(
    odds: Fraction, selection_id: str, placed_ms: int, removals: Iterable[Removal]
) -> Fraction:
    """``O'``: the odds of a bet on ``selection_id`` accepted at ``placed_ms`` after the market's
    removals. Each removal of another runner later than the acceptance (``placed_ms`` before its
    ``removalDate``), with an adjustment factor ``AF`` >= 2.5 %, in order of removal time (then
    selection id), takes the odds the previous one left to
    ``max(1.01, round_half_up(O x (1 - AF/100), 2 dp))``; any other removal changes nothing
    (MONEY.md §2.2)."""
    for removal in sorted(removals, key=lambda r: (r.removal_time_ms, r.selection_id)):
        af = removal.adjustment_factor
        if (
            removal.selection_id == selection_id
            or placed_ms >= removal.removal_time_ms
            or af is None
            or af < MIN_REDUCTION_FACTOR
        ):
            continue
        factor = 1 - Fraction(af, 100 * ODDS_SCALE)
        odds = max(MIN_ODDS, _round_half_up_2dp(odds * factor))
    return odds


def place_odds(odds: Fraction, each_way_divisor: int) -> Fraction:
    """The place half's odds of an each-way bet: ``(O' - 1) / d + 1`` (MONEY.md §2.4)."""
    return (odds - 1) / Fraction(each_way_divisor, ODDS_SCALE) + 1


def _label(stake: int, payout: int) -> BetOutcome:
    if payout > stake:
        return "WIN"
    if payout == stake:
        return "PUSH"
    return "HALF_LOSE" if payout > 0 else "LOSE"


def exchange_single(
    stake: int, odds: Fraction, status: SelectionResultCode, terms: MarketTerms
) -> ExchangePayout:
    """A back single at (reduced) odds ``O'`` on a runner of a closed Betfair market:

    - REMOVED / REMOVED_VACANT: VOID, the stake back (§2.1);
    - each way (``each_way_divisor`` d): half the stake on the win at ``O'``, half on the place at
      ``(O' - 1)/d + 1``; WINNER pays both halves, PLACED the place half, else nothing; labelled
      by the payout against the stake (WIN above, PUSH at, HALF_LOSE below, LOSE at 0) (§2.4);
    - otherwise WINNER wins; with one place and ``t`` > 1 WINNERs a dead heat pays
      ``floor(S x O' / t)`` (reason ``dead_heat``); with more WINNERs than places it pays in full,
      flagged DEAD_HEAT_UNRESOLVED (§2.3); PLACED, LOSER and HIDDEN lose (§2.4, §2.5).
    """
    if status in REMOVED:
        return ExchangePayout("VOID", stake, "removed", ())
    if terms.each_way_divisor is not None:
        half = Fraction(stake, 2)
        place = half * place_odds(odds, terms.each_way_divisor)
        if status == "WINNER":
            payout = math.floor(half * odds + place)
        elif status == "PLACED":
            payout = math.floor(place)
        else:
            payout = 0
        return ExchangePayout(_label(stake, payout), payout, "each_way", ())
    if status != "WINNER":
        return ExchangePayout("LOSE", 0, None, ())
    places = max(terms.number_of_winners, 1)
    if places == 1 and terms.winners > 1:
        return ExchangePayout("WIN", math.floor(stake * odds / terms.winners), "dead_heat", ())
    flags: tuple[SettlementFlag, ...] = ()
    if terms.winners > places:
        flags = ("DEAD_HEAT_UNRESOLVED",)
    return ExchangePayout("WIN", math.floor(stake * odds), None, flags)


def scaled(odds: Fraction) -> int | None:
    """Odds x ODDS_SCALE when they fit the scale exactly, else None."""
    value = odds * ODDS_SCALE
    return int(value) if value.denominator == 1 else None
