"""Corrections through the pipeline (issue 14, deliverable 4): raw provider bytes through the
decode stage, the normalize shard's dedup and the casino books. A changed live ``round.settle``
or generic ``roundResult`` under its seen dedup key is a correction (it passes, marked
``corrects``) and settles as a new version flagged CORRECTED; a resend of any version seen is a
duplicate; a changed resend of any other type stays a CONFLICT."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.decode import decode_batch
from wagerflow.pipeline.normalize_state import AcceptedEvent, NormalizeShardState
from wagerflow.schemas.dlq import DlqEntry, Reason
from wagerflow.schemas.events import RoundResult, RoundSettled
from wagerflow.schemas.records import RawBatch
from wagerflow.schemas.settlement import BetSettlement
from wagerflow.settle.casino.settlement import CasinoSettlement

T = 1_768_050_000_000


class Pipeline:
    """One normalize shard feeding the casino books, message by message."""

    def __init__(self, provider: str, tenant: str = "t1") -> None:
        self.provider = provider
        self.ctx = NormalizeContext(tenant, "EUR")
        self.shard = NormalizeShardState(self.ctx)
        self.books = CasinoSettlement()
        self.offset = 0
        self.dlq: list[DlqEntry] = []
        self.events: list[Any] = []

    def send(self, message: dict[str, Any]) -> list[BetSettlement]:
        raw = json.dumps(message).encode()
        batch = RawBatch(self.provider, "f", 0, [self.offset], [raw])
        self.offset += 1
        work, rejected, _ = decode_batch(batch, self.ctx)
        assert rejected == []
        records: list[BetSettlement] = []
        for out in self.shard.apply([w for _, w in work]):
            if isinstance(out, DlqEntry):
                self.dlq.append(out)
            elif isinstance(out, AcceptedEvent):
                self.events.append(out.event)
                records.extend(self.books.apply(out.event))
        return records


def live_bet(bet: str, stake: str, at: int) -> dict[str, Any]:
    return {
        "type": "bet.place",
        "timestamp": at,
        "idempotencyKey": bet,
        "betId": bet,
        "sessionId": "s1",
        "roundId": "r1",
        "selection": [{"market": "red", "value": "red"}],
        "stake": {"amount": stake, "currency": "EUR"},
        "limitsProfile": "DEFAULT",
        "playerId": "p1",
        "tableId": "rou-1",
    }


def live_settle(payouts: dict[str, int], at: int) -> dict[str, Any]:
    """A round.settle: each bet of 10.00 wins (payout in cents > 0) or loses."""
    return {
        "type": "round.settle",
        "timestamp": at,
        "roundId": "r1",
        "currency": "EUR",
        "bets": [
            {
                "betId": bet,
                "stake": "10.00",
                "payout": f"{payout / 100:.2f}",
                "outcome": "WIN" if payout else "LOSE",
            }
            for bet, payout in sorted(payouts.items())
        ],
        "transactions": [],
        "balanceAfter": "100.00",
        "sessionId": "s1",
    }


def generic_result(payouts: dict[str, int], at: int) -> dict[str, Any]:
    return {
        "type": "roundResult",
        "timestamp": at,
        "roundId": "g1",
        "outcome": "17 BLACK",
        "payouts": [
            {"betId": bet, "playerId": "p1", "amount": f"{p / 100:.2f}", "currency": "EUR"}
            for bet, p in sorted(payouts.items())
        ],
        "tableId": "rt-1",
    }


def test_a_corrected_round_settle_reaches_the_books_as_a_corrected_version() -> None:
    pipe = Pipeline("live")
    pipe.send(live_bet("b1", "10.00", T))
    pipe.send(live_bet("b2", "10.00", T + 1))
    first = pipe.send(live_settle({"b1": 0, "b2": 2_000}, T + 10))
    assert [(r.bet_id, r.payout, r.flags) for r in first] == [("b1", 0, []), ("b2", 2_000, [])]
    # the studio mis-read the ball: b1 won, b2 lost
    fixed = pipe.send(live_settle({"b1": 2_000, "b2": 0}, T + 60_000))
    assert [(r.bet_id, r.version, r.outcome, r.payout, r.flags) for r in fixed] == [
        ("b1", 2, "WIN", 2_000, ["CORRECTED"]),
        ("b2", 2, "LOSE", 0, ["CORRECTED"]),
    ]
    settles = [e for e in pipe.events if isinstance(e, RoundSettled)]
    assert [e.corrects for e in settles] == [None, "live:round.settle:r1"]
    assert pipe.dlq == []
    # a resend of the correction, or a late resend of the original: duplicates, nothing reverts
    assert pipe.send(live_settle({"b1": 2_000, "b2": 0}, T + 61_000)) == []
    assert pipe.send(live_settle({"b1": 0, "b2": 2_000}, T + 62_000)) == []
    assert (len(pipe.events), pipe.dlq, pipe.shard.take_tally().duplicates) == (4, [], 2)


def test_a_changed_resend_of_any_other_type_stays_a_conflict() -> None:
    pipe = Pipeline("live")
    pipe.send(live_bet("b1", "10.00", T))
    assert pipe.send(live_bet("b1", "99.00", T + 5)) == []  # the same idempotency key reused
    (entry,) = pipe.dlq
    assert entry.reason == Reason.CONFLICT
    assert "live:bet.place:b1" in entry.detail


def test_a_corrected_generic_round_result_reaches_the_books_as_a_corrected_version() -> None:
    pipe = Pipeline("generic")
    (first,) = pipe.send(generic_result({"x1": 1_500}, T))
    assert (first.payout, first.version, "CORRECTED" in first.flags) == (1_500, 1, False)
    (fixed,) = pipe.send(generic_result({"x1": 3_000}, T + 1_000))
    assert (fixed.payout, fixed.version, "CORRECTED" in fixed.flags) == (3_000, 2, True)
    results = [e for e in pipe.events if isinstance(e, RoundResult)]
    assert [e.corrects for e in results] == [None, "generic:roundResult:g1"]
    assert pipe.send(generic_result({"x1": 1_500}, T + 2_000)) == []
    assert pipe.dlq == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([0, 2_000]), min_size=1, max_size=6).map(tuple), st.data())
def test_any_run_of_settles_ends_on_the_last_new_version(
    first: tuple[int, ...], data: st.DataObject
) -> None:
    """Oracle (the rule in docs/providers.md): over a run of settles of one round, a settle whose
    content was seen before is dropped, a new one is a correction; the books end on the last
    new content, each bet flagged CORRECTED iff its payout differs from the first settle's."""
    bets = [f"b{i}" for i in range(len(first))]
    versions = [dict(zip(bets, first, strict=True))]
    for _ in range(data.draw(st.integers(0, 5))):
        pays = data.draw(st.lists(st.sampled_from([0, 2_000]), min_size=len(bets)))
        versions.append(dict(zip(bets, pays[: len(bets)], strict=True)))
    pipe = Pipeline("live")
    for n, bet in enumerate(bets):
        pipe.send(live_bet(bet, "10.00", T + n))
    seen: list[dict[str, int]] = []
    final: dict[str, BetSettlement] = {}
    for n, version in enumerate(versions):
        for record in pipe.send(live_settle(version, T + 1_000 * (n + 1))):
            final[record.bet_id] = record
        if version not in seen:
            seen.append(version)
    assert pipe.dlq == []
    settles = [e for e in pipe.events if isinstance(e, RoundSettled)]
    assert len(settles) == len(seen)
    assert [e.corrects is not None for e in settles] == [i > 0 for i in range(len(seen))]
    for bet in bets:
        assert final[bet].payout == seen[-1][bet]
        assert ("CORRECTED" in final[bet].flags) == (seen[-1][bet] != seen[0][bet])
