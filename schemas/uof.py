"""Sportradar Unified Odds Feed (UOF) XML messages, as received, typed.

One struct per root element of the AMQP feed (``odds_change``, ``bet_stop``, ``bet_settlement``,
``bet_cancel``, ``rollback_bet_settlement``, ``rollback_bet_cancel``, ``fixture_change``,
``alive``, ``snapshot_complete``) plus the SDK-level ``product_down``. Only the attributes used
downstream are modelled; unknown attributes and children are tolerated (Sportradar adds them over
time). The decoder is ``wagerflow.adapters.uof.decode``.

Conventions:

- Times (``timestamp``, ``start_time``, ``end_time``) are UTC epoch milliseconds, as sent.
- ``product`` is the producer id (1 LO, 3 Ctrl, ...); ``event_id`` is a URN (``sr:match:123``).
- A market *line* is its ``id`` plus its ``specifiers`` (``k=v`` pairs joined by ``|``, in the
  order received; ``None`` when absent). Key lines with ``wagerflow.adapters.uof.market_line``,
  which sorts the pairs: their order is not significant.
- Outcome ids are integers or URNs and are kept as ``str``.
- Odds, probabilities, void and dead-heat factors are exact ``Decimal``; no float touches them.
- Enumerated codes (market status, certainty, void reason, change type) stay plain ``int`` so a
  code Sportradar adds later still decodes; ``MarketStatus`` names the known market statuses.
  Binary flags (``active``, ``subscribed``) are ``Flag``: exactly 0 or 1; an outcome's ``result``
  is ``Result``: 1 won, 0 lost, -1 undecided yet.
"""

from decimal import Decimal
from enum import IntEnum
from typing import Literal

import msgspec

Flag = Literal[0, 1]
Result = Literal[-1, 0, 1]
"""A settled outcome's ``result``: -1 is "undecided yet" (Sportradar SDKs ``UndecidedYet``)."""


class MarketStatus(IntEnum):
    """UOF market status codes (``odds_change`` market ``status``, ``bet_stop`` ``market_status``).

    Fields keep plain ``int``; an ``IntEnum`` compares equal to it.
    """

    ACTIVE = 1
    INACTIVE = 0
    SUSPENDED = -1
    HANDED_OVER = -2
    SETTLED = -3
    CANCELLED = -4


class SportEventStatus(msgspec.Struct, frozen=True, kw_only=True):
    """The match state carried by an ``odds_change`` (scores, clock and statistics are ignored)."""

    status: int
    """0 not started, 1 live, 2 suspended, 3 ended, 4 closed (and further codes)."""
    match_status: int
    """The sport-specific period code (e.g. 7 = 2nd half in soccer)."""


class OddsGenerationProperties(msgspec.Struct, frozen=True, kw_only=True):
    expected_totals: Decimal | None = None
    expected_supremacy: Decimal | None = None


class OddsOutcome(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    odds: Decimal | None = None
    """Decimal odds; absent on outcomes that are not offered (typically ``active="0"``)."""
    active: Flag | None = None
    """None when the attribute is absent."""
    probabilities: Decimal | None = None


class OddsMarket(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    specifiers: str | None = None
    extended_specifiers: str | None = None
    """Extra information about the line; not part of its identity."""
    status: int | None = None
    """A ``MarketStatus`` code; None when the attribute is absent (the caller picks the default)."""
    outcomes: tuple[OddsOutcome, ...] = ()


class OddsChange(msgspec.Struct, frozen=True, kw_only=True):
    event_id: str
    product: int
    timestamp: int
    request_id: int | None = None
    """Set when the message answers a recovery request."""
    sport_event_status: SportEventStatus | None = None
    odds_generation_properties: OddsGenerationProperties | None = None
    betting_status: int | None = None
    """``odds/@betting_status``; None when absent or when there is no ``odds`` element."""
    betstop_reason: int | None = None
    markets: tuple[OddsMarket, ...] = ()


class BetStop(msgspec.Struct, frozen=True, kw_only=True):
    """Stop accepting bets on the event's markets in ``groups`` (``all`` or ``a|b``)."""

    event_id: str
    product: int
    timestamp: int
    groups: str
    market_status: int | None = None
    """The ``MarketStatus`` to apply; None when absent, which UOF defines as suspended (-1)."""
    request_id: int | None = None


class SettledOutcome(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    result: Result
    """1 won, 0 lost, -1 undecided yet: the outcome stays open while the others of its market
    settle (a refund is expressed by ``void_factor``, not by ``result``)."""
    void_factor: Decimal | None = None
    """The refunded share of the stake: 1 full refund, 0.5 half; None for no refund."""
    dead_heat_factor: Decimal | None = None
    """The share of the winnings paid on a dead heat (e.g. 0.5); None for none."""


class SettledMarket(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    specifiers: str | None = None
    void_reason: int | None = None
    outcomes: tuple[SettledOutcome, ...] = ()


class UofBetSettlement(msgspec.Struct, frozen=True, kw_only=True):
    event_id: str
    product: int
    timestamp: int
    certainty: int
    """1 settled on live scouting, 2 confirmed; 1 is usually followed by 2 for the same outcome."""
    request_id: int | None = None
    markets: tuple[SettledMarket, ...] = ()


class CancelledMarket(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    specifiers: str | None = None
    void_reason: int | None = None


class BetCancel(msgspec.Struct, frozen=True, kw_only=True):
    """Void the bets on these markets placed in ``[start_time, end_time]`` (a bound may be absent,
    meaning open-ended; both absent means all bets)."""

    event_id: str
    product: int
    timestamp: int
    start_time: int | None = None
    end_time: int | None = None
    superceded_by: str | None = None
    """The event URN that replaces this one (UOF's spelling)."""
    request_id: int | None = None
    markets: tuple[CancelledMarket, ...] = ()


class MarketRef(msgspec.Struct, frozen=True, kw_only=True):
    """A market line named by a rollback."""

    id: int
    specifiers: str | None = None


class RollbackBetSettlement(msgspec.Struct, frozen=True, kw_only=True):
    """Undo the settlement of these markets.

    ``product`` is optional here: the recorded rollback sample omits it."""

    event_id: str
    timestamp: int
    product: int | None = None
    request_id: int | None = None
    markets: tuple[MarketRef, ...] = ()


class RollbackBetCancel(msgspec.Struct, frozen=True, kw_only=True):
    """Undo a ``bet_cancel`` of these markets for the same ``[start_time, end_time]`` window.

    ``product`` is optional here: the recorded rollback sample omits it."""

    event_id: str
    timestamp: int
    product: int | None = None
    start_time: int | None = None
    end_time: int | None = None
    request_id: int | None = None
    markets: tuple[MarketRef, ...] = ()


class FixtureChange(msgspec.Struct, frozen=True, kw_only=True):
    """The event's fixture changed; fetch it again from the API (the message carries no fixture)."""

    event_id: str
    product: int
    timestamp: int
    change_type: int | None = None
    """1 new, 2 start time (date), 3 cancelled, 4 format, 5 coverage, ...; None when absent."""
    start_time: int | None = None
    request_id: int | None = None


class Alive(msgspec.Struct, frozen=True, kw_only=True):
    """Producer heartbeat (every 10 s); ``subscribed=0`` means the session must recover."""

    product: int
    timestamp: int
    subscribed: Flag


class SnapshotComplete(msgspec.Struct, frozen=True, kw_only=True):
    """The recovery request ``request_id`` of this producer has been fully answered."""

    product: int
    timestamp: int
    request_id: int


class ProductDown(msgspec.Struct, frozen=True, kw_only=True):
    """SDK-level: the producer is down (no ``alive`` for too long); suspend all its markets."""

    product: int
    timestamp: int


UofMessage = (
    OddsChange
    | BetStop
    | UofBetSettlement
    | BetCancel
    | RollbackBetSettlement
    | RollbackBetCancel
    | FixtureChange
    | Alive
    | SnapshotComplete
    | ProductDown
)
