"""The UOF adapter (typed UOF messages -> the normalized contract) over the recorded Sportradar
samples, hand-made messages and the generated stream of ``wagerflow.samples.uof``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.adapters import uof
from wagerflow.adapters.base import Adapter, PendingEvent, RawMeta
from wagerflow.adapters.rejection import Rejection
from wagerflow.adapters.uof_events import decode
from wagerflow.samples.uof import uof_lines
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.events import (
    EVENT_DECODER,
    EVENT_ENCODER,
    BettingStopped,
    CancelRolledBack,
    EventChanged,
    LineCancelled,
    LineOddsChanged,
    LineSettled,
    NormalizedEvent,
    OutcomeOdds,
    OutcomeResult,
    ProviderHealth,
    SettlementRolledBack,
    SourceRef,
)
from wagerflow.schemas.uof import UofMessage

E = TypeVar("E", bound=NormalizedEvent)

SOURCE = SourceRef(topic="raw.uof", partition=2, offset=41)
META = RawMeta(tenant_id="tenant-a", source=SOURCE, received_time_ms=None)
FEED_SAMPLES = (
    "bet_cancel.xml",
    "bet_settlement.xml",
    "odds_change-0.xml",
    "rollback_bet_cancel.xml",
)
"""Every feed message in shared/data/uof (``markets-0.xml`` is an API market description)."""

_ADAPTER: Adapter = decode  # the adapter interface, checked by mypy


def sample(shared_data: Path, name: str) -> bytes:
    return (shared_data / "uof" / name).read_bytes()


def candidates(raw: bytes, meta: RawMeta = META) -> list[PendingEvent]:
    result = decode(raw, meta)
    assert isinstance(result, list), result
    return result


def events_of(raw: bytes, kind: type[E], meta: RawMeta = META) -> list[E]:
    out: list[E] = []
    for c in candidates(raw, meta):
        assert isinstance(c.event, kind), c.event
        out.append(c.event)
    return out


def rejected(raw: bytes, reason: Reason) -> str:
    result = decode(raw, META)
    assert isinstance(result, Rejection), result
    assert result.reason == reason, result
    return result.detail


def assert_common(c: PendingEvent, raw: bytes, event_time_ms: int, entity: str) -> None:
    """What every candidate of one message shares."""
    event = c.event
    assert (event.tenant_id, event.provider_id, event.category) == ("tenant-a", "uof", "sport")
    assert event.source == SOURCE
    assert event.event_time_ms == event_time_ms
    assert event.received_time_ms == event_time_ms  # meta has none: the message's own time
    assert c.entity == entity
    assert c.raw is raw
    assert c.nonce is None


# --- golden: the recorded samples ----------------------------------------------------------


def test_the_sample_list_covers_every_feed_message(shared_data: Path) -> None:
    names = {p.name for p in (shared_data / "uof").glob("*.xml")}
    assert names - set(FEED_SAMPLES) == {"markets-0.xml"}


def test_bet_settlement_sample(shared_data: Path) -> None:
    raw = sample(shared_data, "bet_settlement.xml")
    found = candidates(raw)
    lines = [
        "193",
        "204:setnr=1|total=9.5",
        "201",
        "535:variant=pre:markettext:52751",
        "40:type=live",
    ]
    assert len(found) == 5
    for c, line in zip(found, lines, strict=True):
        assert_common(c, raw, 1547538073717, f"uof:sr:match:16807109:{line}")
    settled = events_of(raw, LineSettled)
    assert [e.line_id for e in settled] == lines
    assert [e.market_id for e in settled] == ["193", "204", "201", "535", "40"]
    assert [e.specifiers for e in settled] == [
        None,
        "setnr=1|total=9.5",
        None,
        "variant=pre:markettext:52751",
        "type=live",
    ]
    assert {e.certainty for e in settled} == {2}
    assert {e.event_id for e in settled} == {"sr:match:16807109"}
    assert all(e.void_reason is None and e.confirms is None for e in settled)
    assert [e.dedup_key for e in settled] == [f"uof:sr:match:16807109:settle:{x}:c2" for x in lines]
    by_line = {e.line_id: e for e in settled}

    assert by_line["193"].outcomes == [
        OutcomeResult(outcome_id="74", won=False),
        OutcomeResult(outcome_id="76", won=True),
    ]
    assert [(o.outcome_id, o.won) for o in by_line["204:setnr=1|total=9.5"].outcomes] == [
        ("12", False),
        ("13", True),
    ]
    assert by_line["201"].outcomes == [
        OutcomeResult(outcome_id="863", won=False, void_factor=10_000),
        OutcomeResult(outcome_id="864", won=False, void_factor=5_000),
        OutcomeResult(outcome_id="861", won=True, void_factor=5_000),
        OutcomeResult(outcome_id="862", won=False),
    ]

    outright = by_line["535:variant=pre:markettext:52751"].outcomes
    assert len(outright) == 32
    assert all(o.outcome_id.startswith("pre:outcometext:") for o in outright)
    dead_heat = {o.outcome_id: o.dead_heat_factor for o in outright if o.dead_heat_factor}
    assert dead_heat == {"pre:outcometext:6388892": 5_000, "pre:outcometext:6408970": 5_000}
    assert {o.outcome_id for o in outright if o.won} == set(dead_heat)
    assert all(o.void_factor is None for o in outright)

    players = by_line["40:type=live"].outcomes
    assert [o.outcome_id for o in players] == [
        "sr:player:10077",
        "sr:player:38560",
        "sr:player:44864",
        "sr:player:158243",
        "sr:player:249437",
    ]
    assert [o.outcome_id for o in players if o.won] == ["sr:player:249437"]


def test_bet_cancel_sample(shared_data: Path) -> None:
    raw = sample(shared_data, "bet_cancel.xml")
    (c,) = candidates(raw)
    assert_common(c, raw, 1564602448841, "uof:sr:match:18941600:62:goalnr=1")
    assert c.event == LineCancelled(
        tenant_id="tenant-a",
        provider_id="uof",
        category="sport",
        event_time_ms=1564602448841,
        received_time_ms=1564602448841,
        dedup_key="uof:sr:match:18941600:cancel:62:goalnr=1:1564597838000:1564598513000",
        source=SOURCE,
        event_id="sr:match:18941600",
        market_id="62",
        specifiers="goalnr=1",
        line_id="62:goalnr=1",
        start_time_ms=1564597838000,
        end_time_ms=1564598513000,
        void_reason=12,
        superceded_by=None,
        producer="1",
    )


def test_odds_change_sample(shared_data: Path) -> None:
    raw = sample(shared_data, "odds_change-0.xml")
    found = candidates(raw)
    lines = [
        "47:score=41.5",
        "48:score=42.5",
        "49",
        "123:game=3|point=1|set=2",
        "188",
        "899",
        "145:variant=sr:point_range:76+",
        "888:player=sr:player:361790",
        "891:goalnr=1|player=sr:player:122702",
    ]
    assert len(found) == 9
    for c, line in zip(found, lines, strict=True):
        assert_common(c, raw, 1234, f"uof:sr:match:123:{line}")
    odds = events_of(raw, LineOddsChanged)
    assert [e.line_id for e in odds] == lines
    assert [e.dedup_key for e in odds] == [f"uof:2:sr:match:123:odds:{x}:1234" for x in lines]
    by_line = {e.line_id: e for e in odds}

    assert [e.status for e in odds] == [
        "OPEN",
        "OPEN",  # no status attribute: active
        "INACTIVE",
        "SUSPENDED",
        "OPEN",
        "OPEN",
        "CANCELLED",
        "OPEN",
        "OPEN",
    ]
    assert by_line["47:score=41.5"].outcomes == [
        OutcomeOdds(outcome_id="1", odds=11_200, active=True),
        OutcomeOdds(outcome_id="2", odds=19_200, active=True),
    ]
    assert by_line["49"].outcomes == []
    assert by_line["49"].specifiers is None

    suspended = by_line["123:game=3|point=1|set=2"]
    assert (suspended.market_id, suspended.specifiers) == ("123", "game=3|point=1|set=2")
    assert [(o.outcome_id, o.odds) for o in suspended.outcomes] == [("1", 13_000), ("2", 17_000)]

    players = {o.outcome_id: o for o in by_line["188"].outcomes}
    assert players["sr:player:4322"] == OutcomeOdds(
        outcome_id="sr:player:4322", odds=15_000, active=False
    )
    assert players["sr:player:1234"] == OutcomeOdds(
        outcome_id="sr:player:1234", odds=14_000, active=True
    )

    scorers = by_line["899"].outcomes
    assert len(scorers) == 36
    assert sum(o.active for o in scorers) == 22
    assert all(o.odds is None for o in scorers if not o.active)
    assert {o.odds for o in scorers if o.active} == {2_000_000, 1_350_000}
    assert {o.outcome_id: o for o in scorers}["sr:player:2614"] == OutcomeOdds(
        outcome_id="sr:player:2614", odds=None, active=False
    )

    cancelled = by_line["145:variant=sr:point_range:76+"]
    assert cancelled.specifiers == "variant=sr:point_range:76+"
    assert [o.odds for o in cancelled.outcomes] == [29_500, 45_500, 32_000, 60_000, 62_500]
    assert by_line["891:goalnr=1|player=sr:player:122702"].outcomes[-1].odds == 10_100


def test_rollback_bet_cancel_sample(shared_data: Path) -> None:
    raw = sample(shared_data, "rollback_bet_cancel.xml")
    (c,) = candidates(raw)
    assert_common(c, raw, 1239, "uof:sr:match:4444:48:score=41.5")
    assert isinstance(c.event, CancelRolledBack)
    assert c.event.dedup_key == "uof:sr:match:4444:rollback_cancel:48:score=41.5:1239"
    assert (c.event.event_id, c.event.market_id) == ("sr:match:4444", "48")
    assert (c.event.line_id, c.event.specifiers) == ("48:score=41.5", "score=41.5")
    assert (c.event.start_time_ms, c.event.end_time_ms) == (None, None)


def test_market_descriptions_are_rejected_as_by_the_decoder(shared_data: Path) -> None:
    raw = sample(shared_data, "markets-0.xml")
    assert decode(raw, META) == uof.decode(raw)
    assert "market_descriptions" in rejected(raw, Reason.UNSUPPORTED_MESSAGE)


@pytest.mark.parametrize("name", FEED_SAMPLES)
def test_samples_decode_the_same_twice_and_round_trip(shared_data: Path, name: str) -> None:
    raw = sample(shared_data, name)
    first, second = candidates(raw), candidates(bytes(raw))
    assert first == second
    for c in first:
        assert EVENT_DECODER.decode(EVENT_ENCODER.encode(c.event)) == c.event


def test_received_time_comes_from_meta(shared_data: Path) -> None:
    meta = META._replace(received_time_ms=1564602449000)
    (c,) = candidates(sample(shared_data, "bet_cancel.xml"), meta)
    assert (c.event.event_time_ms, c.event.received_time_ms) == (1564602448841, 1564602449000)


# --- hand-made messages --------------------------------------------------------------------


def settlement(certainty: int, timestamp: int = 100, product: int = 1) -> bytes:
    return (
        f'<bet_settlement event_id="sr:match:7" product="{product}" timestamp="{timestamp}"'
        f' certainty="{certainty}"><outcomes><market id="18" specifiers="total=2.25"'
        ' void_reason="3"><outcome id="12" result="0" void_factor="0.5"/>'
        '<outcome id="13" result="1" void_factor="0.5"/></market></outcomes></bet_settlement>'
    ).encode()


def test_settlement_keys_ignore_the_time_but_not_the_certainty() -> None:
    (first,) = events_of(settlement(1), LineSettled)
    (resent,) = events_of(settlement(1, timestamp=250, product=3), LineSettled)
    (confirmed,) = events_of(settlement(2, timestamp=900), LineSettled)
    assert first.dedup_key == resent.dedup_key == "uof:sr:match:7:settle:18:total=2.25:c1"
    assert confirmed.dedup_key == "uof:sr:match:7:settle:18:total=2.25:c2"
    assert first.outcomes == confirmed.outcomes == resent.outcomes
    assert first.outcomes == [
        OutcomeResult(outcome_id="12", won=False, void_factor=5_000),
        OutcomeResult(outcome_id="13", won=True, void_factor=5_000),
    ]
    assert (first.void_reason, first.confirms, confirmed.confirms) == (3, None, None)


def test_odds_change_lines_are_canonical() -> None:
    raw = (
        b'<odds_change event_id="sr:match:5" product="1" timestamp="77"><odds>'
        b'<market id="105" specifiers="to=10|from=1" status="1">'
        b'<outcome id="1" odds="2.5"/><outcome id="2"/><outcome id="3" odds="3.1" active="0"/>'
        b"</market></odds></odds_change>"
    )
    (c,) = candidates(raw)
    assert isinstance(c.event, LineOddsChanged)
    assert c.entity == "uof:sr:match:5:105:from=1|to=10"
    assert (c.event.line_id, c.event.specifiers) == ("105:from=1|to=10", "from=1|to=10")
    assert c.event.dedup_key == "uof:1:sr:match:5:odds:105:from=1|to=10:77"
    # ``active`` absent: active when priced
    assert c.event.outcomes == [
        OutcomeOdds(outcome_id="1", odds=25_000, active=True),
        OutcomeOdds(outcome_id="2", odds=None, active=False),
        OutcomeOdds(outcome_id="3", odds=31_000, active=False),
    ]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("1", "OPEN"),
        ("0", "INACTIVE"),
        ("-1", "SUSPENDED"),
        ("-2", "HANDED_OVER"),
        ("-3", "SETTLED"),
        ("-4", "CANCELLED"),
        (None, "OPEN"),
        ("7", "SUSPENDED"),  # a code this adapter does not know: fail closed
        ("-9", "SUSPENDED"),
    ],
)
def test_market_status(status: str | None, expected: str) -> None:
    attr = "" if status is None else f' status="{status}"'
    raw = (
        f'<odds_change event_id="sr:match:5" product="1" timestamp="1"><odds>'
        f'<market id="1"{attr}/></odds></odds_change>'
    ).encode()
    (event,) = events_of(raw, LineOddsChanged)
    assert event.status == expected


def test_odds_change_without_markets_maps_to_nothing() -> None:
    raw = (
        b'<odds_change event_id="sr:match:1" product="1" timestamp="2">'
        b'<sport_event_status status="1" match_status="6"/></odds_change>'
    )
    assert decode(raw, META) == []
    assert decode(b'<rollback_bet_settlement event_id="sr:match:1" timestamp="2"/>', META) == []


@pytest.mark.parametrize(
    ("market_status", "expected"), [(None, "SUSPENDED"), ("-1", "SUSPENDED"), ("0", "INACTIVE")]
)
def test_bet_stop(market_status: str | None, expected: str) -> None:
    attr = "" if market_status is None else f' market_status="{market_status}"'
    raw = (
        f'<bet_stop timestamp="1712345678901" product="1" event_id="sr:match:471123"'
        f' groups="goals|corners"{attr}/>'
    ).encode()
    (c,) = candidates(raw)
    assert_common(c, raw, 1712345678901, "uof:sr:match:471123")
    assert isinstance(c.event, BettingStopped)
    assert (c.event.event_id, c.event.groups, c.event.status) == (
        "sr:match:471123",
        "goals|corners",
        expected,
    )
    assert c.event.dedup_key == "uof:1:sr:match:471123:bet_stop:goals|corners:1712345678901"


def test_bet_cancel_with_an_open_window_and_a_replacement() -> None:
    raw = (
        b'<bet_cancel event_id="sr:match:1" product="1" timestamp="9" start_time="5"'
        b' superceded_by="sr:match:2"><market id="1" void_reason="4"/>'
        b'<market id="18" specifiers="total=2.5"/></bet_cancel>'
    )
    cancels = events_of(raw, LineCancelled)
    assert [c.dedup_key for c in cancels] == [
        "uof:sr:match:1:cancel:1:5:-",
        "uof:sr:match:1:cancel:18:total=2.5:5:-",
    ]
    assert [(c.start_time_ms, c.end_time_ms) for c in cancels] == [(5, None), (5, None)]
    assert [c.void_reason for c in cancels] == [4, None]
    assert {c.superceded_by for c in cancels} == {"sr:match:2"}


def test_rollback_bet_settlement() -> None:
    raw = (
        b'<rollback_bet_settlement event_id="sr:match:16807109" product="3" timestamp="1547538999">'
        b'<market id="193"/><market id="204" specifiers="total=9.5|setnr=1"/>'
        b"</rollback_bet_settlement>"
    )
    found = candidates(raw)
    assert [c.entity for c in found] == [
        "uof:sr:match:16807109:193",
        "uof:sr:match:16807109:204:setnr=1|total=9.5",
    ]
    rollbacks = events_of(raw, SettlementRolledBack)
    assert [(r.market_id, r.specifiers, r.line_id) for r in rollbacks] == [
        ("193", None, "193"),
        ("204", "setnr=1|total=9.5", "204:setnr=1|total=9.5"),
    ]
    assert rollbacks[1].dedup_key == (
        "uof:sr:match:16807109:rollback_settle:204:setnr=1|total=9.5:1547538999"
    )


def test_rollback_bet_cancel_keeps_the_window() -> None:
    raw = (
        b'<rollback_bet_cancel event_id="sr:match:1" product="1" timestamp="30"'
        b' start_time="10" end_time="20"><market id="62" specifiers="goalnr=1"/>'
        b"</rollback_bet_cancel>"
    )
    (event,) = events_of(raw, CancelRolledBack)
    assert (event.start_time_ms, event.end_time_ms) == (10, 20)
    assert event.dedup_key == "uof:sr:match:1:rollback_cancel:62:goalnr=1:30"


def test_fixture_change() -> None:
    raw = (
        b'<fixture_change event_id="sr:match:9" product="3" timestamp="1712345678901"'
        b' change_type="2" start_time="1712400000000"/>'
    )
    (c,) = candidates(raw)
    assert_common(c, raw, 1712345678901, "uof:sr:match:9")
    assert c.event == EventChanged(
        tenant_id="tenant-a",
        provider_id="uof",
        category="sport",
        event_time_ms=1712345678901,
        received_time_ms=1712345678901,
        dedup_key="uof:sr:match:9:fixture:1712345678901",
        source=SOURCE,
        event_id="sr:match:9",
        change="FIXTURE_CHANGED",
        start_time_ms=1712400000000,
        detail="2",
        producer="3",
    )
    (bare,) = events_of(
        b'<fixture_change event_id="sr:stage:1" product="1" timestamp="5"/>', EventChanged
    )
    assert (bare.start_time_ms, bare.detail, bare.name) == (None, None, None)


@pytest.mark.parametrize(
    ("raw", "state", "subscribed", "request_id", "key"),
    [
        (
            b'<alive product="3" timestamp="1712345678901" subscribed="1"/>',
            "ALIVE",
            True,
            None,
            "uof:3:alive:1712345678901",
        ),
        (
            b'<alive product="1" timestamp="1712345678901" subscribed="0"/>',
            "ALIVE",
            False,
            None,
            "uof:1:alive:1712345678901",
        ),
        (
            b'<snapshot_complete request_id="77" timestamp="1712345678901" product="1"/>',
            "SNAPSHOT_COMPLETE",
            None,
            77,
            "uof:1:snapshot_complete:77:1712345678901",
        ),
        (
            b'<product_down product="1" timestamp="1712345678901"/>',
            "DOWN",
            None,
            None,
            "uof:1:product_down:1712345678901",
        ),
    ],
)
def test_producer_health(
    raw: bytes, state: str, subscribed: bool | None, request_id: int | None, key: str
) -> None:
    (c,) = candidates(raw)
    product = key.split(":")[1]
    assert_common(c, raw, 1712345678901, f"uof:producer:{product}")
    assert isinstance(c.event, ProviderHealth)
    assert (c.event.producer, c.event.state, c.event.detail) == (product, state, None)
    assert (c.event.subscribed, c.event.request_id, c.event.dedup_key) == (
        subscribed,
        request_id,
        key,
    )


# --- rejections ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not xml at all",
        b'{"op": "mcm", "pt": 1}',
        b"\x00\xff\xfe garbage",
        b'<alive product="1" timestamp="1" subscribed="1">',
        b'<!DOCTYPE x [<!ENTITY a "b">]><alive product="1" timestamp="1" subscribed="1"/>',
        b'<alive product="1" timestamp="1"/>',
        b"<market_descriptions/>",
    ],
)
def test_decoder_rejections_pass_through(raw: bytes) -> None:
    result = decode(raw, META)
    assert isinstance(result, Rejection)
    assert result == uof.decode(raw)


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    result = decode(raw, META)
    assert isinstance(result, Rejection)
    assert result == uof.decode(raw)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (
            b'<odds_change event_id="sr:match:1" product="1" timestamp="1"><odds>'
            b'<market id="1"><outcome id="1" odds="0.95"/></market></odds></odds_change>',
            "odds_change: market 1 outcome 1: decimal odds 0.95 are below 1",
        ),
        (
            b'<odds_change event_id="sr:match:1" product="1" timestamp="1"><odds>'
            b'<market id="1"><outcome id="1" odds="1E+999"/></market></odds></odds_change>',
            "out of range",
        ),
        (
            b'<bet_settlement event_id="sr:match:1" product="1" timestamp="1" certainty="1">'
            b'<outcomes><market id="18" specifiers="total=2.5"><outcome id="12" result="0"'
            b' void_factor="1.5"/></market></outcomes></bet_settlement>',
            "bet_settlement: market 18:total=2.5 outcome 12: factor 1.5 is not between 0 and 1",
        ),
        (
            b'<bet_settlement event_id="sr:match:1" product="1" timestamp="1" certainty="1">'
            b'<outcomes><market id="18"><outcome id="12" result="1"'
            b' dead_heat_factor="2"/></market></outcomes></bet_settlement>',
            "factor 2 is not between 0 and 1",
        ),
    ],
)
def test_values_out_of_their_domain_are_rejected(raw: bytes, fragment: str) -> None:
    assert not isinstance(uof.decode(raw), Rejection)  # well-typed for the decoder
    assert fragment in rejected(raw, Reason.INVALID_VALUE)


# --- the generated stream ------------------------------------------------------------------

ALL_KINDS = {
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


def _kind(message: UofMessage) -> str:
    names = {
        "OddsChange": "odds_change",
        "BetStop": "bet_stop",
        "UofBetSettlement": "bet_settlement",
        "BetCancel": "bet_cancel",
        "RollbackBetSettlement": "rollback_bet_settlement",
        "RollbackBetCancel": "rollback_bet_cancel",
        "FixtureChange": "fixture_change",
        "Alive": "alive",
        "SnapshotComplete": "snapshot_complete",
        "ProductDown": "product_down",
    }
    return names[type(message).__name__]


def decode_stream(lines: list[bytes]) -> list[PendingEvent]:
    out: list[PendingEvent] = []
    for n, line in enumerate(lines):
        meta = META._replace(source=SourceRef(topic="uof-sample", partition=0, offset=n))
        result = decode(line, meta)
        assert isinstance(result, list), (result, line)
        out.extend(result)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 42])
def test_generated_stream_decodes_without_rejections(seed: int) -> None:
    lines = uof_lines(seed, 6)
    assert lines and all(b"\n" not in line and b"\r" not in line for line in lines)
    kinds = Counter(_kind(m) for m in map(uof.decode, lines) if not isinstance(m, Rejection))
    assert set(kinds) == ALL_KINDS
    assert sum(kinds.values()) == len(lines)  # nothing rejected by the decoder either
    found = decode_stream(lines)
    assert Counter(type(c.event).__name__ for c in found).keys() == {
        "LineOddsChanged",
        "BettingStopped",
        "LineSettled",
        "LineCancelled",
        "SettlementRolledBack",
        "CancelRolledBack",
        "EventChanged",
        "ProviderHealth",
    }
    assert {c.event.state for c in found if isinstance(c.event, ProviderHealth)} == {
        "ALIVE",
        "SNAPSHOT_COMPLETE",
        "DOWN",
    }
    keys = [c.event.dedup_key for c in found]
    assert len(keys) == len(set(keys))  # a clean stream has no duplicates


@pytest.mark.parametrize("seed", [0, 3, 11])
def test_generated_stream_settles_twice_with_the_same_outcomes(seed: int) -> None:
    found = decode_stream(uof_lines(seed, 8))
    settled = [c.event for c in found if isinstance(c.event, LineSettled)]
    by_certainty: dict[int, dict[tuple[str, str], list[OutcomeResult]]] = {1: {}, 2: {}}
    for event in settled:
        by_certainty[event.certainty][(event.event_id, event.line_id)] = event.outcomes
    assert by_certainty[1] and by_certainty[1] == by_certainty[2]
    outcomes = [o for e in settled for o in e.outcomes]
    assert any(o.void_factor == 5_000 for o in outcomes)  # quarter line: half void
    assert any(o.dead_heat_factor == 5_000 for o in outcomes)
    assert any(o.outcome_id.startswith("pre:outcometext:") for o in outcomes)
    odds = [c.event for c in found if isinstance(c.event, LineOddsChanged)]
    assert {e.status for e in odds} >= {"OPEN", "SUSPENDED", "INACTIVE"}
    assert "105:from=1|to=10" in {e.line_id for e in odds}  # sent as "to=10|from=1"
    assert all(o.odds is None or o.odds >= 10_100 for e in odds for o in e.outcomes)
    cancels = [c.event for c in found if isinstance(c.event, LineCancelled)]
    assert cancels
    assert all(
        e.start_time_ms is not None
        and e.end_time_ms is not None
        and e.start_time_ms < e.end_time_ms < e.event_time_ms
        for e in cancels
    )


def test_generated_stream_is_deterministic() -> None:
    assert uof_lines(5, 4) == uof_lines(5, 4)
    assert uof_lines(5, 4) != uof_lines(6, 4)
    assert uof_lines(3, 0) == []
    lines = uof_lines(9, 3)
    assert decode_stream(lines) == decode_stream(list(lines))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), events=st.integers(min_value=1, max_value=4))
def test_any_generated_stream_decodes(seed: int, events: int) -> None:
    found = decode_stream(uof_lines(seed, events))
    for c in found[:: max(1, len(found) // 20)]:
        assert EVENT_DECODER.decode(EVENT_ENCODER.encode(c.event)) == c.event
