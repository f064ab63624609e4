"""Round summaries and round.settle messages from bet settlement versions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wagerflow.schemas.events import BetOutcome
from wagerflow.schemas.settlement import BetSettlement
from wagerflow.settle.publish import RoundTotals, settlement_messages

OUTCOMES: list[BetOutcome | None] = [None, "WIN", "LOSE", "VOID", "PUSH", "HALF_WIN"]


def _chains(draw: st.DrawFn) -> list[BetSettlement]:
    """Versions 1..n of a few bets on two rounds, each naming the one before it."""
    out = []
    for b in range(draw(st.integers(1, 6))):
        stake = draw(st.integers(1, 10_000))
        previous: BetSettlement | None = None
        for version in range(1, draw(st.integers(1, 5)) + 1):
            outcome = draw(st.sampled_from(OUTCOMES))
            payout = 0 if outcome is None else draw(st.integers(0, 50_000))
            record = BetSettlement(
                tenant_id="t1",
                provider_id="p",
                category="live",
                settlement_id=f"t1:p:b{b}:{version}",
                bet_id=f"b{b}",
                round_id=f"r{b % 2}",
                player_id=None,
                currency="EUR",
                stake=stake,
                state="OPEN" if outcome is None else "SETTLED",
                outcome=outcome,
                payout=payout,
                version=version,
                settled_at_ms=version * 10 + b,
                previous_state=None if previous is None else previous.state,
                previous_outcome=None if previous is None else previous.outcome,
                previous_payout=0 if previous is None else previous.payout,
            )
            out.append(record)
            previous = record
    return out


chains = st.composite(_chains)()


@given(chains, st.randoms(use_true_random=False))
def test_transactions_sum_to_each_bets_final_payout(
    records: list[BetSettlement], rnd: object
) -> None:
    per_input = [[r] for r in records]
    messages = [m for batch in per_input for m in settlement_messages(batch)]
    moved: dict[str, int] = {}
    for message in messages:
        for tx in message.transactions:
            bet = tx.id.rsplit(":", 1)[0]
            moved[bet] = moved.get(bet, 0) + (tx.amount if tx.type == "CREDIT" else -tx.amount)
    final = {r.bet_id: r.payout for r in records}  # the last version of each bet
    assert {b: moved.get(b, 0) for b in final} == final
    assert all(tx.amount > 0 for m in messages for tx in m.transactions)


@given(chains)
def test_messages_are_deterministic_and_group_by_round(records: list[BetSettlement]) -> None:
    first = settlement_messages(records)
    assert settlement_messages(list(reversed(records))) == first
    assert len({m.settlement_id for m in first}) == len(first) == len({r.round_id for r in records})
    assert sorted((b.bet_id, b.version) for m in first for b in m.bets) == sorted(
        (r.bet_id, r.version) for r in records
    )


@given(chains)
def test_round_summary_equals_the_totals_over_the_latest_versions(
    records: list[BetSettlement],
) -> None:
    totals = RoundTotals()
    summaries = [s for r in records for s in totals.apply([r])]
    assert totals.apply(records) == []  # a replay changes nothing
    latest = {r.bet_id: r for r in records}
    for round_id in {r.round_id for r in records}:
        mine = [r for r in latest.values() if r.round_id == round_id]
        settled = [r for r in mine if r.state == "SETTLED"]
        (last,) = [s for s in summaries if s.round_id == round_id][-1:]
        assert (last.bets, last.stake, last.payout) == (
            len(settled),
            sum(r.stake for r in settled),
            sum(r.payout for r in settled),
        )
        versions = [s.version for s in summaries if s.round_id == round_id]
        assert versions == sorted(versions)
        assert last.version == max(r.settled_at_ms for r in mine) == last.updated_at_ms
        expected = "OPEN"
        if settled and len(settled) == len(mine):
            expected = "VOID" if all(r.outcome == "VOID" for r in settled) else "SETTLED"
        assert last.status == expected
