"""Live-casino and seamless-wallet settlement: normalized inputs -> ``BetSettlement`` versions.

``CasinoSettlement(config).apply(event)`` takes normalized events in order and returns the new
version of every bet the event changed (an empty list when nothing changed; the bets of a round
in ``bet_id`` order). It is pure and deterministic (no I/O, no clock, no randomness), its state
is plain picklable Python (a Bytewax snapshot), and a repeated input changes nothing. Keys follow
``wagerflow.risk.rounds``: a round is ``(tenant_id, provider_id, round_id)``, a bet
``(tenant_id, provider_id, bet_id)``.

``CasinoSettlement`` dispatches each event to its family, over the shared pairing core
(``core``: records, flags, config, memory): live bridge rounds (``live``) and the seamless
wallets (``wallet``, with ``hub88``, ``evolution`` and ``pragmatic``). Each module states its
rules.
"""

from __future__ import annotations

from wagerflow.schemas.events import NormalizedEvent, WalletTransaction
from wagerflow.schemas.settlement import BetSettlement
from wagerflow.settle.casino.core import CasinoSettleConfig, FinishedMemory
from wagerflow.settle.casino.evolution import EvolutionWallet
from wagerflow.settle.casino.hub88 import Hub88Wallet
from wagerflow.settle.casino.live import LiveRounds
from wagerflow.settle.casino.pragmatic import PragmaticWallet
from wagerflow.settle.casino.wallet import WalletPairing


class CasinoSettlement:
    """Live-casino round and seamless-wallet settlement (rules in the family modules). Plain
    picklable state: the flow snapshots it with the shard it belongs to."""

    def __init__(self, config: CasinoSettleConfig | None = None) -> None:
        self.config = config or CasinoSettleConfig()
        memory = FinishedMemory(self.config.max_finished)
        self._live = LiveRounds(self.config, memory)
        self._pragmatic = PragmaticWallet(memory)
        self._wallets: dict[str, WalletPairing] = {
            "hub88": Hub88Wallet(memory),
            "evolution": EvolutionWallet(memory),
            "pragmatic": self._pragmatic,
        }

    def apply(self, event: NormalizedEvent) -> list[BetSettlement]:
        """The new versions of the bets ``event`` changed (bet id order within a round)."""
        if isinstance(event, WalletTransaction):
            wallet = self._wallets.get(event.provider_id)
            return [] if wallet is None else wallet.apply(event)
        if event.category != "live":
            return []
        return self._live.apply(event)

    def remembered(self) -> dict[str, int]:
        """How much is held: rounds (open and finished), placed live bets, wallet pairing keys
        and Pragmatic rounds."""
        return {
            "rounds": self._live.rounds_held(),
            "live_bets": self._live.bets_held(),
            "wallet": sum(wallet.keys_held() for wallet in self._wallets.values()),
            "pragmatic": self._pragmatic.rounds_held(),
        }
