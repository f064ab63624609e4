"""SportsBook: table tests of MONEY.md §1 (exposure), and random streams against an oracle
written from MONEY.md alone."""

from __future__ import annotations

import math
import pickle
from fractions import Fraction
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.money import ODDS_SCALE
from wagerflow.risk.sports import Exposure, SportsBook
from wagerflow.schemas.events import (
    BetDecided,
    BetPlaced,
    BetSelection,
    BetSettled,
    CancelRolledBack,
    EventChanged,
    EventResult,
    LineCancelled,
    LineSettled,
    MarketSettled,
    MarketStatusChanged,
    NormalizedEvent,
    OutcomeResult,
    SelectionResult,
    SelectionResultCode,
    SettlementRolledBack,
    SourceRef,
)
from wagerflow.schemas.risk import EventExposure, LineExposure, PlayerExposure, SelectionExposure

# --- building events --------------------------------------------------------------------------


def env(at: int = 0, tenant: str = "t1", n: int = 0, category: str = "sport") -> dict[str, Any]:
    return {
        "tenant_id": tenant,
        "provider_id": "generic",
        "category": category,
        "event_time_ms": at,
        "received_time_ms": at,
        "dedup_key": f"k{n}",
        "source": SourceRef(topic="t", partition=0, offset=n),
    }


def leg(
    event: str | None,
    market: str,
    selection: str,
    line: str | None = None,
    odds: int | None = None,
) -> BetSelection:
    return BetSelection(
        market_id=market, selection_id=selection, event_id=event, line_id=line, odds=odds
    )


def bet(
    bet_id: str,
    legs: list[BetSelection],
    stake: int,
    *,
    odds: int | None = None,
    payout: int | None = None,
    player: str | None = "p1",
    currency: str = "EUR",
    at: int = 0,
    tenant: str = "t1",
    category: str = "sport",
) -> BetPlaced:
    return BetPlaced(
        **env(at, tenant, category=category),
        bet_id=bet_id,
        idempotency_key=bet_id,
        selections=legs,
        stake=stake,
        currency=currency,
        accepted_odds=odds,
        potential_payout=payout,
        player_id=player,
    )


def single(bet_id: str, selection: str, stake: int, **kw: Any) -> BetPlaced:
    return bet(bet_id, [leg("e1", "1", selection)], stake, **kw)


def decided(bet_id: str, decision: str, at: int = 0, tenant: str = "t1") -> BetDecided:
    return BetDecided(**env(at, tenant), bet_id=bet_id, decision=decision)  # type: ignore[arg-type]


def settled(bet_id: str, at: int = 0, tenant: str = "t1") -> BetSettled:
    return BetSettled(**env(at, tenant), bet_id=bet_id, outcome="WIN", payout=0, currency="EUR")


def outcome(
    selection: str, won: bool, void: int | None = None, dead_heat: int | None = None
) -> OutcomeResult:
    return OutcomeResult(
        outcome_id=selection, won=won, void_factor=void, dead_heat_factor=dead_heat
    )


def line_settled(
    event: str,
    line: str,
    at: int = 0,
    tenant: str = "t1",
    outcomes: tuple[OutcomeResult, ...] = (),
) -> LineSettled:
    return LineSettled(
        **env(at, tenant),
        event_id=event,
        market_id=line.split(":")[0],
        specifiers=None,
        line_id=line,
        certainty=2,
        outcomes=list(outcomes),
    )


def market_settled(
    event: str | None,
    market: str,
    at: int = 0,
    tenant: str = "t1",
    results: tuple[tuple[str, SelectionResultCode], ...] = (("a", "WINNER"),),
) -> MarketSettled:
    return MarketSettled(
        **env(at, tenant),
        event_id=event,
        market_id=market,
        results=[SelectionResult(selection_id=s, result=code) for s, code in results],
    )


def event_result(
    event: str,
    market: str,
    at: int = 0,
    tenant: str = "t1",
    winners: tuple[str, ...] = ("a",),
    voids: tuple[str, ...] = (),
) -> EventResult:
    return EventResult(
        **env(at, tenant),
        event_id=event,
        market_id=market,
        winners=list(winners),
        void_selections=list(voids),
    )


def rolled_back(event: str, line: str, at: int = 0, tenant: str = "t1") -> SettlementRolledBack:
    market = line.split(":")[0]
    return SettlementRolledBack(
        **env(at, tenant), event_id=event, market_id=market, specifiers=None, line_id=line
    )


Window = tuple[int | None, int | None]


def cancelled(
    event: str, line: str, window: Window, at: int = 0, tenant: str = "t1"
) -> LineCancelled:
    return LineCancelled(
        **env(at, tenant),
        event_id=event,
        market_id=line.split(":")[0],
        specifiers=None,
        line_id=line,
        start_time_ms=window[0],
        end_time_ms=window[1],
    )


def uncancelled(
    event: str, line: str, window: Window, at: int = 0, tenant: str = "t1"
) -> CancelRolledBack:
    return CancelRolledBack(
        **env(at, tenant),
        event_id=event,
        market_id=line.split(":")[0],
        specifiers=None,
        line_id=line,
        start_time_ms=window[0],
        end_time_ms=window[1],
    )


def status(
    market: str,
    event: str | None,
    in_play: bool,
    at: int = 0,
    tenant: str = "t1",
    winners: int | None = None,
) -> MarketStatusChanged:
    return MarketStatusChanged(
        **env(at, tenant),
        event_id=event,
        market_id=market,
        status="OPEN",
        in_play=in_play,
        previous_status=None,
        number_of_winners=winners,
    )


def only(out: list[Exposure], kind: type[Any]) -> list[Any]:
    return [r for r in out if isinstance(r, kind)]


def rows(line: LineExposure) -> list[tuple[str, int, int, int, int]]:
    return [
        (s.selection_id, s.bets, s.open_stake, s.potential_return, s.liability)
        for s in line.selections
    ]


# --- table tests: MONEY.md §1 -----------------------------------------------------------------


def test_liability_of_a_three_selection_line() -> None:
    """§1.1-1.3: R = floor(S x O) (a provider's potentialPayout is never booked);
    L(s) = sum R on s - sum S on the line; W (one winner) = the largest sum R - sum S."""
    book = SportsBook()
    book.apply(single("b1", "a", 100, odds=2 * ODDS_SCALE))  # R = 200
    book.apply(single("b2", "b", 50, payout=200, odds=9 * ODDS_SCALE))  # R = 450, not 200
    out = book.apply(single("b3", "c", 30, odds=33_333, at=7))  # 99.999 -> floored to 99
    (line,) = only(out, LineExposure)
    assert line.selections == [
        SelectionExposure(selection_id="a", bets=1, open_stake=100, potential_return=200,
                          liability=200 - 180),
        SelectionExposure(selection_id="b", bets=1, open_stake=50, potential_return=450,
                          liability=450 - 180),
        SelectionExposure(selection_id="c", bets=1, open_stake=30, potential_return=99,
                          liability=99 - 180),
    ]  # fmt: skip
    assert (line.open_stake, line.worst_case, line.version, line.as_of_ms) == (180, 270, 3, 7)
    assert (line.event_id, line.line_id, line.book, line.currency) == (
        "e1",
        "1",
        "PRE_MATCH",
        "EUR",
    )
    (event,) = only(out, EventExposure)
    assert (event.open_stake, event.worst_case, event.lines, event.version) == (180, 270, 1, 3)
    # p1 holds every bet of the line: a stake on c changes the liability of a and b too
    assert [
        (p.selection_id, p.open_stake, p.potential_return, p.liability)
        for p in only(out, PlayerExposure)
    ] == [("a", 100, 200, 200 - 180), ("b", 50, 450, 450 - 180), ("c", 30, 99, 99 - 180)]
    out = book.apply(single("b4", "c", 10))  # no odds, no payout: returns its stake
    (line,) = only(out, LineExposure)
    assert rows(line)[2] == ("c", 2, 40, 99 + 10, 109 - 190)
    assert line.worst_case == 450 - 190


def test_a_favourite_alone_on_its_line_risks_its_winnings_not_its_return() -> None:
    """MONEY.md §1.2: 4,200.00 at 1.2 alone on its line: L = 840.00, not 4,200 + 840."""
    book = SportsBook()
    out = book.apply(single("fav", "a", 420_000, odds=12_000))
    (line,) = only(out, LineExposure)
    assert rows(line) == [("a", 1, 420_000, 504_000, 84_000)]
    assert (line.open_stake, line.worst_case) == (420_000, 84_000)
    (event,) = only(out, EventExposure)
    assert (event.open_stake, event.worst_case, event.lines) == (420_000, 84_000, 1)
    (player,) = only(out, PlayerExposure)
    assert (player.open_stake, player.potential_return, player.liability) == (
        420_000,
        504_000,
        84_000,
    )


def three_runners(book: SportsBook) -> LineExposure:
    """100.00 at 2.0 on each of three runners of market 1."""
    out: list[Exposure] = []
    for runner in "abc":
        out = book.apply(single(f"b{runner}", runner, 10_000, odds=20_000, player=runner))
    (line,) = only(out, LineExposure)
    assert isinstance(line, LineExposure)
    return line


def test_a_place_market_worst_case_adds_the_k_largest_returns() -> None:
    """MONEY.md §1.3: with 2 winners W = 200 + 200 - 300 = 100.00 lost; with 1, 100.00 won."""
    place = SportsBook()
    assert place.apply(status("1", "e1", False, winners=2)) == []
    line = three_runners(place)
    assert rows(line) == [(r, 1, 10_000, 20_000, -10_000) for r in "abc"]
    assert (line.open_stake, line.worst_case) == (30_000, 10_000)
    win = SportsBook()
    win.apply(status("1", "e1", False, winners=1))
    assert three_runners(win).worst_case == -10_000
    assert three_runners(SportsBook()).worst_case == -10_000  # no number of winners: one
    players = only(place.apply(single("x", "a", 100, odds=20_000, player="a")), PlayerExposure)
    assert [(p.selection_id, p.liability) for p in players] == [("a", 20_200 - 10_100)]


def test_a_number_of_winners_that_arrives_after_the_bets_republishes_the_worst_case() -> None:
    """MONEY.md §1.3/§1.7: the published W is the one for the market's k; a market definition
    that turns a line into a place market after bets are on it changes W (suspend rules and
    limits read the published figure)."""
    book = SportsBook()
    assert three_runners(book).worst_case == -10_000
    out = book.apply(status("1", "e1", False, winners=2))
    lines = only(out, LineExposure)
    assert [(r.line_id, r.worst_case) for r in lines] == [("1", 10_000)]
    assert [(r.event_id, r.worst_case) for r in only(out, EventExposure)] == [("e1", 10_000)]


def test_player_liability_is_the_line_liability_restricted_to_the_players_bets() -> None:
    book = SportsBook()
    book.apply(single("p1a", "a", 100, odds=20_000, player="p1"))
    book.apply(single("p2b", "b", 1_000, odds=50_000, player="p2"))  # another player's stake
    out = book.apply(single("p1b", "b", 50, odds=30_000, player="p1"))
    mine = {p.selection_id: p for p in only(out, PlayerExposure)}
    assert {s: (p.open_stake, p.potential_return, p.liability) for s, p in mine.items()} == {
        "a": (100, 200, 200 - 150),  # a stake on b changes the liability of a
        "b": (50, 150, 150 - 150),
    }
    (line,) = only(out, LineExposure)
    assert rows(line) == [("a", 1, 100, 200, 200 - 1_150), ("b", 2, 1_050, 5_150, 5_150 - 1_150)]


# --- multiples (MONEY.md §1.5) ----------------------------------------------------------------


def double(stake: int = 10, **kw: Any) -> BetPlaced:
    """A double: e1 line 1 "a" at 2.0, e2 line 2:x=1 "b" at 3.0 (an event-less pick ignored)."""
    legs = [leg("e1", "1", "a", odds=20_000), leg("e2", "2", "b", "2:x=1", odds=30_000)]
    return bet("m", [*legs, leg(None, "1", "z")], stake, **kw)


def test_a_multiple_counts_its_return_on_every_leg_and_its_stake_on_no_line() -> None:
    book = SportsBook()
    out = book.apply(double(odds=99_999, payout=12_345))  # R = 10 x 2 x 3: the legs' odds
    lines = only(out, LineExposure)
    assert [(r.event_id, r.line_id, rows(r), r.open_stake, r.worst_case) for r in lines] == [
        ("e1", "1", [("a", 1, 0, 60, 60)], 0, 60),
        ("e2", "2:x=1", [("b", 1, 0, 60, 60)], 0, 60),
    ]
    totals = [(e.event_id, e.open_stake, e.worst_case, e.lines) for e in only(out, EventExposure)]
    assert totals == [("e1", 0, 60, 1), ("e2", 0, 60, 1)]
    players = [
        (p.event_id, p.open_stake, p.potential_return, p.liability)
        for p in only(out, PlayerExposure)
    ]
    assert players == [("e1", 0, 60, 60), ("e2", 0, 60, 60)]
    (line,) = only(book.apply(single("s", "a", 100, odds=15_000)), LineExposure)  # single beside
    assert rows(line) == [("a", 2, 100, 150 + 60, 210 - 100)]


def test_a_won_leg_leaves_its_line_and_keeps_the_return_on_the_others() -> None:
    book = SportsBook()
    book.apply(double())
    out = book.apply(line_settled("e1", "1", outcomes=(outcome("a", True),)))
    assert [(r.event_id, r.open_stake, r.worst_case) for r in only(out, LineExposure)] == [
        ("e1", 0, 0)
    ]
    out = book.apply(settled("m"))
    assert [(r.event_id, rows(r)) for r in only(out, LineExposure)] == [("e2", [])]


def test_a_lost_leg_kills_the_multiple_everywhere_at_once() -> None:
    book = SportsBook()
    book.apply(double())
    out = book.apply(line_settled("e2", "2:x=1", outcomes=(outcome("c", True),)))  # b lost
    assert sorted((r.event_id, rows(r), r.worst_case) for r in only(out, LineExposure)) == [
        ("e1", [], 0),
        ("e2", [], 0),
    ]
    assert not book.has_open_bets()
    revived = {
        r.event_id: rows(r) for r in only(book.apply(rolled_back("e2", "2:x=1")), LineExposure)
    }
    assert revived == {"e1": [("a", 1, 0, 60, 60)], "e2": [("b", 1, 0, 60, 60)]}


def test_settled_legs_apply_their_factors_from_their_own_odds() -> None:
    """Void: 1/O_leg; dead heat d; half void won (v + (1 - v) x O_leg) / O_leg (§3.1)."""
    cases: list[tuple[NormalizedEvent, int]] = [
        (cancelled("e1", "1", (None, None)), 60 // 2),
        (event_result("e1", "1", winners=("x",), voids=("a",)), 60 // 2),
        (line_settled("e1", "1", outcomes=(outcome("a", False, void=10_000),)), 30),
        (line_settled("e1", "1", outcomes=(outcome("a", True, dead_heat=3_333),)), 19),
        (line_settled("e1", "1", outcomes=(outcome("a", True, void=5_000),)), 45),
        (line_settled("e1", "1", outcomes=(outcome("a", False, void=5_000),)), 15),
    ]
    for result, expected in cases:
        book = SportsBook()
        book.apply(double(odds=70_000))
        out = book.apply(result)
        lines = {r.event_id: r for r in only(out, LineExposure)}
        assert rows(lines["e2"]) == [("b", 1, 0, expected, expected)], result
        assert rows(lines["e1"]) == [], result
    # 10 x 6 x 0.3333 = 19.998 -> 19; a half-won leg (0.5 + 0.5 x 2) / 2 = 0.75 -> 45


def test_a_betfair_market_result_settles_a_multiples_leg_by_its_runner_status() -> None:
    """MONEY.md §1.5 and §2: a WINNER leg is won (factor 1), a REMOVED one void (1 / O_leg);
    only a LOSER kills the bet."""
    book = SportsBook()
    book.apply(double())
    out = book.apply(market_settled("e1", "1", results=(("a", "WINNER"), ("x", "LOSER"))))
    lines = {r.event_id: r for r in only(out, LineExposure)}
    assert rows(lines["e1"]) == []  # the won leg leaves its line
    assert "e2" not in lines  # a won leg's factor is 1: the other line's figures do not move
    assert book.has_open_bets()
    book = SportsBook()
    book.apply(double())
    out = book.apply(market_settled("e1", "1", results=(("a", "REMOVED"), ("x", "LOSER"))))
    lines = {r.event_id: r for r in only(out, LineExposure)}
    assert rows(lines["e2"]) == [("b", 1, 0, 30, 30)]
    book = SportsBook()
    book.apply(double())
    book.apply(market_settled(None, "1", results=(("a", "LOSER"),)))
    assert not book.has_open_bets()


def test_a_multiple_without_every_legs_odds_returns_its_accepted_odds() -> None:
    book = SportsBook()
    legs = [leg("e1", "1", "a", odds=20_000), leg("e2", "1", "b")]
    out = book.apply(bet("m", legs, 10, odds=55_555, payout=1))
    assert [rows(r) for r in only(out, LineExposure)] == [
        [("a", 1, 0, 55, 55)],
        [("b", 1, 0, 55, 55)],
    ]
    out = book.apply(bet("n", [leg("e1", "1", "a", odds=20_000), leg("e2", "1", "b")], 10))
    assert [rows(r)[0][3] for r in only(out, LineExposure)] == [55 + 10, 55 + 10]  # stake back


def test_a_book_with_a_home_event_shows_only_its_own_legs() -> None:
    book = SportsBook("e2")
    out = book.apply(double())
    assert [(r.event_id, rows(r)) for r in only(out, LineExposure)] == [
        ("e2", [("b", 1, 0, 60, 60)])
    ]
    out = book.apply(line_settled("e1", "1", outcomes=(outcome("a", False),)))
    assert [(r.event_id, rows(r)) for r in only(out, LineExposure)] == [("e2", [])]


def test_a_rejected_bet_is_released_and_its_keys_cleared() -> None:
    book = SportsBook()
    assert len(book.apply(single("b1", "a", 100, odds=20_000))) == 3
    assert book.apply(decided("b1", "ACCEPTED")) == []
    assert book.apply(decided("zz", "REJECTED")) == []  # unknown bet
    out = book.apply(decided("b1", "REJECTED", at=5))
    (line,) = only(out, LineExposure)
    assert (line.selections, line.open_stake, line.worst_case, line.version) == ([], 0, 0, 2)
    (event,) = only(out, EventExposure)
    assert (event.open_stake, event.worst_case, event.lines, event.as_of_ms) == (0, 0, 0, 5)
    (player,) = only(out, PlayerExposure)
    assert (player.open_stake, player.potential_return, player.version) == (0, 0, 2)
    assert book.apply(decided("b1", "REJECTED")) == []
    assert book.apply(settled("b1")) == []


def test_a_cancel_window_voids_the_bets_placed_inside_it_until_rolled_back() -> None:
    book = SportsBook()
    for i, at in enumerate((10, 20, 30)):
        book.apply(single(f"b{i}", "a", 100, at=at))
    out = book.apply(cancelled("e1", "1", (15, 25)))
    (line,) = only(out, LineExposure)
    assert line.open_stake == 200
    assert book.apply(single("late", "a", 5, at=18)) == []  # placed in the window: born void
    assert book.apply(cancelled("e2", "1", (None, None))) == []  # another event's line
    assert book.apply(uncancelled("e1", "1", (15, 26))) == []  # not the same window
    (line,) = only(book.apply(uncancelled("e1", "1", (15, 25))), LineExposure)
    assert (line.open_stake, line.selections[0].bets) == (305, 4)
    (line,) = only(book.apply(cancelled("e1", "1", (25, None))), LineExposure)
    assert line.open_stake == 205  # bets at 10, 18, 20 remain
    (line,) = only(book.apply(cancelled("e1", "1", (None, 10))), LineExposure)
    assert line.open_stake == 105


def test_settlement_rollback_restores_what_the_line_settlement_released() -> None:
    book = SportsBook()
    book.apply(single("b1", "a", 100))
    book.apply(single("b2", "b", 40))
    book.apply(settled("b1"))
    (line,) = only(book.apply(line_settled("e1", "1")), LineExposure)
    assert (line.open_stake, line.selections) == (0, [])
    assert book.apply(line_settled("e1", "1")) == []  # the confirming settlement
    assert book.apply(single("late", "a", 7)) == []  # arrives after its line's result
    (line,) = only(book.apply(rolled_back("e1", "1")), LineExposure)
    assert [(s.selection_id, s.open_stake) for s in line.selections] == [("a", 7), ("b", 40)]
    (line,) = only(book.apply(event_result("e1", "1")), LineExposure)
    assert line.open_stake == 0
    book.apply(rolled_back("e1", "1"))
    book.apply(bet("x", [leg("e2", "1", "a")], 3))
    out = book.apply(market_settled(None, "1"))  # Betfair: every event's market "1"
    assert sorted((r.event_id, r.open_stake) for r in only(out, LineExposure)) == [
        ("e1", 0),
        ("e2", 0),
    ]


def test_in_play_and_pre_match_are_separate_books() -> None:
    book = SportsBook()
    pre = only(book.apply(single("b1", "a", 100)), LineExposure)
    assert book.apply(status("1", "e1", True)) == []
    assert book.apply(EventChanged(**env(), event_id="e1", change="SUSPENDED")) == []
    live = only(book.apply(single("b2", "a", 30)), LineExposure)
    other_market = only(book.apply(bet("b3", [leg("e1", "2", "x")], 5)), LineExposure)
    book.apply(status("2", "e1", False))  # market "2" reports: it is not in play
    back = only(book.apply(bet("b4", [leg("e1", "2", "x")], 6)), LineExposure)
    assert [(r.book, r.open_stake) for r in pre + live + other_market + back] == [
        ("PRE_MATCH", 100),
        ("IN_PLAY", 30),
        ("IN_PLAY", 5),  # unknown market: its event is in play
        ("PRE_MATCH", 6),
    ]
    (line,) = only(book.apply(settled("b1")), LineExposure)
    assert (line.book, line.open_stake) == ("PRE_MATCH", 0)


def test_what_is_not_a_sports_bet_is_ignored() -> None:
    book = SportsBook()
    assert book.apply(bet("c", [leg(None, "straight", "17")], 10)) == []
    assert book.apply(bet("l", [leg("e1", "1", "a")], 10, category="live")) == []
    assert book.apply(bet("n", [], 10)) == []
    first = book.apply(single("b1", "a", 10))
    assert book.apply(single("b1", "b", 99)) == []  # duplicate bet id
    assert only(book.apply(single("b1", "a", 10, tenant="t2")), LineExposure)[0].version == 1
    assert [r.version for r in first] == [1, 1, 1]
    anon = book.apply(single("b2", "a", 10, player=None))
    assert only(anon, PlayerExposure) == []


# --- random streams against an oracle written from MONEY.md §1 --------------------------------

TENANTS = ["t1", "t1", "t1", "t2"]  # mostly one tenant, so ids collide
EVENTS = ["e1", "e2"]
LINES = ["1", "1:h=1", "2"]  # market "1" has two lines; market "2" one
MARKETS = ["1", "2"]
SELECTIONS = ["a", "b", "c"]
WINDOWS: list[Window] = [(None, None), (None, 20), (10, 30), (25, None)]
BET_IDS = ["b0", "b1", "b2", "b3", "b4", "b5"]
FACTORS = [None, None, 0, 2_500, 5_000, 10_000]  # x 10,000: void and dead-heat factors

times = st.sampled_from([0, 5, 10, 15, 20, 25, 30, 40])  # on and off the window bounds
tenants = st.sampled_from(TENANTS)
events = st.sampled_from(EVENTS)
lines = st.sampled_from(LINES)
leg_odds = st.integers(10_100, 80_000)


@st.composite
def a_leg(draw: st.DrawFn) -> BetSelection:
    line = draw(lines)
    market = line.split(":")[0]
    line_id = line if ":" in line else draw(st.sampled_from([None, line]))
    event = draw(st.sampled_from([*EVENTS, *EVENTS, *EVENTS, None]))  # None: not a sports leg
    return leg(event, market, draw(st.sampled_from(SELECTIONS)), line_id, draw(leg_odds))


def sports_legs(selections: list[BetSelection]) -> list[BetSelection]:
    """The legs of a bet: selections with an event, one per (event, line, selection)."""
    found: dict[tuple[str, str, str], BetSelection] = {}
    for s in selections:
        if s.event_id is not None:
            found.setdefault((s.event_id, s.line_id or s.market_id, s.selection_id), s)
    return list(found.values())


@st.composite
def placed(draw: st.DrawFn) -> BetPlaced:
    """Every leg of a multiple carries its own odds; a single's may not (then the bet's)."""
    selections = draw(st.lists(a_leg(), min_size=1, max_size=3))
    if len(sports_legs(selections)) == 1 and draw(st.booleans()):
        selections = [msgspec.structs.replace(s, odds=None) for s in selections]
    return bet(
        draw(st.sampled_from(BET_IDS)),
        selections,
        draw(st.integers(1, 1_000)),
        odds=draw(st.one_of(st.none(), leg_odds)),
        payout=draw(st.one_of(st.none(), st.integers(1, 5_000))),
        player=draw(st.sampled_from([None, "p1", "p2"])),
        currency=draw(st.sampled_from(["EUR", "GBP"])),
        at=draw(times),
        tenant=draw(tenants),
    )


@st.composite
def line_result(draw: st.DrawFn) -> NormalizedEvent:
    event, line, at, tenant = draw(events), draw(lines), draw(times), draw(tenants)
    market = line.split(":")[0]
    sels = draw(st.lists(st.sampled_from(SELECTIONS), unique=True, max_size=3))
    kind = draw(st.sampled_from(["line", "line", "event", "market"]))
    if kind == "line":
        outs = tuple(
            outcome(s, draw(st.booleans()), draw(st.sampled_from(FACTORS)),
                    draw(st.sampled_from(FACTORS)))
            for s in sels
        )  # fmt: skip
        return line_settled(event, line, at, tenant, outs)
    if kind == "event":
        voids = tuple(draw(st.lists(st.sampled_from(SELECTIONS), unique=True, max_size=1)))
        winners = tuple(s for s in sels if s not in voids)
        return event_result(event, market, at, tenant, winners, voids)
    # a closed market with every runner LOSER (WINNER/REMOVED legs: a table test above)
    where = draw(st.one_of(st.none(), st.just(event)))
    return market_settled(where, market, at, tenant, tuple((s, "LOSER") for s in sels))


def streams_with(k_of: dict[str, int | None]) -> st.SearchStrategy[list[NormalizedEvent]]:
    """Random inputs; every market's statuses carry that market's one number of winners."""
    statuses = st.builds(
        lambda m, e, live, at, t: status(m, e, live, at, t, k_of[m]),
        st.sampled_from(MARKETS),
        st.one_of(st.none(), events),
        st.booleans(),
        times,
        tenants,
    )
    decisions = st.builds(
        decided, st.sampled_from(BET_IDS), st.sampled_from(["ACCEPTED", "REJECTED"]), times,
        tenants,
    )  # fmt: skip
    kinds: list[tuple[st.SearchStrategy[NormalizedEvent], int]] = [
        (placed(), 8),
        (statuses, 2),
        (decisions, 1),
        (st.builds(settled, st.sampled_from(BET_IDS), times, tenants), 1),
        (line_result(), 3),
        (st.builds(rolled_back, events, lines, times, tenants), 2),
        (st.builds(cancelled, events, lines, st.sampled_from(WINDOWS), times, tenants), 2),
        (st.builds(uncancelled, events, lines, st.sampled_from(WINDOWS), times, tenants), 2),
    ]
    one = st.one_of(*[s for s, w in kinds for _ in range(w)])
    first = [status(m, None, False, 0, t, k_of[m]) for m in MARKETS for t in set(TENANTS)]
    return st.lists(one, min_size=10, max_size=50).map(lambda evs: first + evs)


streams = (
    st.fixed_dictionaries({m: st.sampled_from([None, 1, 2, 3]) for m in MARKETS})
    .flatmap(streams_with)
    .map(lambda evs: [
        msgspec.structs.replace(e, source=SourceRef(topic="t", partition=0, offset=n))
        for n, e in enumerate(evs)
    ])
)  # fmt: skip


class Outcome(msgspec.Struct, frozen=True):
    """A leg's final state by MONEY.md §3.1: won, the refunded share v, the paid share d."""

    won: bool
    v: Fraction = Fraction(0)
    d: Fraction = Fraction(1)


WON, LOST, VOIDED = Outcome(True), Outcome(False), Outcome(False, Fraction(1))


def factor(result: Outcome, o_leg: Fraction) -> Fraction:
    """What a settled leg multiplies a multiple's return by: its payout per unit staked,
    S x (v + (1 - v) x d x O) for a win and S x v for a loss (§3.1), over its odds O."""
    paid = result.v + ((1 - result.v) * result.d * o_leg if result.won else 0)
    return paid / o_leg


def leg_outcome(history: list[NormalizedEvent], tenant: str, event: str, line: str,
                selection: str, placed_ms: int) -> Outcome | None:  # fmt: skip
    """The leg's state after the whole history (results are states of a line): void inside an
    active cancel window, else its line's latest result (or an event-less closed market)."""
    windows: dict[Window, bool] = {}
    result: Outcome | None = None
    closed: Outcome | None = None
    for e in history:
        if e.tenant_id != tenant:
            continue
        if isinstance(e, LineCancelled | CancelRolledBack) and (e.event_id, e.line_id) == (
            event,
            line,
        ):
            windows[e.start_time_ms, e.end_time_ms] = isinstance(e, LineCancelled)
        elif isinstance(e, SettlementRolledBack) and (e.event_id, e.line_id) == (event, line):
            result = None
        elif isinstance(e, LineSettled) and (e.event_id, e.line_id) == (event, line):
            before, result = result, LOST
            for o in e.outcomes:
                if o.outcome_id != selection:
                    continue
                if o.won is None:  # MONEY.md §3.2: undecided keeps what it was (open or decided)
                    result = before
                    continue
                d = 1 if o.dead_heat_factor is None else Fraction(o.dead_heat_factor, 10_000)
                result = Outcome(o.won, Fraction(o.void_factor or 0, 10_000), Fraction(d))
        elif isinstance(e, EventResult) and (e.event_id, e.market_id) == (event, line):
            won, void = selection in e.winners, selection in e.void_selections
            result = WON if won else VOIDED if void else LOST
        elif isinstance(e, MarketSettled) and e.market_id == line and e.event_id in (None, event):
            codes = {r.selection_id: r.result for r in e.results}
            got = {"WINNER": WON, "REMOVED": VOIDED}.get(codes.get(selection, "LOSER"), LOST)
            if e.event_id is None:
                closed = got
            else:
                result = got
    if any(
        on and (lo is None or lo <= placed_ms) and (hi is None or placed_ms <= hi)
        for (lo, hi), on in windows.items()
    ):
        return VOIDED
    return result if result is not None else closed


class OpenLeg(msgspec.Struct, frozen=True):
    tenant: str
    event: str
    line: str
    selection: str
    book: str
    currency: str
    player: str | None
    stake: int  # offset against the line: a single's stake, 0 for a multiple's leg
    ret: int


def open_legs(history: list[NormalizedEvent]) -> list[OpenLeg]:
    """Every open leg of every open bet, with what it adds to its selection."""
    out: list[OpenLeg] = []
    placed_at: dict[tuple[str, str], int] = {}
    in_play: dict[tuple[str, str, str], bool] = {}  # (tenant, "market" | "event", id)
    for pos, b in enumerate(history):
        if isinstance(b, MarketStatusChanged):
            in_play[b.tenant_id, "market", b.market_id] = b.in_play
            if b.event_id is not None:
                in_play[b.tenant_id, "event", b.event_id] = b.in_play
        if not isinstance(b, BetPlaced) or (b.tenant_id, b.bet_id) in placed_at:
            continue
        legs = sports_legs(b.selections)
        if not legs:
            continue  # not a sports bet: leaves no trace, its id included
        placed_at[b.tenant_id, b.bet_id] = pos
        if any(
            e.tenant_id == b.tenant_id
            and getattr(e, "bet_id", None) == b.bet_id
            and (isinstance(e, BetSettled) or getattr(e, "decision", None) == "REJECTED")
            for e in history[pos + 1 :]
        ):
            continue  # released: rejected or settled by bet
        # each leg's own accepted odds; a single's are the bet's accepted odds when it has them
        odds = [Fraction(s.odds, ODDS_SCALE) if s.odds is not None else None for s in legs]
        if len(legs) == 1 and b.accepted_odds is not None:
            odds = [Fraction(b.accepted_odds, ODDS_SCALE)]
        if all(o is not None for o in odds):
            o_bet = math.prod(o for o in odds if o is not None)
        elif b.accepted_odds is not None:
            o_bet = Fraction(b.accepted_odds, ODDS_SCALE)
        elif b.potential_payout is not None:
            o_bet = Fraction(b.potential_payout, b.stake)
        else:
            o_bet = Fraction(1)
        results = [
            leg_outcome(history, b.tenant_id, s.event_id or "", s.line_id or s.market_id,
                        s.selection_id, b.event_time_ms)
            for s in legs
        ]  # fmt: skip
        if len(legs) == 1 and results[0] is not None:
            continue  # a single with a result has left the books
        product = Fraction(1)
        for result, o_leg in zip(results, odds, strict=True):
            if result is not None:
                assert o_leg is not None  # every random multiple's leg carries its odds
                product *= factor(result, o_leg)
        if product == 0 or all(r is not None for r in results):
            continue  # a lost leg killed it, or nothing is left open
        ret = math.floor(b.stake * o_bet * product)
        for s, result in zip(legs, results, strict=True):
            if result is not None:
                continue
            live = in_play.get((b.tenant_id, "market", s.market_id))
            if live is None:
                live = in_play.get((b.tenant_id, "event", s.event_id or ""), False)
            out.append(
                OpenLeg(b.tenant_id, s.event_id or "", s.line_id or s.market_id, s.selection_id,
                        "IN_PLAY" if live else "PRE_MATCH", b.currency, b.player_id,
                        b.stake if len(legs) == 1 else 0, ret)
            )  # fmt: skip
    return out


def oracle(history: list[NormalizedEvent]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Every key's figures, from scratch (MONEY.md §1.2-1.5)."""
    k_of: dict[tuple[str, str], int] = {}
    for e in history:
        if isinstance(e, MarketStatusChanged) and e.number_of_winners is not None:
            k_of[e.tenant_id, e.market_id] = e.number_of_winners
    legs = open_legs(history)
    by_line: dict[tuple[Any, ...], list[OpenLeg]] = {}
    by_player: dict[tuple[Any, ...], list[OpenLeg]] = {}
    for x in legs:
        by_line.setdefault(("line", x.tenant, x.event, x.line, x.book, x.currency), []).append(x)
        if x.player is not None:
            key = ("player", x.tenant, x.player, x.event, x.line, x.currency)
            by_player.setdefault(key, []).append(x)
    figures: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for key, on_line in by_line.items():
        line_stake = sum(x.stake for x in on_line)
        sels = sorted({x.selection for x in on_line})
        rets = {s: sum(x.ret for x in on_line if x.selection == s) for s in sels}
        selection_rows = tuple(
            (s, sum(x.selection == s for x in on_line),
             sum(x.stake for x in on_line if x.selection == s), rets[s], rets[s] - line_stake)
            for s in sels
        )  # fmt: skip
        k = k_of.get((key[1], key[3].split(":")[0]), 1)
        worst = sum(sorted(rets.values(), reverse=True)[:k]) - line_stake
        figures[key] = (selection_rows, line_stake, worst)
        event_key = ("event", key[1], key[2], key[4], key[5])
        stake, w, n = figures.get(event_key, (0, 0, 0))
        figures[event_key] = (stake + line_stake, w + worst, n + 1)
    for (_, t, player, event, line, cur), mine in by_player.items():
        line_stake = sum(x.stake for x in mine)
        for s in {x.selection for x in mine}:
            stake = sum(x.stake for x in mine if x.selection == s)
            ret = sum(x.ret for x in mine if x.selection == s)
            figures["player", t, player, event, line, s, cur] = (stake, ret, ret - line_stake)
    return figures


def key_and_figures(r: Exposure) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    key: tuple[Any, ...]
    if isinstance(r, LineExposure):
        key = ("line", r.tenant_id, r.event_id, r.line_id, r.book, r.currency)
        return key, (tuple(rows(r)), r.open_stake, r.worst_case)
    if isinstance(r, EventExposure):
        key = ("event", r.tenant_id, r.event_id, r.book, r.currency)
        return key, (r.open_stake, r.worst_case, r.lines)
    key = ("player", r.tenant_id, r.player_id, r.event_id, r.line_id, r.selection_id, r.currency)
    return key, (r.open_stake, r.potential_return, r.liability)


ZERO = {"line": ((), 0, 0), "event": (0, 0, 0), "player": (0, 0, 0)}


def run(book: SportsBook, evs: list[NormalizedEvent]) -> list[list[Exposure]]:
    return [book.apply(e) for e in evs]


@settings(max_examples=400, deadline=None)
@given(streams)
def test_latest_records_match_a_from_scratch_oracle(history: list[NormalizedEvent]) -> None:
    book = SportsBook()
    latest: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    versions: dict[tuple[Any, ...], int] = {}
    for e in history:
        out = book.apply(e)
        keys = [key_and_figures(r)[0] for r in out]
        assert len(keys) == len(set(keys))  # one record per changed key
        for r in out:
            key, figures = key_and_figures(r)
            assert r.version == versions.get(key, 0) + 1
            assert r.as_of_ms == e.event_time_ms
            assert figures != latest.get(key, ZERO[key[0]])  # only keys that changed
            versions[key] = r.version
            latest[key] = figures
    expected = oracle(history)
    for key, figures in latest.items():
        assert figures == expected.get(key, ZERO[key[0]]), key
    for key, figures in expected.items():
        assert latest.get(key, ZERO[key[0]]) == figures, key  # never emitted: zero exposure
    assert book.has_open_bets() == bool(open_legs(history))


@settings(max_examples=100, deadline=None)
@given(streams, st.integers(0, 60))
def test_replay_and_recovery_from_a_pickled_book_give_identical_outputs(
    history: list[NormalizedEvent], cut: int
) -> None:
    first = run(SportsBook(), history)
    assert run(SportsBook(), history) == first
    book = SportsBook()
    before = run(book, history[:cut])
    restored = pickle.loads(pickle.dumps(book))
    assert before + run(restored, history[cut:]) == first
