"""The pairing core every casino settlement family shares: config, records, flags, memory.

Records (``schemas.settlement.BetSettlement``): ``settlement_id`` is
``{tenant}:{provider}:{bet_id}:{version}``; ``version`` counts the records of the bet (1, 2,
...); ``previous_state``/``previous_outcome``/``previous_payout`` are those of the version before
(None, None, 0 for version 1). A version is emitted only when something in it other than the
version and the ``previous_*`` fields differs from the bet's last record. ``settled_at_ms`` is the
event time of the input that determined the version (for a bet settled on arrival, the stored
result's or cancel's time, never the bet's: so it does not depend on whether the bet or its
result arrived first). All amounts are exact integer minor units as received; nothing is
computed from odds here, so there is no rounding at all: payouts are the providers' figures.

Outcome labels of a payout ``p`` for a stake ``s`` (wallet wins and ``roundResult`` payouts):
``p == 0`` LOSE, ``p > s`` WIN, ``p == s`` PUSH (stake returned), ``0 < p < s`` HALF_LOSE (part of
the stake returned: a cash-back or a partial loss, the contract's nearest label). The checks run
in that order, so a free bet (stake 0) that pays nothing is a LOSE.

Memory: finished rounds (with their bets' records), wallet keys with a record and closed
Pragmatic rounds are remembered, oldest forgotten first beyond ``max_finished`` (one budget for
all), like the round book's finished rounds. A forgotten round or wallet bet starts over if a
very late input names it (its versions restart at 1): ``max_finished`` must cover the horizon of
corrections and late callbacks. Open rounds and open wallet bets are kept until they finish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol, get_args

from wagerflow.schemas.events import BetOutcome, Category
from wagerflow.schemas.settlement import BetSettlement, Ledger, SettlementFlag, SettlementState

_FLAG_ORDER = {flag: i for i, flag in enumerate(get_args(SettlementFlag))}

Key = tuple[str, str, str]
"""(tenant_id, provider_id, id): a round, a bet, or a wallet pairing key."""


@dataclass(frozen=True, slots=True)
class CasinoSettleConfig:
    late_after_ms: int = 60_000
    """A result later than the round's close + this is flagged LATE."""
    max_finished: int = 1_000_000
    """Finished rounds and settled wallet bets remembered (oldest forgotten first)."""

    def __post_init__(self) -> None:
        if self.late_after_ms < 0:
            msg = f"late_after_ms must not be negative; got {self.late_after_ms}"
            raise ValueError(msg)
        if self.max_finished <= 0:
            msg = f"max_finished must be positive; got {self.max_finished}"
            raise ValueError(msg)


def payout_outcome(stake: int, payout: int) -> BetOutcome:
    """The label of a payout for a stake (rules in the module docstring)."""
    if payout == 0:
        return "LOSE"
    if payout > stake:
        return "WIN"
    if payout == stake:
        return "PUSH"
    return "HALF_LOSE"


class Content(NamedTuple):
    """A record without its version and ``previous_*`` fields: what decides a new version."""

    round_id: str
    category: Category
    currency: str
    player_id: str | None
    stake: int
    state: SettlementState
    outcome: BetOutcome | None
    payout: int
    settled_at_ms: int
    reason: str | None
    flags: tuple[SettlementFlag, ...]
    ledger: Ledger = "CASH"
    game_id: str | None = None
    table_id: str | None = None
    placed_at_ms: int | None = None


def sorted_flags(*flags: SettlementFlag | None) -> tuple[SettlementFlag, ...]:
    """The given flags (None left out) once each, in the contract's order."""
    return tuple(sorted({f for f in flags if f is not None}, key=_FLAG_ORDER.__getitem__))


def next_record(key: Key, content: Content, last: BetSettlement | None) -> BetSettlement:
    """The version after ``last`` (None: the first) of the bet ``key`` with ``content``."""
    tenant, provider, bet_id = key
    version = 1 if last is None else last.version + 1
    return BetSettlement(
        tenant_id=tenant,
        provider_id=provider,
        category=content.category,
        settlement_id=f"{tenant}:{provider}:{bet_id}:{version}",
        bet_id=bet_id,
        round_id=content.round_id,
        player_id=content.player_id,
        currency=content.currency,
        stake=content.stake,
        state=content.state,
        outcome=content.outcome,
        payout=content.payout,
        version=version,
        settled_at_ms=content.settled_at_ms,
        reason=content.reason,
        flags=list(content.flags),
        previous_state=None if last is None else last.state,
        previous_outcome=None if last is None else last.outcome,
        previous_payout=0 if last is None else last.payout,
        ledger=content.ledger,
        game_id=content.game_id,
        table_id=content.table_id,
        placed_at_ms=content.placed_at_ms,
    )


class Emitted(NamedTuple):
    """A bet's last record and the content it was made from."""

    content: Content
    record: BetSettlement


FinishedKind = Literal["round", "wallet", "wallet_round"]
"""A live round, a wallet pairing key, a closed wallet round (Pragmatic, Hub88)."""


class Forgetful(Protocol):
    def forget(self, kind: FinishedKind, key: Key) -> None:
        """Drop what is held for the finished ``key`` of ``kind``."""


class FinishedMemory:
    """The finished things of every family, oldest first, with the family that holds each:
    beyond ``limit`` the oldest is forgotten by its holder. Plain picklable state."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._finished: dict[tuple[FinishedKind, Key], Forgetful] = {}  # oldest first

    def finish(self, holder: Forgetful, kind: FinishedKind, key: Key) -> None:
        """Remember that ``key`` finished (once: a later call keeps its place)."""
        if (kind, key) in self._finished:
            return
        self._finished[kind, key] = holder
        while len(self._finished) > self.limit:
            oldest = next(iter(self._finished))
            self._finished.pop(oldest).forget(*oldest)
