"""The versions of each sports bet: whether a settlement is a new one, and its record.

- **Versions**: a version is emitted when a bet's state, outcome, payout or flags (other than
  CORRECTED) differ from its last emitted version, and never for a bet still open that never
  settled. So a confirmation or a resend emits nothing, while a void leg whose odds are unknown
  emits a LEG_ODDS_UNKNOWN version even when the payout did not move, and a provider settlement
  always gives a version. ``version`` 1, 2, ... per bet; ``previous_*`` repeat the bet's
  previous version (None / 0 for version 1). CORRECTED marks a SETTLED version replacing a
  SETTLED one with another outcome or payout (not one after an OPEN version). Flags come in the
  order PROVIDER_SETTLED, CORRECTED, ODDS_MISMATCH, PAYOUT_MISMATCH, LEG_ODDS_UNKNOWN,
  DEAD_HEAT_UNRESOLVED.
"""

from __future__ import annotations

from typing import NamedTuple

from wagerflow.schemas.events import BetOutcome
from wagerflow.schemas.settlement import BetSettlement, SettlementFlag, SettlementState
from wagerflow.settle.sports.model import Bet, BetKey, Target

_FLAG_ORDER: tuple[SettlementFlag, ...] = (
    "PROVIDER_SETTLED",
    "CORRECTED",
    "ODDS_MISMATCH",
    "PAYOUT_MISMATCH",
    "LEG_ODDS_UNKNOWN",
    "DEAD_HEAT_UNRESOLVED",
)


class _Out(NamedTuple):
    """A bet's last emitted version."""

    version: int
    state: SettlementState
    outcome: BetOutcome | None
    payout: int
    flags: tuple[SettlementFlag, ...]  # without CORRECTED
    settled_at_ms: int


class VersionBook:
    """The last emitted version of every bet; plain picklable state."""

    def __init__(self) -> None:
        self._out: dict[BetKey, _Out] = {}

    def forget(self, key: BetKey) -> None:
        self._out.pop(key, None)

    def version(
        self, key: BetKey, bet: Bet, target: Target | None, at_ms: int, open_reason: str
    ) -> BetSettlement | None:
        """The next version of the bet when ``target`` (None: open) differs from its last in
        state, outcome, payout or flags."""
        last = self._out.get(key)
        state: SettlementState = "SETTLED"
        outcome: BetOutcome | None
        reason: str | None
        flags: tuple[SettlementFlag, ...] = ()
        if target is None:
            if last is None or last.state == "OPEN":
                return None
            state, outcome, payout, reason, settled_at = "OPEN", None, 0, open_reason, at_ms
        else:
            outcome, payout, reason = target.outcome, target.payout, target.reason
            flags, settled_at = target.flags, target.settled_at_ms
            if last is not None and (last.state, last.outcome, last.payout, last.flags) == (
                state,
                outcome,
                payout,
                flags,
            ):
                return None
        corrected: tuple[SettlementFlag, ...] = ()
        if (
            last is not None
            and last.state == state == "SETTLED"
            and (last.outcome, last.payout) != (outcome, payout)
        ):
            corrected = ("CORRECTED",)
        version = 1 if last is None else last.version + 1
        self._out[key] = _Out(version, state, outcome, payout, flags, settled_at)
        first = bet.legs[0]
        tenant, bet_id = key
        return BetSettlement(
            tenant_id=tenant,
            provider_id=bet.provider_id,
            category="sport",
            settlement_id=f"{tenant}:{bet.provider_id}:{bet_id}:{version}",
            bet_id=bet_id,
            round_id=f"{first.event_id}/{first.line}",
            player_id=bet.player_id,
            currency=bet.currency,
            stake=bet.stake,
            state=state,
            outcome=outcome,
            payout=payout,
            version=version,
            settled_at_ms=settled_at,
            reason=reason,
            flags=[f for f in _FLAG_ORDER if f in (*flags, *corrected)],
            previous_state=None if last is None else last.state,
            previous_outcome=None if last is None else last.outcome,
            previous_payout=0 if last is None else last.payout,
            accepted_odds=None if target is None else target.accepted_odds,
            reduced_odds=None if target is None else target.reduced_odds,
        )
