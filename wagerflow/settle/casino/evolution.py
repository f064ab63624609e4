"""Evolution One Wallet settlement: ``refId`` (the ``reference_id`` of debit, credit and cancel)
pairs a bet; one credit per debit, and a cancel of a credited bet is refused (rules in
``wagerflow.settle.casino.wallet``).

Source (the provider's public documentation, paraphrased; consulted for these rules):

- Evolution One Wallet API (``/debit``, ``/credit``, ``/cancel`` paired by ``refId``): Evolution's
  own document was not reachable; its status codes as implemented by public operator integrations
  are BET_DOES_NOT_EXIST (credit or cancel without its debit), BET_ALREADY_SETTLED (credit or
  cancel of a bet already credited or cancelled), BET_ALREADY_EXIST (repeated debit). The rules
  in ``wallet`` follow those; where they are silent the safe choice is made.
"""

from __future__ import annotations

from wagerflow.schemas.events import WalletTransaction
from wagerflow.settle.casino.wallet import WalletPairing


class EvolutionWallet(WalletPairing):
    CANCEL_REASON = "CANCEL"
    ONE_CREDIT_PER_DEBIT = True  # BET_ALREADY_SETTLED
    CREDIT_BLOCKS_CANCEL = True  # BET_ALREADY_SETTLED

    def bet_key(self, event: WalletTransaction) -> str | None:
        return event.reference_id
