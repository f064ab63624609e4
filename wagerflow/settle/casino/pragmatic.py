"""Pragmatic Play seamless-wallet settlement: a bet's ``reference`` pairs it (a refund names it
as ``reference_id``); the shared rules are in ``wagerflow.settle.casino.wallet``.

A result names the round, not the bet. It pays the round's first bet (in arrival order) that is
not refunded, so a round's payouts sum correctly even when it holds several bets (their split
between the bets is then the provider's sum on the first bet). ``endRound`` closes the round:
every bet of it still without a result is settled LOSE with payout 0 at the endRound's time, and
so is a bet of the round arriving later. Bonus, jackpot and promo wins and adjustments are not
bet settlements and are ignored here.

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
from wagerflow.settle.casino.core import FinishedKind, FinishedMemory, Key
from wagerflow.settle.casino.wallet import WalletBet, WalletPairing


class _PragmaticRound:
    __slots__ = ("bets", "results", "orphans", "closed_ms")

    def __init__(self) -> None:
        self.bets: list[str] = []
        """Pairing keys of the round's bets, in arrival order."""
        self.results: set[str] = set()
        """References of every result seen for the round."""
        self.orphans: list[str] = []
        """Keys (result references) of results that arrived before any bet of the round."""
        self.closed_ms: int | None = None


class PragmaticWallet(WalletPairing):
    CANCEL_REASON = "REFUND"

    def __init__(self, memory: FinishedMemory) -> None:
        super().__init__(memory)
        self._rounds: dict[Key, _PragmaticRound] = {}

    def apply(self, event: WalletTransaction) -> list[BetSettlement]:
        if event.kind == "WIN":
            return self._result(event)
        if event.kind == "END_ROUND":
            return self._end_round(event)
        return super().apply(event)

    def rounds_held(self) -> int:
        return len(self._rounds)

    def forget(self, kind: FinishedKind, key: Key) -> None:
        if kind == "pragmatic":
            self._rounds.pop(key, None)
        else:
            super().forget(kind, key)

    def _placed(self, event: WalletTransaction, ident: str, bet: WalletBet) -> None:
        if event.round_id is None:
            return
        rnd = self._round(event, event.round_id)
        rnd.bets.append(ident)
        bet.closed_ms = rnd.closed_ms
        if bet.cancel is None and rnd.orphans:
            # results that came before any bet of the round are this bet's: settled on
            # arrival, as of the last of them
            for orphan_id in rnd.orphans:
                orphan = self._bets.get(self._key(event, orphan_id))
                if orphan is None:
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

    def _round(self, event: WalletTransaction, round_id: str) -> _PragmaticRound:
        key = self._key(event, round_id)
        rnd = self._rounds.get(key)
        if rnd is None:
            rnd = self._rounds[key] = _PragmaticRound()
        return rnd

    def _result(self, event: WalletTransaction) -> list[BetSettlement]:
        if event.round_id is None:
            return []
        rnd = self._round(event, event.round_id)
        if event.transaction_id in rnd.results:
            return []
        rnd.results.add(event.transaction_id)
        bets = [k for k in rnd.bets if self._key(event, k) in self._bets]
        open_bets = [k for k in bets if self._bets[self._key(event, k)].cancel is None]
        if open_bets:
            target = open_bets[0]
        elif bets:
            target = bets[0]  # every bet refunded: the refund stands (AFTER_CANCEL)
        else:
            target = event.transaction_id  # no bet yet: held under its own reference
            rnd.orphans.append(target)
        return self.win(event, target)

    def _end_round(self, event: WalletTransaction) -> list[BetSettlement]:
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
        self._memory.finish(self, "pragmatic", self._key(event, event.round_id))
        return out
