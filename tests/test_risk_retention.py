"""Risk shard state: one entity per sport event / round, incremental snapshots, and silent
entities forgotten."""

from __future__ import annotations

import pickle

import msgspec

from tests.test_risk_sports import bet, decided, leg, line_settled
from wagerflow.risk.engine import RETENTION_MS, RiskShardState
from wagerflow.risk.limits import LimitBook
from wagerflow.risk.suspend import SuspendConfig
from wagerflow.schemas.events import NormalizedEvent
from wagerflow.schemas.risk import RISK_ENCODER

HOUR = 3600 * 1000


def _at(event: NormalizedEvent, at: int) -> NormalizedEvent:
    return msgspec.structs.replace(event, event_time_ms=at, received_time_ms=at)


def _shard() -> RiskShardState:
    return RiskShardState(LimitBook(), SuspendConfig(), shards=1)


def _feed(shard: RiskShardState, events: list[NormalizedEvent]) -> list[bytes]:
    return [RISK_ENCODER.encode(r) for e in events for r in shard.apply(e, e.received_time_ms, "0")]


def test_a_restored_shard_continues_exactly_like_the_original() -> None:
    first: list[NormalizedEvent] = [
        bet("b1", [leg("e1", "1", "a")], 100, odds=20_000),
        bet("b2", [leg("e2", "1", "x")], 300, odds=30_000),
    ]
    rest: list[NormalizedEvent] = [
        decided("b2", "REJECTED"),
        line_settled("e1", "1"),
        bet("b3", [leg("e2", "1", "y")], 5),
    ]
    shard = _shard()
    _feed(shard, first)
    copy: RiskShardState = pickle.loads(pickle.dumps(shard))  # noqa: S301 - own snapshot
    assert _feed(copy, rest) == _feed(shard, rest)
    assert sorted(copy.entities) == sorted(shard.entities) == ["event:e1", "event:e2"]


def test_a_snapshot_repickles_only_the_entities_touched_since_the_last_one() -> None:
    shard = _shard()
    _feed(shard, [bet(f"b{n}", [leg(f"e{n}", "1", "a")], 100, odds=20_000) for n in range(50)])
    pickle.dumps(shard)
    before = shard.__getstate__()["entities"]
    assert isinstance(before, dict)
    untouched = dict(before)
    _feed(shard, [bet("late", [leg("e7", "1", "b")], 100, odds=20_000)])
    after = shard.__getstate__()["entities"]
    assert isinstance(after, dict)
    changed = {k for k, v in after.items() if v is not untouched[k]}
    assert changed == {"event:e7"}


def test_bet_decisions_reach_the_entity_holding_the_bet() -> None:
    shard = _shard()
    (placed, *_) = _feed(shard, [bet("b1", [leg("e1", "1", "a")], 100, odds=20_000)])
    assert b'"open_stake":100' in placed
    released = _feed(shard, [decided("b1", "REJECTED")])
    assert released and all(b'"open_stake":0' in r for r in released)
    assert _feed(shard, [decided("unknown", "REJECTED")]) == []


def test_the_shard_state_stays_bounded_over_a_long_stream() -> None:
    """Ten days of events, one per hour: the shard keeps about RETENTION_MS of them."""
    shard = _shard()
    hours = 240
    for h in range(hours):
        at = h * HOUR
        placed = _at(bet(f"b{h}", [leg(f"e{h}", "1", "a")], 100, odds=20_000), at)
        settle = _at(line_settled(f"e{h}", "1"), at + 1)
        _feed(shard, [placed, settle])
    kept = RETENTION_MS // HOUR + 2
    assert kept < hours
    assert len(shard.entities) <= kept
    assert set(shard.entities) >= {f"event:e{h}" for h in range(hours - 24, hours)}
