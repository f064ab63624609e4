"""The live-casino bridge adapter: every message type, the rejections, the generated samples,
and properties (never raises, deterministic, exact money)."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.adapters import live
from wagerflow.adapters.base import Adapter, PendingEvent, RawMeta
from wagerflow.adapters.rejection import Rejection
from wagerflow.money import currency_exponent
from wagerflow.samples.live import live_lines
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.events import (
    BetDecided,
    BetPlaced,
    BetSelection,
    LimitsUpdated,
    NormalizedEvent,
    ProviderHealth,
    RoundSettled,
    RoundTransaction,
    SessionClosed,
    SettledBet,
    SourceRef,
    ThresholdsUpdated,
)
from wagerflow.schemas.live import LIVE_DECODER

T = 1_768_050_000_000
"""2026-01-10T13:00:00Z"""
SOURCE = SourceRef(topic="raw.live", partition=1, offset=99)
META = RawMeta("tenant-1", SOURCE, None)
ADAPTER: Adapter = live.decode
KEY = "9b2f6c1e-0d4a-4f7e-9c51-2a7d3e8b6f10"


def raw(kind: str, timestamp: object = T, **fields: Any) -> bytes:
    return msgspec.json.encode({"type": kind, "timestamp": timestamp, **fields})


def env(key: str, t: int = T) -> dict[str, Any]:
    return {
        "tenant_id": "tenant-1",
        "provider_id": "live",
        "category": "live",
        "event_time_ms": t,
        "received_time_ms": t,
        "dedup_key": f"live:{key}",
        "source": SOURCE,
    }


def one(data: bytes, meta: RawMeta = META) -> PendingEvent:
    out = live.decode(data, meta)
    assert isinstance(out, list), out
    assert len(out) == 1
    return out[0]


def rejected(data: bytes, reason: Reason) -> str:
    out = live.decode(data, META)
    assert isinstance(out, Rejection), out
    assert out.reason == reason, out
    return out.detail


def money(minor: int, currency: str) -> str:
    return format(Decimal(minor).scaleb(-currency_exponent(currency)), "f")


PLACE: dict[str, Any] = {
    "idempotencyKey": KEY,
    "sessionId": "ls-1",
    "roundId": "rou-1-000001",
    "selection": [{"market": "straight", "value": 17}, {"market": "red", "value": "red"}],
    "stake": {"amount": "5.00", "currency": "EUR"},
    "limitsProfile": "VIP_A",
}
SETTLE: dict[str, Any] = {
    "roundId": "rou-1-000001",
    "bets": [
        {"betId": "b1", "stake": "5.00", "payout": "180.00", "outcome": "WIN"},
        {"betId": "b2", "stake": "2.50", "payout": "0", "outcome": "LOSE"},
        {"betId": "b3", "stake": "1.00", "payout": "1.00", "outcome": "PUSH"},
        {"betId": "b4", "stake": "1.00", "payout": "1.00", "outcome": "VOID"},
        {"betId": "b5", "stake": "1.00", "payout": "0.00", "outcome": "RETRY"},
    ],
    "transactions": [
        {"id": "tx1", "type": "DEBIT", "amount": "10.50"},
        {"id": "tx2", "type": "CREDIT", "amount": "182.00"},
    ],
    "balanceAfter": "1171.50",
    "currency": "EUR",
    "sessionId": "ls-1",
}


def place(**changes: Any) -> bytes:
    return raw("bet.place", **{**PLACE, **changes})


def settle(**changes: Any) -> bytes:
    return raw("round.settle", **{**SETTLE, **changes})


# --- every message type --------------------------------------------------------------------

CASES: list[tuple[str, bytes, str, NormalizedEvent]] = [
    (
        "bet.place",
        place(playerId="p7"),
        f"live:bet:{KEY}",
        BetPlaced(
            **env(f"bet.place:{KEY}"),
            bet_id=KEY,
            idempotency_key=KEY,
            selections=[
                BetSelection(market_id="straight", selection_id="17"),
                BetSelection(market_id="red", selection_id="red"),
            ],
            stake=500,
            currency="EUR",
            player_id="p7",
            session_id="ls-1",
            round_id="rou-1-000001",
            limits_profile="VIP_A",
        ),
    ),
    (
        "bet.accepted",
        raw("bet.accepted", betId="b1", idempotencyKey=KEY, acceptedOdds="1.95"),
        "live:bet:b1",
        BetDecided(
            **env("bet.accepted:b1"), bet_id="b1", decision="ACCEPTED", accepted_odds=19_500
        ),
    ),
    (
        "bet.rejected",
        raw("bet.rejected", idempotencyKey=KEY, reason="LIMIT_EXCEEDED"),
        f"live:bet:{KEY}",
        BetDecided(
            **env(f"bet.rejected:{KEY}"), bet_id=KEY, decision="REJECTED", reason="LIMIT_EXCEEDED"
        ),
    ),
    (
        "round.settle",
        settle(),
        "live:round:rou-1-000001",
        RoundSettled(
            **env("round.settle:rou-1-000001"),
            round_id="rou-1-000001",
            currency="EUR",
            bets=[
                SettledBet(bet_id="b1", stake=500, payout=18_000, outcome="WIN"),
                SettledBet(bet_id="b2", stake=250, payout=0, outcome="LOSE"),
                SettledBet(bet_id="b3", stake=100, payout=100, outcome="PUSH"),
                SettledBet(bet_id="b4", stake=100, payout=100, outcome="VOID"),
                SettledBet(bet_id="b5", stake=100, payout=0, outcome="RETRY"),
            ],
            transactions=[
                RoundTransaction(transaction_id="tx1", direction="DEBIT", amount=1050),
                RoundTransaction(transaction_id="tx2", direction="CREDIT", amount=18_200),
            ],
            balance_after=117_150,
            session_id="ls-1",
        ),
    ),
    (
        "limits.update",
        raw(
            "limits.update",
            profile="VIP_B",
            scope="currency:KWD",
            currency="KWD",
            maxStake="600.000",
            maxPayout="300000",
            maxLiability=3000000.5,
        ),
        "live:limits:VIP_B/currency:KWD",
        LimitsUpdated(
            **env(f"limits.update:VIP_B:currency:KWD:{T}"),
            profile="VIP_B",
            scope="currency:KWD",
            currency="KWD",
            max_stake=600_000,
            max_payout=300_000_000,
            max_liability=3_000_000_500,
        ),
    ),
    (
        "thresholds.update",
        raw(
            "thresholds.update",
            currency="EUR",
            scope="table:rou-1",
            roundLiability="2500.00",
        ),
        "live:thresholds:EUR/table:rou-1",
        ThresholdsUpdated(
            **env(f"thresholds.update:EUR:table:rou-1:{T}"),
            currency="EUR",
            scope="table:rou-1",
            round_liability=250_000,
        ),
    ),
    (
        "session.close",
        raw("session.close", sessionId="ls-1", playerId="p7", reason="timeout"),
        "live:session:ls-1",
        SessionClosed(
            **env("session.close:ls-1"), session_id="ls-1", player_id="p7", reason="timeout"
        ),
    ),
    (
        "provider.error",
        raw("provider.error", code="TABLE_UNAVAILABLE", message="rou-1 closed", producer="evo"),
        "live:producer:evo",
        ProviderHealth(
            **env(f"provider.error:evo:TABLE_UNAVAILABLE:{T}"),
            producer="evo",
            state="ERROR",
            detail="TABLE_UNAVAILABLE: rou-1 closed",
        ),
    ),
]


def test_the_table_covers_every_message_type() -> None:
    assert {name for name, *_ in CASES} == live.MESSAGE_TYPES
    assert set(live.HANDLERS) == {type(LIVE_DECODER.decode(data)) for _, data, *_ in CASES}


@pytest.mark.parametrize(("name", "data", "entity", "event"), CASES, ids=[c[0] for c in CASES])
def test_message_decodes_to_its_event(
    name: str, data: bytes, entity: str, event: NormalizedEvent
) -> None:
    assert one(data) == PendingEvent(entity, event, data, None)


def test_a_placement_with_a_bet_id_is_named_by_it() -> None:
    candidate = one(place(betId="rou-1-000001-b1"))
    event = candidate.event
    assert isinstance(event, BetPlaced)
    assert (event.bet_id, event.idempotency_key) == ("rou-1-000001-b1", KEY)
    assert candidate.entity == "live:bet:rou-1-000001-b1"
    assert event.dedup_key == f"live:bet.place:{KEY}"  # idempotency by the key, whatever the id


def test_a_decision_prefers_the_bet_id() -> None:
    event = one(raw("bet.accepted", betId="b9", idempotencyKey=KEY)).event
    assert isinstance(event, BetDecided)
    assert (event.bet_id, event.accepted_odds, event.reason) == ("b9", None, None)
    event = one(raw("bet.rejected", betId="b9", reason="BETTING_CLOSED")).event
    assert isinstance(event, BetDecided)
    assert (event.bet_id, event.decision, event.reason) == ("b9", "REJECTED", "BETTING_CLOSED")


def test_partial_limits_and_an_anonymous_provider_error() -> None:
    event = one(raw("limits.update", profile="DEFAULT", scope="country:MT")).event
    assert isinstance(event, LimitsUpdated)
    assert (event.currency, event.max_stake, event.max_payout, event.max_liability) == (
        None,
        None,
        None,
        None,
    )
    candidate = one(raw("provider.error", code=503, message="down"))
    assert candidate.entity == "live:producer:live"
    assert candidate.event == ProviderHealth(
        **env(f"provider.error:live:503:{T}"), producer="live", state="ERROR", detail="503: down"
    )


def test_nonce_time_and_lineage() -> None:
    meta = RawMeta("tenant-9", SourceRef(topic="live.jsonl", partition=0, offset=3), T + 120)
    data = raw("session.close", "2026-01-10T14:00:00.5+01:00", sessionId="ls-1", nonce="n-77")
    candidate = one(data, meta)
    event = candidate.event
    assert candidate.nonce == "n-77"
    assert (event.event_time_ms, event.received_time_ms) == (T + 500, T + 120)
    assert (event.tenant_id, event.source) == ("tenant-9", meta.source)


def test_unknown_fields_are_tolerated() -> None:
    data = raw("session.close", sessionId="ls-1", signature="abc", meta={"a": [1, {"b": None}]})
    assert isinstance(one(data).event, SessionClosed)


def test_an_empty_settle_is_accepted() -> None:
    event = one(settle(bets=[], transactions=[], balanceAfter="0.00")).event
    assert isinstance(event, RoundSettled)
    assert (event.bets, event.transactions, event.balance_after) == ([], [], 0)


# --- rejections ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{",
        b"null,",
        b'{"type": "bet.place", "timestamp": 1',
        b'{"type": "session.close", "timestamp": 1, "sessionId": "\xc3\x28"}',
        b'{"type": "x.y", "timestamp": 1, "sessionId": "s"} {}',
    ],
)
def test_not_json_is_invalid_json(data: bytes) -> None:
    rejected(data, Reason.MALFORMED)


@pytest.mark.parametrize(
    "kind", ["bet.settle", "round.start", "BetPlaced", "bet_place", "session.open", ""]
)
def test_unknown_types_are_unsupported(kind: str) -> None:
    assert repr(kind) in rejected(raw(kind, sessionId="s"), Reason.UNSUPPORTED_MESSAGE)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b'{"timestamp": 1, "sessionId": "s"}', "type"),
        (b'{"type": null, "timestamp": 1}', "$.type"),
        (b"[]", "object"),
        (raw("session.close"), "sessionId"),
        (raw("session.close", 17.5, sessionId="s"), "$.timestamp"),
        (raw("session.close", "2026-01-10 13:00", sessionId="s"), "no zone"),
        (place(idempotencyKey=None), "idempotencyKey"),
        (place(idempotencyKey=""), "idempotencyKey"),
        (place(selection=[]), "$.selection"),
        (place(selection=[{"market": "red"}]), "value"),
        (place(selection=[{"market": "red", "value": True}]), "value"),
        (place(selection=[{"market": "red", "value": 1.5}]), "value"),
        (place(selection=[{"market": "straight", "value": 10**40}]), "value"),
        (place(selection={"market": "red", "value": "red"}), "$.selection"),
        (place(stake="5.00"), "$.stake"),
        (place(stake={"amount": "5.00", "currency": "Euro"}), "currency"),
        (place(limitsProfile=None), "limitsProfile"),
        (raw("bet.accepted", acceptedOdds="2"), "betId or idempotencyKey"),
        (raw("bet.rejected", reason="x"), "betId or idempotencyKey"),
        (raw("bet.rejected", betId="b1"), "reason"),
        (settle(bets=[{"betId": "b1", "stake": "1", "payout": "0", "outcome": "HALF_WIN"}]), "out"),
        (settle(bets=[{"betId": "b1", "stake": "1", "outcome": "WIN"}]), "payout"),
        (settle(transactions=[{"id": "t", "type": "REFUND", "amount": "1"}]), "type"),
        (settle(transactions=[{"id": "t", "type": "DEBIT"}]), "amount"),
        (settle(balanceAfter=None), "balanceAfter"),
        (settle(currency=None), "currency"),
        (
            settle(
                bets=[
                    {"betId": "b1", "stake": "1", "payout": "0", "outcome": "LOSE"},
                    {"betId": "b1", "stake": "1", "payout": "2", "outcome": "WIN"},
                ]
            ),
            "listed twice",
        ),
        (
            settle(
                transactions=[
                    {"id": "t", "type": "DEBIT", "amount": "1"},
                    {"id": "t", "type": "CREDIT", "amount": "1"},
                ]
            ),
            "listed twice",
        ),
        (raw("limits.update", profile="DEFAULT", scope="global", maxStake="5"), "currency"),
        (raw("limits.update", profile="DEFAULT", maxStake="5", currency="EUR"), "scope"),
        (raw("provider.error", code=1.5, message="x"), "code"),
        (raw("provider.error", code="E1"), "message"),
    ],
)
def test_schema_mismatches(data: bytes, fragment: str) -> None:
    assert fragment in rejected(data, Reason.SCHEMA_MISMATCH)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (place(stake={"amount": "5.005", "currency": "EUR"}), "stake.amount"),
        (place(stake={"amount": "-1", "currency": "EUR"}), "stake.amount"),
        (place(stake={"amount": "0", "currency": "EUR"}), "positive"),
        (place(stake={"amount": "Infinity", "currency": "EUR"}), "stake.amount"),
        (place(stake={"amount": "99999999999999999", "currency": "USD"}), "out of range"),
        (raw("bet.accepted", betId="b1", acceptedOdds="0.5"), "acceptedOdds"),
        (
            settle(bets=[{"betId": "b1", "stake": "1", "payout": "0.01", "outcome": "LOSE"}]),
            "bets[0].payout",
        ),
        (
            settle(bets=[{"betId": "b1", "stake": "1.001", "payout": "0", "outcome": "LOSE"}]),
            "bets[0].stake",
        ),
        (
            settle(transactions=[{"id": "t", "type": "DEBIT", "amount": "-0.01"}]),
            "transactions[0].amount",
        ),
        (settle(balanceAfter="-3.00"), "balanceAfter"),
        (settle(currency="JPY"), "JPY"),  # "180.00" JPY is fine, "2.50" JPY is not
        (raw("limits.update", profile="P", scope="s", currency="EUR", maxPayout="1.234"), "maxPay"),
        (raw("limits.update", profile="P", scope="s", currency="EUR", maxLiability="NaN"), "maxLi"),
        (raw("session.close", -10, sessionId="s"), "1970..9999"),
    ],
)
def test_invalid_values(data: bytes, fragment: str) -> None:
    assert fragment in rejected(data, Reason.INVALID_VALUE)


# --- properties ----------------------------------------------------------------------------

VALID = [data for _, data, *_ in CASES]


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_are_rejected_and_never_raise(data: bytes) -> None:
    assert isinstance(live.decode(data, META), Rejection)


@settings(max_examples=300, deadline=None)
@given(data=st.sampled_from(VALID + live_lines(3, 4)), cut=st.data())
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
    out = live.decode(bytes(buf), META)
    assert isinstance(out, Rejection) or (len(out) == 1 and isinstance(out[0], PendingEvent))


@settings(max_examples=100, deadline=None)
@given(data=st.sampled_from(VALID + [b"{}", settle(balanceAfter="-1")]))
def test_same_input_twice_gives_equal_output(data: bytes) -> None:
    assert live.decode(data, META) == live.decode(bytes(data), META)


@settings(max_examples=300, deadline=None)
@given(
    currency=st.sampled_from(["EUR", "USD", "JPY", "KWD", "ISK", "TND"]),
    data=st.data(),
)
def test_settle_amounts_are_exact(currency: str, data: st.DataObject) -> None:
    """Minor units -> decimal text -> the adapter -> the same minor units, for every amount of a
    settle (stakes, payouts, transactions, balance)."""
    top = 10 ** (15 + currency_exponent(currency)) - 1
    amounts = st.integers(min_value=0, max_value=top)
    stakes = data.draw(st.lists(amounts, min_size=1, max_size=4), label="stakes")
    balance = data.draw(amounts, label="balance")
    bets = [
        {"betId": f"b{i}", "stake": money(s, currency), "payout": money(s, currency)}
        | {"outcome": "PUSH"}
        for i, s in enumerate(stakes)
    ]
    transactions = [
        {"id": f"t{i}", "type": "DEBIT", "amount": money(s, currency)} for i, s in enumerate(stakes)
    ]
    message = settle(
        bets=bets,
        transactions=transactions,
        balanceAfter=money(balance, currency),
        currency=currency,
    )
    event = one(message).event
    assert isinstance(event, RoundSettled)
    assert [b.stake for b in event.bets] == [b.payout for b in event.bets] == stakes
    assert [t.amount for t in event.transactions] == stakes
    assert event.balance_after == balance


# --- generated samples ---------------------------------------------------------------------

SEEDS = [0, 1, 2, 7, 42]


def sample_events(seed: int, rounds: int) -> list[NormalizedEvent]:
    events: list[NormalizedEvent] = []
    for i, data in enumerate(live_lines(seed, rounds)):
        out = live.decode(data, RawMeta("t", SourceRef(topic="l", partition=0, offset=i), None))
        assert isinstance(out, list), (out, data)
        events.extend(c.event for c in out)
    return events


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_samples_decode_without_rejections(seed: int) -> None:
    events = sample_events(seed, 80)
    assert len(events) == len(live_lines(seed, 80))
    keys = Counter(e.dedup_key for e in events)
    assert [k for k, n in keys.items() if n > 1] == []  # no accidental conflicts
    times = [e.event_time_ms for e in events]
    assert times == sorted(times)


@pytest.mark.parametrize("seed", SEEDS)
def test_samples_are_consistent(seed: int) -> None:
    """Decisions name placed bets, settles name accepted bets, and every session's balance
    moves by its settles' transactions (an oracle independent of the generator)."""
    events = sample_events(seed, 80)
    placed = {e.bet_id: e for e in events if isinstance(e, BetPlaced)}
    decided = {e.bet_id: e.decision for e in events if isinstance(e, BetDecided)}
    assert decided.keys() == placed.keys()
    settles = [e for e in events if isinstance(e, RoundSettled)]
    settled = [b.bet_id for s in settles for b in s.bets]
    assert sorted(settled) == sorted(b for b, d in decided.items() if d == "ACCEPTED")
    balances: dict[str | None, list[RoundSettled]] = defaultdict(list)
    for s in settles:
        balances[s.session_id].append(s)
        assert all(placed[b.bet_id].round_id == s.round_id for b in s.bets)
        assert all(placed[b.bet_id].currency == s.currency for b in s.bets)
        debits = sum(t.amount for t in s.transactions if t.direction == "DEBIT")
        credits = sum(t.amount for t in s.transactions if t.direction == "CREDIT")
        assert debits == sum(b.stake for b in s.bets)
        assert credits == sum(b.payout for b in s.bets)
    for history in balances.values():
        for before, after in zip(history, history[1:], strict=False):
            debits = sum(t.amount for t in after.transactions if t.direction == "DEBIT")
            credits = sum(t.amount for t in after.transactions if t.direction == "CREDIT")
            assert before.balance_after is not None and after.balance_after is not None
            assert after.balance_after == before.balance_after - debits + credits
    closed = {e.session_id for e in events if isinstance(e, SessionClosed)}
    assert {p.session_id for p in placed.values()} <= closed


def test_samples_cover_every_message_type() -> None:
    kinds = {msgspec.json.decode(data)["type"] for seed in SEEDS for data in live_lines(seed, 80)}
    assert kinds == live.MESSAGE_TYPES


def test_samples_are_deterministic() -> None:
    assert live_lines(5, 20) == live_lines(5, 20)
    assert live_lines(5, 20) != live_lines(6, 20)
