"""Limits and thresholds as a risk shard applies them to the feeds (MONEY.md §1.7, §4.3): the
profile from the bet, else the player directory the feed teaches, every scope of the hierarchy
from the events the shard saw, live bets under limits, round liability over its table threshold,
tables held while their provider is in error or silent, and thresholds hot-updated per shard."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagerflow.risk.directory import PlayersFileError, load_players_file
from wagerflow.risk.engine import RETENTION_MS, SWEEP_EVERY_MS, RiskShardState
from wagerflow.risk.limits import PROFILES, LimitBook, choose_profile
from wagerflow.risk.routing import invalid_limits_update, risk_keys
from wagerflow.risk.suspend import SuspendConfig, Thresholds, ThresholdsError, load_thresholds_file
from wagerflow.schemas.events import (
    BetPlaced,
    BetSelection,
    EventChanged,
    LimitsUpdated,
    PlayerUpdated,
    ProviderHealth,
    RoundChanged,
    SourceRef,
    ThresholdsUpdated,
)
from wagerflow.schemas.risk import (
    LimitBreach,
    MarketResume,
    MarketSuspend,
    RoundLiability,
    TableResume,
    TableSuspend,
)

T = 1_700_000_000_000
CFG = SuspendConfig()
SRC = SourceRef(topic="t", partition=0, offset=0)
_seq = iter(range(10**9))


def common(provider: str, category: str, at: int) -> dict[str, Any]:
    return {
        "tenant_id": "t1",
        "provider_id": provider,
        "category": category,
        "event_time_ms": at,
        "received_time_ms": at,
        "dedup_key": f"k{next(_seq)}",
        "source": SRC,
    }


def player(pid: str, at: int = T, **fields: Any) -> PlayerUpdated:
    return PlayerUpdated(**common("generic", "sport", at), player_id=pid, **fields)


def created(event: str, sport: str | None, competition: str | None) -> EventChanged:
    return EventChanged(
        **common("generic", "sport", T),
        event_id=event,
        change="CREATED",
        sport_id=sport,
        competition_id=competition,
    )


def sports_bet(
    bet: str, pid: str | None, stake: int, *, event: str = "e1", profile: str | None = None
) -> BetPlaced:
    return BetPlaced(
        **common("generic", "sport", T + 1_000),
        bet_id=bet,
        idempotency_key=bet,
        selections=[BetSelection(market_id="1", selection_id="home", event_id=event, line_id="1")],
        stake=stake,
        currency="EUR",
        accepted_odds=20_000,
        player_id=pid,
        limits_profile=profile,
    )


def live_bet(
    bet: str,
    stake: int,
    *,
    at: int = T,
    round_id: str = "r1",
    table: str | None = "rou-1",
    spot: tuple[str, str] = ("straight", "17"),
    profile: str = "DEFAULT",
    pid: str | None = "p1",
) -> BetPlaced:
    return BetPlaced(
        **common("live", "live", at),
        bet_id=bet,
        idempotency_key=bet,
        selections=[BetSelection(market_id=spot[0], selection_id=spot[1])],
        stake=stake,
        currency="EUR",
        player_id=pid,
        session_id="s1",
        round_id=round_id,
        limits_profile=profile,
        table_id=table,
    )


def limit(profile: str, scope: str, max_stake: int) -> LimitsUpdated:
    return LimitsUpdated(
        **common("live", "live", T),
        profile=profile,
        scope=scope,
        currency="EUR",
        max_stake=max_stake,
    )


def feed(state: RiskShardState, *events: Any) -> list[Any]:
    """Apply events as the flow routes them: each to every shard key ``risk_keys`` gives."""
    out: list[Any] = []
    for e in events:
        for key in risk_keys(e, state.shards):
            out += state.apply(e, e.received_time_ms, key)
    return out


def shard() -> RiskShardState:
    return RiskShardState(LimitBook(), CFG, shards=1)


def breaches(out: list[Any]) -> list[LimitBreach]:
    return [x for x in out if isinstance(x, LimitBreach)]


# --- the profile ------------------------------------------------------------------------------

profiles = st.sampled_from([None, *PROFILES])


@given(requested=profiles, listed=profiles, kyc=st.sampled_from([None, "VERIFIED", "ENHANCED"]))
def test_the_bet_profile_comes_first_then_the_player_directory(
    requested: str | None, listed: str | None, kyc: str | None
) -> None:
    """MONEY.md §4.3: ``limitsProfile`` from the bet, else the player's profile, each lowered by
    country / currency / KYC; a player the directory never named asks for nothing (DEFAULT)."""
    state = shard()
    feed(state, player("p1", country="MT", kyc_status=kyc, limits_profile=listed))
    expected = choose_profile("MT", "EUR", kyc, requested if requested else listed)
    assert state.limits.profile_for(sports_bet("b", "p1", 100, profile=requested)) == expected
    unknown = choose_profile(None, "EUR", None, requested)
    assert state.limits.profile_for(sports_bet("b", "p9", 100, profile=requested)) == unknown


def test_a_vip_from_the_directory_passes_where_a_default_player_breaches() -> None:
    state = shard()
    feed(state, player("vip", country="MT", kyc_status="VERIFIED", limits_profile="VIP_A"))
    out = feed(state, created("e1", "1", "c1"), sports_bet("b1", "vip", 10_000))  # EUR 100
    assert breaches(out) == []  # VIP_A: max stake EUR 500
    (breach,) = breaches(feed(state, sports_bet("b2", "anon", 10_000)))
    assert (breach.rule, breach.profile, breach.limit, breach.scope) == (
        "MAX_STAKE",
        "DEFAULT",
        5_000,
        "platform",
    )


def test_a_later_directory_update_keeps_the_fields_it_leaves_out() -> None:
    state = shard()
    feed(state, player("p1", country="MT", kyc_status="VERIFIED", limits_profile="VIP_A"))
    feed(state, player("p1", kyc_status="ENHANCED"))
    assert state.limits.directory.player("p1") == ("MT", "ENHANCED", "VIP_A")


# --- every scope ------------------------------------------------------------------------------

SCOPES = [
    "platform",
    "currency:EUR",
    "country:MT",
    "sport:1",
    "competition:c1",
    "event:e1",
    "market:e1/1",
    "player:p1",
]


@given(scope=st.sampled_from(SCOPES), stake=st.integers(1, 5_000), cap=st.integers(1, 5_000))
def test_every_scope_of_the_hierarchy_applies_to_its_bets_only(
    scope: str, stake: int, cap: int
) -> None:
    """A stake limit set at one scope fires for a bet inside that scope when the stake is over
    it, names that scope, and never fires for a bet outside it (another country, sport,
    competition, event, line or player)."""
    state = shard()
    feed(
        state,
        player("p1", country="MT"),
        player("p2", country="DE"),
        created("e1", "1", "c1"),
        created("e2", "2", "c2"),
        limit("DEFAULT", scope, cap),
    )
    inside = breaches(feed(state, sports_bet("in", "p1", stake)))
    assert [(b.rule, b.scope, b.limit) for b in inside] == (
        [("MAX_STAKE", scope, cap)] if stake > cap else []
    )
    outside = BetPlaced(
        **common("generic", "sport", T + 2_000),
        bet_id="out",
        idempotency_key="out",
        selections=[BetSelection(market_id="2", selection_id="x", event_id="e2", line_id="2")],
        stake=stake,
        currency="EUR",
        accepted_odds=20_000,
        player_id="p2",
    )
    fired = breaches(feed(state, outside))
    if scope in ("platform", "currency:EUR"):
        assert [b.scope for b in fired] == ([scope] if stake > cap else [])
    else:
        assert fired == []


def test_a_competition_override_applies_to_that_competitions_events_only() -> None:
    state = shard()
    feed(
        state,
        created("e1", "1", "c1"),
        created("e2", "1", "c2"),
        limit("DEFAULT", "competition:c2", 2_000),
    )
    assert breaches(feed(state, sports_bet("b1", "p1", 3_000, event="e1"))) == []
    (breach,) = breaches(feed(state, sports_bet("b2", "p1", 3_000, event="e2")))
    assert (breach.scope, breach.limit) == ("competition:c2", 2_000)


def test_an_event_swept_forgets_its_sport() -> None:
    state = shard()
    feed(state, created("e1", "1", "c1"))
    assert state.limits.directory.event("e1") == ("1", "c1")
    later = T + RETENTION_MS + SWEEP_EVERY_MS + 1
    feed(state, EventChanged(**common("generic", "sport", later), event_id="e2", change="CREATED"))
    assert "event:e1" not in state.entities
    assert state.limits.directory.event("e1") == (None, None)


# --- live bets --------------------------------------------------------------------------------


def test_a_live_bet_over_its_profile_max_stake_breaches() -> None:
    """EUR 100,000 straight-up under DEFAULT (max stake EUR 50): MAX_STAKE, and its payout
    (36 x stake on a single number) over DEFAULT's max payout (EUR 25,000)."""
    out = feed(shard(), live_bet("lb1", 10_000_000))
    got = {(b.rule, b.value, b.limit) for b in breaches(out)}
    assert got == {("MAX_STAKE", 10_000_000, 5_000), ("MAX_PAYOUT", 360_000_000, 2_500_000)}
    assert breaches(feed(shard(), live_bet("lb2", 5_000))) == []  # exactly the limit


def test_a_live_bet_meets_its_tables_override_and_its_own_profile() -> None:
    state = shard()
    feed(state, limit("VIP_A", "table:rou-1", 1_000))
    out = feed(state, live_bet("lb1", 2_000, profile="VIP_A", pid=None))
    assert [(b.rule, b.scope, b.profile) for b in breaches(out)] == []  # no KYC: DEFAULT
    feed(state, player("p1", country="MT", kyc_status="VERIFIED"))
    out = feed(state, live_bet("lb2", 2_000, round_id="r2", profile="VIP_A"))
    assert [(b.rule, b.scope, b.profile) for b in breaches(out)] == [
        ("MAX_STAKE", "table:rou-1", "VIP_A")
    ]
    other_table = feed(state, live_bet("lb3", 2_000, round_id="r3", table="rou-2", profile="VIP_A"))
    assert breaches(other_table) == []


def test_a_live_bets_table_may_come_from_its_round() -> None:
    state = shard()
    start = RoundChanged(
        **common("generic", "live", T), round_id="r1", change="STARTED", table_id="bac-1"
    )
    feed(state, start, limit("DEFAULT", "table:bac-1", 1_000))
    out = feed(state, live_bet("lb1", 2_000, table=None, spot=("banker", "banker")))
    assert [b.scope for b in breaches(out)] == ["table:bac-1"]


# --- round liability --------------------------------------------------------------------------


def round_alerts(out: list[Any]) -> list[RoundLiability]:
    return [x for x in out if isinstance(x, RoundLiability)]


def test_a_round_over_its_table_threshold_emits_round_liability_once() -> None:
    state = shard()
    feed(state, thresholds("EUR", "table:rou-1", round_liability=100_000))
    # MONEY.md §1.6: L(17) = the returns on 17 - every open stake of the round
    assert round_alerts(feed(state, live_bet("a", 2_000))) == []  # 72,000 - 2,000 < 100,000
    (alert,) = round_alerts(feed(state, live_bet("b", 1_000, at=T + 5)))  # 108,000 - 3,000
    assert (alert.outcome, alert.threshold, alert.scope, alert.table_id) == (
        "17",
        100_000,
        "table:rou-1",
        "rou-1",
    )
    assert alert.liability == 105_000
    assert alert.command_id == f"ROUND_LIABILITY:t1:live/r1:EUR:{T + 5}"
    assert round_alerts(feed(state, live_bet("c", 100, at=T + 6))) == []  # still over: once
    other = feed(state, live_bet("d", 3_000, round_id="r9", table="rou-2", at=T + 7))
    assert round_alerts(other) == []  # rou-2 has the currency's EUR 10,000.00


def thresholds(currency: str, scope: str = "platform", **figures: int) -> ThresholdsUpdated:
    event = ThresholdsUpdated(**common("live", "live", T), currency=currency, scope=scope)
    return msgspec.structs.replace(event, **figures)


# --- tables of a live provider ----------------------------------------------------------------


def table_commands(out: list[Any]) -> list[tuple[str, str, int]]:
    return [
        ("suspend" if isinstance(x, TableSuspend) else "resume", x.table_id, x.as_of_ms)
        for x in out
        if isinstance(x, TableSuspend | TableResume)
    ]


def error(at: int) -> ProviderHealth:
    return ProviderHealth(
        **common("live", "live", at), producer="evolution", state="ERROR", detail="503"
    )


def test_a_provider_error_holds_its_tables_until_it_has_recovered_for_the_hysteresis() -> None:
    state = shard()
    out = feed(state, live_bet("a", 100, at=T), live_bet("b", 100, at=T + 1, table="bac-1"))
    out += feed(state, error(T + 10))
    assert table_commands(out) == [("suspend", "bac-1", T + 10), ("suspend", "rou-1", T + 10)]
    recovery = CFG.table_recovery_ms
    out = feed(state, live_bet("c", 100, at=T + 20, round_id="r2"))
    out += feed(state, error(T + 25))  # a new error restarts the recovery
    out += feed(state, live_bet("d", 100, at=T + 30, round_id="r3"))
    assert table_commands(out) == []
    out = feed(state, live_bet("e", 100, at=T + 30 + recovery, round_id="r4"))
    assert table_commands(out) == [
        ("resume", "bac-1", T + 30 + recovery),
        ("resume", "rou-1", T + 30 + recovery),
    ]


def test_a_silent_provider_holds_its_tables_and_resumes_them_once_it_recovers() -> None:
    state = shard()
    silence, recovery = CFG.live_silence_ms, CFG.table_recovery_ms
    feed(state, live_bet("a", 100, at=T))
    back = T + silence + 5_000
    out = feed(state, live_bet("b", 100, at=back, round_id="r2"))
    assert table_commands(out) == [("suspend", "rou-1", T + silence)]
    out = state.on_time(back + recovery - 1)
    assert table_commands(out) == []
    out = state.on_time(back + recovery)
    assert table_commands(out) == [("resume", "rou-1", back + recovery)]
    ids = [x.command_id for x in out if isinstance(x, TableResume)]
    assert ids == [f"TABLE:t1:live/rou-1:resume:{back + recovery}"]


def test_table_commands_are_the_same_on_a_replay_of_the_same_inputs() -> None:
    silence = CFG.live_silence_ms
    inputs = [
        live_bet("a", 100, at=T),
        error(T + 5),
        live_bet("b", 100, at=T + 10, round_id="r2", table="rou-2"),
        live_bet("c", 100, at=T + 3 * silence, round_id="r3"),
    ]
    runs = []
    for _ in range(2):
        state = shard()
        out = feed(state, *inputs) + state.on_time(2**62)
        runs.append(
            [
                (type(x).__name__, x.command_id, x.version)
                for x in out
                if isinstance(x, MarketSuspend | MarketResume | TableSuspend | TableResume)
            ]
        )
    assert runs[0] == runs[1] and runs[0]


# --- thresholds -------------------------------------------------------------------------------


def test_a_hot_threshold_update_reaches_every_shard_and_changes_only_that_shards_copy() -> None:
    event = thresholds("JPY", event_liability=1_000)
    assert risk_keys(event, 16) == [str(n) for n in range(16)]
    base = Thresholds(CFG)
    one, two = RiskShardState(LimitBook(), CFG, 2, base), RiskShardState(LimitBook(), CFG, 2, base)
    one.apply(event, T, "0")
    assert one.thresholds.get("event", "JPY") == 1_000
    assert two.thresholds.get("event", "JPY") is None
    assert base.get("event", "JPY") is None


def test_a_currency_without_builtin_thresholds_suspends_once_a_file_sets_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps([{"currency": "JPY", "selection": "1000", "market": "1000"}]))
    loaded = load_thresholds_file(path)
    state = RiskShardState(LimitBook(), CFG, 1, loaded)
    bet = BetPlaced(
        **common("generic", "sport", T),
        bet_id="j1",
        idempotency_key="j1",
        selections=[BetSelection(market_id="1", selection_id="home", event_id="e1", line_id="1")],
        stake=600,
        currency="JPY",
        accepted_odds=30_000,
    )
    held = [x for x in feed(state, bet) if isinstance(x, MarketSuspend)]
    assert {x.rule for x in held} == {"LIABILITY_SELECTION", "LIABILITY_MARKET"}
    assert [x for x in feed(shard(), bet) if isinstance(x, MarketSuspend)] == []


def test_the_thresholds_file_is_exact_and_refuses_what_it_cannot_apply(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(
        json.dumps(
            [
                {"currency": "EUR", "selection": "5000.01", "round": "10"},
                {"currency": "EUR", "scope": "table:t9", "round": "2.50"},
            ]
        )
    )
    loaded = load_thresholds_file(path)
    assert loaded.get("selection", "EUR") == 500_001
    assert loaded.round("EUR", "t9") == (250, "table:t9")
    assert loaded.round("EUR", "t1") == (1_000, "platform")
    bad = [
        [{"currency": "EUR", "selection": "5.001"}],  # inexact
        [{"currency": "EUR"}],  # sets nothing
        [{"currency": "EUR", "scope": "table:t1", "event": "5"}],  # only round per table
        [{"currency": "EUR", "slection": "5"}],  # misspelt
        [{"currency": "EUR", "event": "-5"}],
        {"currency": "EUR"},
    ]
    for content in bad:
        path.write_text(json.dumps(content))
        with pytest.raises(ThresholdsError):
            load_thresholds_file(path)


def test_a_bad_threshold_update_goes_to_the_dlq() -> None:
    entry = invalid_limits_update(thresholds("EUR", "table:t1", event_liability=5))
    assert entry is not None and "thresholds.update refused" in entry.detail
    assert invalid_limits_update(thresholds("EUR", round_liability=5)) is None


def test_the_players_file(tmp_path: Path) -> None:
    path = tmp_path / "players.json"
    path.write_text(
        json.dumps(
            [
                {"playerId": "p1", "country": "MT", "limitsProfile": "VIP_A"},
                {"playerId": "p1", "kycStatus": "VERIFIED"},
            ]
        )
    )
    players = load_players_file(path)
    assert players == {"p1": ("MT", "VERIFIED", "VIP_A")}
    book = LimitBook(players=players)
    assert book.profile_for(sports_bet("b", "p1", 1)) == "VIP_A"
    path.write_text(json.dumps([{"player": "p1"}]))
    with pytest.raises(PlayersFileError):
        load_players_file(path)


def test_a_restored_shard_keeps_its_directory_thresholds_and_table_holds() -> None:
    state = shard()
    feed(
        state,
        player("vip", country="MT", kyc_status="VERIFIED", limits_profile="VIP_A"),
        thresholds("JPY", round_liability=7),
        live_bet("a", 100, at=T),
        error(T + 1),
    )
    restored = pickle.loads(pickle.dumps(state))  # noqa: S301 own snapshot
    assert restored.limits.directory.player("vip") == ("MT", "VERIFIED", "VIP_A")
    assert restored.thresholds.round("JPY", None) == (7, "platform")
    out = feed(restored, live_bet("b", 100, at=T + 2 + CFG.table_recovery_ms, round_id="r2"))
    out += restored.on_time(T + 2 + 2 * CFG.table_recovery_ms)
    assert table_commands(out) == [("resume", "rou-1", T + 2 + 2 * CFG.table_recovery_ms)]
