"""What every book reads off a sports bet: its legs and its one return figure (MONEY.md §1.1).

The exposure books (``wagerflow.risk.sports``), the limits (``wagerflow.risk.limits``) and the
settlement books (``wagerflow.settle``) all take a bet's legs and its return ``R`` from here, so
that the figure the risk team reads is the figure that is paid.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

from wagerflow.money import ODDS_SCALE
from wagerflow.schemas.events import BetPlaced

PAYOUT_TOLERANCE = 1
"""A provider's ``potentialPayout`` more than this many minor units from ``R`` is flagged
``PAYOUT_MISMATCH`` (MONEY.md §1.1)."""

Window = tuple[int | None, int | None]


class SportLeg(NamedTuple):
    event_id: str
    line: str
    selection_id: str
    market_id: str
    odds: int | None
    """The leg's own accepted odds x ODDS_SCALE (a single's are the bet's ``accepted_odds``)."""


def sport_legs(bet: BetPlaced) -> list[SportLeg]:
    """The legs of a sports bet: its selections with an ``event_id``, on the line ``line_id``
    or else ``market_id``; a selection repeated on the same (event, line) counts once. A single's
    leg takes the bet's ``accepted_odds`` when the selection carries none."""
    legs: dict[tuple[str, str, str], SportLeg] = {}
    for sel in bet.selections:
        if sel.event_id is not None:
            line = sel.line_id or sel.market_id
            leg = SportLeg(sel.event_id, line, sel.selection_id, sel.market_id, sel.odds)
            legs.setdefault((leg.event_id, line, leg.selection_id), leg)
    found = list(legs.values())
    if len(found) == 1 and bet.accepted_odds is not None:
        found[0] = found[0]._replace(odds=bet.accepted_odds)
    return found


def bet_odds(bet: BetPlaced, legs: list[SportLeg]) -> Fraction:
    """The bet's decimal odds ``O``, exact: a single's accepted odds; a multiple's product of
    its legs' own odds when every leg carries them, else its ``accepted_odds``; without any odds,
    ``potentialPayout / stake`` (the only figure there is), else 1 (the stake back)."""
    if legs and all(leg.odds is not None for leg in legs):
        product = Fraction(1)
        for leg in legs:
            product *= Fraction(leg.odds or 0, ODDS_SCALE)
        return product
    if bet.accepted_odds is not None:
        return Fraction(bet.accepted_odds, ODDS_SCALE)
    if bet.potential_payout is not None and bet.stake > 0:
        return Fraction(bet.potential_payout, bet.stake)
    return Fraction(1)


def bet_return(bet: BetPlaced) -> int:
    """``R = floor(S x O)``, stake included (MONEY.md §1.1): what the bet returns if it wins."""
    return math.floor(bet.stake * bet_odds(bet, sport_legs(bet)))


def payout_mismatch(bet: BetPlaced) -> bool:
    """Whether the provider's ``potentialPayout`` is more than one minor unit away from ``R``."""
    if bet.potential_payout is None:
        return False
    return abs(bet.potential_payout - bet_return(bet)) > PAYOUT_TOLERANCE


def inside(at_ms: int, window: Window) -> bool:
    """Whether ``at_ms`` is inside ``[start, end]``; a missing bound is open."""
    start, end = window
    return (start is None or start <= at_ms) and (end is None or at_ms <= end)
