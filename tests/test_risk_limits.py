"""Limits: most restrictive scope wins (against an independent oracle), hot updates, profile
choice, each rule's boundary, the limits file, deterministic breach ids, pickling."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagerflow.risk.limits import (
    RULES,
    LimitBook,
    LimitsError,
    LimitsFileError,
    LimitUpdate,
    choose_profile,
    load_limits_file,
)
from wagerflow.schemas.events import BetPlaced, BetSelection, LimitsUpdated, SourceRef
from wagerflow.schemas.risk import (
    RISK_ENCODER,
    EventExposure,
    LimitBreach,
    LimitRule,
    LineExposure,
    SelectionExposure,
)

T = 1_700_000_000_000
Exposures = list[LineExposure | EventExposure]
PLAYERS = {"p1": ("MT", "VERIFIED"), "p2": ("GB", "ENHANCED"), "p3": ("DE", "PENDING")}
EVENTS = {"e1": ("soccer", "epl"), "e2": ("tennis", "atp")}
FIELD: dict[LimitRule, str] = {
    "MAX_STAKE": "max_stake",
    "MAX_PAYOUT": "max_payout",
    "MAX_LIABILITY_SELECTION": "max_liability_selection",
    "MAX_LIABILITY_MARKET": "max_liability_market",
    "MAX_LIABILITY_EVENT": "max_liability_event",
}
# The built-in VIP_A EUR limits in minor units, written out independently of the module.
VIP_A_EUR: dict[LimitRule, int] = {
    "MAX_STAKE": 50_000,
    "MAX_PAYOUT": 25_000_000,
    "MAX_LIABILITY_SELECTION": 50_000_000,
    "MAX_LIABILITY_MARKET": 100_000_000,
    "MAX_LIABILITY_EVENT": 250_000_000,
}


def leg(event: str | None = "e1", line: str | None = "1x2", sel: str = "home") -> BetSelection:
    return BetSelection(market_id="1", selection_id=sel, event_id=event, line_id=line)


def make_bet(
    n: int = 0,
    *,
    stake: int = 1_000,
    currency: str = "EUR",
    player: str | None = "p1",
    profile: str | None = "VIP_A",
    legs: list[BetSelection] | None = None,
    odds: int | None = None,
    payout: int | None = None,
) -> BetPlaced:
    return BetPlaced(
        tenant_id="t1",
        provider_id="generic",
        category="sport",
        event_time_ms=T + n,
        received_time_ms=T + n + 5,
        dedup_key=f"generic:bet.placed:b{n}",
        source=SourceRef(topic="t", partition=0, offset=n),
        bet_id=f"b{n}",
        idempotency_key=f"k{n}",
        selections=[leg()] if legs is None else legs,
        stake=stake,
        currency=currency,
        accepted_odds=odds,
        potential_payout=payout,
        player_id=player,
        limits_profile=profile,
    )


def line_exposure(
    liability: int, worst: int, *, event: str = "e1", line: str = "1x2", currency: str = "EUR"
) -> LineExposure:
    sels = [
        SelectionExposure(
            selection_id="home", bets=1, open_stake=0, potential_return=0, liability=liability
        )
    ]
    return LineExposure(
        tenant_id="t1",
        version=1,
        as_of_ms=T,
        event_id=event,
        line_id=line,
        book="PRE_MATCH",
        currency=currency,
        selections=sels,
        open_stake=0,
        worst_case=worst,
    )


def event_exposure(worst: int, *, event: str = "e1", currency: str = "EUR") -> EventExposure:
    return EventExposure(
        tenant_id="t1",
        version=1,
        as_of_ms=T,
        event_id=event,
        book="PRE_MATCH",
        currency=currency,
        open_stake=0,
        worst_case=worst,
        lines=1,
    )


def limits_event(n: int = 0, **fields: Any) -> LimitsUpdated:
    return LimitsUpdated(
        tenant_id="t1",
        provider_id="live",
        category="live",
        event_time_ms=T + n,
        received_time_ms=T + n,
        dedup_key=f"live:limits.update:{n}",
        source=SourceRef(topic="t", partition=0, offset=n),
        **fields,
    )


def book() -> LimitBook:
    return LimitBook(players=PLAYERS, events=EVENTS)


# --- most restrictive wins --------------------------------------------------------------------

APPLICABLE = [  # broad to specific, for a VIP_A EUR bet of p1 on e1 / 1x2
    "platform",
    "currency:EUR",
    "country:MT",
    "sport:soccer",
    "competition:epl",
    "event:e1",
    "market:e1/1x2",
    "player:p1",
]
ELSEWHERE = [
    "currency:GBP",
    "country:GB",
    "sport:tennis",
    "competition:atp",
    "event:e2",
    "market:e1/total",
    "market:e2/1x2",
    "player:p2",
]

overrides = st.lists(
    st.tuples(
        st.sampled_from(["VIP_A", "VIP_A", "DEFAULT"]),
        st.sampled_from(APPLICABLE + ELSEWHERE),
        st.sampled_from(["EUR", "EUR", "GBP"]),
        st.sampled_from(RULES),
        st.sampled_from([0, 1_000, 50_000]) | st.integers(0, 300_000_000),  # ties, too
    ).map(lambda o: (o[0], o[1], o[1][9:], o[3], o[4]) if o[1].startswith("currency:") else o),
    max_size=40,
)  # a currency scope is set in its own currency


def oracle(
    sets: list[tuple[str, str, str, LimitRule, int]], rule: LimitRule
) -> tuple[int, set[str]]:
    """The minimum over the applicable scopes, and every scope holding it."""
    latest: dict[str, int] = {"platform": VIP_A_EUR[rule]}
    for profile, scope, currency, r, value in sets:
        if (profile, currency, r) == ("VIP_A", "EUR", rule) and scope in APPLICABLE:
            latest[scope] = value
    low = min(latest.values())
    return low, {s for s, v in latest.items() if v == low}


@given(overrides, st.integers(0, 300_000_000), st.integers(0, 300_000_000))
def test_the_most_restrictive_applicable_scope_wins(
    sets: list[tuple[str, str, str, LimitRule, int]], amount: int, worst: int
) -> None:
    limits = book()
    for profile, scope, currency, rule, value in sets:
        limits.apply_update(
            LimitUpdate(profile=profile, scope=scope, currency=currency, **{FIELD[rule]: value})
        )
    bet = make_bet(stake=amount, payout=amount)
    assert limits.profile_for(bet) == "VIP_A"
    assert limits.scopes_for(bet) == APPLICABLE
    exposures: Exposures = [line_exposure(amount, worst), event_exposure(worst)]
    values = dict.fromkeys(RULES, amount) | {
        "MAX_LIABILITY_MARKET": worst,
        "MAX_LIABILITY_EVENT": worst,
    }
    breaches = {b.rule: b for b in limits.check(bet, exposures)}
    for rule in RULES:
        low, holders = oracle(sets, rule)
        hit = limits.limit_for("VIP_A", "EUR", APPLICABLE, rule)
        assert hit is not None
        assert hit[0] == low
        assert hit[1] == max(holders, key=APPLICABLE.index)  # a tie: the most specific scope
        if values[rule] > low:
            assert (breaches[rule].limit, breaches[rule].value) == (low, values[rule])
            assert breaches[rule].scope == hit[1]
        else:
            assert rule not in breaches


def test_a_tie_reports_the_most_specific_scope() -> None:
    limits = book()
    for scope in ["sport:soccer", "player:p1", "event:e1"]:
        limits.apply_update(
            LimitUpdate(profile="VIP_A", scope=scope, currency="EUR", max_stake=50_000)
        )
    assert limits.limit_for("VIP_A", "EUR", APPLICABLE, "MAX_STAKE") == (50_000, "player:p1")


def test_a_scope_only_tightens_but_the_platform_can_be_raised() -> None:
    limits = book()
    limits.apply_update(
        LimitUpdate(profile="VIP_A", scope="event:e1", currency="EUR", max_stake=90_000)
    )
    assert limits.limit_for("VIP_A", "EUR", APPLICABLE, "MAX_STAKE") == (50_000, "platform")
    limits.apply_update(
        LimitUpdate(profile="VIP_A", scope="platform", currency="EUR", max_stake=100_000)
    )
    assert limits.limit_for("VIP_A", "EUR", APPLICABLE, "MAX_STAKE") == (90_000, "event:e1")


def test_builtin_limits_per_currency_and_none_for_other_currencies() -> None:
    limits = book()
    assert limits.limit_for("DEFAULT", "EUR", ["platform"], "MAX_STAKE") == (5_000, "platform")
    assert limits.limit_for("DEFAULT", "USD", ["platform"], "MAX_STAKE") == (5_000, "platform")
    assert limits.limit_for("DEFAULT", "GBP", ["platform"], "MAX_STAKE") == (4_000, "platform")
    assert limits.limit_for("Ultra", "GBP", ["platform"], "MAX_LIABILITY_EVENT") == (
        4_000_000_000,
        "platform",
    )
    huge = make_bet(stake=10**15, currency="CHF", payout=10**16)
    assert limits.check(huge, [line_exposure(10**16, 10**16, currency="CHF")]) == []
    limits.apply_update(
        limits_event(profile="VIP_A", scope="currency:CHF", currency="CHF", max_stake=100)
    )
    [breach] = limits.check(huge, [])
    assert (breach.rule, breach.scope, breach.limit) == ("MAX_STAKE", "currency:CHF", 100)


def test_exposures_of_another_currency_or_line_are_not_compared() -> None:
    limits = book()
    exposures: Exposures = [
        line_exposure(10**12, 10**12, currency="GBP"),
        line_exposure(10**12, 10**12, line="total"),
        event_exposure(10**12, event="e2"),
    ]
    assert limits.check(make_bet(), exposures) == []


def test_a_multi_leg_bet_is_bound_by_every_leg_and_reports_the_worst_leg() -> None:
    limits = book()
    for scope, value in [("market:e2/ml", 700), ("event:e1", 10_000)]:
        limits.apply_update(
            LimitUpdate(
                profile="VIP_A",
                scope=scope,
                currency="EUR",
                max_stake=value,
                max_liability_event=value,
            )
        )
    bet = make_bet(stake=800, legs=[leg("e2", "ml"), leg(), leg(None, None, "red")])
    exposures: Exposures = [event_exposure(20_000), event_exposure(900, event="e2")]
    breaches = limits.check(bet, exposures)
    assert [(b.rule, b.scope, b.limit, b.value) for b in breaches] == [
        ("MAX_STAKE", "market:e2/ml", 700, 800),
        ("MAX_LIABILITY_EVENT", "event:e1", 10_000, 20_000),  # 10,000 over (2nd leg) beats 200 over
    ]


# --- hot updates ------------------------------------------------------------------------------


def test_a_hot_update_changes_subsequent_checks_only() -> None:
    limits = book()
    bet = make_bet(stake=60_000)
    before = limits.check(bet, [])
    assert [(b.rule, b.limit) for b in before] == [("MAX_STAKE", 50_000)]
    limits.apply_update(
        limits_event(profile="VIP_A", scope="platform", currency="EUR", max_stake=60_000)
    )
    assert limits.check(bet, []) == []
    assert [(b.rule, b.limit) for b in before] == [("MAX_STAKE", 50_000)]  # untouched
    # None leaves a limit unchanged; max_liability sets the three liability limits
    limits.apply_update(
        limits_event(profile="VIP_A", scope="player:p1", currency="EUR", max_liability=1_000)
    )
    assert limits.limit_for("VIP_A", "EUR", APPLICABLE, "MAX_STAKE") == (60_000, "platform")
    for rule in RULES[2:]:
        assert limits.limit_for("VIP_A", "EUR", APPLICABLE, rule) == (1_000, "player:p1")
    limits.apply_update(limits_event(profile="VIP_A", scope="country:MT"))  # no amounts: no-op
    assert limits.limit_for("VIP_A", "EUR", APPLICABLE, "MAX_STAKE") == (60_000, "platform")


@pytest.mark.parametrize(
    "fields",
    [
        {"profile": "GOLD", "scope": "platform", "currency": "EUR", "max_stake": 1},
        {"profile": "VIP_A", "scope": "league:1", "currency": "EUR", "max_stake": 1},
        {"profile": "VIP_A", "scope": "platform", "max_stake": 1},
        {"profile": "VIP_A", "scope": "currency:EUR", "currency": "GBP", "max_stake": 1},
        {"profile": "VIP_A", "scope": "platform", "currency": "EUR", "max_payout": -1},
    ],
)
def test_an_update_that_cannot_apply_raises(fields: dict[str, Any]) -> None:
    limits = book()
    with pytest.raises(LimitsError):
        limits.apply_update(limits_event(**fields))
    assert limits.check(make_bet(stake=50_000), []) == []  # nothing changed


# --- profiles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "currency", "kyc", "requested", "expected"),
    [
        ("MT", "EUR", "VERIFIED", None, "DEFAULT"),  # no request
        ("MT", "EUR", "VERIFIED", "GOLD", "DEFAULT"),  # not a profile
        ("MT", "EUR", "VERIFIED", "vip_a", "DEFAULT"),  # exact case
        ("MT", "EUR", None, "Ultra", "DEFAULT"),  # no KYC
        ("MT", "EUR", "PENDING", "VIP_A", "DEFAULT"),  # unverified
        ("MT", "EUR", "verified", "VIP_A", "VIP_A"),
        ("MT", "EUR", "VERIFIED", "VIP_B", "VIP_B"),
        ("MT", "EUR", "VERIFIED", "Ultra", "VIP_B"),  # lowered to the KYC ceiling
        ("MT", "EUR", "ENHANCED", "Ultra", "Ultra"),
        ("GB", "GBP", "ENHANCED", "DEFAULT", "DEFAULT"),  # never raised above the request
        (None, "EUR", "ENHANCED", "Ultra", "VIP_A"),  # unknown country
        ("MT", "JPY", "ENHANCED", "Ultra", "VIP_B"),  # no built-in limits for the currency
        ("MT", "JPY", "ENHANCED", "VIP_A", "VIP_A"),
    ],
)
def test_profile_choice(
    country: str | None, currency: str, kyc: str | None, requested: str | None, expected: str
) -> None:
    assert choose_profile(country, currency, kyc, requested) == expected


def test_country_caps_and_unknown_players() -> None:
    assert choose_profile("fr", "EUR", "ENHANCED", "Ultra", country_caps={"FR": "VIP_A"}) == (
        "VIP_A"
    )
    limits = LimitBook(PLAYERS, EVENTS, country_caps={"gb": "DEFAULT"})
    assert limits.profile_for(make_bet(player="p2", profile="Ultra")) == "DEFAULT"
    assert limits.profile_for(make_bet(player="p3", profile="VIP_A")) == "DEFAULT"
    assert limits.profile_for(make_bet(player="nobody", profile="Ultra")) == "DEFAULT"
    assert limits.profile_for(make_bet(player=None, profile="Ultra")) == "DEFAULT"
    assert LimitBook().profile_for(make_bet(profile="Ultra")) == "DEFAULT"  # empty directory
    with pytest.raises(LimitsError):
        LimitBook(country_caps={"FR": "GOLD"})


# --- each rule at its boundary ----------------------------------------------------------------

LIMIT = 10_000


def _case(rule: LimitRule, value: int) -> tuple[BetPlaced, Exposures]:
    stake = value if rule == "MAX_STAKE" else 100
    bet = make_bet(stake=stake, payout=value if rule == "MAX_PAYOUT" else 0)
    sel = value if rule == "MAX_LIABILITY_SELECTION" else 0
    worst = value if rule == "MAX_LIABILITY_MARKET" else 0
    event = value if rule == "MAX_LIABILITY_EVENT" else 0
    return bet, [line_exposure(sel, worst), event_exposure(event)]


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_fires_exactly_when_over_its_limit(rule: LimitRule) -> None:
    limits = book()
    limits.apply_update(
        LimitUpdate(
            profile="VIP_A",
            scope="event:e1",
            currency="EUR",
            **dict.fromkeys(FIELD.values(), LIMIT),
        )
    )
    for value in (0, LIMIT - 1, LIMIT):  # equal to the limit is allowed
        assert limits.check(*_case(rule, value)) == []
    bet, exposures = _case(rule, LIMIT + 1)
    assert limits.check(bet, exposures) == [
        LimitBreach(
            tenant_id="t1",
            version=1,
            as_of_ms=bet.event_time_ms,
            breach_id=f"{bet.dedup_key}:{rule}",
            bet_id="b0",
            player_id="p1",
            profile="VIP_A",
            rule=rule,
            scope="event:e1",
            limit=LIMIT,
            value=LIMIT + 1,
            currency="EUR",
        )
    ]


def test_the_payout_is_derived_from_the_odds_rounding_down() -> None:
    limits = book()
    limits.apply_update(
        LimitUpdate(profile="VIP_A", scope="platform", currency="EUR", max_payout=2_500)
    )
    assert limits.check(make_bet(stake=1_000, odds=25_009), []) == []  # 2500.9 -> 2500
    [breach] = limits.check(make_bet(stake=1_000, odds=25_010), [])
    assert (breach.rule, breach.value) == ("MAX_PAYOUT", 2_501)
    # MONEY.md §1.1: R = floor(S x O) everywhere, whatever potentialPayout the provider sends
    [breach] = limits.check(make_bet(stake=1_000, odds=90_000, payout=2_500), [])
    assert (breach.rule, breach.value) == ("MAX_PAYOUT", 9_000)
    assert limits.check(make_bet(stake=1_000), []) == []  # no odds, no payout: R = S


# --- the limits file --------------------------------------------------------------------------


def write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "limits.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_a_limits_file_loads_exact_amounts(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            {
                "profile": "VIP_A",
                "scope": "event:e1",
                "currency": "EUR",
                "maxStake": "100.50",
                "maxLiability": "20000",
                "maxLiabilityEvent": "30000.01",
            },
            {"profile": "DEFAULT", "scope": "platform", "currency": "JPY", "maxPayout": "1000"},
            {
                "profile": "Ultra",
                "scope": "market:e1/18:total=2.5",
                "currency": "KWD",
                "maxStake": "1.234",
            },
            {"profile": "VIP_A", "scope": "event:e1", "currency": "EUR", "maxPayout": "7"},
        ],
    )
    assert load_limits_file(path) == [
        LimitUpdate(
            profile="VIP_A",
            scope="event:e1",
            currency="EUR",
            max_stake=10_050,
            max_liability_selection=2_000_000,
            max_liability_market=2_000_000,
            max_liability_event=3_000_001,
        ),
        LimitUpdate(profile="DEFAULT", scope="platform", currency="JPY", max_payout=1_000),
        LimitUpdate(
            profile="Ultra", scope="market:e1/18:total=2.5", currency="KWD", max_stake=1_234
        ),
        LimitUpdate(profile="VIP_A", scope="event:e1", currency="EUR", max_payout=700),
    ]
    limits = LimitBook.from_file(path, players=PLAYERS, events=EVENTS)
    assert limits.limit_for("VIP_A", "EUR", APPLICABLE, "MAX_STAKE") == (10_050, "event:e1")
    assert limits.limit_for("VIP_A", "EUR", APPLICABLE, "MAX_PAYOUT") == (700, "event:e1")
    assert limits.limit_for("VIP_A", "EUR", APPLICABLE, "MAX_LIABILITY_EVENT") == (
        3_000_001,
        "event:e1",
    )


GOOD = {"profile": "VIP_A", "scope": "platform", "currency": "EUR", "maxStake": "5.00"}


@pytest.mark.parametrize(
    "bad",
    [
        GOOD | {"maxStake": "5.001"},  # more digits than the currency has
        GOOD | {"maxStake": 5},  # a number, not a decimal string
        GOOD | {"maxStake": "-5"},
        GOOD | {"maxStake": "five"},
        GOOD | {"maxStak": "5"},  # misspelt
        GOOD | {"profile": "GOLD"},
        GOOD | {"scope": "league:1"},
        GOOD | {"currency": "eur"},
        GOOD | {"scope": "currency:GBP"},
        {k: v for k, v in GOOD.items() if k != "currency"},
        {k: v for k, v in GOOD.items() if k != "maxStake"},  # sets nothing
        "VIP_A",
    ],
)
def test_a_bad_entry_is_refused_naming_it(tmp_path: Path, bad: object) -> None:
    path = write(tmp_path, [GOOD, bad])
    with pytest.raises(LimitsFileError) as caught:
        LimitBook.from_file(path)
    assert isinstance(caught.value, ValueError)
    assert (caught.value.index, caught.value.entry) == (1, bad)
    assert f"entry 1 {bad!r}" in str(caught.value)


@pytest.mark.parametrize("content", ["{not json", json.dumps(GOOD), ""])
def test_a_malformed_file_is_refused(tmp_path: Path, content: str) -> None:
    with pytest.raises(LimitsFileError, match="limits.json"):
        load_limits_file(write(tmp_path, content))
    with pytest.raises(LimitsFileError, match="missing.json"):
        load_limits_file(tmp_path / "missing.json")


# --- determinism and state --------------------------------------------------------------------


def test_breach_ids_are_deterministic() -> None:
    bet = make_bet(7, stake=10**9, payout=10**12)
    exposures: Exposures = [line_exposure(10**12, 10**12), event_exposure(10**12)]
    first = book().check(bet, exposures)
    assert [b.breach_id for b in first] == [f"generic:bet.placed:b7:{rule}" for rule in RULES]
    again = book().check(bet, exposures)
    assert [RISK_ENCODER.encode(b) for b in again] == [RISK_ENCODER.encode(b) for b in first]
    assert all(b.version == 1 and b.as_of_ms == T + 7 for b in first)


def test_a_book_survives_pickling() -> None:
    limits = LimitBook(PLAYERS, EVENTS, country_caps={"GB": "VIP_A"})
    limits.apply_update(
        limits_event(
            profile="VIP_A",
            scope="sport:soccer",
            currency="EUR",
            max_stake=2_000,
            max_liability=5_000,
        )
    )
    bet = make_bet(stake=3_000)
    exposures: Exposures = [line_exposure(6_000, 6_000), event_exposure(6_000)]
    restored = pickle.loads(pickle.dumps(limits))
    assert restored.check(bet, exposures) == limits.check(bet, exposures)
    assert len(restored.check(bet, exposures)) == 4
    assert restored.profile_for(make_bet(player="p2", profile="Ultra")) == "VIP_A"
    restored.apply_update(
        LimitUpdate(profile="VIP_A", scope="sport:soccer", currency="EUR", max_stake=3_000)
    )
    assert len(restored.check(bet, exposures)) == 3
    assert len(limits.check(bet, exposures)) == 4  # the original is independent
