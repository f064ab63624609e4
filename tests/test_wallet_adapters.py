"""The seamless-wallet adapters (Hub88, Evolution, Pragmatic Play) over hand-made callbacks and
generated streams."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.adapters import evolution, hub88, pragmatic
from wagerflow.adapters.base import Adapter, PendingEvent, RawMeta
from wagerflow.adapters.pragmatic import parse_form, pragmatic_hash, verify_pragmatic_hash
from wagerflow.adapters.rejection import Rejection
from wagerflow.samples.evolution import evolution_lines
from wagerflow.samples.hub88 import hub88_lines
from wagerflow.samples.pragmatic import pragmatic_lines
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.events import SourceRef, WalletTransaction
from wagerflow.schemas.wallet import frame_request, split_request

SOURCE = SourceRef(topic="raw.wallet", partition=3, offset=17)
RECEIVED = 1_768_000_000_000
META = RawMeta("tenant-a", SOURCE, RECEIVED)
FILE_META = RawMeta("tenant-a", SOURCE, None)
SECRET = "testKey"
ADAPTERS: dict[str, Adapter] = {
    "hub88": hub88.decode,
    "evolution": evolution.decode,
    "pragmatic": pragmatic.decode,
}
CATEGORIES = {"hub88": "slot", "evolution": "live", "pragmatic": "slot"}
SAMPLES: dict[str, Callable[[int, int], list[bytes]]] = {
    "hub88": hub88_lines,
    "evolution": evolution_lines,
    "pragmatic": pragmatic_lines,
}
SEEDS = (0, 1, 2, 7, 42, 2026)


def candidates(decode: Adapter, raw: bytes, meta: RawMeta = META) -> list[PendingEvent]:
    result = decode(raw, meta)
    assert not isinstance(result, Rejection), result
    for cand in result:
        event = cand.event
        assert isinstance(event, WalletTransaction)
        assert (event.tenant_id, event.source) == (meta.tenant_id, meta.source)
        assert event.category == CATEGORIES[event.provider_id]
        assert cand.raw == raw
        assert cand.nonce is None
        assert event.amount >= 0
    return result


def events(decode: Adapter, raw: bytes, meta: RawMeta = META) -> list[WalletTransaction]:
    return [
        c.event for c in candidates(decode, raw, meta) if isinstance(c.event, WalletTransaction)
    ]


def one(decode: Adapter, raw: bytes, meta: RawMeta = META) -> tuple[str, WalletTransaction]:
    [cand] = candidates(decode, raw, meta)
    assert isinstance(cand.event, WalletTransaction)
    return cand.entity, cand.event


def rejected(decode: Adapter, raw: bytes) -> Rejection:
    result = decode(raw, META)
    assert isinstance(result, Rejection), result
    return result


def fields_of(event: WalletTransaction) -> dict[str, Any]:
    names = (
        "provider_id", "dedup_key", "transaction_id", "kind", "direction", "amount", "currency",
        "reference_id", "round_id", "player_id", "session_id", "game_id", "table_id",
        "round_closed", "is_free",
    )  # fmt: skip
    return {name: getattr(event, name) for name in names}


def expect(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "reference_id": None,
        "round_id": None,
        "player_id": None,
        "session_id": None,
        "game_id": None,
        "table_id": None,
        "round_closed": False,
        "is_free": False,
    }
    return base | overrides


# --- Hub88 ------------------------------------------------------------------------------------


def h88(path: str, **body: Any) -> bytes:
    return frame_request(path, json.dumps(body).encode())


H88_COMMON = {"user": "john12345", "token": "tok-1", "game_code": "clt_dragonrising"}

HUB88_CASES = [
    pytest.param(
        h88(
            "/transaction/bet",
            **H88_COMMON,
            transaction_uuid="tx-bet",
            supplier_transaction_id="s-1",
            round="r-1",
            round_closed=False,
            request_uuid="req-1",
            is_free=False,
            bet="spin",
            amount=150_000,
            currency="EUR",
            meta={"anything": [1, 2]},
        ),
        "hub88:round:r-1",
        expect(
            provider_id="hub88", dedup_key="hub88:tx-bet", transaction_id="tx-bet", kind="BET",
            direction="DEBIT", amount=150, currency="EUR", round_id="r-1",
            player_id="john12345", session_id="tok-1", game_id="clt_dragonrising",
        ),
        id="bet",
    ),
    pytest.param(
        h88(
            "/transaction/win",
            **H88_COMMON,
            transaction_uuid="tx-win",
            reference_transaction_uuid="tx-bet",
            round="r-1",
            round_closed=True,
            request_uuid="req-2",
            is_free=True,
            amount=2_550_000,
            currency="USD",
        ),
        "hub88:round:r-1",
        expect(
            provider_id="hub88", dedup_key="hub88:tx-win", transaction_id="tx-win", kind="WIN",
            direction="CREDIT", amount=2550, currency="USD", reference_id="tx-bet",
            round_id="r-1", player_id="john12345", session_id="tok-1",
            game_id="clt_dragonrising", round_closed=True, is_free=True,
        ),
        id="win",
    ),
    pytest.param(
        h88(
            "/transaction/rollback",
            **H88_COMMON,
            transaction_uuid="tx-rb",
            reference_transaction_uuid="tx-bet",
            round="r-1",
            round_closed=True,
            request_uuid="req-3",
        ),
        "hub88:round:r-1",
        expect(
            provider_id="hub88", dedup_key="hub88:tx-rb", transaction_id="tx-rb",
            kind="ROLLBACK", direction="NONE", amount=0, currency="XXX", reference_id="tx-bet",
            round_id="r-1", player_id="john12345", session_id="tok-1",
            game_id="clt_dragonrising", round_closed=True,
        ),
        id="rollback-without-amount",
    ),
    pytest.param(
        h88(
            "/transaction/rollback",
            user="u2",
            transaction_uuid="tx-rb2",
            reference_transaction_uuid="tx-win",
            amount=100_000,
            currency="GBP",
        ),
        "hub88:ref:tx-win",
        expect(
            provider_id="hub88", dedup_key="hub88:tx-rb2", transaction_id="tx-rb2",
            kind="ROLLBACK", direction="NONE", amount=100, currency="GBP", reference_id="tx-win",
            player_id="u2",
        ),
        id="rollback-with-amount-no-round",
    ),
    pytest.param(
        h88("/transaction/bet", user="u3", transaction_uuid="t-jpy", amount=2_000_000,
            currency="JPY"),
        "hub88:ref:t-jpy",
        expect(
            provider_id="hub88", dedup_key="hub88:t-jpy", transaction_id="t-jpy", kind="BET",
            direction="DEBIT", amount=20, currency="JPY", player_id="u3",
        ),
        id="bet-jpy-no-round",
    ),
    pytest.param(
        h88("/transaction/win", user="u3", transaction_uuid="t-kwd", reference_transaction_uuid="b",
            amount=1_234_500, currency="KWD", round_closed=None, is_free=None),
        "hub88:ref:b",
        expect(
            provider_id="hub88", dedup_key="hub88:t-kwd", transaction_id="t-kwd", kind="WIN",
            direction="CREDIT", amount=12_345, currency="KWD", reference_id="b", player_id="u3",
        ),
        id="win-kwd-three-digits",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "entity", "expected"), HUB88_CASES)
def test_hub88_callbacks(raw: bytes, entity: str, expected: dict[str, Any]) -> None:
    got_entity, event = one(hub88.decode, raw)
    assert got_entity == entity
    assert fields_of(event) == expected
    assert (event.event_time_ms, event.received_time_ms) == (RECEIVED, RECEIVED)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(123_456, "EUR"), (1, "USD"), (150_000, "JPY"), (1_234_560, "KWD"), (-100_000, "EUR")],
)
def test_hub88_amount_that_is_not_whole_minor_units_is_invalid(amount: int, currency: str) -> None:
    raw = h88("/transaction/bet", user="u", transaction_uuid="t", amount=amount, currency=currency)
    assert rejected(hub88.decode, raw).reason == Reason.INVALID_VALUE


def test_hub88_absurd_amount_is_invalid() -> None:
    raw = h88("/transaction/bet", user="u", transaction_uuid="t", amount=10**20, currency="EUR")
    assert rejected(hub88.decode, raw).reason == Reason.INVALID_VALUE


@pytest.mark.parametrize(
    "raw",
    [
        h88("/transaction/bet", user="u", transaction_uuid="t", amount=1.5, currency="EUR"),
        h88("/transaction/bet", user="u", transaction_uuid="t", amount="150000", currency="EUR"),
        h88("/transaction/bet", user="u", transaction_uuid="t", currency="EUR"),
        h88("/transaction/bet", user="u", transaction_uuid="", amount=1, currency="EUR"),
        h88("/transaction/win", user="u", transaction_uuid="t", amount=100_000, currency="EUR"),
        h88("/transaction/rollback", user="u", transaction_uuid="t"),
        h88("/transaction/rollback", user="u", transaction_uuid="t", reference_transaction_uuid="b",
            amount=100_000),
        b"/transaction/bet []",
        b"/transaction/bet 42",
    ],
)  # fmt: skip
def test_hub88_schema_mismatch(raw: bytes) -> None:
    assert rejected(hub88.decode, raw).reason == Reason.SCHEMA_MISMATCH


# --- Evolution --------------------------------------------------------------------------------


def evo(path: str, kind_id: str, amount: str, *, details: bool = True, **extra: Any) -> bytes:
    game: dict[str, Any] = {"id": "17a5e4c8f0b2", "type": "blackjack"}
    if details:
        game["details"] = {"table": {"id": "leqhceumaq6qfoug", "vid": None}}
    body = (
        f'{{"sid":"sid-9","userId":"eu-7","currency":"EUR","game":{json.dumps(game)},'
        f'"transaction":{{"id":"{kind_id}","refId":"ref-1","amount":{amount}}},"uuid":"q-1"'
        + "".join(f',"{k}":{json.dumps(v)}' for k, v in extra.items())
        + "}"
    )
    return frame_request(path, body.encode())


EVO_BASE = expect(
    provider_id="evolution", currency="EUR", reference_id="ref-1", round_id="17a5e4c8f0b2",
    player_id="eu-7", session_id="sid-9", game_id="blackjack", table_id="leqhceumaq6qfoug",
)  # fmt: skip

EVOLUTION_CASES = [
    pytest.param(
        evo("/debit", "D1", "5.00", channel={"type": "P"}),
        EVO_BASE | {"dedup_key": "evolution:debit:D1", "transaction_id": "D1", "kind": "BET",
                    "direction": "DEBIT", "amount": 500},
        id="debit",
    ),
    pytest.param(
        evo("/credit", "C1", "12.5"),
        EVO_BASE | {"dedup_key": "evolution:credit:C1", "transaction_id": "C1", "kind": "WIN",
                    "direction": "CREDIT", "amount": 1250},
        id="credit",
    ),
    pytest.param(
        evo("/credit", "C2", "0"),
        EVO_BASE | {"dedup_key": "evolution:credit:C2", "transaction_id": "C2", "kind": "WIN",
                    "direction": "CREDIT", "amount": 0},
        id="credit-zero-lost-bet",
    ),
    pytest.param(
        evo("/cancel", "D1", "5.00"),
        EVO_BASE | {"dedup_key": "evolution:cancel:D1", "transaction_id": "D1",
                    "kind": "ROLLBACK", "direction": "NONE", "amount": 500},
        id="cancel",
    ),
    pytest.param(
        evo("/debit", "D3", "1e1", details=False),
        EVO_BASE | {"dedup_key": "evolution:debit:D3", "transaction_id": "D3", "kind": "BET",
                    "direction": "DEBIT", "amount": 1000, "table_id": None},
        id="debit-no-table-exponent-amount",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "expected"), EVOLUTION_CASES)
def test_evolution_callbacks(raw: bytes, expected: dict[str, Any]) -> None:
    entity, event = one(evolution.decode, raw)
    assert entity == "evolution:round:17a5e4c8f0b2"
    assert fields_of(event) == expected
    assert (event.event_time_ms, event.received_time_ms) == (RECEIVED, RECEIVED)


def test_evolution_pairs_debit_credit_and_cancel_by_ref_id() -> None:
    calls = [("/debit", "D1"), ("/credit", "C1"), ("/cancel", "D1")]
    decoded = [one(evolution.decode, evo(path, tx_id, "5"))[1] for path, tx_id in calls]
    assert {e.reference_id for e in decoded} == {"ref-1"}
    assert len({e.dedup_key for e in decoded}) == 3


@pytest.mark.parametrize("amount", ["5.001", "-5.00", "1e20", '"NaN"', '"Infinity"'])
def test_evolution_amount_out_of_domain_is_invalid(amount: str) -> None:
    assert rejected(evolution.decode, evo("/debit", "D1", amount)).reason == Reason.INVALID_VALUE


@pytest.mark.parametrize(
    "raw",
    [
        evo("/debit", "D1", '"five"'),
        evo("/debit", "", "5"),
        b'/debit {"sid":"s","userId":"u","currency":"EUR",'
        b'"transaction":{"id":"1","refId":"1","amount":1}}',
        b'/credit {"sid":"s","userId":"u","currency":"EUR","game":{"id":"g"},'
        b'"transaction":{"id":"1","amount":1}}',
        b"/cancel null",
    ],
)
def test_evolution_schema_mismatch(raw: bytes) -> None:
    assert rejected(evolution.decode, raw).reason == Reason.SCHEMA_MISMATCH


# --- Pragmatic --------------------------------------------------------------------------------


def pp(path: str, **fields: str) -> bytes:
    signed = {**fields, "hash": pragmatic_hash(fields, SECRET)}
    return frame_request(path, urlencode(signed).encode())


PP_ROUND = {"userId": "421", "gameId": "vs20doghouse", "roundId": "5103188801"}
PP_BASE = expect(provider_id="pragmatic", currency="EUR", player_id="421")
PP_IN_ROUND = PP_BASE | {"round_id": "5103188801", "game_id": "vs20doghouse"}

PRAGMATIC_CASES = [
    pytest.param(
        pp("/bet.html", **PP_ROUND, providerId="PragmaticPlay", amount="2.50", reference="b1",
           timestamp="1768050000123", roundDetails="spin", platform="WEB", token="tk"),
        "pragmatic:round:5103188801",
        PP_IN_ROUND | {"dedup_key": "pragmatic:bet:b1", "transaction_id": "b1", "kind": "BET",
                       "direction": "DEBIT", "amount": 250, "session_id": "tk"},
        id="bet",
    ),
    pytest.param(
        pp("/bet.html", **PP_ROUND, amount="0", reference="b2", timestamp="1", bonusCode="FRB-1"),
        "pragmatic:round:5103188801",
        PP_IN_ROUND | {"dedup_key": "pragmatic:bet:b2", "transaction_id": "b2", "kind": "BET",
                       "direction": "DEBIT", "amount": 0, "is_free": True},
        id="bet-free-round",
    ),
    pytest.param(
        pp("/result.html", **PP_ROUND, amount="10", reference="w1", timestamp="2",
           currency="USD", bonusCode=""),
        "pragmatic:round:5103188801",
        PP_IN_ROUND | {"dedup_key": "pragmatic:result:w1", "transaction_id": "w1", "kind": "WIN",
                       "direction": "CREDIT", "amount": 1000, "currency": "USD"},
        id="result-with-currency",
    ),
    pytest.param(
        pp("/refund.html", **PP_ROUND, amount="2.50", reference="b1", timestamp="3"),
        "pragmatic:round:5103188801",
        PP_IN_ROUND | {"dedup_key": "pragmatic:refund:b1", "transaction_id": "b1",
                       "kind": "REFUND", "direction": "CREDIT", "amount": 250,
                       "reference_id": "b1"},
        id="refund",
    ),
    pytest.param(
        pp("/refund.html", userId="421", reference="b9"),
        "pragmatic:ref:b9",
        PP_BASE | {"dedup_key": "pragmatic:refund:b9", "transaction_id": "b9", "kind": "REFUND",
                   "direction": "CREDIT", "amount": 0, "reference_id": "b9"},
        id="refund-without-amount-or-round",
    ),
    pytest.param(
        pp("/bonusWin.html", userId="421", amount="7.40", reference="bw1", bonusCode="FRB-1",
           timestamp="4"),
        "pragmatic:ref:bw1",
        PP_BASE | {"dedup_key": "pragmatic:bonusWin:bw1", "transaction_id": "bw1",
                   "kind": "BONUS_WIN", "direction": "CREDIT", "amount": 740, "is_free": True},
        id="bonusWin",
    ),
    pytest.param(
        pp("/jackpotWin.html", **PP_ROUND, amount="1000.00", reference="j1", jackpotId="3",
           jackpotDetails='{"progressive":1}', timestamp="5"),
        "pragmatic:round:5103188801",
        PP_IN_ROUND | {"dedup_key": "pragmatic:jackpotWin:j1", "transaction_id": "j1",
                       "kind": "JACKPOT_WIN", "direction": "CREDIT", "amount": 100_000},
        id="jackpotWin",
    ),
    pytest.param(
        pp("/promoWin.html", userId="421", amount="25", reference="p1", campaignId="77",
           campaignType="T", currency="GBP", timestamp="6"),
        "pragmatic:ref:p1",
        PP_BASE | {"dedup_key": "pragmatic:promoWin:p1", "transaction_id": "p1",
                   "kind": "PROMO_WIN", "direction": "CREDIT", "amount": 2500, "currency": "GBP"},
        id="promoWin",
    ),
    pytest.param(
        pp("/endRound.html", **PP_ROUND, roundDetails="spin", platform="MOBILE"),
        "pragmatic:round:5103188801",
        PP_IN_ROUND | {"dedup_key": "pragmatic:endRound:5103188801",
                       "transaction_id": "5103188801", "kind": "END_ROUND", "direction": "NONE",
                       "amount": 0, "round_closed": True},
        id="endRound",
    ),
    pytest.param(
        pp("/adjustment.html", **PP_ROUND, amount="-1.50", reference="a1", timestamp="7",
           validBetAmount="2.00"),
        "pragmatic:round:5103188801",
        PP_IN_ROUND | {"dedup_key": "pragmatic:adjustment:a1", "transaction_id": "a1",
                       "kind": "ADJUSTMENT", "direction": "DEBIT", "amount": 150},
        id="adjustment-negative",
    ),
    pytest.param(
        pp("/adjustment.html", **PP_ROUND, amount="2", reference="a2"),
        "pragmatic:round:5103188801",
        PP_IN_ROUND | {"dedup_key": "pragmatic:adjustment:a2", "transaction_id": "a2",
                       "kind": "ADJUSTMENT", "direction": "CREDIT", "amount": 200},
        id="adjustment-positive",
    ),
    pytest.param(
        pp("/adjustment.html", **PP_ROUND, amount="-0.00", reference="a3"),
        "pragmatic:round:5103188801",
        PP_IN_ROUND | {"dedup_key": "pragmatic:adjustment:a3", "transaction_id": "a3",
                       "kind": "ADJUSTMENT", "direction": "NONE", "amount": 0},
        id="adjustment-zero",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "entity", "expected"), PRAGMATIC_CASES)
def test_pragmatic_callbacks(raw: bytes, entity: str, expected: dict[str, Any]) -> None:
    got_entity, event = one(pragmatic.decode, raw)
    assert got_entity == entity
    assert fields_of(event) == expected


def test_pragmatic_event_time_is_the_timestamp_when_sent() -> None:
    stamped = pp("/bet.html", **PP_ROUND, amount="1", reference="b", timestamp="1768050000123")
    _, event = one(pragmatic.decode, stamped)
    assert (event.event_time_ms, event.received_time_ms) == (1_768_050_000_123, RECEIVED)
    _, event = one(pragmatic.decode, stamped, FILE_META)
    assert (event.event_time_ms, event.received_time_ms) == (1_768_050_000_123,) * 2
    unstamped = pp("/endRound.html", **PP_ROUND)
    _, event = one(pragmatic.decode, unstamped)
    assert (event.event_time_ms, event.received_time_ms) == (RECEIVED, RECEIVED)
    _, event = one(pragmatic.decode, unstamped, FILE_META)
    assert (event.event_time_ms, event.received_time_ms) == (0, 0)


def test_pragmatic_result_with_a_prize_drop_is_two_credits() -> None:
    raw = pp("/result.html", **PP_ROUND, amount="1.20", reference="w1", promoWinAmount="5.00",
             promoWinReference="pd-1", promoCampaignID="12", promoCampaignType="R")  # fmt: skip
    first, second = candidates(pragmatic.decode, raw)
    assert first.entity == second.entity == "pragmatic:round:5103188801"
    win, promo = events(pragmatic.decode, raw)
    assert (win.kind, win.amount, win.dedup_key) == ("WIN", 120, "pragmatic:result:w1")
    assert fields_of(promo) == PP_IN_ROUND | {
        "dedup_key": "pragmatic:promoWin:pd-1", "transaction_id": "pd-1", "kind": "PROMO_WIN",
        "direction": "CREDIT", "amount": 500, "reference_id": "w1",
    }  # fmt: skip
    zero = pp("/result.html", **PP_ROUND, amount="1", reference="w2", promoWinAmount="0.00")
    assert [e.kind for e in events(pragmatic.decode, zero)] == ["WIN"]


@pytest.mark.parametrize(
    "raw",
    [
        pp("/bet.html", **PP_ROUND, amount="1e3", reference="b"),
        pp("/bet.html", **PP_ROUND, amount="ten", reference="b"),
        pp("/bet.html", **PP_ROUND, amount=" 1", reference="b"),
        pp("/bet.html", **PP_ROUND, amount="1_000", reference="b"),
        pp("/bet.html", **PP_ROUND, amount="1", reference="b", timestamp="12x"),
        pp("/bet.html", **PP_ROUND, amount="1", reference="b", timestamp="-5"),
        pp("/bet.html", **PP_ROUND, amount="1"),
        pp("/bet.html", **PP_ROUND, amount="1", reference=""),
        pp("/bet.html", userId="421", amount="1", reference="b"),
        pp("/endRound.html", userId="421", gameId="g"),
        pp("/result.html", **PP_ROUND, amount="1", reference="w", promoWinAmount="5"),
        b"/bet.html userId=1&gameId=g&roundId=r&amount=1&reference=b&amount=100",
    ],
)
def test_pragmatic_schema_mismatch(raw: bytes) -> None:
    assert rejected(pragmatic.decode, raw).reason == Reason.SCHEMA_MISMATCH


@pytest.mark.parametrize(
    "raw",
    [
        pp("/bet.html", **PP_ROUND, amount="-1.00", reference="b"),
        pp("/bet.html", **PP_ROUND, amount="0.001", reference="b"),
        pp("/bet.html", **PP_ROUND, amount="1.5", reference="b", currency="JPY"),
        pp("/result.html", **PP_ROUND, amount="999999999999999999", reference="w"),
        pp("/result.html", **PP_ROUND, amount="1", reference="w", promoWinAmount="0.005",
           promoWinReference="pd"),
    ],
)  # fmt: skip
def test_pragmatic_amount_out_of_domain_is_invalid(raw: bytes) -> None:
    assert rejected(pragmatic.decode, raw).reason == Reason.INVALID_VALUE


@pytest.mark.parametrize(
    "raw",
    [b"/bet.html amount", b"/bet.html a=1&&b=2", b"/bet.html userId=%ff", b"/bet.html \xff=1"],
)
def test_pragmatic_malformed_form_is_rejected(raw: bytes) -> None:
    assert rejected(pragmatic.decode, raw).reason == Reason.MALFORMED


# --- the pragmatic hash -----------------------------------------------------------------------

HASH_EXAMPLE = {
    "userId": "421",
    "gameId": "vs20doghouse",
    "roundId": "5103188801",
    "amount": "10.50",
    "reference": "585c1306f89c56f5ecfc2f5d",
    "providerId": "PragmaticPlay",
    "timestamp": "1482429190374",
}


def test_pragmatic_hash_matches_a_hand_computed_example() -> None:
    signed_text = (
        "amount=10.50&gameId=vs20doghouse&providerId=PragmaticPlay"
        "&reference=585c1306f89c56f5ecfc2f5d&roundId=5103188801&timestamp=1482429190374"
        "&userId=421" + "testKey"
    )
    expected = "19044a30dd1c0287e6b79117815d5e37"
    assert hashlib.md5(signed_text.encode()).hexdigest() == expected
    assert pragmatic_hash(HASH_EXAMPLE, "testKey") == expected
    assert pragmatic_hash({**HASH_EXAMPLE, "hash": "whatever"}, "testKey") == expected


def test_pragmatic_hash_verification_detects_tampering() -> None:
    signed = {**HASH_EXAMPLE, "hash": pragmatic_hash(HASH_EXAMPLE, SECRET)}
    assert verify_pragmatic_hash(signed, SECRET)
    assert verify_pragmatic_hash({**signed, "hash": signed["hash"].upper()}, SECRET)
    assert not verify_pragmatic_hash({**signed, "amount": "100.50"}, SECRET)
    assert not verify_pragmatic_hash({**signed, "bonusCode": "x"}, SECRET)
    assert not verify_pragmatic_hash({k: v for k, v in signed.items() if k != "userId"}, SECRET)
    assert not verify_pragmatic_hash(signed, "otherKey")
    assert not verify_pragmatic_hash(HASH_EXAMPLE, SECRET)
    assert not verify_pragmatic_hash({**signed, "hash": ""}, SECRET)
    assert not verify_pragmatic_hash({**signed, "hash": "é" * 32}, SECRET)
    assert not verify_pragmatic_hash({**signed, "hash": "\ud800"}, SECRET)


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=6), st.text(max_size=8))
def test_pragmatic_hash_verification_never_raises(fields: dict[str, str], secret: str) -> None:
    assert isinstance(verify_pragmatic_hash(fields, secret), bool)
    signed = {**fields, "hash": pragmatic_hash(fields, secret)}
    assert verify_pragmatic_hash(signed, secret)


def test_generated_pragmatic_callbacks_pass_the_ingress_signature_check() -> None:
    from wagerflow.pipeline.signing import Signing

    signing = Signing({"pragmatic": SECRET.encode()})
    for line in pragmatic_lines(3, 20, secret=SECRET):
        assert signing.verify("pragmatic", line, None, None) is None
        assert signing.verify("pragmatic", line.replace(b"userId=", b"userId=9"), None, None)


# --- all three: framing, paths, malformed bytes -----------------------------------------------


def test_framing_round_trips_and_ignores_a_query() -> None:
    assert split_request(frame_request("/debit", b'{"a": 1}')) == ("/debit", b'{"a": 1}')
    assert split_request(b"/debit?authToken=x {}") == ("/debit", b"{}")
    assert split_request(b"/debit") is None
    assert split_request(b'{"sid":1} x') is None
    assert split_request("/débit {}".encode()) is None


@pytest.mark.parametrize(
    ("provider", "raw"),
    [
        ("hub88", b'/user/balance {"user":"u"}'),
        ("hub88", b"/transaction/bet/ {}"),
        ("hub88", b'/debit {"sid":"s"}'),
        ("hub88", b"/Transaction/Bet garbage"),
        ("evolution", b'/balance {"sid":"s"}'),
        ("evolution", b"/transaction/bet {}"),
        ("pragmatic", b"/authenticate.html token=x&hash=y"),
        ("pragmatic", b"/bet {}"),
        ("pragmatic", b"/Bet.html amount=1"),
    ],
)
def test_unknown_path_is_unsupported(provider: str, raw: bytes) -> None:
    assert rejected(ADAPTERS[provider], raw).reason == Reason.UNSUPPORTED_MESSAGE


@pytest.mark.parametrize("provider", sorted(ADAPTERS))
@pytest.mark.parametrize(
    "raw", [b"", b" ", b"transaction/bet {}", b'{"user":"u"}', b"/debit", b"\x00\xff /x"]
)
def test_unframed_bytes_are_rejected(provider: str, raw: bytes) -> None:
    assert rejected(ADAPTERS[provider], raw).reason == Reason.MALFORMED


@pytest.mark.parametrize(
    ("provider", "raw"),
    [
        ("hub88", b'/transaction/bet {"user":'),
        ("hub88", b"/transaction/win "),
        ("hub88", b"/transaction/rollback \xff\xfe"),
        ("evolution", b"/debit {'sid': 's'}"),
        ("evolution", b"/credit not json"),
    ],
)
def test_malformed_json_is_invalid_json(provider: str, raw: bytes) -> None:
    assert rejected(ADAPTERS[provider], raw).reason == Reason.MALFORMED


@settings(max_examples=300)
@given(provider=st.sampled_from(sorted(ADAPTERS)), raw=st.binary(max_size=300))
def test_random_bytes_never_raise(provider: str, raw: bytes) -> None:
    result = ADAPTERS[provider](raw, META)
    assert isinstance(result, (Rejection, list))


PATHS = {
    "hub88": ["/transaction/bet", "/transaction/win", "/transaction/rollback"],
    "evolution": sorted(evolution.PATHS),
    "pragmatic": sorted(pragmatic.PATHS),
}


@settings(max_examples=300)
@given(data=st.data(), provider=st.sampled_from(sorted(ADAPTERS)))
def test_random_bodies_on_real_paths_never_raise(provider: str, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(PATHS[provider]))
    body = data.draw(
        st.one_of(
            st.binary(max_size=200),
            st.dictionaries(st.text(max_size=12), st.text(max_size=12), max_size=8).map(
                lambda d: urlencode(d).encode()
            ),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                lambda inner: (
                    st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4)
                ),
                max_leaves=12,
            ).map(lambda v: json.dumps(v).encode()),
        )
    )
    result = ADAPTERS[provider](frame_request(path, body), META)
    assert isinstance(result, (Rejection, list))


@settings(max_examples=300)
@given(data=st.data(), provider=st.sampled_from(sorted(ADAPTERS)))
def test_any_truncation_of_a_sample_never_raises(provider: str, data: st.DataObject) -> None:
    lines = SAMPLES[provider](data.draw(st.integers(0, 5)), 3)
    line = data.draw(st.sampled_from(lines))
    cut = data.draw(st.integers(min_value=0, max_value=len(line) - 1))
    result = ADAPTERS[provider](line[:cut], META)
    if provider == "pragmatic":  # a cut form can still be a (different) well-formed form
        assert isinstance(result, (Rejection, list))
    else:
        assert isinstance(result, Rejection) and result.reason == Reason.MALFORMED


# --- exact amounts ----------------------------------------------------------------------------

CURRENCIES = st.sampled_from([("EUR", 2), ("JPY", 0), ("KWD", 3), ("GBP", 2)])
MINOR = st.integers(min_value=0, max_value=10**14)


@given(minor=MINOR, currency=CURRENCIES)
def test_hub88_amounts_are_exact(minor: int, currency: tuple[str, int]) -> None:
    code, digits = currency
    units = minor * 10 ** (5 - digits)
    raw = h88("/transaction/bet", user="u", transaction_uuid="t", amount=units, currency=code)
    assert one(hub88.decode, raw)[1].amount == minor
    if digits < 5:
        inexact = h88("/transaction/bet", user="u", transaction_uuid="t", amount=units + 1,
                      currency=code)  # fmt: skip
        assert rejected(hub88.decode, inexact).reason == Reason.INVALID_VALUE


@given(minor=MINOR, currency=CURRENCIES, padding=st.integers(0, 3))
def test_evolution_and_pragmatic_amounts_are_exact(
    minor: int, currency: tuple[str, int], padding: int
) -> None:
    code, digits = currency
    text = str(Decimal(minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits - padding)))
    body = (
        f'{{"sid":"s","userId":"u","currency":"{code}","game":{{"id":"g"}},'
        f'"transaction":{{"id":"1","refId":"1","amount":{text}}}}}'
    )
    assert one(evolution.decode, frame_request("/credit", body.encode()))[1].amount == minor
    raw = pp("/result.html", **PP_ROUND, amount=text, reference="w", currency=code)
    assert one(pragmatic.decode, raw)[1].amount == minor


# --- generated streams ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("provider", sorted(ADAPTERS))
def test_generated_streams_decode_without_rejections(provider: str, seed: int) -> None:
    lines = SAMPLES[provider](seed, 150)
    assert lines == SAMPLES[provider](seed, 150)  # deterministic
    by_key: dict[str, set[bytes]] = defaultdict(set)
    decoded: list[WalletTransaction] = []
    for raw in lines:
        for event in events(ADAPTERS[provider], raw):
            by_key[event.dedup_key].add(raw)
            decoded.append(event)
    # a dedup key is only ever repeated by a byte-identical resend
    assert all(len(raws) == 1 for raws in by_key.values())
    bets = {e.transaction_id for e in decoded if e.kind == "BET"}
    if provider == "hub88":
        assert all(e.reference_id in bets for e in decoded if e.kind == "WIN")
    elif provider == "evolution":
        debit_refs = {e.reference_id for e in decoded if e.kind == "BET"}
        assert all(e.reference_id in debit_refs for e in decoded if e.kind != "BET")
    else:
        assert all(e.reference_id in bets for e in decoded if e.kind == "REFUND")
        rounds = {e.round_id for e in decoded if e.kind == "BET"}
        assert rounds == {e.round_id for e in decoded if e.kind == "END_ROUND"}
        times = [e.event_time_ms for e in decoded]
        assert times == sorted(times)


def test_generated_streams_cover_every_kind() -> None:
    kinds: dict[str, set[str]] = defaultdict(set)
    for provider, decode in ADAPTERS.items():
        for seed in SEEDS:
            for raw in SAMPLES[provider](seed, 150):
                kinds[provider] |= {e.kind for e in events(decode, raw)}
    assert kinds["hub88"] == {"BET", "WIN", "ROLLBACK"}
    assert kinds["evolution"] == {"BET", "WIN", "ROLLBACK"}
    assert kinds["pragmatic"] == {
        "BET", "WIN", "REFUND", "BONUS_WIN", "JACKPOT_WIN", "PROMO_WIN", "END_ROUND",
        "ADJUSTMENT",
    }  # fmt: skip


def test_generated_pragmatic_hashes_verify_with_their_secret_only() -> None:
    for raw in pragmatic_lines(5, 40, secret="k1"):
        framed = split_request(raw)
        assert framed is not None
        fields = parse_form(framed[1])
        assert isinstance(fields, dict)
        assert verify_pragmatic_hash(fields, "k1")
        assert not verify_pragmatic_hash(fields, "k2")


@pytest.mark.parametrize("provider", ["hub88", "evolution"])
def test_a_file_without_received_time_has_event_time_zero(provider: str) -> None:
    raw = SAMPLES[provider](1, 1)[0]
    for event in events(ADAPTERS[provider], raw, FILE_META):
        assert (event.event_time_ms, event.received_time_ms) == (0, 0)
