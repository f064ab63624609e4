"""The UOF XML decoder over the recorded Sportradar samples and over hand-made messages."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.adapters.rejection import Rejection
from wagerflow.adapters.uof import MESSAGE_TYPES, decode, market_line
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.uof import (
    Alive,
    BetCancel,
    BetStop,
    FixtureChange,
    MarketRef,
    MarketStatus,
    OddsChange,
    ProductDown,
    RollbackBetCancel,
    RollbackBetSettlement,
    SnapshotComplete,
    SportEventStatus,
    UofBetSettlement,
    UofMessage,
)

FEED_SAMPLES = (
    "bet_cancel.xml",
    "bet_settlement.xml",
    "odds_change-0.xml",
    "rollback_bet_cancel.xml",
)
"""Every feed message in shared/data/uof (``markets-0.xml`` is an API market description)."""


def sample(shared_data: Path, name: str) -> bytes:
    return (shared_data / "uof" / name).read_bytes()


T = TypeVar("T")


def decoded(raw: bytes, kind: type[T]) -> T:
    msg = decode(raw)
    assert isinstance(msg, kind), msg
    return msg


def rejected(raw: bytes, reason: Reason) -> str:
    msg = decode(raw)
    assert isinstance(msg, Rejection), msg
    assert msg.reason == reason, msg
    return msg.detail


# --- golden: the recorded samples ----------------------------------------------------------


def test_the_sample_list_covers_every_feed_message(shared_data: Path) -> None:
    names = {p.name for p in (shared_data / "uof").glob("*.xml")}
    assert names - set(FEED_SAMPLES) == {"markets-0.xml"}


def test_bet_settlement_sample(shared_data: Path) -> None:
    msg = decoded(sample(shared_data, "bet_settlement.xml"), UofBetSettlement)
    assert (msg.event_id, msg.product, msg.timestamp) == ("sr:match:16807109", 3, 1547538073717)
    assert msg.certainty == 2
    assert msg.request_id is None
    markets = {m.id: m for m in msg.markets}
    assert [m.id for m in msg.markets] == [193, 204, 201, 535, 40]
    assert [(o.id, o.result) for o in markets[193].outcomes] == [("74", 0), ("76", 1)]
    assert markets[193].specifiers is None
    assert markets[204].specifiers == "setnr=1|total=9.5"
    assert all(m.void_reason is None for m in msg.markets)

    voids = {o.id: (o.result, o.void_factor) for o in markets[201].outcomes}
    assert voids == {
        "863": (0, Decimal("1")),
        "864": (0, Decimal("0.5")),
        "861": (1, Decimal("0.5")),
        "862": (0, None),
    }

    outright = markets[535]
    assert outright.specifiers == "variant=pre:markettext:52751"
    assert len(outright.outcomes) == 32
    dead_heat = {o.id: o.dead_heat_factor for o in outright.outcomes if o.dead_heat_factor}
    assert dead_heat == {
        "pre:outcometext:6388892": Decimal("0.5"),
        "pre:outcometext:6408970": Decimal("0.5"),
    }
    assert {o.id for o in outright.outcomes if o.result == 1} == set(dead_heat)
    assert all(o.void_factor is None for o in outright.outcomes)

    players = markets[40]
    assert players.specifiers == "type=live"
    assert [o.id for o in players.outcomes if o.result == 1] == ["sr:player:249437"]
    assert len(players.outcomes) == 5


def test_bet_cancel_sample(shared_data: Path) -> None:
    msg = decoded(sample(shared_data, "bet_cancel.xml"), BetCancel)
    assert (msg.event_id, msg.product, msg.timestamp) == ("sr:match:18941600", 1, 1564602448841)
    assert (msg.start_time, msg.end_time) == (1564597838000, 1564598513000)
    assert msg.superceded_by is None
    (market,) = msg.markets
    assert (market.id, market.specifiers, market.void_reason) == (62, "goalnr=1", 12)
    assert market_line(market.id, market.specifiers) == "62:goalnr=1"


def test_odds_change_sample(shared_data: Path) -> None:
    msg = decoded(sample(shared_data, "odds_change-0.xml"), OddsChange)
    assert (msg.event_id, msg.product, msg.timestamp) == ("sr:match:123", 2, 1234)
    assert msg.sport_event_status == SportEventStatus(status=1, match_status=7)
    assert msg.odds_generation_properties is None
    assert (msg.betting_status, msg.betstop_reason) == (1, 2)
    assert [m.id for m in msg.markets] == [47, 48, 49, 123, 188, 899, 145, 888, 891]
    markets = {m.id: m for m in msg.markets}

    assert markets[47].status == MarketStatus.ACTIVE
    assert [(o.id, o.odds, o.active) for o in markets[47].outcomes] == [
        ("1", Decimal("1.12"), 1),
        ("2", Decimal("1.92"), 1),
    ]
    assert markets[48].status is None  # the attribute is absent
    assert (markets[49].status, markets[49].outcomes) == (MarketStatus.INACTIVE, ())

    suspended = markets[123]
    assert suspended.status == -1
    assert suspended.status == MarketStatus.SUSPENDED
    assert suspended.specifiers == "set=2|game=3|point=1"
    assert suspended.extended_specifiers == "pero=2"
    assert market_line(suspended.id, suspended.specifiers) == "123:game=3|point=1|set=2"

    assert markets[145].status == MarketStatus.CANCELLED
    assert markets[145].outcomes[0].id == "sr:point_range:76+:1132"
    assert markets[145].outcomes[0].odds == Decimal("2.95")

    players = {o.id: o for o in markets[188].outcomes}
    assert (players["sr:player:4322"].odds, players["sr:player:4322"].active) == (
        Decimal("1.5"),
        0,
    )

    scorers = markets[899]
    assert len(scorers.outcomes) == 36
    assert sum(o.active == 1 for o in scorers.outcomes) == 22
    first = scorers.outcomes[0]
    assert (first.id, first.odds, first.probabilities) == (
        "sr:player:10077",
        Decimal("200.0"),
        Decimal("8.97094E-4"),
    )
    unpriced = {o.id: o for o in scorers.outcomes}["sr:player:2614"]
    assert (unpriced.odds, unpriced.active) == (None, 0)
    assert unpriced.probabilities == Decimal("0.0032518534")
    assert {o.odds for o in scorers.outcomes if o.id == "sr:player:111505"} == {Decimal("135.0")}

    assert markets[888].specifiers == "player=sr:player:361790"
    assert markets[888].outcomes[-1].probabilities is None
    assert market_line(891, markets[891].specifiers) == "891:goalnr=1|player=sr:player:122702"

    prices = [o.odds for m in msg.markets for o in m.outcomes if o.odds is not None]
    assert prices and all(type(p) is Decimal for p in prices)  # no float anywhere


def test_rollback_bet_cancel_sample(shared_data: Path) -> None:
    msg = decoded(sample(shared_data, "rollback_bet_cancel.xml"), RollbackBetCancel)
    assert (msg.event_id, msg.timestamp) == ("sr:match:4444", 1239)
    assert msg.product is None  # the sample does not carry one
    assert (msg.start_time, msg.end_time) == (None, None)
    assert msg.markets == (MarketRef(id=48, specifiers="score=41.5"),)


def test_market_descriptions_are_not_a_feed_message(shared_data: Path) -> None:
    detail = rejected(sample(shared_data, "markets-0.xml"), Reason.UNSUPPORTED_MESSAGE)
    assert "market_descriptions" in detail


# --- hand-made messages --------------------------------------------------------------------


def test_alive() -> None:
    raw = b'<alive product="3" timestamp="1712345678901" subscribed="1"/>'
    assert decode(raw) == Alive(product=3, timestamp=1712345678901, subscribed=1)
    raw = b'<alive product="1" timestamp="1712345678901" subscribed="0"/>'
    assert decoded(raw, Alive).subscribed == 0


def test_snapshot_complete() -> None:
    raw = b'<snapshot_complete request_id="77" timestamp="1712345678901" product="1"/>'
    assert decode(raw) == SnapshotComplete(product=1, timestamp=1712345678901, request_id=77)


def test_product_down() -> None:
    raw = b'<product_down product="1" timestamp="1712345678901"/>'
    assert decode(raw) == ProductDown(product=1, timestamp=1712345678901)


def test_bet_stop() -> None:
    raw = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<bet_stop timestamp="1712345678901" product="1" event_id="sr:match:471123"'
        b' groups="all" market_status="-1" request_id="9"/>'
    )
    assert decode(raw) == BetStop(
        event_id="sr:match:471123",
        product=1,
        timestamp=1712345678901,
        groups="all",
        market_status=MarketStatus.SUSPENDED,
        request_id=9,
    )
    raw = b'<bet_stop timestamp="1" product="1" event_id="sr:match:1" groups="goals|corners"/>'
    msg = decoded(raw, BetStop)
    assert (msg.groups, msg.market_status) == ("goals|corners", None)


def test_rollback_bet_settlement() -> None:
    raw = (
        b'<rollback_bet_settlement event_id="sr:match:16807109" product="3" timestamp="1547538999">'
        b'<market id="193"/><market id="204" specifiers="total=9.5|setnr=1"/>'
        b"</rollback_bet_settlement>"
    )
    msg = decoded(raw, RollbackBetSettlement)
    assert (msg.event_id, msg.product, msg.timestamp) == ("sr:match:16807109", 3, 1547538999)
    assert msg.markets == (
        MarketRef(id=193, specifiers=None),
        MarketRef(id=204, specifiers="total=9.5|setnr=1"),
    )
    assert [market_line(m.id, m.specifiers) for m in msg.markets] == [
        "193",
        "204:setnr=1|total=9.5",
    ]


def test_rollback_bet_cancel_with_a_window() -> None:
    raw = (
        b'<rollback_bet_cancel event_id="sr:match:1" product="1" timestamp="30"'
        b' start_time="10" end_time="20"><market id="62" specifiers="goalnr=1"/>'
        b"</rollback_bet_cancel>"
    )
    msg = decoded(raw, RollbackBetCancel)
    assert (msg.product, msg.start_time, msg.end_time) == (1, 10, 20)


def test_fixture_change() -> None:
    raw = (
        b'<fixture_change event_id="sr:match:9" product="3" timestamp="1712345678901"'
        b' change_type="2" start_time="1712400000000"/>'
    )
    assert decode(raw) == FixtureChange(
        event_id="sr:match:9",
        product=3,
        timestamp=1712345678901,
        change_type=2,
        start_time=1712400000000,
    )
    raw = b'<fixture_change event_id="sr:stage:1" product="1" timestamp="5"/>'
    msg = decoded(raw, FixtureChange)
    assert (msg.change_type, msg.start_time) == (None, None)


def test_bet_cancel_with_open_window_and_replacement() -> None:
    raw = (
        b'<bet_cancel event_id="sr:match:1" product="1" timestamp="9" start_time="5"'
        b' superceded_by="sr:match:2"><market id="1" void_reason="4"/></bet_cancel>'
    )
    msg = decoded(raw, BetCancel)
    assert (msg.start_time, msg.end_time, msg.superceded_by) == (5, None, "sr:match:2")
    assert msg.markets[0].void_reason == 4


def test_odds_change_without_odds_and_with_generation_properties() -> None:
    raw = (
        b'<odds_change event_id="sr:match:1" product="1" timestamp="2" request_id="5">'
        b'<odds_generation_properties expected_totals="2.75" expected_supremacy="-0.25"/>'
        b"</odds_change>"
    )
    msg = decoded(raw, OddsChange)
    assert msg.request_id == 5
    assert msg.markets == () and msg.betting_status is None and msg.sport_event_status is None
    props = msg.odds_generation_properties
    assert props is not None
    assert (props.expected_totals, props.expected_supremacy) == (Decimal("2.75"), Decimal("-0.25"))


def test_unknown_attributes_and_children_are_tolerated() -> None:
    raw = (
        b'<bet_settlement certainty="1" product="1" event_id="sr:match:1" timestamp="2" new="x">'
        b"<extension><anything/></extension>"
        b'<outcomes><market id="1" extra="y"><outcome id="1" result="1" team="2"/>'
        b"<note/></market></outcomes></bet_settlement>"
    )
    msg = decoded(raw, UofBetSettlement)
    assert msg.certainty == 1
    assert [(o.id, o.result) for o in msg.markets[0].outcomes] == [("1", 1)]


def test_utf8_bom_is_accepted() -> None:
    raw = b'\xef\xbb\xbf<alive product="1" timestamp="1" subscribed="1"/>'
    assert isinstance(decode(raw), Alive)


# --- rejections ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not xml at all",
        b'{"op": "mcm", "pt": 1}',
        b"\x00\xff\xfe garbage",
        b'<alive product="1" timestamp="1" subscribed="1">',
        b'<alive product="1" timestamp="1" subscribed="1"/><alive/>',
        b'<alive product="1 timestamp="1"/>',
    ],
)
def test_garbage_is_malformed(raw: bytes) -> None:
    assert rejected(raw, Reason.MALFORMED).startswith("malformed XML: ")


@pytest.mark.parametrize("name", FEED_SAMPLES)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_truncation_of_a_sample_is_rejected(
    shared_data: Path, name: str, data: st.DataObject
) -> None:
    raw = sample(shared_data, name)
    end = raw.rindex(b">") + 1  # any shorter prefix lacks the root's end tag
    cut = data.draw(st.integers(min_value=0, max_value=end - 1), label="cut")
    assert rejected(raw[:cut], Reason.MALFORMED).startswith("malformed XML: ")


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    assert isinstance(decode(raw), Rejection)


@pytest.mark.parametrize("name", FEED_SAMPLES)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_corrupted_samples_never_raise(shared_data: Path, name: str, data: st.DataObject) -> None:
    raw = bytearray(sample(shared_data, name))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4), label="edits")):
        at = data.draw(st.integers(min_value=0, max_value=len(raw) - 1), label="at")
        raw[at] = data.draw(st.sampled_from(b'"<>=/ 0a-.x\xff'), label="byte")
    msg = decode(bytes(raw))
    assert isinstance(msg, (Rejection, BetCancel, UofBetSettlement, OddsChange, RollbackBetCancel))


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (
            b'<bet_settlement product="3" event_id="sr:match:1" timestamp="1"/>',
            "bet_settlement: missing attribute 'certainty'",
        ),
        (b'<alive product="1" timestamp="1"/>', "alive: missing attribute 'subscribed'"),
        (b'<snapshot_complete product="1" timestamp="1"/>', "missing attribute 'request_id'"),
        (b'<bet_stop product="1" timestamp="1" groups="all"/>', "missing attribute 'event_id'"),
        (b'<bet_stop product="1" timestamp="1" event_id="" groups="all"/>', "'event_id' is empty"),
        (
            b'<bet_cancel event_id="sr:match:1" product="1" timestamp="1">'
            b'<market specifiers="goalnr=1"/></bet_cancel>',
            "bet_cancel/market[1]: missing attribute 'id'",
        ),
        (
            b'<bet_settlement certainty="2" product="3" event_id="sr:match:1" timestamp="1">'
            b'<outcomes><market id="1"><outcome id="1" result="1"/><outcome id="2"/></market>'
            b"</outcomes></bet_settlement>",
            "bet_settlement/outcomes/market[1]/outcome[2]: missing attribute 'result'",
        ),
        (
            b'<odds_change event_id="sr:match:1" product="1" timestamp="1">'
            b'<sport_event_status status="1"/></odds_change>',
            "odds_change/sport_event_status: missing attribute 'match_status'",
        ),
    ],
)
def test_missing_required_attribute(raw: bytes, fragment: str) -> None:
    assert fragment in rejected(raw, Reason.SCHEMA_MISMATCH)


@pytest.mark.parametrize("timestamp", ["12a4", "", "1.5", "-1", "+12", "1_000", " 12", "1e3"])
def test_non_numeric_timestamp(timestamp: str) -> None:
    raw = f'<fixture_change event_id="sr:match:1" product="1" timestamp="{timestamp}"/>'
    detail = rejected(raw.encode(), Reason.SCHEMA_MISMATCH)
    assert detail.startswith("fixture_change: attribute 'timestamp'")


def test_overlong_integer_is_a_mismatch_not_a_crash() -> None:
    raw = f'<alive product="1" timestamp="{"9" * 5000}" subscribed="1"/>'.encode()
    assert "'timestamp'" in rejected(raw, Reason.SCHEMA_MISMATCH)


@pytest.mark.parametrize(
    ("outcome", "fragment"),
    [
        ('odds="NaN"', "'odds' must be a non-negative decimal"),
        ('odds="Infinity"', "'odds'"),
        ('odds="1,5"', "'odds'"),
        ('odds="-1.5"', "'odds'"),
        ('active="2"', "'active' must be 0 or 1"),
        ('active="true"', "'active' must be 0 or 1"),
        ('probabilities="0x1"', "'probabilities'"),
    ],
)
def test_wrong_typed_outcome(outcome: str, fragment: str) -> None:
    raw = (
        '<odds_change event_id="sr:match:1" product="1" timestamp="1"><odds>'
        f'<market id="1"><outcome id="1" {outcome}/></market></odds></odds_change>'
    )
    detail = rejected(raw.encode(), Reason.SCHEMA_MISMATCH)
    assert detail.startswith("odds_change/odds/market[1]/outcome[1]: ") and fragment in detail


@pytest.mark.parametrize("specifiers", ["total", "=2.5", "total=2.5|", "a=1|a=2", "a=1||b=2"])
def test_malformed_specifiers(specifiers: str) -> None:
    raw = (
        f'<rollback_bet_settlement event_id="sr:match:1" timestamp="1">'
        f'<market id="18" specifiers="{specifiers}"/></rollback_bet_settlement>'
    )
    assert "'specifiers'" in rejected(raw.encode(), Reason.SCHEMA_MISMATCH)


@pytest.mark.parametrize(
    "raw",
    [
        b'<market_descriptions response_code="OK"/>',
        b'<odds_changed event_id="sr:match:1" product="1" timestamp="1"/>',
        b'<u:alive xmlns:u="urn:x" product="1" timestamp="1" subscribed="1"/>',
    ],
)
def test_unknown_root_element(raw: bytes) -> None:
    assert "is not a UOF message" in rejected(raw, Reason.UNSUPPORTED_MESSAGE)


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE alive [\n<!ENTITY a "aaaaaaaaaa">\n'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(8))
    + ']>\n<alive product="1" timestamp="1" subscribed="1" note="&i;"/>'
)


@pytest.mark.parametrize(
    "raw",
    [
        BILLION_LAUGHS.encode(),
        b'<!DOCTYPE alive SYSTEM "file:///etc/passwd"><alive product="1" timestamp="1"'
        b' subscribed="1"/>',
        b'<alive product="1" timestamp="1" subscribed="1"><!ENTITY x "y"></alive>',
    ],
)
def test_dtd_is_refused_before_parsing(raw: bytes) -> None:
    assert rejected(raw, Reason.UNSUPPORTED_MESSAGE) == "DTDs are not accepted"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "cp037"])
def test_dtd_in_another_encoding_is_never_parsed(encoding: str) -> None:
    """The byte check cannot see a DTD in UTF-16 or EBCDIC; such documents must fail anyway."""
    body = BILLION_LAUGHS.split("\n", 1)[1]
    declared = f'<?xml version="1.0" encoding="{encoding}"?>'.encode() + body.encode(encoding)
    for raw in (declared, BILLION_LAUGHS.encode(encoding)):
        assert isinstance(decode(raw), Rejection)


# --- market lines --------------------------------------------------------------------------


def test_market_line_sorts_specifiers_by_key() -> None:
    assert market_line(18, None) == "18"
    assert market_line(18, "") == "18"
    assert market_line(18, "total=2.5") == "18:total=2.5"
    assert market_line(204, "total=9.5|setnr=1") == "204:setnr=1|total=9.5"
    assert market_line(204, "setnr=1|total=9.5") == "204:setnr=1|total=9.5"
    assert market_line(891, "player=sr:player:122702|goalnr=1") == (
        "891:goalnr=1|player=sr:player:122702"
    )
    # sorted by key, not by the whole pair ("total2=..." < "total=..." as strings)
    assert market_line(1, "total2=1|total=2") == "1:total=2|total2=1"


@given(
    pairs=st.dictionaries(
        st.text("abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=8),
        st.text("abcxyz0123456789.:+-=", min_size=1, max_size=8),
        min_size=1,
        max_size=5,
    ),
    data=st.data(),
)
def test_market_line_ignores_specifier_order(pairs: dict[str, str], data: st.DataObject) -> None:
    items = [f"{k}={v}" for k, v in pairs.items()]
    shuffled = data.draw(st.permutations(items), label="order")
    assert market_line(7, "|".join(items)) == market_line(7, "|".join(shuffled))


def test_every_message_type_is_decodable() -> None:
    assert set(MESSAGE_TYPES) == {
        "odds_change",
        "bet_stop",
        "bet_settlement",
        "bet_cancel",
        "rollback_bet_settlement",
        "rollback_bet_cancel",
        "fixture_change",
        "alive",
        "snapshot_complete",
        "product_down",
    }
    messages: list[UofMessage | Rejection] = [
        decode(f'<{tag} event_id="sr:match:1" product="1" timestamp="1"/>'.encode())
        for tag in sorted(MESSAGE_TYPES)
    ]
    # the ones with further required attributes say which
    details = {m.detail for m in messages if isinstance(m, Rejection)}
    assert details == {
        "alive: missing attribute 'subscribed'",
        "bet_settlement: missing attribute 'certainty'",
        "bet_stop: missing attribute 'groups'",
        "snapshot_complete: missing attribute 'request_id'",
    }
