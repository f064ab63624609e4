"""Pragmatic Play seamless-wallet settlement: a bet's ``reference`` pairs it (a refund names it
as ``reference_id``); the shared rules are in ``wagerflow.settle.casino.wallet``.

A result names the round, not the bet, and Pragmatic sends one result per round. It settles a
bet exactly or not at all (never split approximately between bets):

- a result whose ``reference`` is a bet's of the round pays that bet;
- else, when the round holds exactly one bet not refunded, it pays that bet;
- else, when every bet of the round is refunded, the refund stands (AFTER_CANCEL on the first);
- else (several bets not refunded: which one won is not said) the result is booked on its own,
  under its reference (SETTLED, stake 0, payout the result, reason ``UNPAIRED_RESULT``), and it
  and every open bet of the round are flagged REVIEW: the round's money is exact, its split
  between the bets is for a person to decide;
- a result before any bet of its round is held, and paid to the first bet that arrives.

``endRound`` closes the round: every bet of it still without a result is settled LOSE with payout 0
at the endRound's time, and so is a bet of the round arriving later. Bonus, jackpot and promo
wins and adjustments are records of their own (``wallet.CREDIT_KINDS``).

Source (the provider's public documentation, paraphrased; consulted for these rules):

- Pragmatic Play Seamless Wallet API (method descriptions as republished by public integrations;
  the official document was not reachable): ``refund`` reverses a bet transaction and returns the
  money to the player, is idempotent, and when the bet is not found nothing happens on the
  operator side (success); ``result`` sends the winning result of the round's bet; ``endRound``
  is called when a round is over so the operator can finalize it. Refund after a result and a
  result after a refund are not described: refund voids (payout = stake) and a later result is
  not paid (AFTER_CANCEL), the safe choice.
"""

from __future__ import annotations

from wagerflow.schemas.events import WalletTransaction
from wagerflow.schemas.settlement import BetSettlement
from wagerflow.settle.casino.wallet import WalletBet, WalletPairing, WalletRound


class _PragmaticRound(WalletRound):
    __slots__ = ("results", "orphans")

    def __init__(self) -> None:
        super().__init__()
        self.results: set[str] = set()
        """References of every result seen for the round."""
        self.orphans: list[str] = []
        """Keys (result references) of results that arrived before any bet of the round."""


class PragmaticWallet(WalletPairing):
    CANCEL_REASON = "REFUND"

    def apply(self, event: WalletTransaction) -> list[BetSettlement]:
        if event.kind == "WIN":
            return self._result(event)
        if event.kind == "END_ROUND":
            return self.close_round(event)
        return super().apply(event)

    def new_round(self) -> WalletRound:
        return _PragmaticRound()

    def _placed(self, event: WalletTransaction, ident: str, bet: WalletBet) -> None:
        super()._placed(event, ident, bet)
        if event.round_id is None:
            return
        rnd = self._pragmatic_round(event, event.round_id)
        if bet.cancel is None and rnd.orphans:
            # results that came before any bet of the round are this bet's: settled on
            # arrival, as of the last of them
            for orphan_id in rnd.orphans:
                orphan = self._bets.get(self._key(event, orphan_id))
                if orphan is None or orphan is bet:
                    continue
                for win_id in orphan.wins:
                    self._win_owner[self._key(event, win_id)] = self._key(event, ident)
                bet.wins.update(orphan.wins)
                bet.win_ids |= set(orphan.wins)
                orphan.win_ids -= set(orphan.wins)
                orphan.wins.clear()
                bet.unknown_bet = True
            if bet.wins:
                bet.ms = max(ms for _, ms in bet.wins.values())
            rnd.orphans.clear()

    def _pragmatic_round(self, event: WalletTransaction, round_id: str) -> _PragmaticRound:
        rnd = self._round(event, round_id)
        assert isinstance(rnd, _PragmaticRound)  # new_round makes only these
        return rnd

    def _result(self, event: WalletTransaction) -> list[BetSettlement]:
        if event.round_id is None:
            return []
        rnd = self._pragmatic_round(event, event.round_id)
        if event.transaction_id in rnd.results:
            return []
        rnd.results.add(event.transaction_id)
        bets = [k for k in rnd.bets if self._key(event, k) in self._bets]
        open_bets = [k for k in bets if self._bets[self._key(event, k)].cancel is None]
        if event.transaction_id in bets:
            target = event.transaction_id  # the result names its bet by its own reference
        elif len(open_bets) == 1:
            target = open_bets[0]
        elif open_bets:
            return self._unpaired(event, open_bets)
        elif bets:
            target = bets[0]  # every bet refunded: the refund stands (AFTER_CANCEL)
        else:
            target = event.transaction_id  # no bet yet: held under its own reference
            rnd.orphans.append(target)
        return self.win(event, target)

    def _unpaired(self, event: WalletTransaction, open_bets: list[str]) -> list[BetSettlement]:
        """A result of a round with several open bets: booked on its own, flagged REVIEW with
        those bets (see the module docstring)."""
        out = []
        for ident in open_bets:
            bet = self._bets[self._key(event, ident)]
            if not bet.review:
                bet.review = True
                out += self._emit(event, ident, bet)
        held = self._bet(event, event.transaction_id)
        held.review = True
        held.wins[event.transaction_id] = (event.amount, event.event_time_ms)
        held.win_ids.add(event.transaction_id)
        held.ms = event.event_time_ms
        self._win_owner[self._key(event, event.transaction_id)] = self._key(
            event, event.transaction_id
        )
        return out + self._emit(event, event.transaction_id, held)
