"""Live-casino and seamless-wallet settlement (``wagerflow.settle.casino``): from-scratch
oracles over random interleavings of the bets and rounds streams and over random wallet callback
sequences, the version chain, replay and snapshot invariance, one example per edge case and
provider, and the project's generated samples through the real adapters."""

from __future__ import annotations

import pickle
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.adapters import evolution, generic, hub88, live, pragmatic
from wagerflow.adapters.base import Adapter, RawMeta
from wagerflow.samples.evolution import evolution_lines
from wagerflow.samples.generic import generic_lines
from wagerflow.samples.hub88 import hub88_lines
from wagerflow.samples.live import live_lines
from wagerflow.samples.pragmatic import pragmatic_lines
from wagerflow.schemas.events import (
    BetDecided,
    BetOutcome,
    BetPlaced,
    BetSelection,
    NormalizedEvent,
    Payout,
    RoundChanged,
    RoundResult,
    RoundSettled,
    SettledBet,
    SourceRef,
    TransactionKind,
    WalletTransaction,
)
from wagerflow.schemas.settlement import BetSettlement
from wagerflow.settle.casino.core import CasinoSettleConfig, payout_outcome
from wagerflow.settle.casino.settlement import CasinoSettlement

T = 1_768_050_000_000
TENANT = "tenant-1"
LATE_AFTER = 100
SOURCE = SourceRef(topic="t", partition=0, offset=0)


def env(provider: str, ms: int, key: str, category: str = "live") -> dict[str, Any]:
    return {
        "tenant_id": TENANT,
        "provider_id": provider,
        "category": category,
        "event_time_ms": ms,
        "received_time_ms": ms,
        "dedup_key": f"{provider}:{key}",
        "source": SOURCE,
    }


# --- live event builders ----------------------------------------------------------------------


def place(bet_id: str, round_id: str, stake: int, ms: int = T, provider: str = "live") -> BetPlaced:
    return BetPlaced(
        **env(provider, ms, f"bet.place:{bet_id}"),
        bet_id=bet_id,
        idempotency_key=bet_id,
        selections=[BetSelection(market_id="straight", selection_id="17")],
        stake=stake,
        currency="EUR",
        player_id=f"p-{bet_id}",
        round_id=round_id,
    )


def reject(bet_id: str, ms: int = T, reason: str | None = "LIMIT_EXCEEDED") -> BetDecided:
    return BetDecided(
        **env("live", ms, f"bet.rejected:{bet_id}"),
        bet_id=bet_id,
        decision="REJECTED",
        reason=reason,
    )


def change(round_id: str, what: Any, ms: int = T, reason: str | None = None) -> RoundChanged:
    return RoundChanged(
        **env("live", ms, f"round:{what}:{round_id}"), round_id=round_id, change=what, reason=reason
    )


def result(round_id: str, payouts: dict[str, int], ms: int = T) -> RoundResult:
    return RoundResult(
        **env("live", ms, f"roundResult:{round_id}"),
        round_id=round_id,
        outcome="17 RED",
        payouts=[
            Payout(bet_id=b, player_id=f"p-{b}", amount=a, currency="EUR")
            for b, a in payouts.items()
        ],
    )


def settle(
    round_id: str, bets: dict[str, tuple[int, int, BetOutcome]], ms: int = T
) -> RoundSettled:
    """``bets``: bet_id -> (stake, payout, outcome)."""
    return RoundSettled(
        **env("live", ms, f"round.settle:{round_id}"),
        round_id=round_id,
        currency="EUR",
        bets=[SettledBet(bet_id=b, stake=s, payout=p, outcome=o) for b, (s, p, o) in bets.items()],
        transactions=[],
    )


# --- wallet event builders --------------------------------------------------------------------

CATEGORY = {"hub88": "slot", "evolution": "live", "pragmatic": "slot"}
DIRECTION: dict[str, Literal["DEBIT", "CREDIT", "NONE"]] = {
    "BET": "DEBIT",
    "ROLLBACK": "NONE",
    "END_ROUND": "NONE",
}


def wallet(
    provider: str,
    kind: TransactionKind,
    tx: str,
    amount: int = 0,
    ref: str | None = None,
    round_id: str | None = None,
    ms: int = T,
    currency: str = "EUR",
) -> WalletTransaction:
    return WalletTransaction(
        **env(provider, ms, f"{kind}:{tx}", CATEGORY.get(provider, "slot")),
        transaction_id=tx,
        kind=kind,
        direction=DIRECTION.get(kind, "CREDIT"),
        amount=amount,
        currency=currency,
        reference_id=ref,
        round_id=round_id,
        player_id="player-1",
    )


class Wallet:
    """One provider's callbacks, shaped as its adapter maps them (see ``wagerflow.adapters``).
    ``key`` is the pairing key: the bet's id (Hub88, Pragmatic) or ``refId`` (Evolution)."""

    def __init__(self, provider: str) -> None:
        self.provider = provider

    def round_of(self, key: str) -> str:
        return f"R-{key}"

    def bet(self, key: str, stake: int, ms: int = T) -> WalletTransaction:
        p, r = self.provider, self.round_of(key)
        if p == "evolution":
            return wallet(p, "BET", f"D{key}", stake, ref=key, round_id=r, ms=ms)
        return wallet(p, "BET", key, stake, round_id=r, ms=ms)

    def win(self, key: str, n: int, amount: int, ms: int = T) -> WalletTransaction:
        p, r, tx = self.provider, self.round_of(key), f"{key}-w{n}"
        if p == "pragmatic":  # a result names the round, not the bet
            return wallet(p, "WIN", tx, amount, round_id=r, ms=ms)
        return wallet(p, "WIN", tx, amount, ref=key, round_id=r, ms=ms)

    def cancel(self, key: str, stake: int = 0, ms: int = T) -> WalletTransaction:
        p, r = self.provider, self.round_of(key)
        if p == "hub88":  # no amount, no currency in Hub88's rollback
            return wallet(p, "ROLLBACK", f"{key}-rb", ref=key, round_id=r, ms=ms, currency="XXX")
        if p == "evolution":  # the cancel carries the debit's id and amount
            return wallet(p, "ROLLBACK", f"D{key}", stake, ref=key, round_id=r, ms=ms)
        return wallet(p, "REFUND", key, stake, ref=key, round_id=r, ms=ms)

    def rollback_win(self, key: str, n: int, ms: int = T) -> WalletTransaction:
        assert self.provider == "hub88"
        tx = f"{key}-rbw{n}"
        return wallet("hub88", "ROLLBACK", tx, ref=f"{key}-w{n}", ms=ms, currency="XXX")

    def end_round(self, key: str, ms: int = T) -> WalletTransaction:
        assert self.provider == "pragmatic"
        r = self.round_of(key)
        return wallet("pragmatic", "END_ROUND", r, round_id=r, ms=ms)


# --- running and the invariants every run must keep -------------------------------------------


def run(events: Iterable[NormalizedEvent], engine: CasinoSettlement) -> list[BetSettlement]:
    return [r for e in events for r in engine.apply(e)]


def finals(records: Iterable[BetSettlement]) -> dict[str, BetSettlement]:
    out: dict[str, BetSettlement] = {}
    for r in records:
        out[r.bet_id] = r
    return out


def check_chains(records: Sequence[BetSettlement]) -> None:
    """Versions 1..n without gaps per bet, settlement ids, and ``previous_*`` = the version
    before."""
    last: dict[str, BetSettlement] = {}
    for r in records:
        before = last.get(r.bet_id)
        assert r.version == (1 if before is None else before.version + 1), r
        assert r.settlement_id == f"{r.tenant_id}:{r.provider_id}:{r.bet_id}:{r.version}"
        if before is None:
            assert (r.previous_state, r.previous_outcome, r.previous_payout) == (None, None, 0)
        else:
            assert r.previous_state == before.state
            assert r.previous_outcome == before.outcome
            assert r.previous_payout == before.payout
        if r.state == "OPEN":
            assert r.outcome is None and r.payout == 0
        if r.outcome == "VOID":
            assert r.payout == r.stake
        last[r.bet_id] = r


def check_replay_and_snapshot(events: Sequence[NormalizedEvent], cut: int) -> list[BetSettlement]:
    """Run ``events``; the same run through a pickled copy at ``cut`` gives the same records;
    replaying everything afterwards emits nothing. Returns the records."""
    config = CasinoSettleConfig(late_after_ms=LATE_AFTER)
    engine = CasinoSettlement(config)
    records = run(events, engine)
    check_chains(records)
    first = CasinoSettlement(config)
    head = run(events[:cut], first)
    restored: CasinoSettlement = pickle.loads(pickle.dumps(first))
    assert head + run(events[cut:], restored) == records
    assert run(events, engine) == []
    assert run(events, restored) == []
    return records


def merge(draw: st.DrawFn, streams: Sequence[Sequence[NormalizedEvent]]) -> list[NormalizedEvent]:
    """A random interleaving of ``streams`` keeping the order within each."""
    queues = [list(s) for s in streams if s]
    out: list[NormalizedEvent] = []
    while queues:
        i = draw(st.integers(0, len(queues) - 1))
        out.append(queues[i].pop(0))
        if not queues[i]:
            queues.pop(i)
    return out


# --- live: the oracle -------------------------------------------------------------------------


class Expect(NamedTuple):
    round_id: str
    stake: int
    state: str
    outcome: str | None
    payout: int
    settled_at_ms: int
    reason: str | None
    flags: frozenset[str]


NULL = None
"""No settlement in force: the bet has no record, or one that pays nothing and settles nothing
(a REJECTED or NOT_IN_RESULT version, which exists or not depending on the interleaving)."""


def label(stake: int, payout: int) -> str:
    return (
        "LOSE"
        if payout == 0
        else "WIN"
        if payout > stake
        else "PUSH"
        if payout == stake
        else "HALF_LOSE"
    )


def live_oracle(
    bets_stream: Sequence[NormalizedEvent], rounds_stream: Sequence[NormalizedEvent]
) -> dict[str, Expect | None]:
    """Every bet's final record computed from the two streams as wholes (their interleaving does
    not matter), written independently of the incremental implementation."""
    placed: dict[str, BetPlaced] = {}
    rejected: dict[str, BetDecided] = {}
    for e in bets_stream:
        if isinstance(e, BetPlaced) and e.bet_id not in placed:
            placed[e.bet_id] = e
        elif isinstance(e, BetDecided) and e.decision == "REJECTED" and e.bet_id in placed:
            rejected.setdefault(e.bet_id, e)
    closes: dict[str, int] = {}
    aborts: dict[str, RoundChanged] = {}
    results: dict[str, list[tuple[RoundResult | RoundSettled, bool]]] = defaultdict(list)
    seen: dict[str, list[object]] = defaultdict(list)
    for e in rounds_stream:
        if isinstance(e, RoundChanged):
            if e.change == "BETTING_CLOSED":
                closes.setdefault(e.round_id, e.event_time_ms)
            elif e.change == "ABORTED" and e.round_id not in results:
                aborts.setdefault(e.round_id, e)
        elif isinstance(e, RoundResult | RoundSettled) and e.round_id not in aborts:
            figures: object
            if isinstance(e, RoundSettled):
                figures = sorted((b.bet_id, b.stake, b.payout, b.outcome) for b in e.bets)
            else:
                sums: dict[str | None, int] = defaultdict(int)
                for p in e.payouts:
                    sums[p.bet_id] += p.amount
                figures = ("payouts", sorted(sums.items()))
            if figures in seen[e.round_id]:
                continue
            seen[e.round_id].append(figures)
            close = closes.get(e.round_id)
            late = close is not None and e.event_time_ms - close > LATE_AFTER
            results[e.round_id].append((e, late))

    def under(res: RoundResult | RoundSettled, bet_id: str, bet: BetPlaced | None) -> Any:
        if isinstance(res, RoundSettled):
            listed = [b for b in res.bets if b.bet_id == bet_id]
            if not listed:
                return None
            b = listed[0]
            return (bet.stake if bet else b.stake, b.outcome, b.payout)
        amounts = [p.amount for p in res.payouts if p.bet_id == bet_id]
        if bet is not None:
            return (bet.stake, label(bet.stake, sum(amounts)), sum(amounts))
        return (0, label(0, sum(amounts)), sum(amounts)) if amounts else None

    expected: dict[str, Expect | None] = {}
    named = {
        (r.round_id, b)
        for rs in results.values()
        for r, _ in rs
        for b in (
            [x.bet_id for x in r.bets]
            if isinstance(r, RoundSettled)
            else [p.bet_id for p in r.payouts if p.bet_id is not None]
        )
    }
    candidates = {(p.round_id, b) for b, p in placed.items()} | named
    for round_id, bet_id in candidates:
        assert round_id is not None
        bet = placed.get(bet_id)
        if bet is not None and bet.round_id != round_id:
            bet = None  # not in this round (the generator never does this)
        held = bet if bet is not None and bet_id not in rejected else None
        if round_id in aborts:
            a = aborts[round_id]
            expected[bet_id] = (
                Expect(
                    round_id,
                    held.stake,
                    "SETTLED",
                    "VOID",
                    held.stake,
                    a.event_time_ms,
                    f"ABORTED:{a.reason or 'unknown'}",
                    frozenset(),
                )
                if held
                else NULL
            )
            continue
        history = results.get(round_id, [])
        figs = [under(r, bet_id, held) for r, _ in history]
        if not figs or figs[-1] is None:
            expected[bet_id] = NULL
            continue
        start = max(i for i in range(len(figs)) if i == 0 or figs[i - 1] != figs[-1])
        res, late = history[start]
        flags = set()
        if late:
            flags.add("LATE")
        if figs[0] != figs[-1]:
            flags.add("CORRECTED")
        if held is None:
            flags.add("UNKNOWN_BET")
        stake, outcome, payout = figs[-1]
        expected[bet_id] = Expect(
            round_id, stake, "SETTLED", outcome, payout, res.event_time_ms, None, frozenset(flags)
        )
    return expected


def as_expect(r: BetSettlement) -> Expect:
    return Expect(
        r.round_id,
        r.stake,
        r.state,
        r.outcome,
        r.payout,
        r.settled_at_ms,
        r.reason,
        frozenset(r.flags),
    )


def is_null(r: BetSettlement | None) -> bool:
    if r is None:
        return True
    dropped = r.outcome == "VOID" and (r.reason or "").startswith("REJECTED:")
    return r.payout == 0 and (r.state == "OPEN" or dropped)


# --- live: random interleavings ---------------------------------------------------------------


SETTLE_OUTCOMES: list[BetOutcome] = ["WIN", "LOSE", "PUSH", "VOID"]


class LiveCase(NamedTuple):
    bets: list[NormalizedEvent]
    rounds: list[NormalizedEvent]
    events: list[NormalizedEvent]
    cut: int


@st.composite
def live_cases(draw: st.DrawFn) -> LiveCase:
    times = st.integers(T, T + 400)
    round_ids = [f"r{i}" for i in range(draw(st.integers(1, 3)))]
    members: dict[str, list[tuple[str, int]]] = {r: [] for r in round_ids}
    bet_sequences: list[list[NormalizedEvent]] = []
    for i in range(draw(st.integers(0, 7))):
        bet_id, round_id = f"b{i}", draw(st.sampled_from(round_ids))
        stake = draw(st.integers(1, 50))
        members[round_id].append((bet_id, stake))
        seq: list[NormalizedEvent] = [place(bet_id, round_id, stake, draw(times))]
        if draw(st.booleans()):  # a resend, maybe with other figures: a duplicate all the same
            seq.append(place(bet_id, round_id, draw(st.integers(1, 50)), draw(times)))
        if draw(st.integers(0, 3)) == 0:
            reason = draw(st.sampled_from(["LIMIT_EXCEEDED", None]))
            seq.append(reject(bet_id, draw(times), reason))
            if draw(st.booleans()):
                seq.append(reject(bet_id, draw(times), reason))
        bet_sequences.append(seq)
    bet_sequences.append([reject("nobody", draw(times))])  # a decision on an unknown bet

    round_sequences: list[list[NormalizedEvent]] = []
    for round_id in round_ids:
        ours = members[round_id] + [(f"{round_id}-u{k}", 0) for k in range(2)]
        seq = []
        if draw(st.booleans()):
            seq.append(change(round_id, "BETTING_CLOSED", draw(times)))
        finals: list[NormalizedEvent] = []
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["result", "settle", "abort", "again"]))
            if kind == "again" and finals:
                finals.append(draw(st.sampled_from(finals)))  # a redelivery
            elif kind == "abort":
                reason = draw(st.sampled_from(["no_spin", None]))
                finals.append(change(round_id, "ABORTED", draw(times), reason))
            elif kind == "result":
                named = draw(st.lists(st.sampled_from(ours), unique=True))
                payouts = {
                    b: draw(st.sampled_from([0, s // 2, s, 2 * s, 36 * s, 7])) for b, s in named
                }
                finals.append(result(round_id, payouts, draw(times)))
            else:
                named = draw(st.lists(st.sampled_from(ours), unique=True))
                listed: dict[str, tuple[int, int, BetOutcome]] = {}
                for b, s in named:
                    outcome: BetOutcome = draw(st.sampled_from(SETTLE_OUTCOMES))
                    s = s or 5  # the provider knows every stake
                    paid = {"WIN": 2 * s, "LOSE": 0, "PUSH": s, "VOID": s}[outcome]
                    listed[b] = (s, paid, outcome)
                finals.append(settle(round_id, listed, draw(times)))
        seq += finals
        if draw(st.booleans()):
            seq.append(change(round_id, "BETTING_CLOSED", draw(times)))  # too late to count
        round_sequences.append(seq)
    bets = merge(draw, bet_sequences)
    rounds = merge(draw, round_sequences)
    events = merge(draw, [bets, rounds])
    return LiveCase(bets, rounds, events, draw(st.integers(0, len(events))))


@settings(max_examples=300)
@given(live_cases())
def test_live_final_records_match_the_oracle_whatever_the_interleaving(case: LiveCase) -> None:
    records = check_replay_and_snapshot(case.events, case.cut)
    actual = finals(records)
    expected = live_oracle(case.bets, case.rounds)
    for bet_id in set(actual) | set(expected):
        want = expected.get(bet_id, NULL)
        got = actual.get(bet_id)
        if want is NULL:
            assert is_null(got), (bet_id, got)
        else:
            assert got is not None, (bet_id, want)
            assert as_expect(got) == want, bet_id
    paid = sum(w.payout for w in expected.values() if w is not NULL)
    assert sum(r.payout for r in actual.values()) == paid


@given(live_cases(), st.randoms(use_true_random=False))
def test_live_final_records_do_not_depend_on_how_the_streams_interleave(
    case: LiveCase, rnd: Any
) -> None:
    """Another interleaving of the same two streams ends with the same records (up to the
    null ones, which exist or not depending on the order)."""
    bets, rounds = list(case.bets), list(case.rounds)
    other: list[NormalizedEvent] = []
    while bets or rounds:
        source = bets if bets and (not rounds or rnd.random() < 0.5) else rounds
        other.append(source.pop(0))
    config = CasinoSettleConfig(late_after_ms=LATE_AFTER)
    a = finals(run(case.events, CasinoSettlement(config)))
    b = finals(run(other, CasinoSettlement(config)))
    for bet_id in set(a) | set(b):
        ra, rb = a.get(bet_id), b.get(bet_id)
        if is_null(ra) or is_null(rb):
            assert is_null(ra) and is_null(rb)
        else:
            assert ra is not None and rb is not None
            assert as_expect(ra) == as_expect(rb)


# --- live: examples ---------------------------------------------------------------------------


def live_engine(late_after_ms: int = 60_000) -> CasinoSettlement:
    return CasinoSettlement(CasinoSettleConfig(late_after_ms=late_after_ms))


def test_round_result_labels_win_push_half_lose_and_lose() -> None:
    engine = live_engine()
    run([place(f"b{i}", "r1", 100) for i in range(5)], engine)
    out = engine.apply(result("r1", {"b0": 3600, "b1": 100, "b2": 50, "b3": 0}, T + 5))
    assert [(r.bet_id, r.outcome, r.payout, r.state) for r in out] == [
        ("b0", "WIN", 3600, "SETTLED"),
        ("b1", "PUSH", 100, "SETTLED"),
        ("b2", "HALF_LOSE", 50, "SETTLED"),
        ("b3", "LOSE", 0, "SETTLED"),
        ("b4", "LOSE", 0, "SETTLED"),  # absent: lost
    ]
    assert all(r.settled_at_ms == T + 5 and r.flags == [] and r.version == 1 for r in out)
    assert out[0].settlement_id == f"{TENANT}:live:b0:1"
    assert out[0].player_id == "p-b0" and out[0].round_id == "r1" and out[0].category == "live"


def test_payout_labels() -> None:
    assert [payout_outcome(100, p) for p in (0, 1, 99, 100, 101)] == [
        "LOSE",
        "HALF_LOSE",
        "HALF_LOSE",
        "PUSH",
        "WIN",
    ]
    assert payout_outcome(0, 0) == "LOSE"
    assert payout_outcome(0, 5) == "WIN"


def test_rejected_bet_is_dropped_and_an_abort_voids_the_rest() -> None:
    engine = live_engine()
    run([place("b1", "r1", 100), place("b2", "r1", 40), reject("b1")], engine)
    out = engine.apply(change("r1", "ABORTED", T + 9, reason="dealer_error"))
    assert [(r.bet_id, r.outcome, r.payout, r.reason) for r in out] == [
        ("b2", "VOID", 40, "ABORTED:dealer_error")
    ]
    assert engine.apply(change("r1", "ABORTED", T + 10)) == []
    assert engine.apply(result("r1", {"b2": 80})) == []  # the abort is final
    late = engine.apply(place("b3", "r1", 10, T + 20))  # a bet arriving after the abort
    assert [(r.outcome, r.payout, r.settled_at_ms) for r in late] == [("VOID", 10, T + 9)]
    unknown_reason = live_engine()
    unknown_reason.apply(place("b1", "r2", 5))
    (void,) = unknown_reason.apply(change("r2", "ABORTED"))
    assert void.reason == "ABORTED:unknown"


def test_round_settle_takes_the_providers_figures_and_flags_unknown_bets() -> None:
    engine = live_engine()
    engine.apply(place("b1", "r1", 100))
    out = engine.apply(settle("r1", {"b1": (100, 195, "WIN"), "ghost": (30, 0, "LOSE")}))
    by_id = {r.bet_id: r for r in out}
    assert (by_id["b1"].outcome, by_id["b1"].payout, by_id["b1"].flags) == ("WIN", 195, [])
    ghost = by_id["ghost"]
    assert (ghost.stake, ghost.outcome, ghost.flags) == (30, "LOSE", ["UNKNOWN_BET"])
    assert ghost.player_id is None and ghost.currency == "EUR"


def test_round_result_payout_for_an_unknown_bet_is_flagged() -> None:
    engine = live_engine()
    (r,) = engine.apply(result("r1", {"ghost": 70}))
    assert (r.stake, r.outcome, r.payout, r.flags) == (0, "WIN", 70, ["UNKNOWN_BET"])
    # the bet arrives afterwards (another topic): settled on arrival from the stored result
    (v2,) = engine.apply(place("ghost", "r1", 35, T + 50))
    assert (v2.version, v2.stake, v2.outcome, v2.payout, v2.flags) == (2, 35, "WIN", 70, [])
    assert v2.settled_at_ms == T and (v2.previous_outcome, v2.previous_payout) == ("WIN", 70)


def test_result_later_than_close_plus_threshold_is_late() -> None:
    engine = live_engine(late_after_ms=1_000)
    run([place("b1", "r1", 10), place("b2", "r2", 10)], engine)
    run([change("r1", "BETTING_CLOSED", T), change("r2", "BETTING_CLOSED", T)], engine)
    (on_time,) = engine.apply(result("r1", {"b1": 20}, T + 1_000))
    (late,) = engine.apply(result("r2", {"b2": 20}, T + 1_001))
    assert on_time.flags == [] and late.flags == ["LATE"]


def test_second_result_same_figures_nothing_different_figures_corrected() -> None:
    engine = live_engine()
    run([place("b1", "r1", 10), place("b2", "r1", 10)], engine)
    first = engine.apply(result("r1", {"b1": 20}, T + 1))
    assert len(first) == 2
    assert engine.apply(result("r1", {"b1": 20}, T + 2)) == []  # same figures, other time
    (fixed,) = engine.apply(result("r1", {"b1": 20, "b2": 20}, T + 3))
    assert (fixed.bet_id, fixed.version, fixed.payout, fixed.flags) == ("b2", 2, 20, ["CORRECTED"])
    assert (fixed.previous_state, fixed.previous_outcome, fixed.previous_payout) == (
        "SETTLED",
        "LOSE",
        0,
    )
    assert fixed.settled_at_ms == T + 3
    assert engine.apply(result("r1", {"b1": 20}, T + 4)) == []  # a redelivery of the first


def test_a_correction_that_drops_a_bet_from_the_settle_reopens_it() -> None:
    engine = live_engine()
    engine.apply(place("b1", "r1", 10))
    engine.apply(settle("r1", {"b1": (10, 20, "WIN")}))
    (reopened,) = engine.apply(settle("r1", {}, T + 7))
    assert (reopened.state, reopened.outcome, reopened.payout) == ("OPEN", None, 0)
    assert reopened.reason == "NOT_IN_RESULT" and reopened.flags == ["CORRECTED"]


def test_rejection_after_settlement_turns_the_bet_into_an_unknown_one() -> None:
    engine = live_engine()
    run([place("b1", "r1", 10), place("b2", "r1", 10)], engine)
    engine.apply(result("r1", {"b1": 25}, T + 3))
    (b1,) = engine.apply(reject("b1", T + 4))
    assert (b1.stake, b1.payout, b1.flags, b1.settled_at_ms) == (0, 25, ["UNKNOWN_BET"], T + 3)
    (b2,) = engine.apply(reject("b2", T + 5, reason=None))
    assert (b2.outcome, b2.stake, b2.payout, b2.reason) == ("VOID", 0, 0, "REJECTED:unknown")
    assert engine.apply(reject("b2", T + 6)) == []
    assert engine.apply(place("b2", "r1", 10)) == []  # a resend after the rejection


def test_other_categories_and_bets_without_round_or_stake_are_ignored() -> None:
    engine = live_engine()
    sport = BetPlaced(
        **{**env("live", T, "x"), "category": "sport"},
        bet_id="s1",
        idempotency_key="s1",
        selections=[],
        stake=5,
        currency="EUR",
        round_id="r1",
    )
    assert engine.apply(sport) == []
    assert engine.apply(place("z", "r1", 0)) == []
    assert engine.apply(result("r1", {})) == []
    assert engine.apply(change("r1", "STARTED")) == []
    assert engine.apply(BetDecided(**env("live", T, "a"), bet_id="z", decision="ACCEPTED")) == []


def test_forgotten_finished_rounds_are_bounded() -> None:
    engine = CasinoSettlement(CasinoSettleConfig(max_finished=2))
    for i in range(5):
        engine.apply(place(f"b{i}", f"r{i}", 10))
        engine.apply(result(f"r{i}", {f"b{i}": 20}))
    assert engine.remembered() == {"rounds": 2, "live_bets": 2, "wallet": 0, "pragmatic": 0}
    # the forgotten round starts over: its resent bet opens it anew
    assert engine.apply(place("b0", "r0", 10)) == []
    assert engine.apply(result("r4", {"b4": 20})) == []  # still remembered


def test_config_is_checked() -> None:
    with pytest.raises(ValueError, match="max_finished"):
        CasinoSettleConfig(max_finished=0)
    with pytest.raises(ValueError, match="late_after_ms"):
        CasinoSettleConfig(late_after_ms=-1)


# --- wallet: the oracle -----------------------------------------------------------------------

PROVIDERS = ["hub88", "evolution", "pragmatic"]
REASON = {"hub88": "ROLLBACK", "evolution": "CANCEL", "pragmatic": "REFUND"}


def pairing_key(e: WalletTransaction) -> str:
    """The generated events' key (naming convention of ``Wallet``)."""
    if e.kind == "BET" and e.provider_id != "evolution":
        return e.transaction_id
    if e.provider_id == "pragmatic" and e.kind in ("WIN", "END_ROUND"):
        assert e.round_id is not None
        return e.round_id.removeprefix("R-")
    assert e.reference_id is not None
    return e.reference_id.split("-w")[0]


class KeyState:
    """One key's fold in the oracle."""

    def __init__(self) -> None:
        self.stake: int | None = None
        self.cancel: int | None = None
        self.wins: dict[str, tuple[int, int]] = {}
        self.seen: set[str] = set()
        self.orphans: dict[str, tuple[int, int]] = {}
        self.unknown_bet = self.unknown_ref = self.after_cancel = self.refused = False
        self.closed: int | None = None
        self.ms = 0
        self.recorded = False

    def expect(self, provider: str, key: str) -> Expect | None:
        flags = frozenset(
            f
            for f, on in (
                ("UNKNOWN_BET", self.unknown_bet),
                ("UNKNOWN_REFERENCE", self.unknown_ref),
                ("AFTER_CANCEL", self.after_cancel),
                ("CREDIT_REFUSED", self.refused),
            )
            if on
        )
        rid = f"R-{key}"
        stake = self.stake or 0
        if self.cancel is not None:
            return Expect(
                rid, stake, "SETTLED", "VOID", stake, self.cancel, REASON[provider], flags
            )
        if self.stake is None:
            if not self.unknown_bet:
                return None
            return Expect(rid, 0, "OPEN", None, 0, self.ms, "WIN_WITHOUT_BET", flags)
        if self.wins:
            paid = sum(a for a, _ in self.wins.values())
            return Expect(rid, stake, "SETTLED", label(stake, paid), paid, self.ms, None, flags)
        if self.closed is not None:
            return Expect(rid, stake, "SETTLED", "LOSE", 0, self.closed, None, flags)
        if not self.recorded:
            return None
        return Expect(rid, stake, "OPEN", None, 0, self.ms, "ROLLBACK_WIN", flags)


def wallet_oracle(provider: str, events: Sequence[WalletTransaction]) -> dict[str, Expect]:
    """Each key's final record by folding the callbacks that name it, in order (one bet per
    round, as generated); plus the records of callbacks naming what we never had."""
    keys: dict[str, KeyState] = defaultdict(KeyState)
    extra: dict[str, Expect] = {}
    early: set[str] = set()  # Hub88 wins rolled back before they arrived
    for e in events:
        key = pairing_key(e)
        k = keys[key]
        if e.kind == "BET":
            if k.stake is not None:
                continue
            k.stake = e.amount
            if k.cancel is None and k.orphans:
                k.wins.update(k.orphans)
                k.unknown_bet = True
                k.ms = max(ms for _, ms in k.orphans.values())
                k.orphans.clear()
        elif e.kind == "WIN":
            tx = e.transaction_id
            if tx in k.seen or tx in early:
                continue
            k.seen.add(tx)
            if provider == "pragmatic" and k.stake is None:
                k.orphans[tx] = (e.amount, e.event_time_ms)
                extra[tx] = Expect(
                    f"R-{key}",
                    0,
                    "OPEN",
                    None,
                    0,
                    e.event_time_ms,
                    "WIN_WITHOUT_BET",
                    frozenset({"UNKNOWN_BET"}),
                )
            elif k.cancel is not None:
                k.after_cancel = True
            elif not (provider == "evolution" and k.wins):
                k.wins[tx] = (e.amount, e.event_time_ms)
                k.ms = e.event_time_ms
                k.unknown_bet |= k.stake is None
            else:
                k.refused = True  # Evolution: one credit per debit, a second is flagged
        elif e.kind in ("ROLLBACK", "REFUND") and e.reference_id != key:  # a Hub88 win
            target = e.reference_id
            assert target is not None
            if target in k.wins:
                del k.wins[target]
                k.ms = e.event_time_ms
            elif target not in k.seen and target not in early:
                early.add(target)
                extra[target] = Expect(
                    target,
                    0,
                    "SETTLED",
                    "VOID",
                    0,
                    e.event_time_ms,
                    "ROLLBACK",
                    frozenset({"UNKNOWN_REFERENCE"}),
                )
        elif e.kind in ("ROLLBACK", "REFUND"):
            if k.cancel is not None or (provider == "evolution" and k.stake is not None and k.wins):
                continue
            k.cancel = e.event_time_ms
            k.unknown_ref = k.stake is None
        elif e.kind == "END_ROUND" and k.closed is None:
            k.closed = e.event_time_ms
        k.recorded |= k.expect(provider, key) is not None
    out = {key: x for key, k in keys.items() if (x := k.expect(provider, key)) is not None}
    return out | extra


# --- wallet: random callback sequences --------------------------------------------------------


class WalletCase(NamedTuple):
    provider: str
    events: list[WalletTransaction]
    cut: int


@st.composite
def wallet_cases(draw: st.DrawFn, provider: str) -> WalletCase:
    w = Wallet(provider)
    times = st.integers(T, T + 1_000)
    sequences: list[list[NormalizedEvent]] = []
    for i in range(draw(st.integers(1, 3))):
        key = f"k{i}"
        stake = draw(st.integers(0, 100))
        items: list[WalletTransaction] = []
        if draw(st.integers(0, 4)) > 0:
            items.append(w.bet(key, stake, draw(times)))
        wins = draw(st.integers(0, 2))
        for n in range(wins):
            amount = draw(st.sampled_from([0, stake // 2, stake, 3 * stake, 11]))
            items.append(w.win(key, n, amount, draw(times)))
        if draw(st.integers(0, 2)) == 0:
            items.append(w.cancel(key, stake, draw(times)))
        if provider == "hub88":
            items += [
                w.rollback_win(key, n, draw(times)) for n in range(wins) if draw(st.booleans())
            ]
        if provider == "pragmatic" and draw(st.booleans()):
            items.append(w.end_round(key, draw(times)))
        items += [x for x in items if draw(st.integers(0, 3)) == 0]  # provider retries
        sequences.append(list(draw(st.permutations(items))))
    events = merge(draw, sequences)
    wallet_events = [e for e in events if isinstance(e, WalletTransaction)]
    return WalletCase(provider, wallet_events, draw(st.integers(0, len(events))))


def first_occurrences(events: Sequence[WalletTransaction]) -> list[WalletTransaction]:
    seen: set[WalletTransaction] = set()
    out = []
    for e in events:
        if e not in seen:
            seen.add(e)
            out.append(e)
    return out


@pytest.mark.parametrize("provider", PROVIDERS)
@settings(max_examples=300)
@given(data=st.data())
def test_wallet_final_records_match_the_oracle(provider: str, data: st.DataObject) -> None:
    case = data.draw(wallet_cases(provider))
    events = case.events
    records = check_replay_and_snapshot(events, case.cut)
    actual = finals(records)
    assert {b: as_expect(r) for b, r in actual.items()} == wallet_oracle(provider, events)
    # a retried callback changes nothing: the run without the retries emits the same records
    assert run(first_occurrences(events), CasinoSettlement()) == run(events, CasinoSettlement())

    def first(kinds: tuple[str, ...], key: str) -> int:
        found = (i for i, e in enumerate(events) if e.kind in kinds and pairing_key(e) == key)
        return next(found, len(events))

    for e in events:
        final = actual.get(pairing_key(e))
        if e.kind != "BET" or final is None:
            continue
        key, stake = pairing_key(e), e.amount
        wins = {x.transaction_id: x.amount for x in events if x.kind == "WIN"}
        won = [amount for tx, amount in wins.items() if tx.split("-w")[0] == key]
        # never paid twice: the stake back, or each distinct win once (Evolution: one credit)
        assert final.payout <= max(stake, sum(won))
        if provider == "evolution":
            assert final.payout <= max([stake, *won])
        # a rolled-back bet ends VOID with its stake refunded (Evolution: unless credited first)
        cancel = first(("ROLLBACK", "REFUND"), key)
        if provider == "hub88":
            cancel = min(
                (i for i, x in enumerate(events) if x.kind == "ROLLBACK" and x.reference_id == key),
                default=len(events),
            )
        if cancel < len(events) and (
            provider != "evolution" or cancel < max(first(("WIN",), key), first(("BET",), key))
        ):
            assert (final.outcome, final.payout) == ("VOID", stake)


# --- wallet: examples per provider and edge case ----------------------------------------------


def bet_id_of_win(provider: str, key: str, n: int = 0) -> str:
    """The record an unpaired win is kept under: the bet it names, or (Pragmatic) itself."""
    return f"{key}-w{n}" if provider == "pragmatic" else key


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wallet_bet_then_win_settles_and_a_retry_changes_nothing(provider: str) -> None:
    w, engine = Wallet(provider), CasinoSettlement()
    assert engine.apply(w.bet("k", 100, T)) == []  # an open bet says nothing
    (won,) = engine.apply(w.win("k", 0, 250, T + 5))
    assert (won.bet_id, won.stake, won.state, won.outcome, won.payout) == (
        "k",
        100,
        "SETTLED",
        "WIN",
        250,
    )
    assert (won.round_id, won.category, won.settled_at_ms, won.flags) == (
        "R-k",
        CATEGORY[provider],
        T + 5,
        [],
    )
    assert won.settlement_id == f"{TENANT}:{provider}:k:1"
    assert engine.apply(w.win("k", 0, 250, T + 6)) == []
    (lost,) = run([w.bet("k", 100), w.win("k", 0, 0)], CasinoSettlement())
    assert (lost.outcome, lost.payout) == ("LOSE", 0)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wallet_rollback_voids_with_the_stake_refunded(provider: str) -> None:
    w, engine = Wallet(provider), CasinoSettlement()
    engine.apply(w.bet("k", 100, T))
    (void,) = engine.apply(w.cancel("k", 100, T + 3))
    assert (void.outcome, void.payout, void.reason, void.flags) == (
        "VOID",
        100,
        REASON[provider],
        [],
    )
    assert void.settled_at_ms == T + 3
    assert engine.apply(w.cancel("k", 100, T + 4)) == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wallet_win_without_a_known_bet_is_held_and_flagged(provider: str) -> None:
    w, engine = Wallet(provider), CasinoSettlement()
    (held,) = engine.apply(w.win("k", 0, 80, T + 2))
    assert held.bet_id == bet_id_of_win(provider, "k")
    assert (held.state, held.stake, held.payout, held.reason, held.flags) == (
        "OPEN",
        0,
        0,
        "WIN_WITHOUT_BET",
        ["UNKNOWN_BET"],
    )
    # the bet arrives afterwards: settled on arrival with the held win, once
    (settled,) = engine.apply(w.bet("k", 40, T + 9))
    assert (settled.bet_id, settled.outcome, settled.payout) == ("k", "WIN", 80)
    assert settled.settled_at_ms == T + 2 and settled.flags == ["UNKNOWN_BET"]
    assert settled.version == (1 if provider == "pragmatic" else 2)
    assert engine.apply(w.win("k", 0, 80, T + 10)) == []  # the provider's retry


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wallet_rollback_of_an_unknown_bet_voids_the_late_bet(provider: str) -> None:
    w, engine = Wallet(provider), CasinoSettlement()
    (ref,) = engine.apply(w.cancel("k", 100, T + 1))
    assert (ref.bet_id, ref.outcome, ref.stake, ref.payout, ref.flags) == (
        "k",
        "VOID",
        0,
        0,
        ["UNKNOWN_REFERENCE"],
    )
    (late,) = engine.apply(w.bet("k", 100, T + 5))
    assert (late.version, late.outcome, late.stake, late.payout) == (2, "VOID", 100, 100)
    assert late.flags == ["UNKNOWN_REFERENCE"] and late.settled_at_ms == T + 1
    assert (late.previous_outcome, late.previous_payout) == ("VOID", 0)
    (after,) = engine.apply(w.win("k", 0, 500, T + 6))  # flagged, never paid
    assert (after.payout, after.flags) == (100, ["UNKNOWN_REFERENCE", "AFTER_CANCEL"])
    assert run([w.win("k", 0, 500), w.cancel("k", 100), w.bet("k", 100)], engine) == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wallet_credit_after_cancel_keeps_the_cancel(provider: str) -> None:
    w, engine = Wallet(provider), CasinoSettlement()
    run([w.bet("k", 100, T), w.cancel("k", 100, T + 1)], engine)
    (flagged,) = engine.apply(w.win("k", 0, 900, T + 2))
    assert (flagged.outcome, flagged.payout, flagged.flags) == ("VOID", 100, ["AFTER_CANCEL"])
    assert flagged.settled_at_ms == T + 1
    assert engine.apply(w.win("k", 0, 900, T + 3)) == []
    assert engine.apply(w.win("k", 1, 900, T + 3)) == []  # flagged already: nothing new


def test_evolution_refuses_a_second_credit_and_a_cancel_after_the_credit() -> None:
    w, engine = Wallet("evolution"), CasinoSettlement()
    run([w.bet("k", 100), w.win("k", 0, 150)], engine)
    (flagged,) = engine.apply(w.win("k", 1, 300))  # BET_ALREADY_SETTLED: not paid, flagged
    assert (flagged.payout, flagged.flags) == (150, ["CREDIT_REFUSED"])
    assert engine.apply(w.win("k", 2, 300)) == []  # flagged already: nothing new
    assert engine.apply(w.cancel("k", 100)) == []  # BET_ALREADY_SETTLED: the credit stands
    assert engine.apply(w.bet("k", 100)) == []  # BET_ALREADY_EXIST


@pytest.mark.parametrize("provider", ["hub88", "pragmatic"])
def test_rollback_after_a_win_voids_and_does_not_pay_the_win(provider: str) -> None:
    w, engine = Wallet(provider), CasinoSettlement()
    run([w.bet("k", 100), w.win("k", 0, 400, T + 1)], engine)
    (void,) = engine.apply(w.cancel("k", 100, T + 2))
    assert (void.outcome, void.payout, void.previous_payout) == ("VOID", 100, 400)


def test_hub88_wins_add_up_and_a_win_rollback_reverses_one() -> None:
    w, engine = Wallet("hub88"), CasinoSettlement()
    run([w.bet("k", 100), w.win("k", 0, 30, T + 1)], engine)
    (both,) = engine.apply(w.win("k", 1, 200, T + 2))
    assert (both.payout, both.outcome) == (230, "WIN")
    (one,) = engine.apply(w.rollback_win("k", 1, T + 3))
    assert (one.payout, one.outcome, one.settled_at_ms) == (30, "HALF_LOSE", T + 3)
    assert engine.apply(w.rollback_win("k", 1, T + 4)) == []
    (reopened,) = engine.apply(w.rollback_win("k", 0, T + 5))
    assert (reopened.state, reopened.outcome, reopened.payout, reopened.reason) == (
        "OPEN",
        None,
        0,
        "ROLLBACK_WIN",
    )
    assert engine.apply(w.win("k", 0, 30)) == []  # a resent reversed win is not paid again


def test_hub88_win_rolled_back_before_it_arrives_is_never_paid() -> None:
    w, engine = Wallet("hub88"), CasinoSettlement()
    engine.apply(w.bet("k", 100))
    (ref,) = engine.apply(w.rollback_win("k", 0, T + 1))
    assert (ref.bet_id, ref.flags, ref.payout) == ("k-w0", ["UNKNOWN_REFERENCE"], 0)
    assert engine.apply(w.win("k", 0, 500, T + 2)) == []


def test_pragmatic_end_round_closes_the_round_as_lost() -> None:
    w, engine = Wallet("pragmatic"), CasinoSettlement()
    engine.apply(w.bet("k", 100, T))
    (lost,) = engine.apply(w.end_round("k", T + 7))
    assert (lost.outcome, lost.payout, lost.settled_at_ms) == ("LOSE", 0, T + 7)
    assert engine.apply(w.end_round("k", T + 8)) == []
    # a result after endRound still pays
    (won,) = engine.apply(w.win("k", 0, 300, T + 9))
    assert (won.version, won.outcome, won.payout) == (2, "WIN", 300)
    # a bet arriving after its round's endRound is closed on arrival, as of the endRound
    other = CasinoSettlement()
    other.apply(w.end_round("j", T + 1))
    (late,) = other.apply(w.bet("j", 50, T + 4))
    assert (late.outcome, late.settled_at_ms) == ("LOSE", T + 1)


def test_pragmatic_result_pays_the_first_bet_of_the_round_not_refunded() -> None:
    engine = CasinoSettlement()
    b1 = wallet("pragmatic", "BET", "a", 100, round_id="R", ms=T)
    b2 = wallet("pragmatic", "BET", "b", 50, round_id="R", ms=T + 1)
    refund = wallet("pragmatic", "REFUND", "a", 100, ref="a", round_id="R", ms=T + 2)
    res = wallet("pragmatic", "WIN", "res-1", 120, round_id="R", ms=T + 3)
    end = wallet("pragmatic", "END_ROUND", "R", round_id="R", ms=T + 4)
    records = run([b1, b2, refund, res, end], engine)
    assert [(r.bet_id, r.outcome, r.payout) for r in records] == [
        ("a", "VOID", 100),
        ("b", "WIN", 120),
    ]
    assert run([res, end], engine) == []


def test_wallet_ignores_other_providers_and_books_credits_on_their_ledger() -> None:
    engine = CasinoSettlement()
    assert engine.apply(wallet("acme", "BET", "x", 5)) == []
    ledgers: list[tuple[TransactionKind, str]] = [
        ("BONUS_WIN", "BONUS_COST"),
        ("JACKPOT_WIN", "JACKPOT"),
        ("PROMO_WIN", "BONUS_COST"),
        ("ADJUSTMENT", "BONUS_COST"),
    ]
    for kind, ledger in ledgers:
        event = wallet("pragmatic", kind, f"{kind}-1", 100, round_id="R")
        (record,) = engine.apply(event)
        assert (record.ledger, record.stake, record.payout, record.state) == (
            ledger,
            0,
            100,
            "SETTLED",
        )
        assert engine.apply(event) == []  # a resent credit
    assert engine.apply(wallet("hub88", "WIN", "w", 5)) == []  # names no bet


def test_settled_wallet_bets_are_bounded() -> None:
    w = Wallet("hub88")
    engine = CasinoSettlement(CasinoSettleConfig(max_finished=3))
    for i in range(6):
        run([w.bet(f"k{i}", 10), w.win(f"k{i}", 0, 20)], engine)
    assert engine.remembered()["wallet"] == 3
    assert engine.apply(w.win("k5", 0, 20)) == []  # still remembered


# --- the generated samples through the real adapters ------------------------------------------


def decode_all(adapter: Adapter, lines: Sequence[bytes]) -> list[NormalizedEvent]:
    events: list[NormalizedEvent] = []
    for offset, raw in enumerate(lines):
        meta = RawMeta(TENANT, SourceRef(topic="t", partition=0, offset=offset), T + 10 * offset)
        decoded = adapter(raw, meta)
        assert isinstance(decoded, list), decoded
        events += [c.event for c in decoded]
    return events


@pytest.mark.parametrize(
    ("provider", "adapter", "lines"),
    [
        ("hub88", hub88.decode, hub88_lines),
        ("evolution", evolution.decode, evolution_lines),
        ("pragmatic", pragmatic.decode, pragmatic_lines),
    ],
)
def test_wallet_samples_settle_every_bet_once(
    provider: str, adapter: Adapter, lines: Callable[[int, int], list[bytes]]
) -> None:
    events = decode_all(adapter, lines(3, 300))
    txs = [e for e in events if isinstance(e, WalletTransaction)]
    engine = CasinoSettlement()
    records = run(txs, engine)
    check_chains(records)
    assert run(txs, engine) == []
    final = {k: r for k, r in finals(records).items() if r.ledger in ("CASH", "FREE_BET")}
    bets = {
        (e.reference_id if provider == "evolution" else e.transaction_id): e
        for e in txs
        if e.kind == "BET"
    }
    assert set(final) == set(bets)
    assert all(r.state == "SETTLED" and r.flags == [] for r in final.values())
    cancelled = {e.reference_id for e in txs if e.kind in ("ROLLBACK", "REFUND")}
    for key, r in final.items():
        assert r.stake == bets[key].amount
        if key in cancelled:
            assert (r.outcome, r.payout) == ("VOID", r.stake)
    paid = {e.transaction_id: e.amount for e in txs if e.kind == "WIN"}
    won = sum(r.payout for k, r in final.items() if k not in cancelled)
    assert won == sum(paid.values()) - sum(
        paid[e.transaction_id]
        for e in txs
        if e.kind == "WIN" and (pairing_of(provider, e, txs) in cancelled)
    )
    assert {r.outcome for r in final.values()} >= {"WIN", "LOSE", "VOID"}


def pairing_of(provider: str, win: WalletTransaction, txs: Sequence[WalletTransaction]) -> str:
    if provider != "pragmatic":
        assert win.reference_id is not None
        return win.reference_id
    return next(e.transaction_id for e in txs if e.kind == "BET" and e.round_id == win.round_id)


@pytest.mark.parametrize("seed", [1, 7])
def test_bridge_samples_settle_every_accepted_bet_as_the_provider_did(seed: int) -> None:
    events = decode_all(live.decode, live_lines(seed, 120))
    engine = CasinoSettlement()
    records = run(events, engine)
    check_chains(records)
    assert run(events, engine) == []
    final = finals(records)
    listed = {b.bet_id: b for e in events if isinstance(e, RoundSettled) for b in e.bets}
    rejected = {e.bet_id for e in events if isinstance(e, BetDecided) and e.decision == "REJECTED"}
    assert set(final) == set(listed) and not rejected & set(final)
    for bet_id, b in listed.items():
        r = final[bet_id]
        assert (r.stake, r.outcome, r.payout, r.flags, r.version) == (
            b.stake,
            b.outcome,
            b.payout,
            [],
            1,
        )


@pytest.mark.parametrize(("late_after_ms", "late"), [(60_000, False), (5_000, True)])
def test_generic_feed_round_results_pay_bets_it_never_placed(
    late_after_ms: int, late: bool
) -> None:
    events = decode_all(generic.decode, generic_lines(5, 40))
    engine = CasinoSettlement(CasinoSettleConfig(late_after_ms=late_after_ms))
    records = run(events, engine)
    payouts = [p for e in events if isinstance(e, RoundResult) for p in e.payouts]
    assert len(records) == len(payouts) > 10
    assert sum(r.payout for r in records) == sum(p.amount for p in payouts)
    want = ["LATE", "UNKNOWN_BET"] if late else ["UNKNOWN_BET"]
    assert all(r.flags == want and r.stake == 0 for r in records)
