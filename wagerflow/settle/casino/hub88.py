"""Hub88 seamless-wallet settlement: a bet's ``transaction_uuid`` pairs it (a win and a rollback
name it as ``reference_id``); wins add up; a rollback voids the bet even after a win, and a
rollback naming a win reverses only that win (rules in ``wagerflow.settle.casino.wallet``).
A transaction with ``round_closed`` closes its round (after it is applied): the round's bets
without a win settle LOSE (MONEY.md §4.2), and so does a later bet of that round; a win arriving
after the close still pays (a new version).

Source (the provider's public documentation, paraphrased; consulted for these rules):

- Hub88 Operator API, "Seamless Wallet response statuses - Operator API"
  (https://docs.hub88.io/developer-docs/operator-api-reference/operator-api-overview/seamless-wallet-response-statuses-operator-api)
  and "Wallet API" (https://docs.hub88.io/developer-docs/operator-api-reference/wallet-api):
  RS_ERROR_TRANSACTION_DOES_NOT_EXIST when the bet a win references is not found,
  RS_ERROR_TRANSACTION_ROLLED_BACK for a transaction on a rolled-back bet,
  RS_ERROR_DUPLICATE_TRANSACTION for a reused ``transaction_uuid``. What to answer to a rollback
  of an unknown transaction is not in the text found; the Caleta integration suite of the
  open-source valkyrie-fnd/valkyrie gateway (Caleta uses the same RS_* wallet protocol) expects
  success with no balance change, and RS_ERROR_TRANSACTION_ROLLED_BACK for a win after a rollback.
"""

from __future__ import annotations

from wagerflow.schemas.events import WalletTransaction
from wagerflow.schemas.settlement import BetSettlement
from wagerflow.settle.casino.wallet import WalletPairing


class Hub88Wallet(WalletPairing):
    CANCEL_REASON = "ROLLBACK"

    def apply(self, event: WalletTransaction) -> list[BetSettlement]:
        out = super().apply(event)
        if event.round_closed:
            out += self.close_round(event)
        return out

    def cancel(self, event: WalletTransaction, ident: str | None) -> list[BetSettlement]:
        """A rollback naming a win reverses that win; any other voids the bet it names."""
        if ident is None:
            return []
        target = self._key(event, ident)
        owner_key = self._win_owner.get(target)
        if owner_key is None or owner_key == target:
            return super().cancel(event, ident)
        owner = self._bets.get(owner_key)
        if owner is None or ident not in owner.wins:
            return []  # already reversed (or refused: nothing to reverse)
        del owner.wins[ident]
        owner.ms = event.event_time_ms
        return self._emit(event, owner_key[2], owner)
