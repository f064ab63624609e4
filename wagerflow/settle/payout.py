"""Pure payout arithmetic of sports settlement: exact fractions, one floor at the very end.

Odds here are exact ``Fraction`` decimal odds (2.5, not 25_000); void and dead-heat factors are
integers x ``FACTOR_SCALE`` (``wagerflow.money``), as the normalized contract carries them.
Nothing is rounded until a payout is produced, and then it is floored once to the minor unit
(the house's side of the rounding).

A leg's result (``LegResult``) is ``won``, the refunded share of the stake ``v`` (void factor,
0 when absent) and the paid share of the winnings ``d`` (dead-heat factor, 1 when absent). With
the winnings share ``w = (1 - v) * d`` when won and ``w = 0`` when lost:

- a single at odds ``O`` and stake ``S`` returns ``floor(S * (v + w * O))``; a plain win
  (``v = 0``, ``d`` absent or 1) at odds that fit the odds scale is exactly
  ``money.returns_at_odds``;
- in a multiple, the leg multiplies the bet's potential return by ``(v + w * O) / O`` =
  ``v / O + w``: 1 for a plain win, 0 for a plain loss, ``1/O`` for a void, ``(1 + O) / (2 O)``
  for a half win, ``1 / (2 O)`` for a half loss, ``d`` for a dead heat. ``O`` is needed only when
  ``v > 0``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple

from wagerflow.money import FACTOR_SCALE, ODDS_SCALE, returns_at_odds
from wagerflow.schemas.events import BetOutcome


class LegResult(NamedTuple):
    """How one leg (selection) ended: ``void_factor`` and ``dead_heat_factor`` x FACTOR_SCALE."""

    won: bool
    void_factor: int = 0
    dead_heat_factor: int | None = None

    @property
    def refunded(self) -> Fraction:
        """``v``: the share of the stake refunded."""
        return Fraction(self.void_factor, FACTOR_SCALE)

    @property
    def winnings(self) -> Fraction:
        """``w``: the share of the stake paid at the odds (0 when lost)."""
        if not self.won:
            return Fraction(0)
        dead_heat = FACTOR_SCALE if self.dead_heat_factor is None else self.dead_heat_factor
        return (1 - self.refunded) * Fraction(dead_heat, FACTOR_SCALE)

    @property
    def full_void(self) -> bool:
        return self.void_factor >= FACTOR_SCALE

    @property
    def won_in_full(self) -> bool:
        return self.void_factor == 0 and self.winnings == 1

    @property
    def lost_in_full(self) -> bool:
        return self.void_factor == 0 and self.winnings == 0


WIN = LegResult(won=True)
LOSE = LegResult(won=False)
VOID = LegResult(won=False, void_factor=FACTOR_SCALE)


def single_payout(stake: int, odds: Fraction, result: LegResult) -> int:
    """``floor(S * (v + w * O))``; a plain win at odds that fit the scale is
    ``returns_at_odds``."""
    scaled = odds * ODDS_SCALE
    if result.won_in_full and scaled.denominator == 1:
        return returns_at_odds(stake, int(scaled))
    return math.floor(stake * (result.refunded + result.winnings * odds))


def single_outcome(result: LegResult) -> BetOutcome:
    """VOID when refunded in full; HALF_WIN / HALF_LOSE with a partial refund (whatever its
    size), as the rest won or lost; else WIN or LOSE (a dead heat is a WIN)."""
    if result.full_void:
        return "VOID"
    won = result.winnings > 0
    if result.void_factor > 0:
        return "HALF_WIN" if won else "HALF_LOSE"
    return "WIN" if won else "LOSE"


def leg_factor(result: LegResult, odds: Fraction | None) -> Fraction | None:
    """The leg's factor on a multiple's potential return, ``v / O + w``; None when ``v > 0`` and
    the leg's odds are unknown (or not positive)."""
    if result.void_factor == 0:
        return result.winnings
    if odds is None or odds <= 0:
        return None
    return result.refunded / odds + result.winnings


class MultipleSettlement(NamedTuple):
    outcome: BetOutcome
    payout: int
    odds_unknown: bool
    """A leg needed its odds and they were unknown: it was counted as won in full."""


def multiple_settlement(
    stake: int, odds: Fraction, legs: Sequence[tuple[LegResult, Fraction | None]]
) -> MultipleSettlement:
    """A multiple at decimal odds ``odds`` (exact): every leg void: VOID, the stake back. Any
    leg lost in full: LOSE, 0. Every leg won in full: WIN, ``floor(S * O)``. Otherwise
    ``floor(S * O * product of leg factors)``, floored once (a leg whose needed odds are unknown
    counts 1), labelled WIN above the stake, PUSH at it, HALF_LOSE below it and LOSE at 0."""
    results = [r for r, _ in legs]
    if all(r.full_void for r in results):
        return MultipleSettlement("VOID", stake, odds_unknown=False)
    if any(r.lost_in_full for r in results):
        return MultipleSettlement("LOSE", 0, odds_unknown=False)
    if all(r.won_in_full for r in results):
        return MultipleSettlement("WIN", math.floor(stake * odds), odds_unknown=False)
    product = Fraction(1)
    unknown = False
    for result, own_odds in legs:
        factor = leg_factor(result, own_odds)
        if factor is None:
            unknown = True
        else:
            product *= factor
    payout = math.floor(stake * odds * product)
    outcome: BetOutcome
    if payout > stake:
        outcome = "WIN"
    elif payout == stake:
        outcome = "PUSH"
    elif payout > 0:
        outcome = "HALF_LOSE"
    else:
        outcome = "LOSE"
    return MultipleSettlement(outcome, payout, unknown)


def above_tolerance(accepted: Fraction, market_odds: int, tolerance_bp: int) -> bool:
    """Whether odds ``accepted`` exceed the scaled ``market_odds`` by more than ``tolerance_bp``
    basis points: ``accepted > market * (1 + tolerance_bp / 10_000)``, exactly."""
    return accepted > Fraction(market_odds, ODDS_SCALE) * Fraction(10_000 + tolerance_bp, 10_000)
