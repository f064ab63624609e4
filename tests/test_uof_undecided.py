"""MONEY.md §3.2: a UOF ``bet_settlement`` outcome with ``result="-1"`` (undecided yet; the
Sportradar SDKs' ``OutcomeResult.UndecidedYet``) stays open while the other outcomes of the same
message settle: in the adapter (no DLQ), in the exposure book and in the settlement. Also: every
recorded UOF feed message still decodes with zero DLQ."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from wagerflow.adapters.base import RawMeta
from wagerflow.adapters.rejection import Rejection
from wagerflow.adapters.uof_events import decode
from wagerflow.money import ODDS_SCALE
from wagerflow.risk.sports import SportsBook
from wagerflow.schemas.events import BetPlaced, BetSelection, LineSettled, SourceRef
from wagerflow.schemas.risk import LineExposure
from wagerflow.settle.sports.settlement import SportsSettlement

T = "t1"
EVENT = "sr:match:7"
META = RawMeta(T, SourceRef(topic="raw.uof", partition=0, offset=0), None)


def settlement_xml(results: dict[str, str], timestamp: int, certainty: int = 2) -> bytes:
    outcomes = "".join(f'<outcome id="{o}" result="{r}"/>' for o, r in results.items())
    return (
        f'<bet_settlement event_id="{EVENT}" product="1" timestamp="{timestamp}"'
        f' certainty="{certainty}"><outcomes><market id="1">{outcomes}</market>'
        f"</outcomes></bet_settlement>"
    ).encode()


def settled(raw: bytes) -> LineSettled:
    result = decode(raw, META)
    assert not isinstance(result, Rejection), result
    (candidate,) = result
    assert isinstance(candidate.event, LineSettled)
    return candidate.event


def placed(bet_id: str, selection: str, stake: int = 1_000) -> BetPlaced:
    n = int(bet_id[1:])
    return BetPlaced(
        tenant_id=T,
        provider_id="uof",
        category="sport",
        event_time_ms=n,
        received_time_ms=n,
        dedup_key=f"bet:{bet_id}",
        source=SourceRef(topic="raw.bets", partition=0, offset=n),
        bet_id=bet_id,
        idempotency_key=bet_id,
        selections=[BetSelection(market_id="1", selection_id=selection, event_id=EVENT)],
        stake=stake,
        currency="EUR",
        accepted_odds=3 * ODDS_SCALE,
        player_id="p1",
    )


BETS = [placed("b1", "1"), placed("b2", "2"), placed("b3", "3")]
FIRST = settlement_xml({"1": "1", "2": "0", "3": "-1"}, timestamp=1_000)
LATER = settlement_xml({"1": "1", "2": "0", "3": "1"}, timestamp=2_000)


def test_the_adapter_keeps_an_undecided_outcome_open_and_settles_the_others() -> None:
    first = settled(FIRST)
    assert [(o.outcome_id, o.won) for o in first.outcomes] == [
        ("1", True),
        ("2", False),
        ("3", None),
    ]
    assert first.producer == "1"
    later = settled(LATER)
    assert [o.won for o in later.outcomes] == [True, False, True]
    # the message deciding it is a new settlement, not a conflicting resend of the first
    assert first.dedup_key != later.dedup_key
    assert settled(FIRST).dedup_key == first.dedup_key  # a resend is still a duplicate


def test_a_result_other_than_minus_one_zero_or_one_is_still_rejected() -> None:
    result = decode(settlement_xml({"1": "2"}, timestamp=1), META)
    assert isinstance(result, Rejection)


def open_selections(out: list[Any]) -> dict[str, int]:
    (line,) = [r for r in out if isinstance(r, LineExposure)]
    return {s.selection_id: s.bets for s in line.selections if s.bets}


def test_the_exposure_book_keeps_only_the_undecided_outcomes_bets() -> None:
    book = SportsBook()
    for b in BETS:
        book.apply(b)
    out = book.apply(settled(FIRST))
    assert open_selections(out) == {"3": 1}
    assert book.has_open_bets()
    book.apply(settled(LATER))
    assert not book.has_open_bets()


def test_settlement_pays_the_decided_outcomes_and_leaves_the_undecided_open() -> None:
    s = SportsSettlement()
    for b in BETS:
        assert s.apply(b) == []
    first = {r.bet_id: (r.state, r.outcome, r.payout) for r in s.apply(settled(FIRST))}
    assert first == {"b1": ("SETTLED", "WIN", 3_000), "b2": ("SETTLED", "LOSE", 0)}
    later = {r.bet_id: (r.state, r.outcome, r.payout) for r in s.apply(settled(LATER))}
    assert later == {"b3": ("SETTLED", "WIN", 3_000)}  # b1 and b2 unchanged: no new version


def test_an_undecided_outcome_never_undoes_a_decision() -> None:
    """A later message of the same certainty that leaves a decided outcome undecided (a resend
    of an earlier partial one) keeps the decision: only a rollback clears it."""
    s = SportsSettlement()
    for b in BETS:
        s.apply(b)
    s.apply(settled(LATER))
    again = settlement_xml({"1": "1", "2": "0", "3": "-1"}, timestamp=3_000)
    assert s.apply(settled(again)) == []


FEED_SAMPLES = (
    "bet_cancel.xml",
    "bet_settlement.xml",
    "odds_change-0.xml",
    "rollback_bet_cancel.xml",
)


def test_the_recorded_uof_messages_decode_with_zero_dlq(shared_data: Path) -> None:
    names = {p.name for p in (shared_data / "uof").glob("*.xml")} - {"markets-0.xml"}
    assert names == set(FEED_SAMPLES)  # markets-0.xml is an API market description
    for name in FEED_SAMPLES:
        raw = (shared_data / "uof" / name).read_bytes()
        result = decode(raw, META)
        assert not isinstance(result, Rejection), (name, result)
        assert result
        product = re.search(rb' product="([0-9]+)"', raw)  # a rollback may omit it
        producer = None if product is None else product.group(1).decode()
        assert {getattr(c.event, "producer", None) for c in result} == {producer}
