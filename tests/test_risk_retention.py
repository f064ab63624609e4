"""Risk shard state: one entity per sport event / round, incremental snapshots, and silent
entities forgotten."""

from __future__ import annotations

import pickle

import msgspec

from tests.test_risk_sports import bet, decided, env, leg, line_settled, outcome
from wagerflow.risk.engine import RETENTION_MS, RiskShardState
from wagerflow.risk.limits import LimitBook
from wagerflow.risk.routing import risk_keys
from wagerflow.risk.suspend import SuspendConfig
from wagerflow.schemas.events import LimitsUpdated, NormalizedEvent
from wagerflow.schemas.risk import RISK_ENCODER, LineExposure
from wagerflow.schemas.settlement import BetSettlement

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


def test_a_silent_event_with_an_open_bet_is_kept_and_settles_when_its_result_arrives() -> None:
    """MONEY.md §5: 100 h of silence on e-open while the provider's clock runs past the 72 h
    sweep; an entity without an open bet is forgotten meanwhile."""
    shard = _shard()
    _feed(shard, [bet("open", [leg("open", "1", "a")], 100, odds=20_000)])
    _feed(
        shard, [bet("gone", [leg("gone", "1", "a")], 100, odds=20_000), line_settled("gone", "1")]
    )
    for h in range(1, 101):  # other traffic of the same provider, one bet an hour
        at = h * HOUR
        _feed(shard, [_at(bet(f"b{h}", [leg(f"e{h}", "1", "a")], 10, odds=20_000), at)])
        _feed(shard, [_at(line_settled(f"e{h}", "1"), at)])
    assert 100 * HOUR - RETENTION_MS > 0
    assert "event:open" in shard.entities
    assert "event:gone" not in shard.entities
    result = _at(line_settled("open", "1", outcomes=(outcome("a", True),)), 100 * HOUR + 1)
    out = shard.apply(result, result.received_time_ms, "0")
    settled = [r for r in out if isinstance(r, BetSettlement)]
    assert [(r.bet_id, r.outcome, r.payout) for r in settled] == [("open", "WIN", 200)]
    (line,) = [r for r in out if isinstance(r, LineExposure)]
    assert (line.event_id, line.selections, line.open_stake) == ("open", [], 0)


def limits_update(max_stake: int) -> LimitsUpdated:
    return LimitsUpdated(
        **env(), profile="DEFAULT", scope="platform", currency="EUR",
                         max_stake=max_stake)  # fmt: skip


def test_each_shard_owns_its_limits() -> None:
    shared = LimitBook()
    shards = {str(n): RiskShardState(shared, SuspendConfig(), shards=2) for n in range(2)}
    probe = bet("big", [leg("e1", "1", "a")], 60_000, odds=20_000)
    before = [r.rule for r in shared.check(probe, [])]
    update = limits_update(100_000)
    shards["0"].apply(update, update.received_time_ms, "0")
    assert [r.rule for r in shards["0"].limits.check(probe, [])] == []
    assert [r.rule for r in shards["1"].limits.check(probe, [])] == before
    assert [r.rule for r in shared.check(probe, [])] == before
    assert before == ["MAX_STAKE"]  # DEFAULT: EUR 50.00 at most
    assert risk_keys(update, 2) == ["0", "1"]  # the flow broadcasts it
