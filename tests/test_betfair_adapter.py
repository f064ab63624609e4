"""The Betfair adapter over the real recordings and over hand-made edge cases."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.decode import decode_batch
from wagerflow.pipeline.normalize_state import AcceptedEvent, NormalizeShardState
from wagerflow.schemas.dlq import DlqEntry, Reason
from wagerflow.schemas.events import (
    MarketSettled,
    MarketStatusChanged,
    NormalizedEvent,
    OddsChanged,
)
from wagerflow.schemas.records import RawBatch
from wagerflow.schemas.state import MarketState

CTX = NormalizeContext(tenant_id="t1", currency="GBP")


def replay(lines: list[bytes]) -> tuple[list[NormalizedEvent], list[MarketState], list[DlqEntry]]:
    batch = RawBatch("betfair", "feed", 0, list(range(len(lines))), lines)
    work, dlq, _ = decode_batch(batch, CTX)
    books = NormalizeShardState(CTX)
    out = books.apply([w for _, w in work])
    events = [o.event for o in out if isinstance(o, AcceptedEvent)]
    states = [o for o in out if isinstance(o, MarketState)]
    return events, states, dlq + [o for o in out if isinstance(o, DlqEntry)]


def read_lines(path: Path) -> list[bytes]:
    return [ln for ln in path.read_bytes().splitlines() if ln]


def test_greyhound_win_market_settles_with_the_recorded_winner(
    betfair_recordings: dict[str, Path],
) -> None:
    events, states, dlq = replay(read_lines(betfair_recordings["1.197931750"]))
    assert dlq == []
    statuses = [e.status for e in events if isinstance(e, MarketStatusChanged)]
    assert statuses == ["OPEN", "SUSPENDED", "CLOSED"]
    (settled,) = [e for e in events if isinstance(e, MarketSettled)]
    assert settled.market_id == "1.197931750"
    assert settled.winners == ["37947503"]
    assert {r.result for r in settled.results} == {"WINNER", "LOSER"}
    bsp = {r.selection_id: r.bsp_odds for r in settled.results}
    assert bsp["37947503"] == 250_000  # 25.0 decimal odds x 10,000
    (state,) = states
    assert state.status == "CLOSED" and state.winners == ["37947503"]


def test_place_market_has_two_winners(betfair_recordings: dict[str, Path]) -> None:
    events, _, _ = replay(read_lines(betfair_recordings["1.197931751"]))
    (settled,) = [e for e in events if isinstance(e, MarketSettled)]
    assert sorted(settled.winners) == ["37947503", "39823721"]


def test_basic_file_settles_with_removed_runners(betfair_recordings: dict[str, Path]) -> None:
    events, _, dlq = replay(read_lines(betfair_recordings["BASIC-1.132153978"]))
    assert dlq == []
    (settled,) = [e for e in events if isinstance(e, MarketSettled)]
    results = Counter(r.result for r in settled.results)
    assert results["WINNER"] == 1 and results["REMOVED"] >= 1
    assert all(isinstance(e.last_traded_odds, int) for e in events if isinstance(e, OddsChanged))


def test_odds_follow_the_ladder_after_deltas(betfair_recordings: dict[str, Path]) -> None:
    """Independent oracle: rebuild the atb/atl ladders of one runner naively from the JSON and
    compare the best prices with the last OddsChanged the adapter emitted for it."""
    lines = read_lines(betfair_recordings["1.197931750"])
    events, _, _ = replay(lines)
    runner = 37947503
    atb: dict[float, float] = {}
    atl: dict[float, float] = {}
    for line in lines:
        for mc in json.loads(line).get("mc", []):
            if mc.get("img"):
                atb.clear()
                atl.clear()
            for rc in mc.get("rc", []):
                if rc["id"] != runner:
                    continue
                for ladder, key in ((atb, "atb"), (atl, "atl")):
                    for price, size in rc.get(key, []):
                        if size == 0:
                            ladder.pop(price, None)
                        else:
                            ladder[price] = size
    last = [e for e in events if isinstance(e, OddsChanged) and e.selection_id == str(runner)][-1]
    expected_back = round(max(atb) * 10_000) if atb else None
    expected_lay = round(min(atl) * 10_000) if atl else None
    assert (last.best_back_odds, last.best_lay_odds) == (expected_back, expected_lay)


def _line(**fields: object) -> bytes:
    return json.dumps({"op": "mcm", "pt": 1, "clk": "x", **fields}).encode()


def test_a_full_image_replaces_the_cached_ladder() -> None:
    lines = [
        _line(
            pt=1, mc=[{"id": "1.1", "img": True, "rc": [{"id": 7, "atb": [[2.0, 10], [2.2, 5]]}]}]
        ),
        _line(pt=2, mc=[{"id": "1.1", "img": True, "rc": [{"id": 7, "atb": [[1.9, 3]]}]}]),
        _line(pt=3, mc=[{"id": "1.1", "rc": [{"id": 7, "atb": [[1.9, 0]]}]}]),
    ]
    events, _, _ = replay(lines)
    backs = [e.best_back_odds for e in events if isinstance(e, OddsChanged)]
    assert backs == [22_000, 19_000, None]


def test_a_resent_closed_definition_does_not_settle_twice() -> None:
    closed = {
        "status": "CLOSED",
        "runners": [{"id": 1, "status": "WINNER"}, {"id": 2, "status": "LOSER"}],
    }
    lines = [_line(pt=n, mc=[{"id": "1.2", "marketDefinition": closed}]) for n in (1, 2)]
    events, _, _ = replay(lines)
    assert sum(isinstance(e, MarketSettled) for e in events) == 1
    assert sum(isinstance(e, MarketStatusChanged) for e in events) == 1


def test_heartbeats_are_counted_not_emitted() -> None:
    batch = RawBatch("betfair", "feed", 0, [0, 1], [_line(ct="HEARTBEAT"), _line(ct="HEARTBEAT")])
    work, dlq, tally = decode_batch(batch, CTX)
    assert (work, dlq, tally.heartbeats) == ([], [], 2)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x00\xffnot json at all", Reason.MALFORMED),
        (b'{"op":"mcm","pt":1650392673420,"mc":[{"id":"1.19', Reason.MALFORMED),
        (b'{"op":"mcm","pt":"yesterday","mc":[]}', Reason.SCHEMA_MISMATCH),
        (b'{"op":"mcm","pt":1,"mc":[{"id":"1.3","rc":[{"id":"seven"}]}]}', Reason.SCHEMA_MISMATCH),
        (b'{"op":"ocm","pt":1,"oc":[]}', Reason.UNSUPPORTED_MESSAGE),
        (
            b'{"op":"mcm","pt":1,"mc":[{"id":"1.3","rc":[{"id":1,"atb":[[-2,5]]}]}]}',
            Reason.INVALID_VALUE,
        ),
    ],
)
def test_bad_lines_are_rejected_with_their_reason_and_bytes(raw: bytes, reason: Reason) -> None:
    good = _line(pt=5, mc=[{"id": "1.4", "marketDefinition": {"status": "OPEN"}}])
    events, _, dlq = replay([good, raw, good])
    assert [(d.reason, d.raw, d.source.offset) for d in dlq] == [(reason, raw, 1)]
    assert [e.market_id for e in events if isinstance(e, MarketStatusChanged)] == ["1.4"]


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(raw: bytes) -> None:
    events, _, dlq = replay([raw])
    assert events == []
    assert [d.raw for d in dlq] == [raw]


@settings(max_examples=200)
@given(st.data())
def test_any_truncation_of_a_real_line_is_rejected_not_raised(
    betfair_recordings: dict[str, Path], data: st.DataObject
) -> None:
    line = read_lines(betfair_recordings["1.197931750"])[0]
    cut = data.draw(st.integers(min_value=0, max_value=len(line) - 1))
    _, _, dlq = replay([line[:cut]])
    assert [d.reason for d in dlq] == [Reason.MALFORMED]


def test_a_resent_line_is_a_duplicate_and_a_changed_resend_a_conflict() -> None:
    first = _line(pt=10, clk="c1", mc=[{"id": "1.5", "rc": [{"id": 1, "atb": [[2.0, 5]]}]}])
    changed = _line(pt=10, clk="c1", mc=[{"id": "1.5", "rc": [{"id": 1, "atb": [[3.0, 5]]}]}])
    batch = RawBatch("betfair", "feed", 0, [0, 1, 2], [first, first, changed])
    work, _, _ = decode_batch(batch, CTX)
    books = NormalizeShardState(CTX)
    out = books.apply([w for _, w in work])
    odds = [
        o.event for o in out if isinstance(o, AcceptedEvent) and isinstance(o.event, OddsChanged)
    ]
    conflicts = [o for o in out if isinstance(o, DlqEntry)]
    assert [o.best_back_odds for o in odds] == [20_000]
    assert [(c.reason, c.raw, c.source.offset) for c in conflicts] == [
        (Reason.CONFLICT, changed, 2)
    ]
    assert books.take_tally().duplicates == 1


def test_an_older_change_than_the_market_applied_is_stale() -> None:
    newer = _line(pt=20, clk="b", mc=[{"id": "1.6", "rc": [{"id": 1, "atb": [[2.0, 5]]}]}])
    older = _line(pt=19, clk="a", mc=[{"id": "1.6", "rc": [{"id": 1, "atb": [[9.0, 5]]}]}])
    batch = RawBatch("betfair", "feed", 0, [0, 1], [newer, older])
    work, _, _ = decode_batch(batch, CTX)
    books = NormalizeShardState(CTX)
    out = books.apply([w for _, w in work])
    odds = [
        o.event for o in out if isinstance(o, AcceptedEvent) and isinstance(o.event, OddsChanged)
    ]
    assert [o.best_back_odds for o in odds] == [20_000]
    assert books.take_tally().stale == 1


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_duplication_and_rebatching_of_a_recording_yield_the_same_output(
    betfair_recordings: dict[str, Path], data: st.DataObject
) -> None:
    lines = read_lines(betfair_recordings["1.197931750"])
    reference, _, _ = replay(lines)
    noisy = [ln for ln in lines for _ in range(data.draw(st.integers(1, 2)))]
    cuts = sorted(data.draw(st.sets(st.integers(1, len(noisy) - 1), max_size=8)))
    books = NormalizeShardState(CTX)
    events: list[NormalizedEvent] = []
    for lo, hi in zip([0, *cuts], [*cuts, len(noisy)], strict=True):
        batch = RawBatch("betfair", "feed", 0, list(range(lo, hi)), noisy[lo:hi])
        work, _, _ = decode_batch(batch, CTX)
        events += [
            o.event for o in books.apply([w for _, w in work]) if isinstance(o, AcceptedEvent)
        ]
    strip = [(e.dedup_key, type(e)) for e in events]
    assert strip == [(e.dedup_key, type(e)) for e in reference]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"op":"mcm","pt":1,"clk":"\xff\xfe","mc":[]}',
        b'{"op":"mcm","pt":1,"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=["invalid-utf8-in-a-string", "absurd-nesting"],
)
def test_pathological_json_is_rejected_not_raised(raw: bytes) -> None:
    _, _, dlq = replay([raw])
    assert [d.reason for d in dlq] == [Reason.MALFORMED]
