"""MONEY.md §2 on Betfair markets: settlement and exposure against an oracle written from
MONEY.md (Decimal arithmetic, ROUND_HALF_UP, independent of the code's Fractions), over random
bets, removals with adjustment factors around 2.5 %, dead heats and each-way places, and over
the real recordings with generated bets."""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_betfair_adapter import CTX, read_lines, replay
from tests.test_settle_sports import bet, env, leg
from wagerflow.pipeline.decode import decode_batch
from wagerflow.pipeline.normalize_state import AcceptedEvent, NormalizeShardState
from wagerflow.risk.sports import SportsBook
from wagerflow.samples.exchange_bets import exchange_bets
from wagerflow.schemas.events import (
    BetPlaced,
    MarketSettled,
    NormalizedEvent,
    RunnerRemoved,
    SelectionResult,
    SelectionResultCode,
)
from wagerflow.schemas.records import RawBatch
from wagerflow.schemas.risk import LineExposure
from wagerflow.schemas.settlement import BetSettlement
from wagerflow.settle.sports.settlement import SportsSettlement

MARKET = "1.5"
EVENT = "e1"
RUNNERS = [str(n) for n in range(1, 7)]


# --- the oracle: MONEY.md §2 as written ------------------------------------------------------


def o_reduced(
    odds: Decimal, selection: str, placed: int, removals: list[tuple[str, Decimal, int]]
) -> Decimal:
    """§2.2: each removal (selection, AF %, removalDate) of another runner after the acceptance
    with AF >= 2.5, in removalDate order: O' = max(1.01, round_half_up(O x (1 - AF/100), 2))."""
    for sel, af, when in sorted(removals, key=lambda r: (r[2], r[0])):
        if sel != selection and placed < when and af >= Decimal("2.5"):
            odds = max(
                Decimal("1.01"), (odds * (1 - af / 100)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            )
    return odds


def o_floor(x: Decimal) -> int:
    return int(x.to_integral_value(ROUND_FLOOR))


def o_payout(
    stake: int,
    odds: Decimal,
    status: str,
    places: int,
    winners: int,
    divisor: Decimal | None,
) -> tuple[int, bool]:
    """§2.1, 2.3-2.5: the payout and whether DEAD_HEAT_UNRESOLVED applies."""
    if status in ("REMOVED", "REMOVED_VACANT"):
        return stake, False
    if divisor is not None:
        half = Decimal(stake) / 2
        place = half * ((odds - 1) / divisor + 1)
        if status == "WINNER":
            return o_floor(half * odds + place), False
        if status == "PLACED":
            return o_floor(place), False
        return 0, False
    if status != "WINNER":  # LOSER, PLACED outside each way, HIDDEN
        return 0, False
    if places == 1 and winners > 1:
        return o_floor(Decimal(stake) * odds / winners), False
    return o_floor(Decimal(stake) * odds), winners > places


# --- building events -----------------------------------------------------------------------


def _single(bet_id: str, selection: str, stake: int, odds: Decimal, at: int) -> BetPlaced:
    return bet(
        bet_id,
        [leg(EVENT, MARKET, selection)],
        stake,
        odds=int(odds * 10_000),
        at=at,
        provider="generic",
    )


def _removed(
    selection: str, af: Decimal, when: int, at: int, vacant: bool = False
) -> RunnerRemoved:
    return RunnerRemoved(
        **env(at, provider="betfair"),
        event_id=EVENT,
        market_id=MARKET,
        selection_id=selection,
        adjustment_factor=int(af * 10_000),
        removal_time_ms=when,
        vacant=vacant,
    )


def _closed(
    statuses: dict[str, SelectionResultCode],
    removals: dict[str, tuple[Decimal, int]],
    at: int,
    places: int,
    market_type: str,
    divisor: Decimal | None,
) -> MarketSettled:
    return MarketSettled(
        **env(at, provider="betfair"),
        event_id=EVENT,
        market_id=MARKET,
        results=[
            SelectionResult(
                selection_id=s,
                result=r,
                adjustment_factor=int(removals[s][0] * 10_000) if s in removals else None,
                removal_time_ms=removals[s][1] if s in removals else None,
            )
            for s, r in statuses.items()
        ],
        number_of_winners=places,
        each_way_divisor=None if divisor is None else int(divisor * 10_000),
        market_type=market_type,
    )


ODDS = st.integers(101, 5_000).map(lambda n: Decimal(n) / 100)
AF = st.one_of(
    st.sampled_from(["0", "2.49", "2.5", "2.51", "5.55", "7.14"]).map(Decimal),
    st.integers(0, 4_000).map(lambda n: Decimal(n) / 100),
)


@st.composite
def markets(draw: st.DrawFn) -> dict[str, Any]:
    removed = draw(st.lists(st.sampled_from(RUNNERS), unique=True, max_size=3))
    removals = {
        s: (draw(AF), draw(st.integers(10, 100)), draw(st.booleans())) for s in removed
    }  # selection -> (AF, removal time, vacant)
    others = [s for s in RUNNERS if s not in removed]
    kind = draw(st.sampled_from(["WIN", "PLACE", "EACH_WAY"]))
    places = 1 if kind == "WIN" else draw(st.integers(2, 3))
    winners = draw(st.integers(1, min(len(others), places + 1)))
    statuses: dict[str, SelectionResultCode] = dict.fromkeys(others, "LOSER")
    for s in others[:winners]:
        statuses[s] = "WINNER"
    for s in others[winners:]:
        statuses[s] = draw(st.sampled_from(["LOSER", "PLACED", "HIDDEN"]))
    for s, (_, _, vacant) in removals.items():
        statuses[s] = "REMOVED_VACANT" if vacant else "REMOVED"
    divisor = Decimal(draw(st.sampled_from([4, 5]))) if kind == "EACH_WAY" else None
    bets = draw(
        st.lists(
            st.tuples(st.sampled_from(RUNNERS), st.integers(1, 100_000), ODDS, st.integers(0, 110)),
            min_size=1,
            max_size=12,
        )
    )
    return {
        "removals": removals,
        "statuses": statuses,
        "kind": kind,
        "places": places,
        "divisor": divisor,
        "bets": bets,
        "winners": winners,
    }


def _events(m: dict[str, Any]) -> list[NormalizedEvent]:
    """Bets and removals in time order (a removal is seen 5 ms after its removalDate), then the
    close."""
    timed: list[tuple[int, int, NormalizedEvent]] = []
    for n, (sel, stake, odds, at) in enumerate(m["bets"]):
        timed.append((at, 1, _single(f"b{n}", sel, stake, odds, at)))
    for sel, (af, when, vacant) in m["removals"].items():
        timed.append((when + 5, 0, _removed(sel, af, when, when + 5, vacant)))
    timed.sort(key=lambda x: (x[0], x[1]))
    removals = {s: (af, when) for s, (af, when, _) in m["removals"].items()}
    close = _closed(m["statuses"], removals, 1_000, m["places"], m["kind"], m["divisor"])
    return [e for _, _, e in timed] + [close]


def _expected(m: dict[str, Any], n: int) -> tuple[int, Decimal, bool]:
    sel, stake, odds, at = m["bets"][n]
    removals = [(s, af, when) for s, (af, when, _) in m["removals"].items()]
    reduced = o_reduced(odds, sel, at, removals)
    payout, unresolved = o_payout(
        stake, reduced, m["statuses"][sel], m["places"], m["winners"], m["divisor"]
    )
    if m["kind"] == "EACH_WAY":
        unresolved = False
    return payout, reduced, unresolved


@settings(max_examples=300, deadline=None)
@given(markets())
def test_every_bet_settles_once_as_money_md_says(m: dict[str, Any]) -> None:
    s = SportsSettlement()
    records = [r for e in _events(m) for r in s.apply(e)]
    final: dict[str, BetSettlement] = {}
    for r in records:
        assert r.bet_id not in final, "settled more than once"  # VOID at removal, or at close
        assert r.state == "SETTLED"
        final[r.bet_id] = r
    assert len(final) == len(m["bets"])
    for n, (sel, stake, odds, _) in enumerate(m["bets"]):
        got = final[f"b{n}"]
        payout, reduced, unresolved = _expected(m, n)
        assert got.payout == payout, (n, got)
        assert ("DEAD_HEAT_UNRESOLVED" in got.flags) == unresolved
        assert got.accepted_odds == int(odds * 10_000)
        if sel in m["removals"]:
            assert (got.outcome, got.payout, got.reason) == ("VOID", stake, "removed")
            assert got.settled_at_ms == m["removals"][sel][1] + 5  # when the removal was seen
        else:
            assert got.reduced_odds == int(reduced * 10_000)


@settings(max_examples=200, deadline=None)
@given(markets())
def test_exposure_follows_removals_at_once(m: dict[str, Any]) -> None:
    """§2.2 / §1.2: after every input, the line's per-selection return is the sum over the open
    singles of floor(S x O') with the removals seen so far, and removed runners hold nothing."""
    book = SportsBook(EVENT)
    events = _events(m)[:-1]
    seen: list[tuple[str, Decimal, int]] = []
    placed: list[int] = []
    latest: dict[str, int] = {}
    for e in events:
        for rec in book.apply(e):
            if isinstance(rec, LineExposure):
                latest = {x.selection_id: x.potential_return for x in rec.selections}
                stake = rec.open_stake
        if isinstance(e, RunnerRemoved):
            seen.append(
                (e.selection_id, Decimal(e.adjustment_factor or 0) / 10_000, e.removal_time_ms)
            )
        else:
            placed.append(int(e.bet_id[1:]))  # type: ignore[union-attr]
        gone = {s for s, _, _ in seen}
        want: dict[str, int] = {}
        want_stake = 0
        for n in placed:
            sel, st_, odds, at = m["bets"][n]
            if sel in gone:
                continue
            want[sel] = want.get(sel, 0) + o_floor(st_ * o_reduced(odds, sel, at, seen))
            want_stake += st_
        assert latest == want
        if want:
            assert stake == want_stake
    assert not book.apply(_events(m)[-1]) or not book.has_open_bets()


def test_the_recorded_removals_reduce_a_winner_to_438(betfair_recordings: dict[str, Path]) -> None:
    """BASIC-1.132153978: 100.00 at 5.0 on the winner before both removals (7.14 %, 5.55 %):
    5.0 -> 4.64 -> 4.38, 438.00; after both: 500.00."""
    events, _, dlq = replay(read_lines(betfair_recordings["BASIC-1.132153978"]))
    assert dlq == []
    first = events[0]
    removed = [e for e in events if isinstance(e, RunnerRemoved)]
    event_id = removed[0].event_id
    winner = "12115648"

    def back(bet_id: str, at: int) -> BetPlaced:
        return bet(
            bet_id,
            [leg(event_id, "1.132153978", winner)],
            10_000,
            odds=50_000,
            at=at,
            provider="generic",
        )

    early = back("before", first.event_time_ms)
    late = back("after", removed[-1].event_time_ms + 1)
    stream = sorted([*events, early, late], key=lambda e: e.event_time_ms)
    s = SportsSettlement()
    book = SportsBook(event_id)
    returns: list[dict[str, int]] = []
    out: dict[str, BetSettlement] = {}
    for e in stream:
        out.update({r.bet_id: r for r in s.apply(e)})
        for rec in book.apply(e):
            if isinstance(rec, LineExposure) and rec.selections:
                returns.append({x.selection_id: x.potential_return for x in rec.selections})
    assert (out["before"].payout, out["before"].accepted_odds, out["before"].reduced_odds) == (
        43_800,
        50_000,
        43_800,
    )
    assert (out["after"].payout, out["after"].reduced_odds) == (50_000, 50_000)
    # exposure: 500.00, then 464.00 after the first removal, 438.00 + 500.00 after the second
    assert [r[winner] for r in returns] == [50_000, 46_400, 43_800, 93_800]


def _generic(lines: list[bytes]) -> list[NormalizedEvent]:
    work, dlq, _ = decode_batch(RawBatch("generic", "bets", 0, list(range(len(lines))), lines), CTX)
    assert dlq == []
    out = NormalizeShardState(CTX).apply([w for _, w in work])
    return [o.event for o in out if isinstance(o, AcceptedEvent)]


def test_replayed_recordings_with_generated_bets(betfair_recordings: dict[str, Path]) -> None:
    """Each recording with generated bets: zero DLQ, every bet settled exactly once as MONEY.md
    says, and every exposure figure equal to MONEY.md recomputed from the open bets."""
    for name, path in betfair_recordings.items():
        lines = read_lines(path)
        feed, _, dlq = replay(lines)
        assert dlq == [], name
        bets = [
            e for e in _generic(exchange_bets(lines, seed=7, count=60)) if isinstance(e, BetPlaced)
        ]
        assert len(bets) == 60
        stream = sorted([*feed, *bets], key=lambda e: (e.event_time_ms, isinstance(e, BetPlaced)))
        (closed,) = [e for e in feed if isinstance(e, MarketSettled)]
        removals = [
            (r.selection_id, Decimal(r.adjustment_factor or 0) / 10_000, r.removal_time_ms)
            for r in closed.results
            if r.removal_time_ms is not None
        ]
        status = {r.selection_id: r.result for r in closed.results}
        winners = len(closed.winners)
        s = SportsSettlement()
        book = SportsBook(closed.event_id)
        settled: dict[str, list[BetSettlement]] = {}
        removed_now: list[tuple[str, Decimal, int]] = []
        open_bets: list[BetPlaced] = []
        for e in stream:
            for r in s.apply(e):
                settled.setdefault(r.bet_id, []).append(r)
            lines_out = [x for x in book.apply(e) if isinstance(x, LineExposure)]
            if isinstance(e, RunnerRemoved):
                removed_now.append(
                    (e.selection_id, Decimal(e.adjustment_factor or 0) / 10_000, e.removal_time_ms)
                )
            if isinstance(e, BetPlaced):
                open_bets.append(e)
            if isinstance(e, MarketSettled):
                open_bets.clear()
            gone = {x for x, _, _ in removed_now}
            want: dict[str, int] = {}
            for b in open_bets:
                sel = b.selections[0].selection_id
                if sel in gone:
                    continue
                odds = o_reduced(
                    Decimal(b.accepted_odds or 0) / 10_000, sel, b.event_time_ms, removed_now
                )
                want[sel] = want.get(sel, 0) + o_floor(b.stake * odds)
            for x in lines_out:
                assert {y.selection_id: y.potential_return for y in x.selections} == want, name
        assert set(settled) == {b.bet_id for b in bets}, name
        for b in bets:
            (only,) = settled[b.bet_id]  # exactly once
            sel = b.selections[0].selection_id
            odds = Decimal(b.accepted_odds or 0) / 10_000
            reduced = o_reduced(odds, sel, b.event_time_ms, removals)
            payout, _ = o_payout(
                b.stake, reduced, status[sel], closed.number_of_winners or 1, winners, None
            )
            assert only.payout == payout, (name, b.bet_id)
