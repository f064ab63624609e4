"""What a sports bet's lines give it now: the payout of a single or a multiple, and its time.

The payout arithmetic is ``wagerflow.settle.payout``. Rules:

- **Singles**, stake ``S`` at odds ``O``, with ``w = (1 - v) * d`` when won and 0 when lost;
  payout ``floor(S * (v + w * O))``, floored ONCE to the minor unit (house side); a plain win is
  ``money.returns_at_odds(S, accepted_odds)``. Outcome: ``v = 1`` (full refund) VOID (also from
  a result: UOF sends void factor 1 for a refund, so PUSH is left to multiples), ``0 < v < 1``
  HALF_WIN or HALF_LOSE (whatever ``v``), else WIN (``d`` included) or LOSE; a won dead heat
  with ``d = 0`` counts as lost. ``reason``: ``void_reason:<n>`` (or ``void``, ``removed``,
  ``cancelled``) for a (partly) void leg, ``dead_heat`` for a won dead heat, else None.
- **Multiples**: every leg void -> VOID, the stake back (no odds needed); any leg lost in full
  -> LOSE, 0; every leg won in full -> WIN, the potential return ``R``; otherwise
  ``floor(R * product of leg factors)``, floored once: a leg factor is ``v / O_leg + w`` (void
  ``1/O_leg``, half win ``(1 + O_leg) / (2 O_leg)``, half loss ``1 / (2 O_leg)``, dead heat
  ``d``, won 1), ``O_leg`` being the leg's own accepted odds (MONEY.md §1.5: never a market
  sample). A leg that needs ``O_leg`` (``v > 0``) without one counts as won in full (factor 1:
  the house may overpay, hence the flag) and the version is flagged LEG_ODDS_UNKNOWN. A leg lost
  in full settles the multiple LOSE at once, without waiting for its other legs (§1.5).
  Outcome: WIN above the stake, PUSH at it, HALF_LOSE below it, LOSE at 0; ``reason`` None.
- **PAYOUT_MISMATCH**: every settled version of a bet whose provider ``potentialPayout`` is more
  than one minor unit from ``R`` (MONEY.md §1.1).
- **ODDS_MISMATCH** (singles): when the single's odds ``O`` exceed those market odds by more
  than the tolerance, ``O > market * (1 + odds_tolerance_bp / 10_000)`` exactly (at the
  tolerance is no mismatch), every settled version is flagged; it is still paid at ``O``.
- **Betfair singles** (a line with a removal or a closed Betfair market, MONEY.md §2): a leg on a
  removed runner is VOID from the removal on (reason ``removed``); on a closed market the bet
  is paid by ``betfair_rules.exchange_single`` at the reduced odds ``O'``
  (``betfair_rules.reduced_odds`` over the market's removals); the record keeps ``accepted_odds``
  ``O`` and ``reduced_odds`` ``O'``. A cancel window still voids first.
- **settled_at_ms** does not depend on arrival order. Each input that changes a line's state
  (result, rollback, cancel window) is kept in the line's history, in the order of the results
  stream. A settled version's time is the event time of the earliest input, over the histories
  of the bet's lines, from which on the bet has continuously had its current outcome, payout
  and flags (what decides whether a version is emitted): a confirmation keeps the time of what
  it confirms, a bet freed by a cancel rollback takes the rollback's time, a rollback breaks the
  run. That run is the same whether the bet arrived before or after those inputs. An OPEN
  version takes the rollback's event time and a provider settlement its own.
"""

from __future__ import annotations

from fractions import Fraction

from wagerflow.bet_rules import inside
from wagerflow.money import ODDS_SCALE
from wagerflow.schemas.settlement import SettlementFlag
from wagerflow.settle.betfair_rules import exchange_single, reduced_odds, scaled
from wagerflow.settle.payout import VOID, multiple_settlement, single_outcome, single_payout
from wagerflow.settle.sports.lines import EMPTY, LOST, ExchangeResult, LineBook, LineState, Mark
from wagerflow.settle.sports.model import Bet, Leg, LineKey, Target


def evaluate(tenant: str, bet: Bet, lines: LineBook) -> Target | None:
    """The settlement the bet's lines give now (None while a leg is open), timed at the
    earliest input of the current unbroken run of the same outcome and payout."""
    where: dict[LineKey, None] = {}
    for leg in bet.legs:
        where[tenant, leg.event_id, leg.line] = where[tenant, None, leg.line] = None
    states: dict[LineKey, LineState] = {}
    runs: list[tuple[int, Target | None]] = []  # after each input: its time, the settlement
    for entry, k in lines.timeline(where):
        states[k] = entry.state
        runs.append((entry.at_ms, _settle(tenant, bet, states)))
    at_ms, now = runs[-1] if runs else (0, None)
    if now is None:
        return None
    for earlier, target in reversed(runs):
        if target is None or (target.outcome, target.payout, target.flags) != (
            now.outcome,
            now.payout,
            now.flags,
        ):
            break
        at_ms = earlier
    return now._replace(settled_at_ms=at_ms)


def _settle(tenant: str, bet: Bet, states: dict[LineKey, LineState]) -> Target | None:
    """The settlement the given line states give the bet (its time left 0)."""
    found = [
        _mark(
            bet,
            leg,
            states.get((tenant, leg.event_id, leg.line), EMPTY),
            states.get((tenant, None, leg.line), EMPTY),
        )
        for leg in bet.legs
    ]
    payout_flag: tuple[SettlementFlag, ...] = ("PAYOUT_MISMATCH",) if bet.payout_mismatch else ()
    if len(found) > 1 and any(m is not None and m.result.lost_in_full for m in found):
        return Target("LOSE", 0, None, payout_flag, settled_at_ms=0)  # dead at once (§1.5)
    marks = [m for m in found if m is not None]
    if len(marks) < len(found):
        return None
    if len(marks) == 1:
        (mark,) = marks
        mismatch: tuple[SettlementFlag, ...] = ("ODDS_MISMATCH",) if bet.odds_mismatch else ()
        flags = (*mismatch, *payout_flag)
        leg = bet.legs[0]
        own = states.get((tenant, leg.event_id, leg.line), EMPTY)
        exchange = _exchange_of(own, states.get((tenant, None, leg.line), EMPTY))
        if exchange is not None and mark.reason != "removed" and not _windowed(bet, own):
            known = {r.selection_id: r for r in (*own.removed, *exchange.removals)}
            odds = reduced_odds(bet.odds, leg.selection_id, bet.placed_ms, known.values())
            paid = exchange_single(
                bet.stake, odds, exchange.statuses.get(leg.selection_id, "LOSER"), exchange.terms
            )
            return Target(
                outcome=paid.outcome,
                payout=paid.payout,
                reason=paid.reason,
                flags=(*flags, *paid.flags),
                settled_at_ms=0,
                accepted_odds=scaled(bet.odds),
                reduced_odds=scaled(odds),
            )
        return Target(
            outcome=single_outcome(mark.result),
            payout=single_payout(bet.stake, bet.odds, mark.result),
            reason=mark.reason,
            flags=flags,
            settled_at_ms=0,
            accepted_odds=scaled(bet.odds),
        )
    legs = [
        (m.result, None if leg.odds is None else Fraction(leg.odds, ODDS_SCALE))
        for m, leg in zip(marks, bet.legs, strict=True)
    ]
    multiple = multiple_settlement(bet.stake, bet.odds, legs)
    unknown: tuple[SettlementFlag, ...] = ("LEG_ODDS_UNKNOWN",) if multiple.odds_unknown else ()
    return Target(
        outcome=multiple.outcome,
        payout=multiple.payout,
        reason=None,
        flags=(*unknown, *payout_flag),
        settled_at_ms=0,
    )


def _exchange_of(own: LineState, anywhere: LineState) -> ExchangeResult | None:
    result = own.result or anywhere.result
    return None if result is None else result.exchange


def _windowed(bet: Bet, own: LineState) -> bool:
    return any(inside(bet.placed_ms, window) for window, _ in own.windows)


def _mark(bet: Bet, leg: Leg, own: LineState, anywhere: LineState) -> Mark | None:
    """A leg's mark in the given states of its line (own event, event-less); None: open."""
    for window, reason in own.windows:
        if inside(bet.placed_ms, window):
            return Mark(VOID, reason)
    if any(r.selection_id == leg.selection_id for r in (*own.removed, *anywhere.removed)):
        return Mark(VOID, "removed")
    result = own.result or anywhere.result
    if result is None:
        return None
    return result.selections.get(leg.selection_id, LOST)
