"""The generic-feed adapter: every message type, the rejections, the generated samples, and
properties (never raises, deterministic, exact money)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.adapters import generic
from wagerflow.adapters.base import Adapter, PendingEvent, RawMeta
from wagerflow.adapters.rejection import Rejection
from wagerflow.adapters.uof import market_line
from wagerflow.money import currency_exponent
from wagerflow.pipeline.normalize_state import content_fingerprint
from wagerflow.samples.generic import generic_lines
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.events import (
    BetPlaced,
    BetSelection,
    BetSettled,
    EventChanged,
    EventResult,
    LineOddsChanged,
    NormalizedEvent,
    OutcomeOdds,
    Payout,
    PlayerUpdated,
    RoundChanged,
    RoundResult,
    SourceRef,
    SpinRequested,
    SpinResult,
)
from wagerflow.schemas.generic import GENERIC_DECODER

T = 1_768_050_000_000
"""2026-01-10T13:00:00Z"""
SOURCE = SourceRef(topic="raw.generic", partition=3, offset=42)
META = RawMeta("tenant-1", SOURCE, None)
ADAPTER: Adapter = generic.decode


def raw(kind: str, timestamp: object = T, **fields: Any) -> bytes:
    return msgspec.json.encode({"type": kind, "timestamp": timestamp, **fields})


def env(category: str, key: str, t: int = T) -> dict[str, Any]:
    return {
        "tenant_id": "tenant-1",
        "provider_id": "generic",
        "category": category,
        "event_time_ms": t,
        "received_time_ms": t,
        "dedup_key": f"generic:{key}",
        "source": SOURCE,
    }


def one(data: bytes, meta: RawMeta = META) -> PendingEvent:
    out = generic.decode(data, meta)
    assert isinstance(out, list), out
    assert len(out) == 1
    return out[0]


def rejected(data: bytes, reason: Reason) -> str:
    out = generic.decode(data, META)
    assert isinstance(out, Rejection), out
    assert out.reason == reason, out
    return out.detail


def money(minor: int, currency: str) -> str:
    return format(Decimal(minor).scaleb(-currency_exponent(currency)), "f")


# --- every message type --------------------------------------------------------------------

CASES: list[tuple[str, bytes, str, NormalizedEvent]] = [
    (
        "eventCreated",
        raw("eventCreated", eventId="ev1", name="Ajax v PSV", startTime="2026-01-10T15:00:00Z"),
        "generic:ev1",
        EventChanged(
            **env("sport", "eventCreated:ev1"),
            event_id="ev1",
            change="CREATED",
            name="Ajax v PSV",
            start_time_ms=T + 7_200_000,
        ),
    ),
    (
        "playerUpdated",
        raw(
            "playerUpdated",
            playerId="p1",
            country="MT",
            kycStatus="VERIFIED",
            limitsProfile="VIP_A",
        ),
        "generic:player:p1",
        PlayerUpdated(
            **env("sport", f"playerUpdated:p1:{T}"),
            player_id="p1",
            country="MT",
            kyc_status="VERIFIED",
            limits_profile="VIP_A",
        ),
    ),
    (
        "eventSuspended",
        raw("eventSuspended", eventId="ev1", reason="goal"),
        "generic:ev1",
        EventChanged(
            **env("sport", f"eventSuspended:ev1:{T}"),
            event_id="ev1",
            change="SUSPENDED",
            detail="goal",
        ),
    ),
    (
        "eventResumed",
        raw("eventResumed", eventId="ev1"),
        "generic:ev1",
        EventChanged(**env("sport", f"eventResumed:ev1:{T}"), event_id="ev1", change="RESUMED"),
    ),
    (
        "eventFinished",
        raw("eventFinished", eventId="ev1"),
        "generic:ev1",
        EventChanged(**env("sport", "eventFinished:ev1"), event_id="ev1", change="FINISHED"),
    ),
    (
        "oddsChanged",
        raw(
            "oddsChanged",
            eventId="ev1",
            marketId="18",
            specifiers={"total": "2.5"},
            selections=[
                {"selectionId": "12", "odds": "1.85", "active": True},
                {"selectionId": "13", "odds": 2.05, "active": False},
            ],
        ),
        "generic:ev1:18:total=2.5",
        LineOddsChanged(
            **env("sport", f"oddsChanged:ev1:18:total=2.5:{T}"),
            event_id="ev1",
            market_id="18",
            specifiers="total=2.5",
            line_id="18:total=2.5",
            status="OPEN",
            outcomes=[
                OutcomeOdds(outcome_id="12", odds=18_500, active=True),
                OutcomeOdds(outcome_id="13", odds=20_500, active=False),
            ],
        ),
    ),
    (
        "eventResult",
        raw("eventResult", eventId="ev1", marketId="11", winners=[], voided=["4", "5"]),
        "generic:ev1:11",
        EventResult(
            **env("sport", "eventResult:ev1:11"),
            event_id="ev1",
            market_id="11",
            winners=[],
            void_selections=["4", "5"],
        ),
    ),
    (
        "BetPlaced",
        raw(
            "BetPlaced",
            betId="b1",
            eventId="ev1",
            marketId="16",
            specifiers={"hcp": "-0.25"},
            selectionId="1714",
            stake={"amount": "5.00", "currency": "EUR"},
            acceptedOdds="2.10",
            potentialPayout="10.50",
            playerId="p7",
        ),
        "generic:bet:b1",
        BetPlaced(
            **env("sport", "BetPlaced:b1"),
            bet_id="b1",
            idempotency_key="b1",
            selections=[
                BetSelection(
                    market_id="16", selection_id="1714", event_id="ev1", line_id="16:hcp=-0.25"
                )
            ],
            stake=500,
            currency="EUR",
            accepted_odds=21_000,
            potential_payout=1050,
            player_id="p7",
        ),
    ),
    (
        "BetSettled",
        raw("BetSettled", betId="b1", outcome="HALF_WIN", payout="7.75", currency="EUR"),
        "generic:bet:b1",
        BetSettled(
            **env("sport", "BetSettled:b1"),
            bet_id="b1",
            outcome="HALF_WIN",
            payout=775,
            currency="EUR",
        ),
    ),
    (
        "SpinRequested",
        raw("SpinRequested", sessionId="s1", spinId="s1-9", betAmount="0", currency="JPY"),
        "generic:session:s1",
        SpinRequested(
            **env("slot", "SpinRequested:s1:s1-9"),
            session_id="s1",
            spin_id="s1-9",
            bet_amount=0,
            currency="JPY",
        ),
    ),
    (
        "SpinResult",
        raw(
            "SpinResult",
            sessionId="s1",
            spinId="s1-9",
            symbols=["A", "WILD", "A"],
            payout="1.500",
            balance="20.250",
            currency="KWD",
            gameId="book-of-gold",
        ),
        "generic:session:s1",
        SpinResult(
            **env("slot", "SpinResult:s1:s1-9"),
            session_id="s1",
            spin_id="s1-9",
            symbols=["A", "WILD", "A"],
            payout=1500,
            balance=20250,
            currency="KWD",
            game_id="book-of-gold",
        ),
    ),
    (
        "LiveRoundStart",
        raw("LiveRoundStart", roundId="r1", tableId="rt-1", gameId="roulette"),
        "generic:round:r1",
        RoundChanged(
            **env("live", "LiveRoundStart:r1"),
            round_id="r1",
            change="STARTED",
            table_id="rt-1",
            game_id="roulette",
        ),
    ),
    (
        "bettingOpen",
        raw("bettingOpen", roundId="r1", tableId="rt-1"),
        "generic:round:r1",
        RoundChanged(
            **env("live", "bettingOpen:r1"), round_id="r1", change="BETTING_OPEN", table_id="rt-1"
        ),
    ),
    (
        "bettingClosed",
        raw("bettingClosed", roundId="r1"),
        "generic:round:r1",
        RoundChanged(**env("live", "bettingClosed:r1"), round_id="r1", change="BETTING_CLOSED"),
    ),
    (
        "roundAborted",
        raw("roundAborted", roundId="r1", reason="no_spin"),
        "generic:round:r1",
        RoundChanged(
            **env("live", "roundAborted:r1"), round_id="r1", change="ABORTED", reason="no_spin"
        ),
    ),
    (
        "roundResult",
        raw(
            "roundResult",
            roundId="r1",
            outcome="17 BLACK",
            payouts=[
                {"betId": "x1", "playerId": "p1", "amount": "72.00", "currency": "EUR"},
                {"playerId": "p2", "amount": "3.000", "currency": "KWD"},
            ],
            tableId="rt-1",
            gameId="roulette",
        ),
        "generic:round:r1",
        RoundResult(
            **env("live", "roundResult:r1"),
            round_id="r1",
            outcome="17 BLACK",
            payouts=[
                Payout(bet_id="x1", player_id="p1", amount=7200, currency="EUR"),
                Payout(player_id="p2", amount=3000, currency="KWD"),
            ],
            table_id="rt-1",
            game_id="roulette",
        ),
    ),
]


def test_the_table_covers_every_message_type() -> None:
    assert {name for name, *_ in CASES} == generic.MESSAGE_TYPES
    assert set(generic.HANDLERS) == {type(GENERIC_DECODER.decode(data)) for _, data, *_ in CASES}


@pytest.mark.parametrize(("name", "data", "entity", "event"), CASES, ids=[c[0] for c in CASES])
def test_message_decodes_to_its_event(
    name: str, data: bytes, entity: str, event: NormalizedEvent
) -> None:
    candidate = one(data)
    assert candidate == PendingEvent(entity, event, data, None)


def test_event_created_carries_its_sport_and_competition_when_the_feed_names_them() -> None:
    data = raw(
        "eventCreated",
        eventId="ev1",
        name="x",
        startTime=T,
        sportId="sr:sport:1",
        competitionId="sr:tournament:17",
    )
    event = one(data).event
    assert isinstance(event, EventChanged)
    assert (event.sport_id, event.competition_id) == ("sr:sport:1", "sr:tournament:17")
    plain = one(raw("eventCreated", eventId="ev1", name="x", startTime=T)).event
    assert isinstance(plain, EventChanged)
    assert (plain.sport_id, plain.competition_id) == (None, None)


def test_a_player_update_refuses_a_malformed_country() -> None:
    rejected = generic.decode(raw("playerUpdated", playerId="p1", country="mt"), META)
    assert isinstance(rejected, Rejection)
    assert rejected.reason == Reason.SCHEMA_MISMATCH


def test_all_inactive_selections_make_a_suspended_line() -> None:
    data = raw(
        "oddsChanged",
        eventId="ev1",
        marketId="1",
        selections=[
            {"selectionId": "1", "odds": "2.40", "active": False},
            {"selectionId": "X", "active": False},
            {"selectionId": "2", "odds": None, "active": False},
        ],
    )
    event = one(data).event
    assert isinstance(event, LineOddsChanged)
    assert (event.status, event.line_id, event.specifiers) == ("SUSPENDED", "1", None)
    assert [(o.outcome_id, o.odds) for o in event.outcomes] == [
        ("1", 24_000),
        ("X", None),
        ("2", None),
    ]


def test_specifiers_are_sorted_by_key_into_the_line_id() -> None:
    data = raw(
        "oddsChanged",
        eventId="ev1",
        marketId="204",
        specifiers={"total": "9.5", "setnr": "1"},
        selections=[{"selectionId": "12", "odds": "1.5", "active": True}],
    )
    candidate = one(data)
    event = candidate.event
    assert isinstance(event, LineOddsChanged)
    assert (event.line_id, event.specifiers) == ("204:setnr=1|total=9.5", "setnr=1|total=9.5")
    assert candidate.entity == "generic:ev1:204:setnr=1|total=9.5"
    assert event.line_id == market_line(204, "total=9.5|setnr=1")  # the UOF canonical form


@given(
    pairs=st.dictionaries(
        st.text("abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=8),
        st.text("abcxyz0123456789.:+-=", min_size=1, max_size=8),
        min_size=1,
        max_size=5,
    ),
    data=st.data(),
)
def test_line_id_ignores_specifier_order_and_matches_uof(
    pairs: dict[str, str], data: st.DataObject
) -> None:
    shuffled = dict(data.draw(st.permutations(list(pairs.items())), label="order"))
    assert generic.line_id("7", pairs) == generic.line_id("7", shuffled)
    assert generic.line_id("7", pairs) == market_line(
        7, "|".join(f"{k}={v}" for k, v in pairs.items())
    )


@pytest.mark.parametrize(
    ("timestamp", "ms"),
    [
        (T, T),
        ("2026-01-10T13:00:00Z", T),
        ("2026-01-10T13:00:00.250Z", T + 250),
        ("2026-01-10T15:00:00.250+02:00", T + 250),
        ("2026-01-10T13:00:00.250+00:00", T + 250),
    ],
)
def test_timestamp_forms(timestamp: int | str, ms: int) -> None:
    event = one(raw("eventFinished", timestamp, eventId="ev1")).event
    assert (event.event_time_ms, event.received_time_ms) == (ms, ms)


def test_received_time_and_lineage_come_from_meta() -> None:
    meta = RawMeta("tenant-9", SourceRef(topic="f.jsonl", partition=0, offset=7), T + 999)
    data = raw("bettingOpen", roundId="r1")
    candidate = one(data, meta)
    event = candidate.event
    assert (event.tenant_id, event.source, event.event_time_ms) == ("tenant-9", meta.source, T)
    assert event.received_time_ms == T + 999
    assert candidate.raw is data and candidate.nonce is None


def test_a_resend_in_another_time_form_keeps_the_dedup_key() -> None:
    fields: dict[str, Any] = {
        "eventId": "ev1",
        "marketId": "1",
        "selections": [{"selectionId": "1", "odds": "2", "active": True}],
    }
    first = one(raw("oddsChanged", T, **fields))
    second = one(raw("oddsChanged", "2026-01-10T14:00:00+01:00", **fields))
    assert first.event.dedup_key == second.event.dedup_key
    # the bytes differ, the content does not: the shard sees a duplicate, not a conflict
    assert content_fingerprint(first.event) == content_fingerprint(second.event)


def test_unknown_fields_are_tolerated() -> None:
    data = raw(
        "BetSettled",
        betId="b1",
        outcome="LOSE",
        payout="0.00",
        currency="GBP",
        brand="x",
        extra={"nested": [1, 2, {"deep": True}]},
    )
    event = one(data).event
    assert isinstance(event, BetSettled)
    assert (event.outcome, event.payout) == ("LOSE", 0)


def test_amounts_and_odds_may_be_json_numbers() -> None:
    data = (
        b'{"type":"BetPlaced","timestamp":1,"betId":"b","eventId":"e","marketId":"1",'
        b'"selectionId":"1","stake":{"amount":5.10,"currency":"EUR"},"acceptedOdds":1.91,'
        b'"potentialPayout":9.74}'
    )
    event = one(data).event
    assert isinstance(event, BetPlaced)
    assert (event.stake, event.accepted_odds, event.potential_payout) == (510, 19_100, 974)


# --- rejections ----------------------------------------------------------------------------

ODDS = {"eventId": "ev1", "marketId": "1"}
BET: dict[str, Any] = {
    "betId": "b1",
    "eventId": "ev1",
    "marketId": "1",
    "selectionId": "1",
    "stake": {"amount": "5.00", "currency": "EUR"},
    "acceptedOdds": "2.10",
    "potentialPayout": "10.50",
}


def bet(**changes: Any) -> bytes:
    return raw("BetPlaced", **{**BET, **changes})


def odds(*selections: dict[str, Any], **changes: Any) -> bytes:
    return raw("oddsChanged", **{**ODDS, "selections": list(selections), **changes})


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b"not json",
        b'{"type": "eventFinished", "timestamp": 1, "eventId": "ev1"',
        b'{"type": "eventFinished",, "timestamp": 1}',
        b"\xff\xfe\x00garbage",
        b'{"type": "eventFinished", "timestamp": 1, "eventId": "\xff"}',
        b'{"type": "eventFinished", "timestamp": 1, "eventId": "ev1"} trailing',
        b'{"type": "nope", "timestamp": 1, "eventId": "ev1"',  # an unknown type, cut short
    ],
)
def test_not_json_is_invalid_json(data: bytes) -> None:
    rejected(data, Reason.MALFORMED)


def test_deep_nesting_is_rejected_not_raised() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    data = b'{"type": "eventFinished", "timestamp": 1, "eventId": "e", "x": ' + deep + b"}"
    assert "nested too deeply" in rejected(data, Reason.MALFORMED)
    assert "nested too deeply" in rejected(b'{"type": 5, "x": ' + deep + b"}", Reason.MALFORMED)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (raw("marketCreated", eventId="ev1"), "'marketCreated'"),
        (raw("odds.line", eventId="ev1"), "'odds.line'"),
        (raw("EventCreated", eventId="ev1", name="x", startTime=T), "'EventCreated'"),
        (
            raw(
                "eventResult", eventId="ev1", marketId="18", specifiers={"total": "2.5"}, winners=[]
            ),
            "specifiers",
        ),
    ],
)
def test_unsupported_messages(data: bytes, fragment: str) -> None:
    assert fragment in rejected(data, Reason.UNSUPPORTED_MESSAGE)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b'{"timestamp": 1, "eventId": "ev1"}', "type"),
        (b'{"type": 7, "timestamp": 1, "eventId": "ev1"}', "$.type"),
        (b'[{"type": "eventFinished"}]', "object"),
        (b'"eventFinished"', "object"),
        (raw("eventFinished"), "eventId"),
        (raw("eventFinished", eventId=""), "$.eventId"),
        (raw("eventFinished", eventId=17), "$.eventId"),
        (b'{"type": "eventFinished", "eventId": "ev1"}', "timestamp"),
        (raw("eventFinished", 1.5e12, eventId="ev1"), "$.timestamp"),
        (raw("eventFinished", True, eventId="ev1"), "$.timestamp"),
        (raw("eventFinished", "2026-01-10T13:00:00", eventId="ev1"), "no zone"),
        (raw("eventFinished", "1768050000000", eventId="ev1"), "timestamp"),
        (raw("eventFinished", "yesterday", eventId="ev1"), "timestamp"),
        (raw("eventCreated", eventId="ev1", name="x", startTime="soon"), "startTime"),
        (raw("eventCreated", eventId="ev1", name="x"), "startTime"),
        (odds(), "$.selections"),
        (odds({"selectionId": "1", "odds": "2"}), "active"),
        (odds({"selectionId": "1", "odds": True, "active": True}), "$.selections[0].odds"),
        (odds({"selectionId": "1", "odds": "two", "active": True}), "$.selections[0].odds"),
        (odds({"selectionId": "1", "active": True}), "has no odds"),
        (
            odds(
                {"selectionId": "1", "odds": "2", "active": True},
                {"selectionId": "1", "odds": "3", "active": True},
            ),
            "listed twice",
        ),
        (odds({"selectionId": "1", "odds": "2", "active": 1}), "active"),
        (odds({"selectionId": "1", "odds": "2", "active": True}, specifiers={"a=b": "1"}), "key"),
        (odds({"selectionId": "1", "odds": "2", "active": True}, specifiers={"a": "1|b"}), "spec"),
        (odds({"selectionId": "1", "odds": "2", "active": True}, specifiers={"a": 1}), "spec"),
        (odds({"selectionId": "1", "odds": "2", "active": True}, specifiers="a=1"), "spec"),
        (bet(stake={"amount": "5.00"}), "currency"),
        (bet(stake={"amount": "5.00", "currency": "eur"}), "currency"),
        (bet(stake={"amount": "5.00", "currency": "EURO"}), "currency"),
        (bet(stake="5.00"), "$.stake"),
        (bet(potentialPayout=None), "potentialPayout"),
        (bet(betId=None), "betId"),
        (raw("BetSettled", betId="b1", outcome="RETRY", payout="0", currency="EUR"), "outcome"),
        (raw("BetSettled", betId="b1", outcome="win", payout="0", currency="EUR"), "outcome"),
        (
            raw(
                "SpinResult",
                sessionId="s",
                spinId="x",
                symbols="AKQ",
                payout="0",
                balance="1",
                currency="EUR",
            ),
            "symbols",
        ),
        (raw("roundResult", roundId="r1", outcome="17", payouts=[{"amount": "1"}]), "currency"),
    ],
)
def test_schema_mismatches(data: bytes, fragment: str) -> None:
    assert fragment in rejected(data, Reason.SCHEMA_MISMATCH)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (bet(stake={"amount": "5.001", "currency": "EUR"}), "stake.amount"),
        (bet(stake={"amount": "-5.00", "currency": "EUR"}), "stake.amount"),
        (bet(stake={"amount": "0.00", "currency": "EUR"}), "positive"),
        (bet(stake={"amount": "100.5", "currency": "JPY"}), "JPY"),
        (bet(stake={"amount": "1.0005", "currency": "KWD"}), "KWD"),
        (bet(stake={"amount": "NaN", "currency": "EUR"}), "stake.amount"),
        (bet(stake={"amount": "-Infinity", "currency": "EUR"}), "stake.amount"),
        (bet(stake={"amount": "sNaN", "currency": "EUR"}), "stake.amount"),
        (bet(stake={"amount": "1E+999999999", "currency": "EUR"}), "out of range"),
        (bet(stake={"amount": 0, "currency": "EUR"}).replace(b":0,", b":1e400,"), "out of range"),
        (bet(acceptedOdds="1E-999999999"), "acceptedOdds"),
        (bet(stake={"amount": "0.0000000000000000001", "currency": "EUR"}), "out of range"),
        (bet(stake={"amount": "100000000000000.00000000000001", "currency": "EUR"}), "range"),
        (bet(stake={"amount": "1.00000000000000000000000000001", "currency": "EUR"}), "range"),
        (bet(stake={"amount": "1000000000000000", "currency": "JPY"}), "out of range"),
        (bet(stake={"amount": "1E-999999999", "currency": "EUR"}), "out of range"),
        (bet(stake={"amount": "1000000000000000", "currency": "EUR"}), "out of range"),
        (bet(potentialPayout="10.505"), "potentialPayout"),
        (bet(acceptedOdds="0.95"), "acceptedOdds"),
        (bet(acceptedOdds="-2"), "acceptedOdds"),
        (bet(acceptedOdds="NaN"), "acceptedOdds"),
        (bet(acceptedOdds="1000000.01"), "acceptedOdds"),
        (bet(acceptedOdds="1E+99999999"), "acceptedOdds"),
        (odds({"selectionId": "1", "odds": "0", "active": False}), "selections[0].odds"),
        (
            odds(
                {"selectionId": "1", "odds": "2", "active": True},
                {"selectionId": "2", "odds": "0.5", "active": True},
            ),
            "selections[1].odds",
        ),
        (raw("BetSettled", betId="b1", outcome="LOSE", payout="0.01", currency="EUR"), "LOSE"),
        (raw("BetSettled", betId="b1", outcome="WIN", payout="-1", currency="EUR"), "payout"),
        (raw("SpinRequested", sessionId="s", spinId="x", betAmount="0.5", currency="JPY"), "bet"),
        (
            raw(
                "SpinResult",
                sessionId="s",
                spinId="x",
                symbols=[],
                payout="0",
                balance="-0.01",
                currency="EUR",
            ),
            "balance",
        ),
        (
            raw(
                "roundResult",
                roundId="r",
                outcome="x",
                payouts=[{"amount": "1", "currency": "EUR"}, {"amount": "1.5", "currency": "JPY"}],
            ),
            "payouts[1].amount",
        ),
        (raw("eventResult", eventId="e", marketId="1", winners=["1"], voided=["1"]), "both"),
        (raw("eventFinished", -1, eventId="ev1"), "1970..9999"),
        (raw("eventFinished", 10**30, eventId="ev1"), "1970..9999"),
        (raw("eventFinished", "1969-12-31T23:59:59Z", eventId="ev1"), "1970..9999"),
        (raw("eventFinished", 253_402_300_800_000, eventId="ev1"), "1970..9999"),
        (raw("eventCreated", eventId="e", name="x", startTime=-5), "startTime"),
    ],
)
def test_invalid_values(data: bytes, fragment: str) -> None:
    assert fragment in rejected(data, Reason.INVALID_VALUE)


# --- properties ----------------------------------------------------------------------------

VALID = [data for _, data, *_ in CASES]


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_are_rejected_and_never_raise(data: bytes) -> None:
    assert isinstance(generic.decode(data, META), Rejection)


@settings(max_examples=300, deadline=None)
@given(data=st.sampled_from(VALID + generic_lines(3, 2)), cut=st.data())
def test_any_truncation_is_invalid_json(data: bytes, cut: st.DataObject) -> None:
    end = cut.draw(st.integers(min_value=0, max_value=len(data) - 1), label="cut")
    rejected(data[:end], Reason.MALFORMED)


@settings(max_examples=300, deadline=None)
@given(data=st.sampled_from(VALID), edits=st.data())
def test_corrupted_messages_never_raise(data: bytes, edits: st.DataObject) -> None:
    buf = bytearray(data)
    for _ in range(edits.draw(st.integers(min_value=1, max_value=4), label="edits")):
        at = edits.draw(st.integers(min_value=0, max_value=len(buf) - 1), label="at")
        buf[at] = edits.draw(st.sampled_from(b'"{}[]:,0-.eE9x \\\xff'), label="byte")
    out = generic.decode(bytes(buf), META)
    assert isinstance(out, Rejection) or (len(out) == 1 and isinstance(out[0], PendingEvent))


@settings(max_examples=100, deadline=None)
@given(data=st.sampled_from(VALID + [b"junk", bet(acceptedOdds="0.5")]))
def test_same_input_twice_gives_equal_output(data: bytes) -> None:
    assert generic.decode(data, META) == generic.decode(bytes(data), META)


@settings(max_examples=300, deadline=None)
@given(
    currency=st.sampled_from(["EUR", "GBP", "JPY", "KWD", "CLP", "BHD"]),
    as_number=st.booleans(),
    data=st.data(),
)
def test_amounts_are_exact(currency: str, as_number: bool, data: st.DataObject) -> None:
    """Minor units -> decimal text (or a JSON number) -> the adapter -> the same minor units,
    up to the 10^15 major-unit bound."""
    top = 10 ** (15 + currency_exponent(currency)) - 1
    minor = data.draw(st.integers(min_value=1, max_value=top), label="minor")
    text = money(minor, currency)
    message = bet(stake={"amount": text, "currency": currency}, potentialPayout=text)
    if as_number:
        message = message.replace(f'"amount":"{text}"'.encode(), f'"amount":{text}'.encode())
    event = one(message).event
    assert isinstance(event, BetPlaced)
    assert (event.stake, event.potential_payout, event.currency) == (minor, minor, currency)


@settings(max_examples=200, deadline=None)
@given(scaled=st.integers(min_value=10_000, max_value=10_000_000_000))
def test_odds_are_exact(scaled: int) -> None:
    text = format(Decimal(scaled).scaleb(-4), "f")
    event = one(bet(acceptedOdds=text)).event
    assert isinstance(event, BetPlaced)
    assert event.accepted_odds == scaled


# --- generated samples ---------------------------------------------------------------------

SEEDS = [0, 1, 2, 7, 42]


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_samples_decode_without_rejections(seed: int) -> None:
    lines = generic_lines(seed, 30)
    events: list[NormalizedEvent] = []
    for i, data in enumerate(lines):
        out = generic.decode(data, RawMeta("t", SourceRef(topic="g", partition=0, offset=i), None))
        assert isinstance(out, list), (out, data)
        events.extend(c.event for c in out)
    assert len(events) == len(lines)
    keys = Counter(e.dedup_key for e in events)
    assert [k for k, n in keys.items() if n > 1] == []  # no accidental conflicts
    times = [e.event_time_ms for e in events]
    assert times == sorted(times)
    placed = {e.bet_id: e for e in events if isinstance(e, BetPlaced)}
    settled = [e for e in events if isinstance(e, BetSettled)]
    assert placed and sorted(placed) == sorted(e.bet_id for e in settled)
    for s in settled:
        b = placed[s.bet_id]
        assert s.currency == b.currency
        if s.outcome == "WIN":
            assert s.payout == b.potential_payout
        elif s.outcome in ("PUSH", "VOID"):
            assert s.payout == b.stake
        elif s.outcome == "LOSE":
            assert s.payout == 0


def test_samples_cover_every_message_type() -> None:
    kinds = {
        msgspec.json.decode(data)["type"] for seed in SEEDS for data in generic_lines(seed, 30)
    }
    assert kinds == generic.MESSAGE_TYPES


def test_samples_are_deterministic() -> None:
    assert generic_lines(5, 10) == generic_lines(5, 10)
    assert generic_lines(5, 10) != generic_lines(6, 10)
    assert generic_lines(5, 0) == []
