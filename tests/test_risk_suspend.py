"""Auto-suspend rules: each rule's suspend and resume, hysteresis, timers, replay, idempotence."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from itertools import count
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagerflow.risk.suspend import SuspendConfig, SuspendRules
from wagerflow.schemas.events import (
    BettingStopped,
    EventChange,
    EventChanged,
    HealthState,
    LineOddsChanged,
    LineStatus,
    MarketStatusChanged,
    NormalizedEvent,
    OddsChanged,
    OutcomeOdds,
    ProviderHealth,
    SourceRef,
)
from wagerflow.schemas.risk import (
    RISK_DECODER,
    RISK_ENCODER,
    Book,
    EventExposure,
    LineExposure,
    MarketResume,
    MarketSuspend,
    RecoveryRequested,
    SelectionExposure,
)

MarketCommand = MarketSuspend | MarketResume
Command = MarketCommand | RecoveryRequested
Item = NormalizedEvent | LineExposure | EventExposure
TENANT = "t1"
EVENT = "sr:match:1"
LINE = "18:total=2.5"
_offsets = count()


def common(at: int, received: int | None = None, provider: str = "uof") -> dict[str, Any]:
    n = next(_offsets)
    return {
        "tenant_id": TENANT,
        "provider_id": provider,
        "category": "sport",
        "event_time_ms": at,
        "received_time_ms": at if received is None else received,
        "dedup_key": f"k{n}",
        "source": SourceRef(topic="t", partition=0, offset=n),
    }


def health(
    at: int,
    state: HealthState = "ALIVE",
    producer: str = "1",
    subscribed: bool | None = True,
    received: int | None = None,
    provider: str = "uof",
) -> ProviderHealth:
    return ProviderHealth(
        **common(at, received, provider),
        producer=producer,
        state=state,
        subscribed=subscribed,
    )


def line_odds(
    at: int,
    odds: int | None = 20_000,
    event: str = EVENT,
    line: str = LINE,
    status: LineStatus = "OPEN",
    received: int | None = None,
) -> LineOddsChanged:
    return LineOddsChanged(
        **common(at, received),
        event_id=event,
        market_id=line.split(":")[0],
        specifiers=None,
        line_id=line,
        status=status,
        outcomes=[OutcomeOdds(outcome_id="12", odds=odds, active=True)],
    )


def back_odds(
    at: int, odds: int, market: str = "1.234", received: int | None = None
) -> OddsChanged:
    return OddsChanged(
        **common(at, received, provider="betfair"),
        event_id=None,
        market_id=market,
        selection_id="47972",
        currency="GBP",
        best_back_odds=odds,
        best_back_size=1000,
        best_lay_odds=None,
        best_lay_size=None,
        last_traded_odds=None,
    )


def bet_stop(at: int, event: str = EVENT) -> BettingStopped:
    return BettingStopped(**common(at), event_id=event, groups="all", status="SUSPENDED")


def lifecycle(at: int, change: EventChange, event: str = EVENT) -> EventChanged:
    return EventChanged(**common(at), event_id=event, change=change)


def line_exposure(
    version: int, worst: int, top: int = 0, book: Book = "IN_PLAY", currency: str = "EUR"
) -> LineExposure:
    return LineExposure(
        tenant_id=TENANT,
        version=version,
        as_of_ms=version,
        event_id=EVENT,
        line_id=LINE,
        book=book,
        currency=currency,
        selections=[
            SelectionExposure(
                selection_id="12", bets=1, open_stake=100, potential_return=top, liability=top
            )
        ],
        open_stake=100,
        worst_case=worst,
    )


def event_exposure(version: int, worst: int, currency: str = "EUR") -> EventExposure:
    return EventExposure(
        tenant_id=TENANT,
        version=version,
        as_of_ms=version,
        event_id=EVENT,
        book="IN_PLAY",
        currency=currency,
        open_stake=100,
        worst_case=worst,
        lines=1,
    )


def now_of(item: Item) -> int:
    return (
        item.as_of_ms if isinstance(item, LineExposure | EventExposure) else item.received_time_ms
    )


def run_all(rules: SuspendRules, items: list[Item]) -> list[Command]:
    return [c for item in items for c in rules.apply(item, now_of(item))]


def markets(commands: Sequence[Command]) -> list[MarketCommand]:
    """The suspend and resume commands (not the recovery requests)."""
    return [c for c in commands if not isinstance(c, RecoveryRequested)]


def run(rules: SuspendRules, items: list[Item]) -> list[MarketCommand]:
    return markets(run_all(rules, items))


def brief(commands: Sequence[Command]) -> list[tuple[str, str, str, str | None]]:
    return [
        ("suspend" if isinstance(c, MarketSuspend) else "resume", c.rule, c.event_id, c.line_id)
        for c in markets(commands)
    ]


CFG = SuspendConfig()


# --- config -----------------------------------------------------------------------------------


def test_documented_defaults() -> None:
    assert CFG.selection_liability["EUR"] == 500_000
    assert CFG.hysteresis_bp == 2_000
    assert CFG.alive_timeout_ms == 20_000
    assert (CFG.velocity_max_move_bp, CFG.velocity_window_ms) == (3_000, 10_000)
    assert CFG.data_lag_ms == 30_000
    assert CFG.resume_below(500_000) == 400_000
    assert SuspendConfig(hysteresis_bp=3_333).resume_below(10) == 7  # ceil(6.667)


@pytest.mark.parametrize(
    "changes", [{"hysteresis_bp": 10_000}, {"alive_timeout_ms": 0}, {"data_lag_ms": -1}]
)
def test_invalid_config_is_refused(changes: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="invalid SuspendConfig"):
        SuspendConfig(**changes)  # type: ignore[arg-type]


# --- liability --------------------------------------------------------------------------------

S, M, E = "LIABILITY_SELECTION", "LIABILITY_MARKET", "LIABILITY_EVENT"


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        # selection liability: 500_000 suspends, 400_000 holds (band), 399_999 resumes
        (
            [line_exposure(1, 0, 499_999), line_exposure(2, 0, 500_000)],
            [("suspend", S, EVENT, LINE)],
        ),
        (
            [line_exposure(1, 0, 600_000), line_exposure(2, 0, 400_000)],
            [("suspend", S, EVENT, LINE)],
        ),
        (
            [line_exposure(1, 0, 600_000), line_exposure(2, 0, 399_999)],
            [("suspend", S, EVENT, LINE), ("resume", S, EVENT, LINE)],
        ),
        # market worst case: 1_500_000 suspends, below 1_200_000 resumes
        (
            [line_exposure(1, 1_500_000), line_exposure(2, 1_199_999)],
            [("suspend", M, EVENT, LINE), ("resume", M, EVENT, LINE)],
        ),
        # both at once: one suspend per rule, one resume per rule
        (
            [line_exposure(1, 2_000_000, 700_000), line_exposure(2, 0, 0)],
            [
                ("suspend", S, EVENT, LINE),
                ("suspend", M, EVENT, LINE),
                ("resume", S, EVENT, LINE),
                ("resume", M, EVENT, LINE),
            ],
        ),
        # event worst case: the whole event (line None)
        (
            [event_exposure(1, 5_000_000), event_exposure(2, 4_000_000), event_exposure(3, 1)],
            [("suspend", E, EVENT, None), ("resume", E, EVENT, None)],
        ),
        # a currency without a threshold is not checked
        ([line_exposure(1, 10**12, 10**12, currency="XYZ"), event_exposure(1, 10**12, "XYZ")], []),
        # an older version is ignored
        ([line_exposure(5, 2_000_000), line_exposure(4, 0)], [("suspend", M, EVENT, LINE)]),
    ],
)
def test_liability_rules(items: list[Item], expected: list[tuple[str, ...]]) -> None:
    assert brief(run(SuspendRules(CFG), items)) == expected


def test_liability_books_and_currencies_hold_separately() -> None:
    rules = SuspendRules(CFG)
    items: list[Item] = [
        line_exposure(1, 1_600_000, book="IN_PLAY"),
        line_exposure(1, 1_600_000, book="PRE_MATCH"),
        line_exposure(2, 0, book="IN_PLAY"),
    ]
    assert brief(run(rules, items)) == [("suspend", M, EVENT, LINE)]
    assert brief(run(rules, [line_exposure(2, 0, book="PRE_MATCH")])) == [
        ("resume", M, EVENT, LINE)
    ]


def test_liability_values_are_the_figures_that_fired() -> None:
    (suspend,) = markets(SuspendRules(CFG).apply(line_exposure(1, 1_700_000), 7))
    assert suspend.values == {
        "liability": 1_700_000,
        "threshold": 1_500_000,
        "resume_below": 1_200_000,
    }
    assert (suspend.as_of_ms, suspend.version, suspend.tenant_id) == (7, 1, TENANT)


@given(st.lists(st.integers(400_000, 2_000_000), max_size=60))
def test_hysteresis_band_prevents_flapping(series: list[int]) -> None:
    """Selection liability moving anywhere above the resume level: at most one suspend."""
    rules = SuspendRules(CFG)
    out = run(rules, [line_exposure(v, 0, top) for v, top in enumerate(series, 1)])
    assert all(isinstance(c, MarketSuspend) for c in out)
    assert len(out) <= 1
    assert len(out) == (1 if any(top >= 500_000 for top in series) else 0)


# --- provider down ----------------------------------------------------------------------------

P = "PROVIDER_DOWN"


def down(command: Command, provider: str = "uof", producer: str = "1") -> bool:
    """Whether ``command`` is the provider-wide PROVIDER_DOWN command of that producer."""
    if isinstance(command, RecoveryRequested):
        return False
    return (command.rule, command.event_id, command.line_id) == (P, "*", None) and (
        command.provider_id,
        command.producer,
    ) == (provider, producer)


def test_provider_down_holds_the_producers_markets_until_the_snapshot_after_its_return() -> None:
    rules = SuspendRules(CFG)
    rules.apply(health(1_000), 1_000)
    suspend, request = rules.apply(health(2_000, "DOWN", subscribed=None), 2_000)
    assert isinstance(suspend, MarketSuspend) and down(suspend)
    assert suspend.command_id == f"{P}:{TENANT}:uof/1:*:suspend:2000"
    assert isinstance(request, RecoveryRequested)
    assert (request.producer, request.last_alive_ms) == ("1", 1_000)
    assert rules.apply(line_odds(2_100, event="e3"), 2_100) == []  # no per-event command
    assert rules.apply(health(3_000), 3_000) == []  # back, not recovered
    (resume,) = rules.apply(health(3_500, "SNAPSHOT_COMPLETE", subscribed=None), 3_500)
    assert isinstance(resume, MarketResume) and down(resume)
    assert resume.command_id == f"{P}:{TENANT}:uof/1:*:resume:3500"


@pytest.mark.parametrize(
    ("state", "subscribed", "suspends"),
    [
        ("DOWN", None, True),
        ("LAGGING", None, True),
        ("ALIVE", False, True),
        ("ALIVE", True, False),
        ("ALIVE", None, False),
        ("SNAPSHOT_COMPLETE", None, False),
        ("ERROR", None, False),
    ],
)
def test_provider_health_states(
    state: HealthState, subscribed: bool | None, suspends: bool
) -> None:
    rules = SuspendRules(CFG)
    out = markets(rules.apply(health(2_000, state, subscribed=subscribed), 2_000))
    assert [down(c) for c in out] == ([True] if suspends else [])


def test_producers_are_held_and_released_on_their_own() -> None:
    rules = SuspendRules(CFG)
    first = rules.apply(health(2_000, "DOWN", producer="1"), 2_000)
    third = rules.apply(health(2_000, "DOWN", producer="3"), 2_000)
    assert [down(c, producer="1") for c in markets(first)] == [True]
    assert [down(c, producer="3") for c in markets(third)] == [True]
    assert rules.apply(health(3_000, producer="1"), 3_000) == []
    (resume,) = rules.apply(health(3_100, "SNAPSHOT_COMPLETE", producer="1"), 3_100)
    assert isinstance(resume, MarketResume) and down(resume, producer="1")
    assert set(rules.held()) == {(P, TENANT, "*", None, "uof", "3")}


def test_alive_timeout_fires_at_the_deadline_on_the_producers_next_message_or_on_time() -> None:
    rules = SuspendRules(CFG)
    assert rules.next_deadline() is None
    rules.apply(health(1_000), 1_000)
    assert rules.next_deadline() == 21_000
    rules.apply(health(11_000), 11_500)  # a newer alive moves the deadline
    assert rules.next_deadline() == 31_000
    assert rules.on_time(30_999) == []
    suspend, request = rules.on_time(31_500)
    assert isinstance(suspend, MarketSuspend) and down(suspend)
    assert isinstance(request, RecoveryRequested)
    assert suspend.command_id == f"{P}:{TENANT}:uof/1:*:suspend:31000"  # the deadline
    assert suspend.values == {"last_alive_ms": 11_000, "timeout_ms": 20_000}
    assert (request.as_of_ms, request.last_alive_ms) == (31_000, 11_000)
    assert rules.next_deadline() is None
    assert rules.on_time(40_000) == []
    stale = health(35_000, received=56_000)  # its own deadline (55_000) has passed: not back
    assert rules.apply(stale, 56_000) == []
    assert rules.apply(health(56_500, "SNAPSHOT_COMPLETE"), 56_500) == []  # before the return
    assert rules.apply(health(60_000), 60_000) == []
    (resume,) = rules.apply(health(60_500, "SNAPSHOT_COMPLETE"), 60_500)
    assert isinstance(resume, MarketResume) and down(resume)
    assert rules.next_deadline() == 80_000


def test_a_timer_due_before_an_input_of_its_stream_fires_first_inside_apply() -> None:
    rules = SuspendRules(CFG)
    run(rules, [health(0)])
    assert rules.apply(line_odds(25_000), 25_000) == []  # another stream: no effect on it
    out = rules.apply(health(30_000), 30_000)  # on_time(20_000) never called
    assert [type(c) for c in out] == [MarketSuspend, RecoveryRequested]
    assert [c.as_of_ms for c in out] == [20_000, 20_000]


def test_a_lagging_stream_is_released_after_the_hold_time_since_its_last_lag() -> None:
    rules = SuspendRules(CFG)
    lagging = health(2_000, "LAGGING", "stream", None, provider="betfair")
    (suspend,) = rules.apply(lagging, 2_000)
    assert down(suspend, "betfair", "stream")
    again = health(10_000, "LAGGING", "stream", None, provider="betfair")
    assert rules.apply(again, 10_000) == []  # extends the hold
    assert rules.next_deadline() == 30_000
    assert rules.on_time(29_999) == []
    (resume,) = rules.on_time(30_000)
    assert isinstance(resume, MarketResume) and down(resume, "betfair", "stream")
    assert resume.as_of_ms == 30_000


# --- bet stop ---------------------------------------------------------------------------------

B = "PROVIDER_BET_STOP"


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([bet_stop(1)], ["suspend"]),
        ([bet_stop(1), bet_stop(2)], ["suspend"]),
        ([bet_stop(1), line_odds(2, status="SUSPENDED")], ["suspend"]),
        ([bet_stop(1), line_odds(2, status="OPEN")], ["suspend", "resume"]),
        ([bet_stop(1), lifecycle(2, "RESUMED")], ["suspend", "resume"]),
        ([lifecycle(1, "SUSPENDED"), lifecycle(2, "RESUMED")], ["suspend", "resume"]),
        ([lifecycle(1, "SUSPENDED"), line_odds(2, status="OPEN")], ["suspend"]),
        ([bet_stop(1), lifecycle(2, "SUSPENDED"), line_odds(3)], ["suspend"]),
        ([bet_stop(1), lifecycle(2, "SUSPENDED"), lifecycle(3, "RESUMED")], ["suspend", "resume"]),
        ([line_odds(1, status="OPEN"), lifecycle(2, "RESUMED"), lifecycle(3, "FINISHED")], []),
        ([bet_stop(1, event="other"), line_odds(2, status="OPEN")], ["suspend"]),
    ],
)
def test_bet_stop(items: list[Item], expected: list[str]) -> None:
    out = run(SuspendRules(CFG), items)
    assert [a for a, *_ in brief(out)] == expected
    assert all(c.rule == B and c.line_id is None for c in out)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["OPEN", "SUSPENDED", "OPEN"], ["suspend", "resume"]),
        (["OPEN", "SUSPENDED", "SUSPENDED", "CLOSED"], ["suspend", "resume"]),
        (["SUSPENDED"], ["suspend"]),
        (["OPEN", "CLOSED"], []),
    ],
)
def test_a_market_suspended_by_the_exchange_is_held_on_its_own(
    statuses: list[str], expected: list[str]
) -> None:
    rules = SuspendRules(CFG)
    out: list[Command] = []
    for at, status in enumerate(statuses):
        change = MarketStatusChanged(
            **common(at, provider="betfair"),
            event_id="31389771",
            market_id="1.5",
            status=status,
            in_play=False,
            previous_status=None,
        )
        out += rules.apply(change, at)
    assert [a for a, *_ in brief(out)] == expected
    assert all((c.rule, c.event_id, c.line_id) == (B, "1.5", "1.5") for c in markets(out))


# --- odds velocity ----------------------------------------------------------------------------

V = "ODDS_VELOCITY"


@pytest.mark.parametrize(
    ("series", "suspends"),
    [
        ([(0, 20_000), (5_000, 26_000)], True),  # +30 % in 5 s
        ([(0, 20_000), (5_000, 25_999)], False),  # just under 30 %
        ([(0, 20_000), (10_000, 14_000)], True),  # -30 % exactly at the window's edge
        ([(0, 20_000), (10_001, 30_000)], False),  # outside the window
        ([(0, 20_000), (4_000, 23_000), (8_000, 26_000)], True),  # cumulative within window
        ([(0, 20_000), (6_000, 23_000), (12_000, 26_000)], False),  # slow drift
        ([(0, 20_000), (1_000, None), (2_000, 20_000)], False),  # no price is no sample
        ([(5_000, 20_000), (1_000, 40_000)], False),  # out of order: ignored
    ],
)
def test_odds_velocity(series: list[tuple[int, int | None]], suspends: bool) -> None:
    out = run(SuspendRules(CFG), [line_odds(at, odds) for at, odds in series])
    assert brief(out) == ([("suspend", V, EVENT, LINE)] if suspends else [])


def test_odds_velocity_resumes_a_window_after_the_last_breach() -> None:
    rules = SuspendRules(CFG)
    run(rules, [line_odds(0, 20_000), line_odds(1_000, 30_000)])
    assert rules.next_deadline() == 11_000
    assert rules.apply(line_odds(6_000, 45_000), 6_000) == []  # another breach: extends
    assert rules.next_deadline() == 16_000
    assert rules.on_time(15_999) == []
    out = markets(rules.on_time(16_000))
    assert brief(out) == [("resume", V, EVENT, LINE)]
    assert out[0].values == {"window_ms": 10_000}
    assert rules.next_deadline() is None


def test_exchange_best_back_velocity_keys_the_market() -> None:
    out = run(SuspendRules(CFG), [back_odds(0, 30_000), back_odds(2_000, 20_000)])
    assert brief(out) == [("suspend", V, "1.234", "1.234")]
    assert out[0].values["move_bp"] == 3_333
    assert out[0].values["previous_odds"] == 30_000


# --- data lag ---------------------------------------------------------------------------------

D = "DATA_LAG"


def test_data_lag_suspends_an_event_and_clears_below_half() -> None:
    rules = SuspendRules(CFG)
    rules.apply(line_odds(0, event="e1"), 0)
    assert rules.apply(line_odds(1_000, event="e1", received=31_000), 31_000) == []  # = limit
    out = markets(rules.apply(line_odds(2_000, event="e1", received=32_001), 32_001))
    assert brief(out) == [("suspend", D, "e1", None)]
    assert out[0].values == {"lag_ms": 30_001, "threshold_ms": 30_000}
    assert rules.apply(line_odds(3_000, event="e2", received=3_100), 3_100) == []  # its own lag
    assert rules.apply(line_odds(20_000, event="e1", received=35_000), 35_000) == []  # 15_000
    out = markets(rules.apply(line_odds(25_000, event="e1", received=39_999), 39_999))
    assert brief(out) == [("resume", D, "e1", None)]


def test_data_lag_keys_an_exchange_market_by_its_id() -> None:
    rules = SuspendRules(CFG)
    run(rules, [line_odds(0), back_odds(0, 20_000)])
    lagging = back_odds(1_000, 20_000, received=40_000)
    assert brief(rules.apply(lagging, 40_000)) == [("suspend", D, "1.234", None)]


# --- several rules on one market --------------------------------------------------------------


def test_each_rule_suspends_and_resumes_on_its_own() -> None:
    rules = SuspendRules(CFG)
    out = run(rules, [line_odds(0), bet_stop(1), health(2, "DOWN")])
    assert brief(out) == [("suspend", B, EVENT, None), ("suspend", P, "*", None)]
    assert brief(rules.apply(line_odds(3), 3)) == [("resume", B, EVENT, None)]
    assert brief(rules.apply(health(4), 4)) == []
    assert brief(rules.apply(health(5, "SNAPSHOT_COMPLETE"), 5)) == [("resume", P, "*", None)]
    assert rules.held() == {}


# --- determinism, replay, idempotence ---------------------------------------------------------


CHANGES: tuple[EventChange, ...] = ("SUSPENDED", "RESUMED")
STATES: tuple[HealthState, ...] = ("ALIVE", "DOWN", "LAGGING", "SNAPSHOT_COMPLETE")


def _script_item(kind: int, at: int, value: int) -> Item:
    builders: list[Item] = [
        line_odds(at, 15_000 + value * 1_000, event=f"e{value % 2}"),
        back_odds(at, 15_000 + value * 1_000),
        bet_stop(at, event=f"e{value % 2}"),
        lifecycle(at, CHANGES[value % 2], event=f"e{value % 2}"),
        health(at, STATES[value % 4], producer=str(value % 2)),
        health(at, subscribed=value % 2 == 0),
        line_exposure(at, value * 200_000, value * 80_000),
        event_exposure(at, value * 700_000),
        line_odds(at, 20_000, event=f"e{value % 2}", received=at + value * 6_000),
    ]
    return builders[kind]


def _script(steps: list[tuple[int, int, int]]) -> list[Item]:
    at, out = 1, []
    for kind, delta, value in steps:
        at += delta
        out.append(_script_item(kind, at, value))
    return out


END = 10**12  # a time after every deadline
scripts = st.lists(
    st.tuples(st.integers(0, 8), st.integers(0, 6_000), st.integers(0, 10)), max_size=40
).map(_script)


@given(scripts, st.integers(0, 40))
def test_replay_from_a_pickled_copy_yields_the_same_commands(script: list[Item], cut: int) -> None:
    rules = SuspendRules(CFG)
    run_all(rules, script[:cut])
    copy: SuspendRules = pickle.loads(pickle.dumps(rules))  # noqa: S301 - our own snapshot
    first = run_all(rules, script[cut:]) + rules.on_time(END)
    second = run_all(copy, script[cut:]) + copy.on_time(END)
    assert first == second
    assert copy.held() == rules.held()


@given(scripts)
def test_the_same_input_twice_emits_nothing_new(script: list[Item]) -> None:
    rules = SuspendRules(CFG)
    for item in script:
        rules.apply(item, now_of(item))
        assert rules.apply(item, now_of(item)) == []


@given(scripts, st.lists(st.integers(0, 120_000), max_size=10))
def test_commands_do_not_depend_on_when_on_time_is_called(
    script: list[Item], ticks: list[int]
) -> None:
    rules = SuspendRules(CFG)
    plain = run_all(rules, script) + rules.on_time(END)
    rules, ticked = SuspendRules(CFG), []
    pending = sorted(ticks)
    for n, item in enumerate(script):
        # a tick never passes the time of an input still to come (of any stream)
        while pending and pending[0] <= min(now_of(x) for x in script[n:]):
            ticked += rules.on_time(pending.pop(0))
        ticked += rules.apply(item, now_of(item))
    ticked += rules.on_time(END)
    assert {c.command_id: c for c in ticked} == {c.command_id: c for c in plain}
    assert len(ticked) == len(plain)


@given(scripts)
def test_commands_alternate_per_rule_and_market(script: list[Item]) -> None:
    """Suspend, resume, suspend, ... per (rule, event, line), with versions 1, 2, 3, ..."""
    state: dict[tuple[str, str, str | None, str | None], int] = {}
    rules = SuspendRules(CFG)
    for c in markets(run_all(rules, script) + rules.on_time(END)):
        key = (c.rule, c.event_id, c.line_id, c.producer)
        version = state.get(key, 0) + 1
        assert c.version == version
        assert isinstance(c, MarketSuspend) == (version % 2 == 1)
        state[key] = version
        action = "suspend" if isinstance(c, MarketSuspend) else "resume"
        line = c.line_id or "*"
        scope = c.event_id if c.producer is None else f"{c.provider_id}/{c.producer}"
        assert c.command_id == f"{c.rule}:{TENANT}:{scope}:{line}:{action}:{c.as_of_ms}"


def test_command_ids_are_deterministic_across_instances() -> None:
    items: list[Item] = [
        line_odds(0),
        bet_stop(1),
        line_exposure(2, 2_000_000, 600_000),
        health(3, "DOWN"),
        line_odds(5_000, 40_000),
    ]
    first = [c.command_id for c in run_all(SuspendRules(CFG), items)]
    assert first == [c.command_id for c in run_all(SuspendRules(CFG), items)]
    assert first == [
        f"{B}:{TENANT}:{EVENT}:*:suspend:1",
        f"{S}:{TENANT}:{EVENT}:{LINE}:suspend:2",
        f"{M}:{TENANT}:{EVENT}:{LINE}:suspend:2",
        f"{P}:{TENANT}:uof/1:*:suspend:3",
        f"RECOVERY:{TENANT}:uof/1:request:3",
        f"{B}:{TENANT}:{EVENT}:*:resume:5000",
        f"{V}:{TENANT}:{EVENT}:{LINE}:suspend:5000",
    ]


def test_commands_round_trip_through_the_risk_codec() -> None:
    out = run_all(SuspendRules(CFG), [line_odds(0), bet_stop(1), line_odds(2), health(3, "DOWN")])
    assert [RISK_DECODER.decode(RISK_ENCODER.encode(c)) for c in out] == out


def _stream_of(item: Item) -> tuple[str, ...]:
    """The ordered stream an input belongs to: an event's feed, a line's or event's exposures,
    a producer's health."""
    match item:
        case ProviderHealth():
            return ("health", item.provider_id, item.producer)
        case LineExposure():
            return ("line", item.event_id, item.line_id, item.book, item.currency)
        case EventExposure():
            return ("event", item.event_id, item.book, item.currency)
        case OddsChanged():
            return ("feed", item.market_id)
        case MarketStatusChanged():
            return ("market", item.market_id)
        case _:
            return ("feed", str(getattr(item, "event_id", "")))


@given(scripts, st.randoms(use_true_random=False))
def test_commands_do_not_depend_on_how_streams_interleave(script: list[Item], rnd: Any) -> None:
    """Streams of different partitions reach a shard in any interleaving; each stream keeps its
    order. The commands (as a set: their order across streams may differ) must not change."""
    streams: dict[tuple[str, ...], list[Item]] = {}
    for item in script:
        streams.setdefault(_stream_of(item), []).append(item)
    queues = [list(s) for s in streams.values()]
    shuffled: list[Item] = []
    while queues:
        queue = rnd.choice(queues)
        shuffled.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    plain = SuspendRules(CFG)
    interleaved = SuspendRules(CFG)
    expected = run_all(plain, script) + plain.on_time(END)
    got = run_all(interleaved, shuffled) + interleaved.on_time(END)
    assert sorted(c.command_id for c in got) == sorted(c.command_id for c in expected)
    assert {c.command_id: c for c in got} == {c.command_id: c for c in expected}
