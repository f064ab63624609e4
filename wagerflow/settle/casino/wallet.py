"""Seamless-wallet callbacks (``WalletTransaction`` of ``hub88``, ``evolution``, ``pragmatic``):

(Over 400 lines: the pairing core every wallet provider shares.)

the pairing every wallet provider shares, in ``WalletPairing``; each provider's module adds its
pairing key and its own rules.

Pairing key (the settled bet's ``bet_id``): Hub88 a bet's ``transaction_uuid`` (its
``transaction_id``; a win and a rollback name it as ``reference_id``); Evolution ``refId`` (the
``reference_id`` of debit, credit and cancel); Pragmatic a bet's ``reference`` (a refund names it
as ``reference_id``; a result names only the round: ``pragmatic``). ``round_id`` is the
callback's round, or the pairing key when it has none; ``category`` the adapter's (Hub88 and
Pragmatic ``slot``, Evolution ``live``).

- BET (debit) opens the bet: stake = amount. Open bets emit nothing. A second BET with the same
  key is a duplicate (Evolution: BET_ALREADY_EXIST) and ignored.
- WIN (credit) settles it: payout = the sum of its distinct wins (by ``transaction_id``; a
  resent win changes nothing), labelled as in ``core``. Evolution pairs one credit with one debit: a
  second credit with another id is refused (BET_ALREADY_SETTLED): not paid, and the bet's next
  version is flagged CREDIT_REFUSED. Hub88 and Pragmatic
  wins add up.
- ROLLBACK (Hub88), cancel (Evolution), REFUND (Pragmatic) voids the bet: VOID, payout = stake
  (the stake is refunded; a void bet is paid nothing else), reason ``ROLLBACK``/``CANCEL``/
  ``REFUND``. Hub88 and Pragmatic void a bet even after a win (a rollback reverses the debit, so
  its win cannot stand either: nothing is paid twice). Evolution refuses a cancel of a bet already
  credited (BET_ALREADY_SETTLED): the credit stands and nothing changes. A Hub88 rollback naming a
  win reverses that win: the bet is paid its other wins, or is OPEN again (payout 0, reason
  ``ROLLBACK_WIN``) when none is left.

- The record's ``ledger`` (MONEY.md §4.1): a free bet (``is_free``) is FREE_BET, else CASH; a
  JACKPOT_WIN, BONUS_WIN, PROMO_WIN or ADJUSTMENT settles no bet and is a record of its own
  (``credit``): JACKPOT (a win) or BONUS_COST (signed: a debit adjustment is negative).
- A round that closes (``close_round``: Pragmatic endRound, Hub88 ``round_closed``) settles its
  bets without a win LOSE, and a later bet of that round on arrival.

Edge cases, each flagged, following the provider's API where its documented behaviour was found
(sources in each provider's module) and otherwise the safe choice (never pay twice, never lose a
stake):

- A win for a bet we never saw (UNKNOWN_BET): Hub88 answers RS_ERROR_TRANSACTION_DOES_NOT_EXIST
  and Evolution BET_DOES_NOT_EXIST: nothing is paid. The win is recorded (state OPEN, stake 0,
  payout 0, reason ``WIN_WITHOUT_BET``, keyed by the bet it names; a Pragmatic result by its own
  reference) and remembered: if the bet then arrives (out of order), it is settled on arrival
  with it, flagged UNKNOWN_BET, and a retry of the same win changes nothing. Paid once either way.
- A rollback / cancel / refund of a bet we never saw (UNKNOWN_REFERENCE): all three providers
  move no money then (Hub88 and Pragmatic answer success, Evolution BET_DOES_NOT_EXIST). It is
  recorded (VOID, stake 0, payout 0) and remembered: the provider treats that bet as cancelled and
  will never pay it, so a late BET with that key is voided on arrival (payout = stake: the stake
  is not lost). A Hub88 win whose own id was rolled back before it arrived is never paid.
- A credit after a cancel (AFTER_CANCEL): Hub88 answers RS_ERROR_TRANSACTION_ROLLED_BACK,
  Evolution BET_ALREADY_SETTLED; Pragmatic does not say (the safe choice: the refund returned the
  stake, so the result is not paid too). The cancel stands for all three: the bet stays VOID with
  payout = stake, and a new version adds the flag.
"""

from __future__ import annotations

from typing import ClassVar

from wagerflow.schemas.events import BetOutcome, Category, WalletTransaction
from wagerflow.schemas.settlement import BetSettlement, Ledger, SettlementState
from wagerflow.settle.casino.core import (
    Content,
    Emitted,
    FinishedKind,
    FinishedMemory,
    Key,
    next_record,
    payout_outcome,
    sorted_flags,
)


class WalletBet:
    """One pairing key: a placed bet, or callbacks that named a key we have no bet for."""

    __slots__ = (
        "placed",
        "stake",
        "currency",
        "player_id",
        "round_id",
        "category",
        "wins",
        "win_ids",
        "cancel",
        "closed_ms",
        "ms",
        "unknown_bet",
        "unknown_reference",
        "after_cancel",
        "credit_refused",
        "review",
        "free",
        "game_id",
        "table_id",
        "placed_ms",
        "emitted",
    )

    def __init__(self, event: WalletTransaction) -> None:
        self.placed = False
        self.stake = 0
        self.currency = event.currency
        self.player_id = event.player_id
        self.round_id = event.round_id
        self.category: Category = event.category
        self.wins: dict[str, tuple[int, int]] = {}
        """Applied wins: transaction id -> (amount, event time)."""
        self.win_ids: set[str] = set()
        """Every win transaction id that named this key (applied, refused or reversed)."""
        self.cancel: int | None = None
        """Event time of the rollback / cancel / refund."""
        self.closed_ms: int | None = None
        """The close of its round (Pragmatic endRound, Hub88 ``round_closed``)."""
        self.ms = event.event_time_ms
        """Event time of the last input that changed the wins."""
        self.unknown_bet = False
        self.unknown_reference = False
        self.after_cancel = False
        self.credit_refused = False
        self.review = False
        self.free = event.is_free
        self.game_id = event.game_id
        self.table_id = event.table_id
        self.placed_ms: int | None = None
        self.emitted: Emitted | None = None

    def place(self, event: WalletTransaction) -> None:
        self.placed = True
        self.stake = event.amount
        self.currency = event.currency
        self.player_id = event.player_id
        self.round_id = event.round_id
        self.category = event.category
        self.free = event.is_free
        self.game_id = event.game_id or self.game_id
        self.table_id = event.table_id or self.table_id
        self.placed_ms = event.event_time_ms


class WalletRound:
    """The bets of one round and when it closed."""

    __slots__ = ("bets", "closed_ms")

    def __init__(self) -> None:
        self.bets: list[str] = []
        """Pairing keys of the round's bets, in arrival order."""
        self.closed_ms: int | None = None


CREDIT_KINDS: dict[str, Ledger] = {
    "JACKPOT_WIN": "JACKPOT",
    "BONUS_WIN": "BONUS_COST",
    "PROMO_WIN": "BONUS_COST",
    "ADJUSTMENT": "BONUS_COST",
}
"""Wallet calls that settle no bet: each is its own record on its ledger line (MONEY.md §4.1)."""


class WalletPairing:
    """One wallet provider's pairing keys (rules in the module docstring); plain picklable
    state. A key with a record is remembered in the shared ``FinishedMemory``. Subclasses name
    the provider's cancel and its refusals, and add what only that provider does."""

    CANCEL_REASON: ClassVar[str]
    """The ``reason`` of a bet voided by the provider's rollback, cancel or refund."""
    ONE_CREDIT_PER_DEBIT: ClassVar[bool] = False
    """A second credit (another id) of a credited bet is refused, not added."""
    CREDIT_BLOCKS_CANCEL: ClassVar[bool] = False
    """A cancel of a credited bet is refused: the credit stands."""

    def __init__(self, memory: FinishedMemory) -> None:
        self._memory = memory
        self._bets: dict[Key, WalletBet] = {}
        self._win_owner: dict[Key, Key] = {}
        """Win transaction -> the pairing key it named."""
        self._rounds: dict[Key, WalletRound] = {}

    def apply(self, event: WalletTransaction) -> list[BetSettlement]:
        """The new version of the bet a callback of this provider changed, if any."""
        kind = event.kind
        if kind == "BET":
            return self.bet(event, self.bet_key(event))
        if kind == "WIN":
            return self.win(event, event.reference_id)
        if kind in ("ROLLBACK", "REFUND"):
            return self.cancel(event, event.reference_id)
        if kind in CREDIT_KINDS:
            return self.credit(event)
        return []

    def credit(self, event: WalletTransaction) -> list[BetSettlement]:
        """A jackpot, bonus or promo credit, or an adjustment: one record of its own, keyed
        ``{kind}:{transaction_id}``; a resent one changes nothing."""
        ident = f"{event.kind.lower()}:{event.transaction_id}"
        key = self._key(event, ident)
        if key in self._bets:
            return []
        bet = self._bets[key] = WalletBet(event)
        signed = -event.amount if event.direction == "DEBIT" else event.amount
        content = Content(
            round_id=event.round_id or ident,
            category=event.category,
            currency=event.currency,
            player_id=event.player_id,
            stake=0,
            state="SETTLED",
            outcome="WIN" if signed > 0 else "LOSE",
            payout=signed,
            settled_at_ms=event.event_time_ms,
            reason=event.kind,
            flags=(),
            ledger=CREDIT_KINDS[event.kind],
            game_id=event.game_id,
            table_id=event.table_id,
            placed_at_ms=event.event_time_ms,
        )
        record = next_record(key, content, None)
        bet.emitted = Emitted(content, record)
        self._memory.finish(self, "wallet", key)
        return [record]

    def close_round(self, event: WalletTransaction) -> list[BetSettlement]:
        """The round of ``event`` closed: its bets without a win settle LOSE at this time, and
        so does a bet of it arriving later (the first close counts)."""
        if event.round_id is None:
            return []
        rnd = self._round(event, event.round_id)
        if rnd.closed_ms is not None:
            return []
        rnd.closed_ms = event.event_time_ms
        out = []
        for ident in rnd.bets:
            bet = self._bets.get(self._key(event, ident))
            if bet is not None and bet.closed_ms is None:
                bet.closed_ms = event.event_time_ms
                out += self._emit(event, ident, bet)
        self._memory.finish(self, "wallet_round", self._key(event, event.round_id))
        return out

    def rounds_held(self) -> int:
        return len(self._rounds)

    def _round(self, event: WalletTransaction, round_id: str) -> WalletRound:
        key = self._key(event, round_id)
        rnd = self._rounds.get(key)
        if rnd is None:
            rnd = self._rounds[key] = self.new_round()
        return rnd

    def new_round(self) -> WalletRound:
        return WalletRound()

    def bet_key(self, event: WalletTransaction) -> str | None:
        """The pairing key a BET opens."""
        return event.transaction_id

    def keys_held(self) -> int:
        return len(self._bets)

    def forget(self, kind: FinishedKind, key: Key) -> None:
        """Forget a pairing key and its wins, or a closed round (called by the shared
        memory)."""
        if kind == "wallet_round":
            self._rounds.pop(key, None)
            return
        tenant, provider, _ = key
        bet = self._bets.pop(key, None)
        for win_id in bet.win_ids if bet is not None else ():
            self._win_owner.pop((tenant, provider, win_id), None)

    def bet(self, event: WalletTransaction, ident: str | None) -> list[BetSettlement]:
        if ident is None:
            return []
        bet = self._bet(event, ident)
        if bet.placed:
            return []  # a resent bet, or Evolution's BET_ALREADY_EXIST
        bet.place(event)
        self._placed(event, ident, bet)
        return self._emit(event, ident, bet)

    def win(self, event: WalletTransaction, ident: str | None) -> list[BetSettlement]:
        if ident is None:
            return []
        win_key = self._key(event, event.transaction_id)
        if win_key in self._win_owner:
            return []  # a resent win
        reversed_early = self._bets.get(win_key)
        if reversed_early is not None and reversed_early.unknown_reference:
            # Hub88: this win was rolled back before it arrived; it is never paid
            self._win_owner[win_key] = win_key
            reversed_early.win_ids.add(event.transaction_id)
            return []
        bet = self._bet(event, ident)
        self._win_owner[win_key] = self._key(event, ident)
        bet.win_ids.add(event.transaction_id)
        if bet.cancel is not None:
            bet.after_cancel = True  # the cancel stands
        elif self.ONE_CREDIT_PER_DEBIT and bet.wins:
            bet.credit_refused = True  # BET_ALREADY_SETTLED: not paid, flagged for review
        else:
            bet.wins[event.transaction_id] = (event.amount, event.event_time_ms)
            bet.ms = event.event_time_ms
            if not bet.placed:
                bet.unknown_bet = True
        return self._emit(event, ident, bet)

    def cancel(self, event: WalletTransaction, ident: str | None) -> list[BetSettlement]:
        if ident is None:
            return []
        bet = self._bet(event, ident)
        if bet.cancel is not None:
            return []
        if bet.placed and self.CREDIT_BLOCKS_CANCEL and bet.wins:
            return []  # BET_ALREADY_SETTLED: the credit stands
        bet.cancel = event.event_time_ms
        if not bet.placed:
            bet.unknown_reference = True
            if bet.round_id is None:
                bet.round_id = event.round_id
        return self._emit(event, ident, bet)

    def _placed(self, event: WalletTransaction, ident: str, bet: WalletBet) -> None:
        """A bet was just placed under ``ident`` (before its record): it joins its round, and
        settles LOSE on arrival when that round is already closed."""
        if event.round_id is None:
            return
        rnd = self._round(event, event.round_id)
        rnd.bets.append(ident)
        bet.closed_ms = rnd.closed_ms

    def _key(self, event: WalletTransaction, ident: str) -> Key:
        return (event.tenant_id, event.provider_id, ident)

    def _bet(self, event: WalletTransaction, ident: str) -> WalletBet:
        key = self._key(event, ident)
        bet = self._bets.get(key)
        if bet is None:
            bet = self._bets[key] = WalletBet(event)
        return bet

    def _emit(self, event: WalletTransaction, ident: str, bet: WalletBet) -> list[BetSettlement]:
        key = self._key(event, ident)
        content = _content(ident, bet, self.CANCEL_REASON)
        last = bet.emitted
        if content is None or (last is not None and content == last.content):
            return []
        record = next_record(key, content, last and last.record)
        bet.emitted = Emitted(content, record)
        self._memory.finish(self, "wallet", key)
        return [record]


def _content(ident: str, bet: WalletBet, cancel_reason: str) -> Content | None:
    """A wallet bet's record, from its state (rules in the module docstring)."""
    state: SettlementState = "SETTLED"
    outcome: BetOutcome | None
    reason: str | None = None
    if bet.cancel is not None:
        stake = bet.stake if bet.placed else 0
        outcome, payout, at, reason = "VOID", stake, bet.cancel, cancel_reason
    elif not bet.placed and bet.review:
        stake, at, reason = 0, bet.ms, "UNPAIRED_RESULT"
        payout = sum(amount for amount, _ in bet.wins.values())
        outcome = payout_outcome(0, payout)
    elif not bet.placed:
        if not bet.unknown_bet:
            return None
        stake, state, outcome, payout, at, reason = 0, "OPEN", None, 0, bet.ms, "WIN_WITHOUT_BET"
    elif bet.wins:
        stake, payout, at = bet.stake, sum(amount for amount, _ in bet.wins.values()), bet.ms
        outcome = payout_outcome(stake, payout)
    elif bet.closed_ms is not None:
        stake, outcome, payout, at = bet.stake, "LOSE", 0, bet.closed_ms
    elif bet.emitted is None:
        return None
    else:
        stake, state, outcome, payout, at, reason = (
            bet.stake,
            "OPEN",
            None,
            0,
            bet.ms,
            "ROLLBACK_WIN",
        )
    return Content(
        round_id=bet.round_id or ident,
        category=bet.category,
        currency=bet.currency,
        player_id=bet.player_id,
        stake=stake,
        state=state,
        outcome=outcome,
        payout=payout,
        settled_at_ms=at,
        reason=reason,
        flags=sorted_flags(
            "UNKNOWN_BET" if bet.unknown_bet else None,
            "UNKNOWN_REFERENCE" if bet.unknown_reference else None,
            "AFTER_CANCEL" if bet.after_cancel else None,
            "CREDIT_REFUSED" if bet.credit_refused else None,
            "REVIEW" if bet.review else None,
        ),
        ledger="FREE_BET" if bet.free else "CASH",
        game_id=bet.game_id,
        table_id=bet.table_id,
        placed_at_ms=bet.placed_ms,
    )
