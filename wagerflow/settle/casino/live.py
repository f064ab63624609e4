"""Live bridge rounds (events of category ``live``): bets, aborts and results -> bet records.

- A bet of a round is a ``BetPlaced`` with a ``round_id`` and a positive stake. A ``bet_id``
  already seen is a duplicate and ignored, even after that bet was rejected (as in the round
  book). ``BetDecided`` REJECTED drops the bet: from then on it is treated exactly like a bet we
  never saw (its stake was never taken). If it already had a record, a new version says so:
  either the round's result still names it (then it is an unknown bet, below), or the version is
  VOID with stake 0, payout 0 and reason ``REJECTED:<reason or unknown>``. A decision on an
  unknown or already rejected bet, and ACCEPTED, change nothing.
- ``RoundChanged`` BETTING_CLOSED records the round's close time (its event time; the first one
  counts). ABORTED, when the round has no result yet, voids it: every bet of the round, placed
  before or after, is VOID with payout = stake and reason ``ABORTED:<reason or unknown>``, at the
  abort's time. The abort is final: a later result is ignored, and an abort after a result is
  ignored (the result stands), as in the round book.
- ``RoundSettled`` (the bridge's ``round.settle``): each listed bet gets the listed outcome and
  payout (the provider computed them) with our stake; a listed bet we never saw (or rejected) is
  still recorded, with the message's stake and currency, and flagged UNKNOWN_BET. A placed bet
  the settle does not list is not settled by it (the provider settles what it accepted; its
  decision tells the rest). One settle covers the whole round: a later, different settle replaces
  it (a correction).
- ``RoundResult`` (the generic feed's ``roundResult``) with payouts per ``bet_id``: a placed bet
  is paid the sum of its payouts (absent: 0) and labelled as above; a payout naming a bet we never
  saw (or rejected) is recorded with stake 0 and the payout's currency and player, flagged
  UNKNOWN_BET. Payouts without a ``bet_id`` name no bet and are ignored.
- LATE: a result whose event time is later than the round's close time + ``late_after_ms`` is
  flagged LATE (no close time known when the result is applied: not late).
- Corrections: a result whose figures equal those of an earlier result of the round (a
  redelivery) changes nothing. A different one becomes the round's result: every bet whose figures
  (stake, outcome, payout) change gets a new version. A version is flagged CORRECTED when its
  figures differ from those the round's first result gave the bet. The input that determined a
  bet's version is the first result of the last run of results that gave it these figures: its
  time is ``settled_at_ms`` and its LATE flag the version's. A correction that no longer names a
  bet it named before reopens it: state OPEN, payout 0, reason ``NOT_IN_RESULT`` (a rejected bet:
  the REJECTED version above).
- Bets and rounds are different topics: a bet arriving after its round's result (or abort) is
  settled on arrival from the stored result, with the same record it would have had if it had
  arrived first. The final record of every bet therefore does not depend on how the two streams
  interleave (only on the order within each), with one exception that pays and settles nothing:
  the REJECTED and NOT_IN_RESULT versions exist only if the bet had a record before.
- A bet belongs to one round: a result of another round naming the same ``bet_id`` records it
  as an unknown bet of that round, with its own versions (not expected from any provider).
"""

from __future__ import annotations

from wagerflow.schemas.events import (
    BetDecided,
    BetOutcome,
    BetPlaced,
    Category,
    NormalizedEvent,
    RoundChanged,
    RoundResult,
    RoundSettled,
    SettledBet,
)
from wagerflow.schemas.settlement import BetSettlement, SettlementFlag, SettlementState
from wagerflow.settle.casino.core import (
    CasinoSettleConfig,
    Content,
    Emitted,
    FinishedKind,
    FinishedMemory,
    Key,
    next_record,
    payout_outcome,
    sorted_flags,
)

Figures = tuple[int, BetOutcome, int, str, str | None]
"""A bet's settlement under one result: (stake, outcome, payout, currency, player_id)."""


class _LiveBet:
    __slots__ = ("stake", "currency", "player_id", "category", "rejected")

    def __init__(self, event: BetPlaced) -> None:
        self.stake = event.stake
        self.currency = event.currency
        self.player_id = event.player_id
        self.category: Category = event.category
        self.rejected: tuple[int, str] | None = None
        """(event time, reason) of the rejection."""


class _Result:
    """One distinct result of a round: ``settled`` (round.settle) or ``payouts`` (roundResult)."""

    __slots__ = ("ms", "late", "currency", "settled", "payouts")

    def __init__(self, ms: int, late: bool, currency: str) -> None:
        self.ms = ms
        self.late = late
        self.currency = currency
        self.settled: dict[str, SettledBet] | None = None
        self.payouts: dict[str, tuple[int, str, str | None]] | None = None
        """bet_id -> (summed amount, currency, player_id) of its payouts."""

    def names(self) -> set[str]:
        return set(self.settled if self.settled is not None else self.payouts or {})

    def figures(self, bet_id: str, bet: _LiveBet | None) -> Figures | None:
        """What this result gives the bet; ``bet`` None for a bet we do not hold (never seen or
        rejected). None when the result does not settle the bet."""
        if self.settled is not None:
            listed = self.settled.get(bet_id)
            if listed is None:
                return None
            if bet is not None:
                return (bet.stake, listed.outcome, listed.payout, bet.currency, bet.player_id)
            return (listed.stake, listed.outcome, listed.payout, self.currency, None)
        entry = (self.payouts or {}).get(bet_id)
        if bet is not None:
            paid = 0 if entry is None else entry[0]
            outcome = payout_outcome(bet.stake, paid)
            return (bet.stake, outcome, paid, bet.currency, bet.player_id)
        if entry is None:
            return None
        return (0, payout_outcome(0, entry[0]), entry[0], entry[1], entry[2])


class _Round:
    __slots__ = ("category", "close_ms", "abort", "results", "result_keys", "bets", "emitted")

    def __init__(self, category: Category) -> None:
        self.category: Category = category
        self.close_ms: int | None = None
        self.abort: tuple[int, str] | None = None
        """(event time, reason) of the abort."""
        self.results: list[_Result] = []
        self.result_keys: set[tuple[object, ...]] = set()
        self.bets: dict[str, _LiveBet] = {}
        self.emitted: dict[str, Emitted] = {}

    @property
    def finished(self) -> bool:
        return self.abort is not None or bool(self.results)


def _result_key(event: RoundResult | RoundSettled) -> tuple[object, ...]:
    if isinstance(event, RoundSettled):
        bets = sorted((b.bet_id, b.stake, b.payout, b.outcome) for b in event.bets)
        return ("settle", event.currency, tuple(bets))
    return ("payouts", tuple(sorted(_payouts(event).items())))


def _payouts(event: RoundResult) -> dict[str, tuple[int, str, str | None]]:
    out: dict[str, tuple[int, str, str | None]] = {}
    for p in event.payouts:
        if p.bet_id is None:
            continue
        before = out.get(p.bet_id)
        if before is None:
            out[p.bet_id] = (p.amount, p.currency, p.player_id)
        else:
            out[p.bet_id] = (before[0] + p.amount, before[1], before[2])
    return out


class LiveRounds:
    """The live rounds and their bets (rules in the module docstring); plain picklable state.
    A finished round is remembered in the shared ``FinishedMemory``."""

    def __init__(self, config: CasinoSettleConfig, memory: FinishedMemory) -> None:
        self.config = config
        self._memory = memory
        self._rounds: dict[Key, _Round] = {}
        self._bets: dict[Key, Key] = {}
        """Placed live bet -> its round (``BetDecided`` carries no round)."""

    def apply(self, event: NormalizedEvent) -> list[BetSettlement]:
        """The new versions of the bets a live ``event`` changed (bet id order)."""
        if isinstance(event, BetPlaced):
            return self._place(event)
        if isinstance(event, BetDecided):
            return self._decide(event)
        if isinstance(event, RoundChanged | RoundResult | RoundSettled):
            return self._round_event(event)
        return []

    def rounds_held(self) -> int:
        return len(self._rounds)

    def bets_held(self) -> int:
        return len(self._bets)

    def forget(self, kind: FinishedKind, key: Key) -> None:
        """Forget a finished round and its bets (called by the shared memory)."""
        tenant, provider, _ = key
        rnd = self._rounds.pop(key, None)
        for bet_id in rnd.bets if rnd is not None else ():
            self._bets.pop((tenant, provider, bet_id), None)

    def _round(self, key: Key, category: Category) -> _Round:
        rnd = self._rounds.get(key)
        if rnd is None:
            rnd = self._rounds[key] = _Round(category)
        return rnd

    def _place(self, event: BetPlaced) -> list[BetSettlement]:
        if event.round_id is None or event.stake <= 0:
            return []
        bet_key = (event.tenant_id, event.provider_id, event.bet_id)
        if bet_key in self._bets:
            return []
        round_key = (event.tenant_id, event.provider_id, event.round_id)
        rnd = self._round(round_key, event.category)
        rnd.bets[event.bet_id] = _LiveBet(event)
        self._bets[bet_key] = round_key
        return self._emit(round_key, rnd, [event.bet_id])

    def _decide(self, event: BetDecided) -> list[BetSettlement]:
        round_key = self._bets.get((event.tenant_id, event.provider_id, event.bet_id))
        if round_key is None or event.decision != "REJECTED":
            return []
        rnd = self._rounds[round_key]
        bet = rnd.bets[event.bet_id]
        if bet.rejected is not None:
            return []
        bet.rejected = (event.event_time_ms, event.reason or "unknown")
        return self._emit(round_key, rnd, [event.bet_id])

    def _round_event(self, event: RoundChanged | RoundResult | RoundSettled) -> list[BetSettlement]:
        key = (event.tenant_id, event.provider_id, event.round_id)
        if isinstance(event, RoundChanged) and event.change not in ("BETTING_CLOSED", "ABORTED"):
            return []  # STARTED, BETTING_OPEN: nothing to settle (and no round to open)
        rnd = self._round(key, event.category)
        if isinstance(event, RoundChanged):
            if event.change == "BETTING_CLOSED" and rnd.close_ms is None:
                rnd.close_ms = event.event_time_ms
                return []
            if event.change != "ABORTED" or rnd.finished:
                return []
            rnd.abort = (event.event_time_ms, event.reason or "unknown")
        else:
            result_key = _result_key(event)
            if rnd.abort is not None or result_key in rnd.result_keys:
                return []
            close = rnd.close_ms
            late = close is not None and event.event_time_ms > close + self.config.late_after_ms
            if isinstance(event, RoundSettled):
                result = _Result(event.event_time_ms, late, event.currency)
                result.settled = {b.bet_id: b for b in event.bets}
            else:
                result = _Result(event.event_time_ms, late, "")
                result.payouts = _payouts(event)
            rnd.results.append(result)
            rnd.result_keys.add(result_key)
        bet_ids = set(rnd.bets) | set(rnd.emitted)
        for result in rnd.results:
            bet_ids |= result.names()
        out = self._emit(key, rnd, sorted(bet_ids))
        self._memory.finish(self, "round", key)
        return out

    def _emit(self, round_key: Key, rnd: _Round, bet_ids: list[str]) -> list[BetSettlement]:
        out = []
        for bet_id in bet_ids:
            last = rnd.emitted.get(bet_id)
            content = _content(round_key[2], rnd, bet_id, last is not None)
            if content is None or (last is not None and content == last.content):
                continue
            record = next_record(
                (round_key[0], round_key[1], bet_id), content, last and last.record
            )
            rnd.emitted[bet_id] = Emitted(content, record)
            out.append(record)
        return out


def _content(round_id: str, rnd: _Round, bet_id: str, emitted: bool) -> Content | None:
    """A live bet's record, from scratch: a function of the bet (placed, rejected) and of the
    round's abort and results only. None: nothing to say (and nothing said yet)."""
    bet = rnd.bets.get(bet_id)
    held = bet if bet is not None and bet.rejected is None else None
    category = bet.category if bet is not None else rnd.category

    def content(
        fig: Figures,
        state: SettlementState,
        settled_at_ms: int,
        reason: str | None = None,
        flags: tuple[SettlementFlag, ...] = (),
    ) -> Content:
        stake, outcome, payout, currency, player = fig
        return Content(
            round_id=round_id,
            category=category,
            currency=currency,
            player_id=player,
            stake=stake,
            state=state,
            outcome=None if state == "OPEN" else outcome,
            payout=payout,
            settled_at_ms=settled_at_ms,
            reason=reason,
            flags=flags,
        )

    def dropped() -> Content | None:
        if not emitted or bet is None or bet.rejected is None:
            return None
        ms, reason = bet.rejected
        fig: Figures = (0, "VOID", 0, bet.currency, bet.player_id)
        return content(fig, "SETTLED", ms, f"REJECTED:{reason}")

    if rnd.abort is not None:
        if held is None:
            return dropped()
        ms, reason = rnd.abort
        fig: Figures = (held.stake, "VOID", held.stake, held.currency, held.player_id)
        return content(fig, "SETTLED", ms, f"ABORTED:{reason}")
    if not rnd.results:
        return dropped()
    figures = [r.figures(bet_id, held) for r in rnd.results]
    final = figures[-1]
    first = len(figures) - 1
    while first > 0 and figures[first - 1] == final:
        first -= 1
    determining = rnd.results[first]
    unknown: SettlementFlag | None = "UNKNOWN_BET" if held is None else None
    corrected: SettlementFlag | None = "CORRECTED" if final != figures[0] else None
    if final is None:
        if bet is not None and bet.rejected is not None:
            return dropped()
        if not emitted:
            return None
        if held is not None:
            fig_open: Figures = (held.stake, "LOSE", 0, held.currency, held.player_id)
        else:  # keep the currency and player it was recorded with
            last = rnd.emitted[bet_id].content
            fig_open = (0, "LOSE", 0, last.currency, last.player_id)
        flags = sorted_flags(corrected, unknown)
        return content(fig_open, "OPEN", determining.ms, "NOT_IN_RESULT", flags)
    late: SettlementFlag | None = "LATE" if determining.late else None
    return content(final, "SETTLED", determining.ms, None, sorted_flags(late, corrected, unknown))
