"""Risk state is bounded: finished sport events and silent rounds are forgotten."""

from __future__ import annotations

import pickle

import msgspec

from schemas.events import NormalizedEvent
from tests.test_risk_sports import bet, leg, line_settled
from wagerflow.risk.engine import RETENTION_MS, RiskShard, entities
from wagerflow.risk.limits import LimitBook
from wagerflow.risk.sports import SportsBook
from wagerflow.risk.suspend import SuspendConfig

HOUR = 3600 * 1000


def _at(event: NormalizedEvent, at: int) -> NormalizedEvent:
    return msgspec.structs.replace(event, event_time_ms=at, received_time_ms=at)


def test_a_settled_event_is_forgotten_completely() -> None:
    book = SportsBook()
    book.apply(bet("b1", [leg("e1", "1", "a")], 100, odds=20_000))
    book.apply(bet("b2", [leg("e1", "2", "x")], 50, odds=30_000))
    book.apply(line_settled("e1", "1"))
    book.apply(line_settled("e1", "2"))
    assert book.forget_events({("t1", "e1")}) == {("t1", "e1")}
    assert pickle.dumps(book) == pickle.dumps(SportsBook())


def test_an_event_with_an_open_leg_is_kept() -> None:
    book = SportsBook()
    book.apply(bet("b1", [leg("e1", "1", "a")], 100, odds=20_000))
    before = pickle.dumps(book)
    assert book.forget_events({("t1", "e1")}) == set()
    assert pickle.dumps(book) == before


def test_a_multiple_keeps_its_events_until_all_of_them_go() -> None:
    book = SportsBook()
    book.apply(bet("m1", [leg("e1", "1", "a"), leg("e2", "1", "b")], 100, odds=40_000))
    book.apply(line_settled("e1", "1"))
    book.apply(line_settled("e2", "1"))
    assert book.forget_events({("t1", "e1")}) == set()
    assert book.forget_events({("t1", "e1"), ("t1", "e2")}) == {("t1", "e1"), ("t1", "e2")}
    assert pickle.dumps(book) == pickle.dumps(SportsBook())


def test_entities_of_an_event() -> None:
    placed = bet("m1", [leg("e1", "1", "a"), leg("e2", "1", "b")], 100)
    assert entities(placed) == [("event", "t1", "e1"), ("event", "t1", "e2")]
    assert entities(line_settled("e3", "1")) == [("event", "t1", "e3"), ("event", "t1", "1")]


def test_the_shard_state_stays_bounded_over_a_long_stream() -> None:
    """Ten days of events, one settled event per hour: the shard remembers about the last
    RETENTION_MS of them, not all of them."""
    shard = RiskShard(LimitBook(), SuspendConfig())
    hours = 240
    for h in range(hours):
        at = h * HOUR
        placed = _at(bet(f"b{h}", [leg(f"e{h}", "1", "a")], 100, odds=20_000), at)
        settle = _at(line_settled(f"e{h}", "1"), at + 1)
        for item in (placed, settle):
            shard.apply(item, item.received_time_ms)
    kept = RETENTION_MS // HOUR + 2
    assert len(shard.retention) <= kept * 2  # event ids and line (market) ids
    assert len(shard.sports._bets) <= kept  # noqa: SLF001 - the state under test
    assert len(pickle.dumps(shard)) < len(pickle.dumps(_unswept(hours)))


def _unswept(hours: int) -> SportsBook:
    book = SportsBook()
    for h in range(hours):
        book.apply(bet(f"b{h}", [leg(f"e{h}", "1", "a")], 100, odds=20_000))
        book.apply(line_settled(f"e{h}", "1"))
    return book
