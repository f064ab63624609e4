"""Betfair streams as real recorders write them: a change split over two lines with the same
``pt`` and ``clk``, resends, handicap runners, repeated runner changes, and runner removals
(MONEY.md §2: what settlement and exposure need from the market definitions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_betfair_adapter import read_lines, replay
from wagerflow.schemas.events import (
    NO_SOURCE,
    MarketSettled,
    MarketStatusChanged,
    NormalizedEvent,
    OddsChanged,
    RunnerRemoved,
)


def _line(**msg: Any) -> bytes:
    return json.dumps({"op": "mcm", **msg}).encode()


def _split(raw: bytes) -> list[bytes]:
    """A line whose market change has a definition and runner changes, as a recorder splits
    it: the same ``pt`` and ``clk``, the definition in one line and the runner changes in the
    next; any other line as it is."""
    msg = json.loads(raw)
    if len(msg.get("mc", ())) != 1:
        return [raw]
    (change,) = msg["mc"]
    if "marketDefinition" not in change or not change.get("rc"):
        return [raw]
    head = {k: v for k, v in change.items() if k != "rc"}
    tail = {k: v for k, v in change.items() if k not in ("marketDefinition", "tv")}
    return [
        json.dumps({**msg, "mc": [head]}).encode(),
        json.dumps({**msg, "mc": [tail]}).encode(),
    ]


def _bare(events: list[NormalizedEvent]) -> list[NormalizedEvent]:
    return [msgspec.structs.replace(e, source=NO_SOURCE) for e in events]


def test_every_line_of_every_recording_normalizes(betfair_recordings: dict[str, Path]) -> None:
    assert len(betfair_recordings) == 3
    for path in betfair_recordings.values():
        events, _, dlq = replay(read_lines(path))
        assert dlq == [], path.name
        assert events


def test_a_split_recording_gives_the_same_events_with_zero_dlq(
    betfair_recordings: dict[str, Path],
) -> None:
    for path in betfair_recordings.values():
        lines = read_lines(path)
        split = [part for raw in lines for part in _split(raw)]
        whole, _, _ = replay(lines)
        events, _, dlq = replay(split)
        assert dlq == [], path.name
        # the split market definition comes first: its status change and removals, then odds
        assert sorted(map(repr, _bare(events))) == sorted(map(repr, _bare(whole))), path.name


def test_a_split_message_and_its_resends() -> None:
    definition = {"status": "OPEN", "eventId": "e1", "runners": [{"id": 1, "status": "ACTIVE"}]}
    head = _line(pt=10, clk="c1", mc=[{"id": "1.5", "img": True, "marketDefinition": definition}])
    tail = _line(
        pt=10, clk="c1", mc=[{"id": "1.5", "img": True, "rc": [{"id": 1, "atb": [[2, 5]]}]}]
    )
    # the same content in other bytes (key order, spacing) is the same message
    again = json.dumps(json.loads(tail), indent=1, sort_keys=True).encode()
    events, _, dlq = replay([head, tail, head, tail, again])
    assert dlq == []
    assert [type(e).__name__ for e in events] == ["MarketStatusChanged", "OddsChanged"]
    odds = [e for e in events if isinstance(e, OddsChanged)]
    assert [(o.selection_id, o.best_back_odds) for o in odds] == [("1", 20_000)]


def test_a_changed_resend_of_a_part_is_still_a_conflict() -> None:
    first = _line(pt=10, clk="c", mc=[{"id": "1.5", "rc": [{"id": 1, "atb": [[2.0, 5]]}]}])
    other = _line(pt=10, clk="c", mc=[{"id": "1.5", "rc": [{"id": 1, "atb": [[3.0, 5]]}]}])
    _, _, dlq = replay([first, other])
    assert [d.raw for d in dlq] == [other]


def test_handicap_runners_are_separate_selections() -> None:
    rc = [{"id": 7, "hc": -0.5, "atb": [[2.0, 5]]}, {"id": 7, "hc": 0.5, "atb": [[1.8, 5]]}]
    events, states, dlq = replay([_line(pt=1, clk="a", mc=[{"id": "1.9", "rc": rc}])])
    assert dlq == []
    odds = [e for e in events if isinstance(e, OddsChanged)]
    assert [(o.selection_id, o.best_back_odds) for o in odds] == [
        ("7:-0.5", 20_000),
        ("7:0.5", 18_000),
    ]
    assert len({o.dedup_key for o in odds}) == 2
    assert [s.selection_id for s in states[-1].selections] == ["7:-0.5", "7:0.5"]


@settings(max_examples=100)
@given(st.lists(st.tuples(st.sampled_from([2.0, 3.0, 4.5]), st.integers(0, 9)), min_size=1))
def test_repeated_runner_changes_in_one_message_apply_in_order(
    deltas: list[tuple[float, int]],
) -> None:
    rc = [{"id": 3, "atb": [[price, size]]} for price, size in deltas]
    events, _, dlq = replay([_line(pt=1, clk="a", mc=[{"id": "1.8", "rc": rc}])])
    ladder: dict[float, int] = {}
    for price, size in deltas:  # Betfair: [price, size], size 0 removes the level
        if size:
            ladder[price] = size
        else:
            ladder.pop(price, None)
    assert dlq == []
    (one,) = [e for e in events if isinstance(e, OddsChanged)]  # one, with the final top
    if ladder:
        assert one.best_back_odds == round(max(ladder) * 10_000)
        assert one.best_back_size == ladder[max(ladder)] * 100
    else:
        assert one.best_back_odds is None


def test_the_recorded_removals(betfair_recordings: dict[str, Path]) -> None:
    events, _, dlq = replay(read_lines(betfair_recordings["BASIC-1.132153978"]))
    assert dlq == []
    removed = [e for e in events if isinstance(e, RunnerRemoved)]
    # 2017-06-14T07:00:50Z and 09:23:43Z, adjustment factors 7.14 % and 5.55 % (x 10,000)
    assert [
        (r.selection_id, r.adjustment_factor, r.removal_time_ms, r.vacant) for r in removed
    ] == [
        ("11198538", 71_400, 1_497_423_650_000, False),
        ("9606433", 55_500, 1_497_432_223_000, False),
    ]
    assert all(r.market_id == "1.132153978" and r.event_id for r in removed)
    (settled,) = [e for e in events if isinstance(e, MarketSettled)]
    by_id = {r.selection_id: r for r in settled.results}
    assert by_id["11198538"].result == "REMOVED"
    assert by_id["11198538"].removal_time_ms == 1_497_423_650_000
    assert by_id["12115648"].result == "WINNER"
    assert by_id["12115648"].removal_time_ms is None
    assert (settled.number_of_winners, settled.market_type) == (1, "WIN")
    status = [e for e in events if isinstance(e, MarketStatusChanged)]
    assert {(s.number_of_winners, s.sport_id) for s in status} == {(1, "7")}


def test_place_market_reports_its_places(betfair_recordings: dict[str, Path]) -> None:
    events, _, _ = replay(read_lines(betfair_recordings["1.197931751"]))
    status = [e for e in events if isinstance(e, MarketStatusChanged)]
    assert {(s.number_of_winners, s.sport_id) for s in status} == {(2, "4339")}
    (settled,) = [e for e in events if isinstance(e, MarketSettled)]
    assert (settled.number_of_winners, settled.market_type) == (2, "PLACE")


def test_every_documented_runner_status_settles_a_closed_market() -> None:
    runners = [
        {"id": 1, "status": "WINNER"},
        {"id": 2, "status": "PLACED"},
        {"id": 3, "status": "LOSER"},
        {"id": 4, "status": "HIDDEN"},
        {"id": 5, "status": "REMOVED_VACANT", "adjustmentFactor": 0},
        {
            "id": 6,
            "status": "REMOVED",
            "adjustmentFactor": 3.2,
            "removalDate": "2020-01-01T00:00:00.000Z",
        },
    ]
    definition = {
        "status": "CLOSED",
        "eventId": "e",
        "marketType": "EACH_WAY",
        "eachWayDivisor": 4,
        "numberOfWinners": 3,
        "runners": runners,
    }
    events, _, dlq = replay(
        [_line(pt=1_600_000_000_000, clk="z", mc=[{"id": "1.7", "marketDefinition": definition}])]
    )
    assert dlq == []
    removed = [e for e in events if isinstance(e, RunnerRemoved)]
    assert [
        (r.selection_id, r.vacant, r.removal_time_ms, r.adjustment_factor) for r in removed
    ] == [
        ("5", True, 1_600_000_000_000, 0),  # no removalDate: the definition's time
        ("6", False, 1_577_836_800_000, 32_000),
    ]
    (settled,) = [e for e in events if isinstance(e, MarketSettled)]
    assert [r.result for r in settled.results] == [
        "WINNER", "PLACED", "LOSER", "HIDDEN", "REMOVED_VACANT", "REMOVED",
    ]  # fmt: skip
    assert (settled.each_way_divisor, settled.number_of_winners) == (40_000, 3)


def test_a_removal_is_reported_once() -> None:
    runner = {
        "id": 2,
        "status": "REMOVED",
        "adjustmentFactor": 10,
        "removalDate": "2020-01-01T00:00:00Z",
    }
    definition = {
        "status": "OPEN",
        "eventId": "e",
        "runners": [{"id": 1, "status": "ACTIVE"}, runner],
    }
    lines = [
        _line(pt=pt, clk=str(pt), mc=[{"id": "1.1", "marketDefinition": definition}])
        for pt in (5, 6)
    ]
    lines.append(
        _line(pt=7, clk="7", mc=[{"id": "1.1", "img": True, "marketDefinition": definition}])
    )
    events, _, _ = replay(lines)
    assert len([e for e in events if isinstance(e, RunnerRemoved)]) == 1
