"""SportsSettlement: one test per rule, random histories against a from-scratch oracle, order
independence, and bets settled by the recorded UOF messages."""

from __future__ import annotations

import dataclasses
import itertools
import math
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.adapters.base import RawMeta
from wagerflow.adapters.uof_events import decode
from wagerflow.money import FACTOR_SCALE, ODDS_SCALE
from wagerflow.schemas.events import (
    BetDecided,
    BetOutcome,
    BetPlaced,
    BetSelection,
    BetSettled,
    CancelRolledBack,
    EventResult,
    LineCancelled,
    LineOddsChanged,
    LineSettled,
    MarketSettled,
    NormalizedEvent,
    OddsChanged,
    OutcomeOdds,
    OutcomeResult,
    SelectionResult,
    SelectionResultCode,
    SettlementRolledBack,
    SourceRef,
)
from wagerflow.schemas.settlement import BetSettlement
from wagerflow.settle import payout
from wagerflow.settle.sports.odds import ODDS_HISTORY
from wagerflow.settle.sports.settlement import SportsSettleConfig, SportsSettlement

T = "t1"
_serial = itertools.count()
Window = tuple[int | None, int | None]
HALF = FACTOR_SCALE // 2

# --- building events --------------------------------------------------------------------------


def env(at: int, *, tenant: str = T, provider: str = "uof") -> dict[str, Any]:
    n = next(_serial)  # every built event is a distinct input (its own dedup key)
    return {
        "tenant_id": tenant,
        "provider_id": provider,
        "category": "sport",
        "event_time_ms": at,
        "received_time_ms": at,
        "dedup_key": f"k{n}",
        "source": SourceRef(topic="t", partition=0, offset=n),
    }


def leg(event: str | None, line: str, selection: str, odds: int | None = None) -> BetSelection:
    market = line.split(":")[0]
    return BetSelection(
        market_id=market,
        selection_id=selection,
        event_id=event,
        line_id=None if line == market else line,
        odds=odds,
    )


def bet(
    bet_id: str,
    legs: list[BetSelection],
    stake: int,
    *,
    odds: int | None = None,
    potential: int | None = None,
    at: int = 0,
    tenant: str = T,
    provider: str = "uof",
    category: str = "sport",
) -> BetPlaced:
    return BetPlaced(
        **{**env(at, tenant=tenant, provider=provider), "category": category},
        bet_id=bet_id,
        idempotency_key=bet_id,
        selections=legs,
        stake=stake,
        currency="EUR",
        accepted_odds=odds,
        potential_payout=potential,
        player_id="p1",
    )


def single(
    bet_id: str,
    selection: str,
    stake: int,
    *,
    event: str = "e1",
    line: str = "1",
    **kw: Any,
) -> BetPlaced:
    return bet(bet_id, [leg(event, line, selection)], stake, **kw)


def outcome(
    selection: str, won: bool, void: int | None = None, dead_heat: int | None = None
) -> OutcomeResult:
    return OutcomeResult(
        outcome_id=selection, won=won, void_factor=void, dead_heat_factor=dead_heat
    )


def line_settled(
    event: str,
    line: str,
    outcomes: list[OutcomeResult],
    *,
    certainty: int = 2,
    at: int = 0,
    void_reason: int | None = None,
) -> LineSettled:
    return LineSettled(
        **env(at),
        event_id=event,
        market_id=line.split(":")[0],
        specifiers=None,
        line_id=line,
        certainty=certainty,
        outcomes=outcomes,
        void_reason=void_reason,
    )


def rolled_back(event: str, line: str, at: int = 0) -> SettlementRolledBack:
    return SettlementRolledBack(
        **env(at), event_id=event, market_id=line.split(":")[0], specifiers=None, line_id=line
    )


def cancelled(
    event: str, line: str, window: Window, at: int = 0, void_reason: int | None = None
) -> LineCancelled:
    return LineCancelled(
        **env(at),
        event_id=event,
        market_id=line.split(":")[0],
        specifiers=None,
        line_id=line,
        start_time_ms=window[0],
        end_time_ms=window[1],
        void_reason=void_reason,
    )


def uncancelled(event: str, line: str, window: Window, at: int = 0) -> CancelRolledBack:
    return CancelRolledBack(
        **env(at),
        event_id=event,
        market_id=line.split(":")[0],
        specifiers=None,
        line_id=line,
        start_time_ms=window[0],
        end_time_ms=window[1],
    )


def market_settled(
    event: str | None, market: str, results: dict[str, SelectionResultCode], at: int = 0
) -> MarketSettled:
    return MarketSettled(
        **env(at, provider="betfair"),
        event_id=event,
        market_id=market,
        results=[SelectionResult(selection_id=s, result=r) for s, r in results.items()],
    )


def event_result(
    event: str, market: str, winners: list[str], voids: list[str] | None = None, at: int = 0
) -> EventResult:
    return EventResult(
        **env(at, provider="generic"),
        event_id=event,
        market_id=market,
        winners=winners,
        void_selections=voids or [],
    )


def line_odds(event: str, line: str, odds: dict[str, int | None], at: int = 0) -> LineOddsChanged:
    return LineOddsChanged(
        **env(at),
        event_id=event,
        market_id=line.split(":")[0],
        specifiers=None,
        line_id=line,
        status="OPEN",
        outcomes=[OutcomeOdds(outcome_id=s, odds=o, active=True) for s, o in odds.items()],
    )


def exchange_odds(
    event: str | None, market: str, selection: str, back: int, at: int = 0
) -> OddsChanged:
    return OddsChanged(
        **env(at, provider="betfair"),
        event_id=event,
        market_id=market,
        selection_id=selection,
        currency="EUR",
        best_back_odds=back,
        best_back_size=100,
        best_lay_odds=None,
        best_lay_size=None,
        last_traded_odds=None,
    )


def decided(bet_id: str, decision: str, at: int = 0) -> BetDecided:
    return BetDecided(**env(at), bet_id=bet_id, decision=decision)  # type: ignore[arg-type]


def provider_settled(bet_id: str, result: BetOutcome, amount: int, at: int = 0) -> BetSettled:
    return BetSettled(**env(at), bet_id=bet_id, outcome=result, payout=amount, currency="EUR")


def run(s: SportsSettlement, evs: Iterable[NormalizedEvent]) -> list[BetSettlement]:
    return [r for e in evs for r in s.apply(e)]


def figures(r: BetSettlement) -> tuple[str, BetOutcome | None, int]:
    return (r.state, r.outcome, r.payout)


def floor(x: Fraction) -> int:
    return math.floor(x)


def dec(scaled: int) -> Fraction:
    """Scaled odds as exact decimal odds."""
    return Fraction(scaled, ODDS_SCALE)


# --- singles ----------------------------------------------------------------------------------


def test_a_single_wins_at_its_accepted_odds_and_loses_nothing_else() -> None:
    s = SportsSettlement()
    run(s, [single("w", "a", 1_001, odds=19_999, at=5), single("l", "b", 700, odds=30_000)])
    out = s.apply(line_settled("e1", "1", [outcome("a", True), outcome("b", False)], at=40))
    lost, won = out  # in bet id order
    assert figures(won) == ("SETTLED", "WIN", floor(1_001 * dec(19_999)))
    assert figures(lost) == ("SETTLED", "LOSE", 0)
    assert won.settlement_id == "t1:uof:w:1"
    assert (won.round_id, won.version, won.settled_at_ms, won.stake) == ("e1/1", 1, 40, 1_001)
    assert (won.previous_state, won.previous_outcome, won.previous_payout) == (None, None, 0)
    assert (won.player_id, won.currency, won.category, won.flags) == ("p1", "EUR", "sport", [])
    assert won.reason is None


def test_odds_come_from_the_potential_payout_else_count_as_one() -> None:
    s = SportsSettlement()
    run(s, [single("p", "a", 300, potential=1_000), single("n", "a", 300)])
    out = s.apply(line_settled("e1", "1", [outcome("a", True, void=HALF)]))
    by_id = {r.bet_id: r for r in out}
    # half void at odds 1000/300: 150 back + 150 * 10/3 = 650
    assert figures(by_id["p"]) == ("SETTLED", "HALF_WIN", 150 + 150 * 1_000 // 300)
    assert figures(by_id["n"]) == ("SETTLED", "HALF_WIN", 300)  # odds 1: the stake back


def test_full_void_refunds_the_stake() -> None:
    s = SportsSettlement()
    run(s, [single("a", "a", 999, odds=25_000), single("b", "b", 10, odds=15_000)])
    out = s.apply(
        line_settled(
            "e1",
            "1",
            [outcome("a", False, void=FACTOR_SCALE), outcome("b", True, void=FACTOR_SCALE)],
            void_reason=7,
        )
    )
    assert [(figures(r), r.reason) for r in out] == [
        (("SETTLED", "VOID", 999), "void_reason:7"),
        (("SETTLED", "VOID", 10), "void_reason:7"),
    ]


def test_half_void_is_computed_exactly_and_floored_once() -> None:
    s = SportsSettlement()
    run(s, [single("w", "a", 101, odds=20_100), single("l", "b", 101, odds=20_100)])
    out = s.apply(
        line_settled("e1", "1", [outcome("a", True, void=HALF), outcome("b", False, void=HALF)])
    )
    lost, won = out  # in bet id order
    exact = Fraction(101, 2) + Fraction(101, 2) * dec(20_100)  # 50.5 + 101.505 = 152.005
    assert figures(won) == ("SETTLED", "HALF_WIN", floor(exact))
    assert floor(exact) == 152 != 101 // 2 + 101 * 20_100 // 2 // ODDS_SCALE  # one floor, not two
    assert figures(lost) == ("SETTLED", "HALF_LOSE", 101 // 2)
    assert won.reason == lost.reason == "void"


def test_dead_heat_pays_its_share_of_the_winnings() -> None:
    s = SportsSettlement()
    run(s, [single("a", "a", 1_000, odds=41_000), single("b", "b", 1_000, odds=41_000)])
    out = s.apply(
        line_settled(
            "e1", "1", [outcome("a", True, dead_heat=3_333), outcome("b", False, dead_heat=3_333)]
        )
    )
    a, b = out
    assert figures(a) == ("SETTLED", "WIN", floor(1_000 * Fraction(3_333, 10_000) * dec(41_000)))
    assert a.reason == "dead_heat"
    assert figures(b) == ("SETTLED", "LOSE", 0)
    assert payout.single_outcome(payout.LegResult(True, 0, 0)) == "LOSE"  # nothing paid: lost


def test_a_selection_the_result_does_not_name_has_lost() -> None:
    s = SportsSettlement()
    s.apply(single("x", "zz", 100, odds=20_000))
    (r,) = s.apply(line_settled("e1", "1", [outcome("a", True)]))
    assert figures(r) == ("SETTLED", "LOSE", 0)


# --- certainty, corrections, rollbacks ----------------------------------------------------------


def test_first_result_settles_a_confirmation_is_silent_a_change_is_corrected() -> None:
    s = SportsSettlement()
    s.apply(single("x", "a", 100, odds=30_000))
    (v1,) = s.apply(line_settled("e1", "1", [outcome("a", True)], certainty=1, at=10))
    assert (figures(v1), v1.settled_at_ms) == (("SETTLED", "WIN", 300), 10)
    assert s.apply(line_settled("e1", "1", [outcome("a", True)], certainty=2, at=20)) == []
    (v2,) = s.apply(line_settled("e1", "1", [outcome("a", False)], certainty=2, at=30))
    assert (figures(v2), v2.version, v2.flags, v2.settled_at_ms) == (
        ("SETTLED", "LOSE", 0),
        2,
        ["CORRECTED"],
        30,
    )
    assert (v2.previous_state, v2.previous_outcome, v2.previous_payout) == ("SETTLED", "WIN", 300)
    # a certainty-1 result never replaces a certainty-2 one
    assert s.apply(line_settled("e1", "1", [outcome("a", True)], certainty=1, at=40)) == []


def test_settlement_time_does_not_depend_on_arrival_order() -> None:
    results = [
        line_settled("e1", "1", [outcome("a", True)], certainty=1, at=10),
        line_settled("e1", "1", [outcome("a", True)], certainty=2, at=20),
    ]
    placed = single("x", "a", 100, odds=30_000, at=1)
    early = run(SportsSettlement(), [placed, *results])
    late = run(SportsSettlement(), [*results, placed])
    assert [(figures(r), r.settled_at_ms) for r in early] == [(("SETTLED", "WIN", 300), 10)]
    assert [(figures(r), r.settled_at_ms) for r in late] == [(("SETTLED", "WIN", 300), 10)]


def test_rollback_reopens_and_a_later_result_settles_again() -> None:
    s = SportsSettlement()
    run(s, [single("x", "a", 100, odds=30_000), single("y", "a", 5, odds=30_000, line="2")])
    s.apply(line_settled("e1", "1", [outcome("a", True)], at=10))
    (reopened,) = s.apply(rolled_back("e1", "1", at=20))
    assert (figures(reopened), reopened.reason, reopened.settled_at_ms) == (
        ("OPEN", None, 0),
        "rollback_settlement",
        20,
    )
    assert (reopened.previous_state, reopened.previous_payout) == ("SETTLED", 300)
    assert s.apply(rolled_back("e1", "1", at=21)) == []  # nothing left to roll back
    (again,) = s.apply(line_settled("e1", "1", [outcome("a", False)], at=30))
    assert (figures(again), again.version, again.flags) == (("SETTLED", "LOSE", 0), 3, [])
    assert s.apply(rolled_back("e1", "2", at=40)) == []  # never settled: nothing to reopen


# --- cancels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "inside"),
    [
        ((10, 20), {10, 15, 20}),
        ((None, 20), {0, 9, 10, 15, 20}),
        ((10, None), {10, 15, 20, 21, 30}),
        ((None, None), {0, 9, 10, 15, 20, 21, 30}),
    ],
)
def test_a_cancel_voids_the_bets_placed_inside_its_window(window: Window, inside: set[int]) -> None:
    s = SportsSettlement()
    times = [0, 9, 10, 15, 20, 21, 30]
    run(s, [single(f"b{t}", "a", 100 + t, odds=20_000, at=t) for t in times])
    out = s.apply(cancelled("e1", "1", window, at=50, void_reason=12))
    assert {r.bet_id for r in out} == {f"b{t}" for t in inside}
    for r in out:
        assert (figures(r), r.reason, r.settled_at_ms) == (
            ("SETTLED", "VOID", r.stake),
            "void_reason:12",
            50,
        )
    out = s.apply(line_settled("e1", "1", [outcome("a", True)], at=60))
    assert {r.bet_id for r in out} == {f"b{t}" for t in times} - {f"b{t}" for t in inside}
    # rolling the cancel back: the bets take the line's result
    out = s.apply(uncancelled("e1", "1", window, at=70))
    assert {r.bet_id for r in out} == {f"b{t}" for t in inside}
    assert all(figures(r) == ("SETTLED", "WIN", 2 * r.stake) for r in out)
    assert all(r.flags == ["CORRECTED"] and r.settled_at_ms == 70 for r in out)  # freed at 70


def test_a_cancel_after_the_settlement_is_a_new_version_and_its_rollback_reopens() -> None:
    s = SportsSettlement()
    s.apply(single("x", "a", 100, odds=30_000, at=5))
    s.apply(line_settled("e1", "1", [outcome("a", True)], at=10))
    (void,) = s.apply(cancelled("e1", "1", (0, 9), at=20))
    assert (figures(void), void.version, void.reason, void.flags) == (
        ("SETTLED", "VOID", 100),
        2,
        "cancelled",
        ["CORRECTED"],
    )
    assert s.apply(cancelled("e1", "1", (0, 9), at=21)) == []  # the same window again
    assert s.apply(uncancelled("e1", "1", (0, 8), at=22)) == []  # another window: nothing
    s.apply(rolled_back("e1", "1", at=25))  # still void through the cancel
    (reopened,) = s.apply(uncancelled("e1", "1", (0, 9), at=30))
    assert (figures(reopened), reopened.reason) == (("OPEN", None, 0), "rollback_cancel")


# --- Betfair and generic results --------------------------------------------------------------


def test_betfair_market_settled_matches_every_event_and_refunds_removed() -> None:
    s = SportsSettlement()
    run(
        s,
        [
            single("w", "1", 100, odds=25_000, event="e1", line="1.2"),
            single("l", "2", 100, odds=25_000, event="e2", line="1.2"),
            single("r", "3", 100, odds=25_000, event="e1", line="1.2"),
            single("p", "4", 100, odds=25_000, event="e1", line="1.2"),
        ],
    )
    out = s.apply(
        market_settled(None, "1.2", {"1": "WINNER", "2": "LOSER", "3": "REMOVED", "4": "PLACED"})
    )
    assert {r.bet_id: (figures(r), r.reason) for r in out} == {
        "w": (("SETTLED", "WIN", 250), None),
        "l": (("SETTLED", "LOSE", 0), None),
        "r": (("SETTLED", "VOID", 100), "removed"),
        "p": (("SETTLED", "LOSE", 0), None),  # PLACED in a win market is not a win (§2)
    }


def test_an_event_result_settles_nothing_the_bridge_settles_its_bets_itself() -> None:
    s = SportsSettlement()
    run(s, [single(x, x, 40, odds=35_000, line="7") for x in "abc"])
    assert s.apply(event_result("e1", "7", winners=["a"], voids=["b"])) == []
    (won,) = s.apply(provider_settled("a", "WIN", 140))
    assert figures(won) == ("SETTLED", "WIN", 140)


# --- multiples --------------------------------------------------------------------------------


def multiple(
    bet_id: str,
    selections: Sequence[tuple[str, str]],
    stake: int,
    leg_odds: dict[str, int] | None = None,
    **kw: Any,
) -> BetPlaced:
    """A multiple on event e1; ``leg_odds`` gives each leg (by line) its own accepted odds."""
    odds = leg_odds or {}
    return bet(
        bet_id, [leg("e1", line, sel, odds.get(line)) for line, sel in selections], stake, **kw
    )


MULTI = [("1", "a"), ("2", "a"), ("3", "a")]
LEG_ODDS = {"1": 20_000, "2": 15_000, "3": 30_000}


def multiple_settlement(results: dict[str, OutcomeResult], stake: int = 1_000) -> BetSettlement:
    s = SportsSettlement()
    run(s, [line_odds("e1", line, {"a": o}, at=0) for line, o in LEG_ODDS.items()])
    s.apply(multiple("m", MULTI, stake, LEG_ODDS, at=5))  # R = 2 x 1.5 x 3 = 9 x stake
    out = run(s, [line_settled("e1", line, [r], at=10) for line, r in results.items()])
    assert len(out) <= 1
    return out[-1]


def test_a_multiple_wins_its_potential_return_and_loses_on_any_lost_leg() -> None:
    won = multiple_settlement({line: outcome("a", True) for line in "123"})
    assert figures(won) == ("SETTLED", "WIN", 9_000)
    lost = multiple_settlement(
        {"1": outcome("a", True), "2": outcome("a", False), "3": outcome("a", True, void=HALF)}
    )
    assert figures(lost) == ("SETTLED", "LOSE", 0)


@pytest.mark.parametrize(
    ("leg2", "factor"),
    [
        (outcome("a", False, void=FACTOR_SCALE), 1 / dec(15_000)),
        (outcome("a", True, void=HALF), (1 + dec(15_000)) / (2 * dec(15_000))),
        (outcome("a", False, void=HALF), 1 / (2 * dec(15_000))),
        (outcome("a", True, dead_heat=HALF), Fraction(1, 2)),
    ],
)
def test_a_partial_leg_scales_the_potential_return(leg2: OutcomeResult, factor: Fraction) -> None:
    r = multiple_settlement({"1": outcome("a", True), "2": leg2, "3": outcome("a", True)})
    expected = floor(9_000 * factor)
    label = "WIN" if expected > 1_000 else "PUSH" if expected == 1_000 else "HALF_LOSE"
    assert (figures(r), r.flags) == (("SETTLED", label, expected), [])


def test_a_multiple_paying_back_its_stake_is_a_push_and_all_void_is_void() -> None:
    s = SportsSettlement()
    run(s, [line_odds("e1", "1", {"a": 20_000}), line_odds("e1", "2", {"a": 40_000})])
    s.apply(multiple("m", [("1", "a"), ("2", "a")], 100, {"1": 20_000, "2": 40_000}))
    out = run(
        s, [cancelled("e1", "1", (None, None)), line_settled("e1", "2", [outcome("a", True)])]
    )
    assert [figures(r) for r in out] == [("SETTLED", "WIN", floor(800 / dec(20_000)))]
    assert s.apply(line_settled("e1", "1", [outcome("a", True)])) == []  # the cancel prevails
    (void,) = s.apply(cancelled("e1", "2", (None, None)))  # every leg void: the stake back
    assert (figures(void), void.flags) == (("SETTLED", "VOID", 100), ["CORRECTED"])
    s2 = SportsSettlement()
    s2.apply(multiple("m", [("1", "a"), ("2", "a")], 100, odds=80_000))  # no market odds known
    out = run(s2, [cancelled("e1", "1", (None, None)), cancelled("e1", "2", (None, None))])
    assert [(figures(x), x.flags) for x in out] == [(("SETTLED", "VOID", 100), [])]
    s3 = SportsSettlement()
    run(s3, [line_odds("e1", "1", {"a": 40_000}), line_odds("e1", "2", {"a": 20_000})])
    s3.apply(multiple("m", [("1", "a"), ("2", "a")], 100, {"1": 40_000, "2": 20_000}))
    out = run(
        s3,
        [
            line_settled("e1", "1", [outcome("a", False, void=HALF)]),  # 1 / (2 x 4) = 1/8
            line_settled("e1", "2", [outcome("a", True)]),
        ],
    )
    assert [figures(x) for x in out] == [("SETTLED", "PUSH", 100)]


def test_a_void_leg_without_known_odds_counts_as_won_and_is_flagged() -> None:
    s = SportsSettlement()
    s.apply(line_odds("e1", "1", {"a": 20_000}, at=50))  # after the bet: not its odds
    s.apply(multiple("m", [("1", "a"), ("2", "a")], 100, odds=60_000, at=5))
    out = run(
        s,
        [
            line_settled("e1", "1", [outcome("a", False, void=FACTOR_SCALE)]),
            line_settled("e1", "2", [outcome("a", True)]),
        ],
    )
    assert [(figures(r), r.flags) for r in out] == [(("SETTLED", "WIN", 600), ["LEG_ODDS_UNKNOWN"])]


def test_a_leg_voided_after_the_settlement_flags_unknown_odds_even_at_the_same_payout() -> None:
    s = SportsSettlement()
    s.apply(multiple("m", [("1", "a"), ("2", "a")], 100, odds=60_000, at=5))
    run(s, [line_settled("e1", line, [outcome("a", True)], at=10) for line in "12"])
    (r,) = s.apply(cancelled("e1", "1", (0, 9), at=20))  # R / O_leg, but O_leg is unknown
    assert (figures(r), r.flags, r.version, r.settled_at_ms) == (
        ("SETTLED", "WIN", 600),
        ["LEG_ODDS_UNKNOWN"],
        2,
        20,
    )


def test_a_leg_rollback_reopens_the_multiple() -> None:
    s = SportsSettlement()
    s.apply(multiple("m", [("1", "a"), ("2", "a")], 100, odds=60_000))
    assert s.apply(line_settled("e1", "1", [outcome("a", True)], at=10)) == []  # one leg open
    (v1,) = s.apply(line_settled("e1", "2", [outcome("a", True)], at=20))
    assert (figures(v1), v1.settled_at_ms, v1.round_id) == (("SETTLED", "WIN", 600), 20, "e1/1")
    (v2,) = s.apply(rolled_back("e1", "1", at=30))
    assert figures(v2) == ("OPEN", None, 0)


def test_a_void_leg_divides_by_its_own_accepted_odds_not_a_market_sample() -> None:
    """MONEY.md §1.5: a settled leg's factor comes from the leg's own accepted odds, never
    from a market sample (so what settles is what the exposure books showed, §5)."""
    s = SportsSettlement()
    s.apply(line_odds("e1", "1", {"a": 40_000}, at=0))  # the market said 4.0
    legs = [leg("e1", "1", "a", odds=20_000), leg("e1", "2", "a", odds=30_000)]
    s.apply(bet("m", legs, 100, at=5))  # R = 100 x 2 x 3 = 600
    run(s, [cancelled("e1", "1", (None, None), at=10)])
    (r,) = s.apply(line_settled("e1", "2", [outcome("a", True)], at=20))
    assert (figures(r), r.flags) == (("SETTLED", "WIN", 300), [])  # 600 / 2.0, not / 4.0


def test_a_lost_leg_settles_the_multiple_at_once() -> None:
    """MONEY.md §1.5: a lost leg settles the bet LOSE without waiting for its other legs."""
    s = SportsSettlement()
    s.apply(bet("m", [leg("e1", "1", "a", odds=20_000), leg("e1", "2", "a", odds=30_000)], 100))
    (r,) = s.apply(line_settled("e1", "1", [outcome("a", False)], at=10))
    assert (figures(r), r.settled_at_ms) == (("SETTLED", "LOSE", 0), 10)
    assert s.apply(line_settled("e1", "2", [outcome("a", True)], at=20)) == []


# --- odds at acceptance -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accepted", "flagged"),
    [(21_000, False), (21_001, True), (20_000, False), (40_000, True)],
)
def test_odds_mismatch_beyond_the_tolerance(accepted: int, flagged: bool) -> None:
    s = SportsSettlement(SportsSettleConfig(odds_tolerance_bp=500))  # 2.0 x 1.05 = 2.1
    run(
        s,
        [
            line_odds("e1", "1", {"a": 30_000}, at=0),
            line_odds("e1", "1", {"a": 20_000}, at=9),
            line_odds("e1", "1", {"a": 10_000}, at=11),  # after acceptance
        ],
    )
    s.apply(single("x", "a", 100, odds=accepted, at=10))
    (r,) = s.apply(line_settled("e1", "1", [outcome("a", True)]))
    assert r.flags == (["ODDS_MISMATCH"] if flagged else [])
    assert r.payout == floor(100 * dec(accepted))  # still paid at the accepted odds


def test_exchange_odds_without_an_event_match_every_event() -> None:
    s = SportsSettlement(SportsSettleConfig(odds_tolerance_bp=0))
    s.apply(exchange_odds(None, "1.5", "7", 20_000, at=1))
    run(
        s, [single(b, "7", 10, odds=o, line="1.5", at=2) for b, o in (("x", 20_001), ("y", 20_000))]
    )
    out = s.apply(market_settled(None, "1.5", {"7": "WINNER"}))
    assert {r.bet_id: r.flags for r in out} == {"x": ["ODDS_MISMATCH"], "y": []}


def test_the_odds_history_is_bounded() -> None:
    s = SportsSettlement(SportsSettleConfig(odds_tolerance_bp=0))
    run(s, [line_odds("e1", "1", {"a": 10_000}, at=t) for t in range(ODDS_HISTORY + 1)])
    run(s, [single("old", "a", 10, odds=20_000, at=0), single("new", "a", 10, odds=20_000, at=1)])
    out = s.apply(line_settled("e1", "1", [outcome("a", True)]))
    assert {r.bet_id: r.flags for r in out} == {"old": [], "new": ["ODDS_MISMATCH"]}


# --- bet lifecycle ----------------------------------------------------------------------------


def test_a_rejected_bet_never_settles_and_its_id_stays_taken() -> None:
    s = SportsSettlement()
    run(s, [single("x", "a", 100, odds=20_000), decided("x", "ACCEPTED"), decided("x", "REJECTED")])
    assert s.apply(line_settled("e1", "1", [outcome("a", True)])) == []
    assert s.apply(single("x", "a", 100, odds=20_000)) == []
    s.apply(single("y", "a", 100, odds=20_000))  # settled on arrival
    assert s.apply(decided("y", "REJECTED")) == []  # nothing more is emitted
    assert s.apply(rolled_back("e1", "1")) == []


def test_a_provider_settled_bet_is_final() -> None:
    s = SportsSettlement()
    s.apply(single("x", "a", 100, odds=20_000))
    (v1,) = s.apply(line_settled("e1", "1", [outcome("a", True)], at=10))
    (v2,) = s.apply(provider_settled("x", "LOSE", 0, at=20))
    assert (figures(v2), v2.flags, v2.reason, v2.settled_at_ms, v2.previous_payout) == (
        ("SETTLED", "LOSE", 0),
        ["PROVIDER_SETTLED", "CORRECTED"],
        "provider",
        20,
        200,
    )
    assert s.apply(rolled_back("e1", "1")) == []
    assert s.apply(line_settled("e1", "1", [outcome("a", False, void=FACTOR_SCALE)])) == []
    assert s.apply(provider_settled("nobody", "WIN", 5)) == []


def test_what_is_not_a_sports_bet_is_ignored() -> None:
    s = SportsSettlement()
    run(
        s,
        [
            single("casino", "a", 100, category="live"),
            bet("no-leg", [leg(None, "1", "a")], 100),
            single("dup", "a", 100, odds=20_000),
            single("dup", "b", 100, odds=90_000),  # a duplicate, whatever its content
            single("other", "a", 100, odds=20_000, tenant="t2"),
        ],
    )
    out = s.apply(line_settled("e1", "1", [outcome("a", True)]))
    assert [(r.bet_id, r.payout) for r in out] == [("dup", 200)]


# --- memory and snapshots ---------------------------------------------------------------------


# --- random histories -------------------------------------------------------------------------

EVENTS = ["e1", "e2"]
LINES = ["1", "2", "18:t=2.5"]
SELECTIONS = ["a", "b", "c"]
TIMES = st.sampled_from([0, 10, 20, 30, 40, 50])
BOUNDS = st.sampled_from([None, 10, 20, 30, 40])


@dataclass(frozen=True)
class History:
    odds: list[NormalizedEvent]
    bets: list[NormalizedEvent]
    results: list[NormalizedEvent]
    merge: list[bool]  # True: the next input comes from the bets stream

    def interleaved(self, merge: Sequence[bool]) -> list[NormalizedEvent]:
        bets, results = iter(self.bets), iter(self.results)
        out: list[NormalizedEvent] = list(self.odds)
        for from_bets in merge:
            out.append(next(bets) if from_bets else next(results))
        return out

    @property
    def applied(self) -> list[NormalizedEvent]:
        return self.interleaved(self.merge)


factors = st.sampled_from(
    [
        (None, None),
        (None, None),
        (HALF, None),
        (HALF, None),
        (FACTOR_SCALE, None),
        (None, HALF),
        (None, 3_333),
        (0, FACTOR_SCALE),
    ]
)


@st.composite
def line_results(draw: st.DrawFn, event: str, line: str, at: int) -> NormalizedEvent:
    kind = draw(st.sampled_from(["uof", "uof", "uof", "betfair", "generic"]))
    sels = draw(st.lists(st.sampled_from(SELECTIONS), unique=True, min_size=1, max_size=3))
    if kind == "uof":
        outcomes = [outcome(s, draw(st.booleans()), *draw(factors)) for s in sels]
        reason = draw(st.sampled_from([None, 3]))
        return line_settled(
            event,
            line,
            outcomes,
            certainty=draw(st.sampled_from([1, 2])),
            at=at,
            void_reason=reason,
        )
    if kind == "betfair":
        codes: list[SelectionResultCode] = ["WINNER", "LOSER", "REMOVED", "PLACED"]
        results = {s: draw(st.sampled_from(codes)) for s in sels}
        winners = [s for s, code in results.items() if code == "WINNER"]
        for s in winners[1:]:  # one winner: dead heats are tests/test_betfair_money.py's
            results[s] = "LOSER"
        return market_settled(draw(st.sampled_from([event, None])), line, results, at=at)
    voids = draw(st.lists(st.sampled_from(SELECTIONS), unique=True, max_size=1))
    return event_result(event, line, winners=sels, voids=voids, at=at)


Place = tuple[str, str]  # event, line


def places(used: Sequence[Place]) -> st.SearchStrategy[Place]:
    """Mostly where the bets are, sometimes anywhere."""
    anywhere = st.tuples(st.sampled_from(EVENTS), st.sampled_from(LINES))
    return st.one_of(st.sampled_from(used), st.sampled_from(used), anywhere)


@st.composite
def result_inputs(draw: st.DrawFn, used: Sequence[Place]) -> list[NormalizedEvent]:
    """A result, a cancel, or either with its rollback."""
    (event, line), at = draw(places(used)), draw(TIMES)
    later = at + draw(st.sampled_from([0, 5, 15]))
    if draw(st.integers(0, 2)) == 0:
        window = (draw(BOUNDS), draw(BOUNDS))
        first: NormalizedEvent = cancelled(
            event, line, window, at, draw(st.sampled_from([None, 9]))
        )
        undo: NormalizedEvent = uncancelled(event, line, window, later)
    else:
        first = draw(line_results(event, line, at))
        undo = rolled_back(event, line, later)
    return [first, undo] if draw(st.integers(0, 2)) == 0 else [first]


@st.composite
def a_bet(draw: st.DrawFn, n: int) -> list[NormalizedEvent]:
    one = st.builds(
        leg, st.sampled_from(EVENTS), st.sampled_from(LINES), st.sampled_from(SELECTIONS)
    )
    selections = draw(st.lists(one, min_size=1, max_size=draw(st.sampled_from([1, 1, 2, 3]))))
    if len(selections) > 1 and draw(st.booleans()):  # a multiple whose legs carry their odds
        priced = st.lists(st.integers(10_100, 60_000), min_size=len(selections),
                          max_size=len(selections))  # fmt: skip
        selections = [
            msgspec.structs.replace(s, odds=o)
            for s, o in zip(selections, draw(priced), strict=True)
        ]
    stake = draw(st.integers(1, 10_000))
    odds = draw(st.one_of(st.none(), st.integers(10_100, 80_000)))
    potential = draw(st.one_of(st.none(), st.integers(stake, 10 * stake)))
    placed = bet(f"b{n}", selections, stake, odds=odds, potential=potential, at=draw(TIMES))
    then = draw(st.sampled_from(["none", "none", "none", "reject", "provider", "provider2"]))
    if then == "reject":
        return [placed, decided(placed.bet_id, "REJECTED", at=placed.event_time_ms)]
    out: list[NormalizedEvent] = [placed]
    for _ in range({"provider": 1, "provider2": 2}.get(then, 0)):
        result: BetOutcome = draw(st.sampled_from(["WIN", "LOSE", "VOID"]))
        out.append(provider_settled(placed.bet_id, result, draw(st.integers(0, 50_000)), at=60))
    return out


@st.composite
def histories(draw: st.DrawFn) -> History:
    n_bets = draw(st.integers(1, 10))
    bets = [e for n in range(n_bets) for e in draw(a_bet(n))]
    bets = sorted(bets, key=lambda e: (not isinstance(e, BetPlaced), draw(st.integers(0, 9))))
    used = [
        (s.event_id, s.line_id or s.market_id)
        for e in bets
        if isinstance(e, BetPlaced)
        for s in e.selections
        if s.event_id is not None
    ]
    odds: list[NormalizedEvent] = []
    for _ in range(draw(st.integers(0, 8))):
        (event, line), at = draw(places(used)), draw(TIMES)
        price = st.one_of(st.none(), st.integers(10_100, 60_000))
        if draw(st.booleans()):
            prices = {s: draw(price) for s in draw(st.sets(st.sampled_from(SELECTIONS)))}
            odds.append(line_odds(event, line, prices, at=at))
        else:
            sel = draw(st.sampled_from(SELECTIONS))
            back = draw(st.integers(10_100, 60_000))
            odds.append(exchange_odds(draw(st.sampled_from([event, None])), line, sel, back, at))
    parts = draw(st.lists(result_inputs(used), min_size=1, max_size=12))
    results = draw(st.permutations([e for part in parts for e in part]))  # rollbacks may lead
    merge = draw(st.permutations([True] * len(bets) + [False] * len(results)))
    return History(odds, bets, results, merge)


# --- the oracle: final line states, then each bet from scratch --------------------------------

Leg = tuple[str, str, str]  # event, line, selection
Resolved = tuple[str, Fraction, Fraction | None, str | None]  # won/lost/void, v, d, reason


@dataclass
class Expected:
    state: str
    outcome: str | None
    payout: int
    flags: set[str]


def final_lines(
    results: list[NormalizedEvent],
) -> tuple[dict[tuple[str | None, str], tuple[int, dict[str, Resolved]]], dict[Any, set[Window]]]:
    settled: dict[tuple[str | None, str], tuple[int, dict[str, Resolved]]] = {}
    windows: dict[tuple[str, str], set[Window]] = {}
    for e in results:
        if isinstance(e, LineCancelled):
            windows.setdefault((e.event_id, e.line_id), set()).add((e.start_time_ms, e.end_time_ms))
        elif isinstance(e, CancelRolledBack):
            windows.get((e.event_id, e.line_id), set()).discard((e.start_time_ms, e.end_time_ms))
        elif isinstance(e, SettlementRolledBack):
            settled.pop((e.event_id, e.line_id), None)
        elif isinstance(e, LineSettled | MarketSettled):
            sels: dict[str, Resolved] = {}
            certainty = 2
            where: tuple[str | None, str]
            if isinstance(e, LineSettled):
                certainty = e.certainty
                for o in e.outcomes:
                    v = Fraction(o.void_factor or 0, 10_000)
                    d = None if o.dead_heat_factor is None else Fraction(o.dead_heat_factor, 10_000)
                    sels[o.outcome_id] = ("won" if o.won else "lost", v, d, None)
                where = (e.event_id, e.line_id)
            elif isinstance(e, MarketSettled):
                for r in e.results:
                    kind = {"WINNER": "won", "REMOVED": "void"}.get(r.result, "lost")
                    sels[r.selection_id] = (kind, Fraction(kind == "void"), None, None)
                where = (e.event_id, e.market_id)
            if where in settled and settled[where][0] > certainty:
                continue
            settled[where] = (certainty, sels)
    return settled, windows


def market_odds(odds: list[NormalizedEvent], where: Leg, placed: int) -> int | None:
    """Latest sample at or before placement; the event's own on a tie; later arrivals win."""
    best: tuple[int, int] | None = None
    found: int | None = None
    event, line, sel = where
    for e in odds:
        if isinstance(e, LineOddsChanged) and (e.event_id, e.line_id) == (event, line):
            samples = [(o.odds, 1) for o in e.outcomes if o.outcome_id == sel]
        elif isinstance(e, OddsChanged) and (e.market_id, e.selection_id) == (line, sel):
            rank = 1 if e.event_id == event else 0
            samples = [(e.best_back_odds, rank)] if e.event_id in (event, None) else []
        else:
            samples = []
        for price, rank in samples:
            if e.event_time_ms <= placed and (best is None or (e.event_time_ms, rank) >= best):
                best, found = (e.event_time_ms, rank), price
    return found


def expected_bet(
    placed: BetPlaced, odds: list[NormalizedEvent], results: list[NormalizedEvent], tol: int
) -> Expected:
    """MONEY.md §1.1: every settled version of a bet whose potentialPayout is more than one
    minor unit from R = floor(S x O) is flagged PAYOUT_MISMATCH (O as ``bet_odds_of``)."""
    found = _expected(placed, odds, results, tol)
    legs = {(s.event_id, s.line_id or s.market_id, s.selection_id) for s in placed.selections}
    R = math.floor(placed.stake * bet_odds_of(placed, len(legs)))
    mismatch = placed.potential_payout is not None and abs(placed.potential_payout - R) > 1
    if found.state == "SETTLED" and mismatch:
        return dataclasses.replace(found, flags=found.flags | {"PAYOUT_MISMATCH"})
    return found


def bet_odds_of(placed: BetPlaced, legs: int) -> Fraction:
    """O: a single's accepted odds; a multiple's product of its legs' own odds, else its
    accepted odds; without odds potentialPayout / S, else 1."""
    own = [s.odds for s in placed.selections if s.event_id is not None]
    if legs == 1 and placed.accepted_odds is None and own and own[0] is not None:
        return Fraction(own[0], 10_000)  # a single's leg carries its accepted odds
    if legs > 1 and own and all(o is not None for o in own):
        distinct = {
            (s.event_id, s.line_id or s.market_id, s.selection_id): s.odds
            for s in reversed(placed.selections)
            if s.event_id is not None
        }
        return math.prod((Fraction(o or 0, 10_000) for o in distinct.values()), start=Fraction(1))
    if placed.accepted_odds is not None:
        return Fraction(placed.accepted_odds, 10_000)
    if placed.potential_payout is not None and placed.stake > 0:
        return Fraction(placed.potential_payout, placed.stake)
    return Fraction(1)


def _expected(
    placed: BetPlaced, odds: list[NormalizedEvent], results: list[NormalizedEvent], tol: int
) -> Expected:
    settled, windows = final_lines(results)
    legs = list(
        dict.fromkeys(
            (s.event_id, s.line_id or s.market_id, s.selection_id)
            for s in placed.selections
            if s.event_id is not None
        )
    )
    marks: list[Resolved | None] = []
    for event, line, sel in legs:
        if any(
            (a is None or a <= placed.event_time_ms) and (b is None or placed.event_time_ms <= b)
            for a, b in windows.get((event, line), set())
        ):
            marks.append(("void", Fraction(1), None, None))
            continue
        found = settled.get((event, line)) or settled.get((None, line))
        marks.append(
            None if found is None else found[1].get(sel, ("lost", Fraction(0), None, None))
        )
    dead = [m for m in marks if m is not None and m[1] == 0 and (m[0] == "lost" or m[2] == 0)]
    if len(legs) > 1 and dead:  # MONEY.md §1.5: a lost leg settles the multiple LOSE at once
        return Expected("SETTLED", "LOSE", 0, set())
    if any(m is None for m in marks):
        return Expected("OPEN", None, 0, set())
    resolved = [m for m in marks if m is not None]
    S = placed.stake
    if len(legs) == 1:
        o = bet_odds_of(placed, 1)
        market = market_odds(odds, legs[0], placed.event_time_ms)
        flags = (
            {"ODDS_MISMATCH"}
            if market is not None and o * 10_000 * 10_000 > market * (10_000 + tol)
            else set()
        )
        kind, v, d, _ = resolved[0]
        won = kind == "won"
        if kind == "void" or v == 1:
            return Expected("SETTLED", "VOID", S, flags)
        if 0 < v < 1:
            if won:
                return Expected("SETTLED", "HALF_WIN", math.floor(S * v + S * (1 - v) * o), flags)
            return Expected("SETTLED", "HALF_LOSE", math.floor(S * v), flags)
        if won and d is not None and d > 0:
            return Expected("SETTLED", "WIN", math.floor(S * d * o), flags)
        if won and d is None:
            return Expected("SETTLED", "WIN", math.floor(S * o), flags)
        return Expected("SETTLED", "LOSE", 0, flags)
    # a multiple: R = floor(S x O) (MONEY.md §1.1), O the product of its legs' own odds (the
    # first odds of each distinct leg), else its accepted odds; potentialPayout only without
    # any odds (the only figure there is), else the stake back
    first_odds = {
        (s.event_id, s.line_id or s.market_id, s.selection_id): s.odds
        for s in reversed(placed.selections)
        if s.event_id is not None
    }
    leg_odds = [first_odds[where] for where in legs]
    if all(o is not None for o in leg_odds):
        odds_o = math.prod((Fraction(o or 0, 10_000) for o in leg_odds), start=Fraction(1))
    elif placed.accepted_odds is not None:
        odds_o = Fraction(placed.accepted_odds, 10_000)
    elif placed.potential_payout is not None:
        odds_o = Fraction(placed.potential_payout, S)
    else:
        odds_o = Fraction(1)
    R = math.floor(S * odds_o)
    if all(kind == "void" or v == 1 for kind, v, _, _ in resolved):
        return Expected("SETTLED", "VOID", S, set())
    if any(v == 0 and (kind == "lost" or d == 0) for kind, v, d, _ in resolved):
        return Expected("SETTLED", "LOSE", 0, set())
    if all(kind == "won" and v == 0 and d in (None, 1) for kind, v, d, _ in resolved):
        return Expected("SETTLED", "WIN", R, set())
    product = Fraction(1)
    flags = set()
    for (kind, v, d, _), where in zip(resolved, legs, strict=True):
        if v == 0:  # a dead heat (or a plain win)
            product *= 1 if d is None else d
            continue
        own = first_odds[where]  # MONEY.md §1.5: the leg's own accepted odds, never a sample
        if own is None:
            flags.add("LEG_ODDS_UNKNOWN")
            continue
        ol = Fraction(own, 10_000)
        if kind == "void" or v == 1:
            product *= 1 / ol
        elif kind == "won":
            product *= (1 + ol) / (2 * ol) if v == Fraction(1, 2) else v / ol + (1 - v)
        else:
            product *= 1 / (2 * ol) if v == Fraction(1, 2) else v / ol
    paid = math.floor(S * odds_o * product)  # floored once, at the end (MONEY.md)
    label = "WIN" if paid > S else "PUSH" if paid == S else "HALF_LOSE" if paid > 0 else "LOSE"
    return Expected("SETTLED", label, paid, flags)


def expectations(h: History, tol: int = 500) -> dict[str, Expected | None]:
    """Per bet id: what its last version must say (None: not checked, a rejected bet)."""
    out: dict[str, Expected | None] = {}
    for e in h.bets:
        if isinstance(e, BetPlaced):
            out[e.bet_id] = expected_bet(e, h.odds, h.results, tol)
        elif isinstance(e, BetDecided):
            out[e.bet_id] = None
        elif isinstance(e, BetSettled):
            out[e.bet_id] = Expected("SETTLED", e.outcome, e.payout, {"PROVIDER_SETTLED"})
    return out


def by_bet(records: Iterable[BetSettlement]) -> dict[str, list[BetSettlement]]:
    out: dict[str, list[BetSettlement]] = {}
    for r in records:
        out.setdefault(r.bet_id, []).append(r)
    return out


@settings(max_examples=400)
@given(histories())
def test_last_versions_match_a_from_scratch_oracle(h: History) -> None:
    s = SportsSettlement()
    applied = h.applied
    records: list[BetSettlement] = []
    rejected_at: dict[str, int] = {}
    for e in applied:
        out = s.apply(e)
        assert len({r.bet_id for r in out}) == len(out)  # one version per bet and input
        if isinstance(e, BetDecided):
            rejected_at[e.bet_id] = len(records)
        records.extend(out)
    expected = expectations(h)
    versions = by_bet(records)
    for bet_id, rs in versions.items():
        assert [r.version for r in rs] == list(range(1, len(rs) + 1))
        previous: tuple[str | None, BetOutcome | None, int] = (None, None, 0)
        previous_flags: set[str] = set()
        for r in rs:
            assert (r.previous_state, r.previous_outcome, r.previous_payout) == previous
            flags = {str(f) for f in r.flags} - {"CORRECTED"}
            assert (figures(r), flags) != (previous, previous_flags)  # something changed
            assert ("CORRECTED" in r.flags) == (
                r.state == previous[0] == "SETTLED" and figures(r) != previous
            )
            previous_flags = flags
            assert r.settlement_id == f"t1:uof:{bet_id}:{r.version}"
            if r.state == "OPEN":
                assert (r.outcome, r.payout, r.flags) == (None, 0, [])
            previous = figures(r)
    for bet_id, rank in rejected_at.items():
        assert all(records.index(r) < rank for r in versions.get(bet_id, []))
    final_total = 0
    for bet_id, want in expected.items():
        if want is None:
            continue
        rs = versions.get(bet_id, [])
        if want.state == "OPEN":
            assert not rs or figures(rs[-1]) == ("OPEN", None, 0), bet_id
            continue
        last = rs[-1]
        assert figures(last) == (want.state, want.outcome, want.payout), bet_id
        assert set(last.flags) - {"CORRECTED"} == want.flags, bet_id
        final_total += want.payout
        assert sum(r.payout - r.previous_payout for r in rs) == last.payout
    assert final_total == sum(
        rs[-1].payout for b, rs in versions.items() if expected.get(b) is not None
    )
    assert run(s, applied) == []  # replaying the whole input emits nothing


def finals(records: list[BetSettlement], skip: set[str]) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for bet_id, rs in by_bet(records).items():
        if bet_id in skip or rs[-1].state == "OPEN":
            continue
        out[bet_id] = (*figures(rs[-1]), rs[-1].settled_at_ms)
    return out


@settings(max_examples=300)
@given(histories())
def test_final_versions_do_not_depend_on_how_the_streams_interleave(h: History) -> None:
    rejected = {e.bet_id for e in h.bets if isinstance(e, BetDecided)}
    bets_first = [True] * len(h.bets) + [False] * len(h.results)
    orders = [h.merge, bets_first, bets_first[::-1]]
    got = [finals(run(SportsSettlement(), h.interleaved(m)), rejected) for m in orders]
    assert got[0] == got[1] == got[2]


@settings(max_examples=100)
@given(histories(), st.integers(0, 40))
def test_a_pickled_snapshot_resumes_with_identical_outputs(h: History, cut: int) -> None:
    applied = h.applied
    fresh = SportsSettlement()
    first = [fresh.apply(e) for e in applied]
    s = SportsSettlement()
    before = [s.apply(e) for e in applied[:cut]]
    restored: SportsSettlement = pickle.loads(pickle.dumps(s))
    assert before + [restored.apply(e) for e in applied[cut:]] == first


# --- the recorded UOF messages ----------------------------------------------------------------

META = RawMeta(
    tenant_id=T, source=SourceRef(topic="raw.uof", partition=0, offset=0), received_time_ms=None
)


def recorded(shared_data: Path, name: str) -> tuple[bytes, list[NormalizedEvent]]:
    raw = (shared_data / "uof" / name).read_bytes()
    decoded = decode(raw, META)
    assert isinstance(decoded, list), decoded
    return raw, [c.event for c in decoded]


def exact(text: str | None, default: int) -> Fraction:
    return Fraction(default) if text is None else Fraction(Decimal(text))


def test_bet_settlement_recording_settles_bets_as_the_message_says(shared_data: Path) -> None:
    raw, events = recorded(shared_data, "bet_settlement.xml")
    root = ElementTree.fromstring(raw)
    event_id, timestamp = root.get("event_id"), int(root.get("timestamp", "0"))
    lines = [e for e in events if isinstance(e, LineSettled)]
    assert len(lines) == len(root.findall("outcomes/market"))
    accepted = 27_500  # 2.75
    s = SportsSettlement()
    bets: dict[str, tuple[int, ElementTree.Element]] = {}
    for n, (market, line) in enumerate(zip(root.findall("outcomes/market"), lines, strict=True)):
        for k, xml_outcome in enumerate(market.findall("outcome")):
            bet_id = f"{line.line_id}/{xml_outcome.get('id')}"
            stake = 1_001 + 37 * n + k
            s.apply(
                single(
                    bet_id,
                    xml_outcome.get("id", ""),
                    stake,
                    event=str(event_id),
                    line=line.line_id,
                    odds=accepted,
                    at=timestamp - 1,
                )
            )
            bets[bet_id] = (stake, xml_outcome)
    out = run(s, lines)
    assert {r.bet_id for r in out} == set(bets)  # every bet settled once
    labels: dict[str, BetOutcome | None] = {}
    for r in out:
        stake, xml_outcome = bets[r.bet_id]
        won = xml_outcome.get("result") == "1"
        v = exact(xml_outcome.get("void_factor"), 0)
        d = exact(xml_outcome.get("dead_heat_factor"), 1)
        paid = stake * v + (stake * (1 - v) * d * Fraction(accepted, 10_000) if won else 0)
        assert r.payout == math.floor(paid), r.bet_id
        assert r.settled_at_ms == timestamp
        labels[r.bet_id] = r.outcome
    # what the recording holds: a full void, half voids either way, dead heats
    assert labels["201/863"] == "VOID"
    assert labels["201/864"] == "HALF_LOSE"
    assert labels["201/861"] == "HALF_WIN"
    assert labels["201/862"] == "LOSE"
    assert labels["193/76"] == "WIN" and labels["193/74"] == "LOSE"
    dead_heats = [b for b, (_, x) in bets.items() if x.get("dead_heat_factor")]
    assert dead_heats and all(labels[b] == "WIN" for b in dead_heats)
    assert next(r for r in out if r.bet_id == dead_heats[0]).reason == "dead_heat"
    # a certainty-2 resend changes nothing; a rollback reopens; a new settlement settles again
    assert run(s, [msgspec.structs.replace(e, event_time_ms=timestamp + 5) for e in lines]) == []
    back = [rolled_back(str(event_id), line.line_id, at=timestamp + 10) for line in lines]
    reopened = run(s, back)
    assert {r.bet_id for r in reopened} == set(bets)
    assert all(figures(r) == ("OPEN", None, 0) for r in reopened)
    again = run(s, [msgspec.structs.replace(e, event_time_ms=timestamp + 20) for e in lines])
    assert [(r.bet_id, figures(r)) for r in again] == [
        (r.bet_id, (r.state, r.outcome, r.payout)) for r in out
    ]
    assert all(r.version == 3 and r.settled_at_ms == timestamp + 20 for r in again)


def test_bet_cancel_recording_voids_the_bets_inside_its_window(shared_data: Path) -> None:
    raw, (cancel,) = recorded(shared_data, "bet_cancel.xml")
    assert isinstance(cancel, LineCancelled)
    root = ElementTree.fromstring(raw)
    start, end = int(root.get("start_time", "0")), int(root.get("end_time", "0"))
    reason = root.find("market")
    assert reason is not None
    placed = {
        "before": start - 1,
        "start": start,
        "inside": (start + end) // 2,
        "end": end,
        "after": end + 1,
    }
    s = SportsSettlement()
    for name, at in placed.items():
        s.apply(
            single(name, "1", 500, event=cancel.event_id, line=cancel.line_id, odds=30_000, at=at)
        )
    out = s.apply(cancel)
    assert {r.bet_id for r in out} == {"start", "inside", "end"}
    why = f"void_reason:{reason.get('void_reason')}"
    assert {(figures(r), r.reason, r.settled_at_ms) for r in out} == {
        (("SETTLED", "VOID", 500), why, cancel.event_time_ms)
    }
    # the line's result settles the others; a bet placed later inside the window is void at once
    out = s.apply(line_settled(cancel.event_id, cancel.line_id, [outcome("1", True)], at=end + 9))
    assert {(r.bet_id, r.payout) for r in out} == {("before", 1_500), ("after", 1_500)}
    (late,) = s.apply(
        single("late", "1", 70, event=cancel.event_id, line=cancel.line_id, at=start + 1)
    )
    assert (figures(late), late.settled_at_ms) == (("SETTLED", "VOID", 70), cancel.event_time_ms)


def test_rollback_bet_cancel_recording_restores_the_bets(shared_data: Path) -> None:
    _, (undo,) = recorded(shared_data, "rollback_bet_cancel.xml")
    assert isinstance(undo, CancelRolledBack)
    window = (undo.start_time_ms, undo.end_time_ms)
    at = undo.event_time_ms

    def cancelled_bet(*results: NormalizedEvent) -> SportsSettlement:
        s = SportsSettlement()
        s.apply(single("x", "1", 100, event=undo.event_id, line=undo.line_id, odds=20_000))
        run(s, results)
        (void,) = s.apply(cancelled(undo.event_id, undo.line_id, window, at=at - 1))
        assert (figures(void), void.reason) == (("SETTLED", "VOID", 100), "cancelled")
        return s

    # settled, rolled back and settled again before the cancel: back to the last result
    s = cancelled_bet(
        line_settled(undo.event_id, undo.line_id, [outcome("1", False)], at=at - 9),
        rolled_back(undo.event_id, undo.line_id, at=at - 8),
        line_settled(undo.event_id, undo.line_id, [outcome("1", True)], at=at - 7),
    )
    (restored,) = s.apply(undo)
    assert (figures(restored), restored.settled_at_ms) == (("SETTLED", "WIN", 200), at)
    assert s.apply(undo) == []
    # no result: open again
    (reopened,) = cancelled_bet().apply(undo)
    assert (figures(reopened), reopened.reason, reopened.settled_at_ms) == (
        ("OPEN", None, 0),
        "rollback_cancel",
        at,
    )


def test_odds_change_recording_gives_the_odds_at_acceptance(shared_data: Path) -> None:
    raw, events = recorded(shared_data, "odds_change-0.xml")
    root = ElementTree.fromstring(raw)
    at = int(root.get("timestamp", "0"))
    by_line = {e.line_id: e for e in events if isinstance(e, LineOddsChanged)}
    xml_odds = {
        (m.get("id"), o.get("id")): exact(o.get("odds"), 0)
        for m in root.findall("odds/market")
        for o in m.findall("outcome")
        if o.get("odds")
    }
    line47 = next(line for line in by_line if line.startswith("47:"))
    line48 = next(line for line in by_line if line.startswith("48:"))
    market = xml_odds["47", "1"] * 10_000  # 1.12
    tolerated = math.floor(market * Fraction(10_500, 10_000))
    s = SportsSettlement()
    run(s, events)
    event = str(root.get("event_id"))
    run(
        s,
        [
            single("ok", "1", 100, event=event, line=line47, odds=tolerated, at=at),
            single("over", "1", 100, event=event, line=line47, odds=tolerated + 1, at=at),
            single("before", "1", 100, event=event, line=line47, odds=90_000, at=at - 1),
            multiple_on(
                event,
                [(line47, "1", xml_odds["47", "1"]), (line48, "2", xml_odds["48", "2"])],
                at,
            ),
        ],
    )
    out = run(
        s,
        [
            line_settled(event, line47, [outcome("1", True)], at=at + 1),
            cancelled(event, line48, (None, None), at=at + 2),
        ],
    )
    flags = {r.bet_id: r.flags for r in out}
    assert flags == {"ok": [], "over": ["ODDS_MISMATCH"], "before": [], "m": []}
    (m,) = [r for r in out if r.bet_id == "m"]
    # MONEY.md §1.5: the void leg divides the return by that leg's own accepted odds (here the
    # recorded odds at acceptance): R x 1 / O_48 = S x O_47
    assert m.payout == math.floor(
        1_000 * xml_odds["47", "1"] * xml_odds["48", "2"] / xml_odds["48", "2"]
    )


def multiple_on(event: str, selections: list[tuple[str, str, Fraction]], at: int) -> BetPlaced:
    """A multiple of 10.00 whose legs carry their own accepted odds."""
    legs = [leg(event, line, sel, int(odds * 10_000)) for line, sel, odds in selections]
    return bet("m", legs, 1_000, at=at)
