"""Multiples across risk shards (MONEY.md §1.5): events routed exactly as the flow routes them
(``risk_keys``), one ``RiskShardState`` per shard key."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import msgspec

from tests.test_risk_sports import bet, cancelled, leg, line_settled, outcome, rolled_back
from wagerflow.risk.engine import RiskShardState
from wagerflow.risk.entity import RiskOutput
from wagerflow.risk.limits import LimitBook
from wagerflow.risk.routing import risk_keys
from wagerflow.risk.suspend import SuspendConfig
from wagerflow.schemas.events import BetPlaced, NormalizedEvent
from wagerflow.schemas.risk import EventExposure, LineExposure
from wagerflow.schemas.settlement import BetSettlement
from wagerflow.shard_key import shard_of

SHARDS = 4
A, B, C = "E0", "E1", "E4"  # three events on three different shards of four
S = 100
ODDS = {A: 20_000, B: 30_000, C: 25_000}  # each leg's own accepted odds x 10,000


def test_the_events_sit_on_different_shards() -> None:
    assert len({shard_of(f"event:{e}", SHARDS) for e in (A, B, C)}) == 3


Outputs = list[tuple[str, RiskOutput]]  # (shard key, record)


class Flow:
    """The risk step of the flow: each input to every key ``risk_keys`` gives, in order."""

    def __init__(self) -> None:
        self.shards = {
            str(n): RiskShardState(LimitBook(), SuspendConfig(), shards=SHARDS)
            for n in range(SHARDS)
        }
        self.out: Outputs = []

    def feed(self, events: Iterable[NormalizedEvent]) -> Outputs:
        new: Outputs = []
        for e in events:
            for key in risk_keys(e, SHARDS):
                new.extend((key, r) for r in self.shards[key].apply(e, e.received_time_ms, key))
        self.out.extend(new)
        return new

    def lines(self) -> dict[str, list[tuple[str, int, int]]]:
        """The latest line record per event (every line here is "1"): (selection, R, L)."""
        latest: dict[tuple[str, str], LineExposure] = {}
        for _, r in self.out:
            if isinstance(r, LineExposure):
                held = latest.get((r.event_id, r.line_id))
                assert held is None or r.version > held.version
                latest[r.event_id, r.line_id] = r
        return {
            e: [(s.selection_id, s.potential_return, s.liability) for s in r.selections]
            for (e, _), r in latest.items()
        }

    def worst(self) -> dict[str, int]:
        latest: dict[str, EventExposure] = {}
        for _, r in self.out:
            if isinstance(r, EventExposure):
                latest[r.event_id] = r
        return {e: r.worst_case for e, r in latest.items()}

    def settlements(self) -> list[tuple[str, str, Any, int]]:
        return [
            (key, r.state, r.outcome, r.payout)
            for key, r in self.out
            if isinstance(r, BetSettlement)
        ]


def multiple(events: tuple[str, ...] = (A, B), at: int = 0) -> BetPlaced:
    legs = [leg(e, "1", "x", odds=ODDS[e]) for e in events]
    return bet("m", legs, S, odds=99_999, payout=1, at=at)


def result(event: str, won: bool, at: int = 10, **factors: Any) -> NormalizedEvent:
    return line_settled(event, "1", at, outcomes=(outcome("x", won, **factors),))


def home() -> str:
    return shard_of(f"event:{A}", SHARDS)  # the first leg's event settles the bet


def test_a_multiple_shows_its_return_on_every_event_it_touches() -> None:
    flow = Flow()
    flow.feed([multiple()])
    assert flow.lines() == {A: [("x", 600, 600)], B: [("x", 600, 600)]}  # 100 x 2 x 3
    assert flow.worst() == {A: 600, B: 600}
    shown = {(k, r.event_id) for k, r in flow.out if isinstance(r, LineExposure)}
    assert shown == {(shard_of(f"event:{e}", SHARDS), e) for e in (A, B)}


def test_a_lost_leg_elsewhere_kills_the_bet_on_every_line_and_it_settles_once() -> None:
    flow = Flow()
    flow.feed([multiple()])
    flow.feed([result(B, False)])
    assert flow.lines() == {A: [], B: []}
    assert flow.worst() == {A: 0, B: 0}
    assert flow.settlements() == [(home(), "SETTLED", "LOSE", 0)]  # at once, at home only
    flow.feed([result(A, True, at=20), result(B, False, at=30)])  # the other leg, a resend
    assert flow.settlements() == [(home(), "SETTLED", "LOSE", 0)]
    assert not any(s.sports.has_open_bets() for sh in flow.shards.values()
                   for s in sh.entities.values())  # fmt: skip


def test_a_won_leg_keeps_the_return_on_the_other_events_line() -> None:
    flow = Flow()
    flow.feed([multiple()])
    flow.feed([result(A, True)])
    assert flow.lines() == {A: [], B: [("x", 600, 600)]}  # won at its own odds: factor 2 / 2
    assert flow.settlements() == []
    flow.feed([result(B, True, at=20)])
    assert flow.lines() == {A: [], B: []}
    assert flow.settlements() == [(home(), "SETTLED", "WIN", 600)]


def test_a_void_leg_divides_the_return_by_its_own_odds() -> None:
    flow = Flow()
    flow.feed([multiple()])
    flow.feed([cancelled(A, "1", (None, None), at=10)])
    assert flow.lines() == {A: [], B: [("x", 300, 300)]}  # 600 / 2.0
    flow.feed([rolled_back(B, "1", at=15)])  # nothing to roll back: no change
    flow.feed([result(B, False, void=10_000, at=20)])  # B void too: nothing left open
    assert flow.lines() == {A: [], B: []}


RESULTS: list[NormalizedEvent] = [
    result(A, True, void=5_000, at=10),  # (0.5 + 0.5 x 2) / 2 = 3/4
    result(B, True, dead_heat=5_000, at=20),  # 1/2
]


def test_results_in_any_interleaving_give_the_same_final_figures() -> None:
    finals = set()
    for order in itertools.permutations(RESULTS):
        flow = Flow()
        flow.feed([multiple((A, B, C)), *order])
        finals.add(msgspec.json.encode([flow.lines(), flow.worst(), flow.settlements()]))
        # 100 x 2 x 3 x 2.5 = 1500, x 3/4 x 1/2 = 562.5 -> 562 (floored once)
        assert flow.lines()[C] == [("x", 562, 562)], order
    assert len(finals) == 1


def test_a_leg_result_that_arrives_before_the_multiple_still_counts_on_every_event() -> None:
    """MONEY.md §5: results are line states; partitioning changes no figure, so the C shard
    must know A's result even though it arrived before the bet (one book gives 1125)."""
    flow = Flow()
    flow.feed([RESULTS[0], multiple((A, B, C), at=15)])
    # A's leg was settled before the bet arrived, so A's line never shows it
    assert flow.lines() == {B: [("x", 1_125, 1_125)], C: [("x", 1_125, 1_125)]}
