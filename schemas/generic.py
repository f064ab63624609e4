"""The integration bridge's generic JSON feed (``provider_id`` ``generic``), as received.

There is no public specification; this module *is* the specification. One JSON object per
message, UTF-8, with a ``type`` tag naming the message; field names are camelCase (the structs
below use snake_case with ``rename="camel"``). Unknown fields are ignored (a provider adding a
field must not send its feed to the DLQ); the fields modelled here are typed strictly.

Every message carries ``timestamp``: epoch milliseconds as a JSON integer, or an ISO-8601 string
with a zone (``"2026-01-10T15:00:00.120Z"``, ``"...+01:00"``). A string of digits is neither.

Message types and their fields (``?`` = optional; all ids are non-empty JSON strings):

Sports (category ``sport``)

- ``eventCreated`` {eventId, name, startTime (same forms as ``timestamp``), sportId?,
  competitionId?} (the sport and competition are an extension: the limits' ``sport:`` and
  ``competition:`` scopes read them)
- ``eventSuspended`` {eventId, reason?}
- ``eventResumed`` {eventId} (an extension: the contract has RESUMED, and a suspension needs
  an end)
- ``eventFinished`` {eventId}
- ``oddsChanged`` {eventId, marketId, specifiers?, selections: [{selectionId, odds?, active}]}:
  the full price list of one market *line*. ``specifiers`` is a JSON object of string keys and
  string values (``{"total": "2.5"}``); a key holds neither ``=`` nor ``|``, a value no ``|``.
  At least one selection; ``odds`` is decimal odds (``"2.50"``) and may be absent or null only
  on an inactive selection.
- ``eventResult`` {eventId, marketId, specifiers?, winners: [selectionId], voided?: [...]}:
  the result of a whole market. ``specifiers`` is accepted only to refuse it: the contract's
  ``EventResult`` cannot name a line, so a result for a line with specifiers is rejected
  (UNSUPPORTED_MESSAGE) instead of settling the wrong line.

Sports bets (category ``sport``)

- ``BetPlaced`` {betId, eventId, marketId, specifiers?, selectionId, stake: {amount,
  currency}, acceptedOdds, potentialPayout (in the stake's currency), playerId?}
- ``BetSettled`` {betId, outcome WIN/LOSE/PUSH/VOID/HALF_WIN/HALF_LOSE, payout, currency}

Players (category ``sport``)

- ``playerUpdated`` {playerId, country?, kycStatus?, limitsProfile?}: the player directory the
  limits choose a profile from (an extension). ``country`` is ISO 3166-1 alpha-2 upper case;
  an absent field leaves the player's entry unchanged.

Slots (category ``slot``)

- ``SpinRequested`` {sessionId, spinId, betAmount, currency, gameId?}
- ``SpinResult`` {sessionId, spinId, symbols: [str], payout, balance, currency, gameId?}

Live casino rounds (category ``live``)

- ``LiveRoundStart`` {roundId, tableId, gameId}
- ``bettingOpen`` / ``bettingClosed`` {roundId, tableId?, gameId?}
- ``roundAborted`` {roundId, reason?, tableId?, gameId?} (an extension: the contract has
  ABORTED)
- ``roundResult`` {roundId, outcome (free text such as ``"RED 17"``), payouts: [{betId?,
  playerId?, amount, currency}], tableId?, gameId?}

Numbers: amounts and odds decode as ``Decimal``, from a JSON string (``"5.00"``, preferred) or a
JSON number (decoded from its text, exactly; never through ``float``). Amounts are major units of
the named ISO-4217 currency (three upper-case letters). The domain checks (non-negative, no more
digits than the currency's minor unit, odds at least 1) are the adapter's
(``wagerflow.adapters.generic``), which rejects a violation as ``INVALID_VALUE``.
"""

from decimal import Decimal
from typing import Annotated, Literal, get_args

import msgspec

Id = Annotated[str, msgspec.Meta(min_length=1)]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
Timestamp = int | str
"""Epoch milliseconds (JSON integer) or ISO-8601 text with a zone."""
SpecifierKey = Annotated[str, msgspec.Meta(pattern=r"^[^=|]+$")]
SpecifierValue = Annotated[str, msgspec.Meta(pattern=r"^[^|]+$")]
Specifiers = dict[SpecifierKey, SpecifierValue]
SportsOutcome = Literal["WIN", "LOSE", "PUSH", "VOID", "HALF_WIN", "HALF_LOSE"]


class _Message(msgspec.Struct, frozen=True, kw_only=True, rename="camel", tag_field="type"):
    timestamp: Timestamp


# --- sports -----------------------------------------------------------------------------------


class EventCreated(_Message, frozen=True, kw_only=True, tag="eventCreated"):
    event_id: Id
    name: str
    start_time: Timestamp
    sport_id: Id | None = None
    competition_id: Id | None = None


class EventSuspended(_Message, frozen=True, kw_only=True, tag="eventSuspended"):
    event_id: Id
    reason: str | None = None


class EventResumed(_Message, frozen=True, kw_only=True, tag="eventResumed"):
    event_id: Id


class EventFinished(_Message, frozen=True, kw_only=True, tag="eventFinished"):
    event_id: Id


class Selection(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    selection_id: Id
    odds: Decimal | None = None
    active: bool


class OddsChanged(_Message, frozen=True, kw_only=True, tag="oddsChanged"):
    event_id: Id
    market_id: Id
    specifiers: Specifiers = {}
    selections: Annotated[list[Selection], msgspec.Meta(min_length=1)]


class EventResult(_Message, frozen=True, kw_only=True, tag="eventResult"):
    event_id: Id
    market_id: Id
    specifiers: Specifiers = {}
    winners: list[Id]
    voided: list[Id] = []


# --- sports bets ------------------------------------------------------------------------------


class Money(msgspec.Struct, frozen=True, kw_only=True):
    amount: Decimal
    currency: Currency


class BetPlaced(_Message, frozen=True, kw_only=True, tag="BetPlaced"):
    bet_id: Id
    event_id: Id
    market_id: Id
    specifiers: Specifiers = {}
    selection_id: Id
    stake: Money
    accepted_odds: Decimal
    potential_payout: Decimal
    player_id: Id | None = None


class BetSettled(_Message, frozen=True, kw_only=True, tag="BetSettled"):
    bet_id: Id
    outcome: SportsOutcome
    payout: Decimal
    currency: Currency


# --- players ----------------------------------------------------------------------------------


class PlayerUpdated(_Message, frozen=True, kw_only=True, tag="playerUpdated"):
    player_id: Id
    country: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")] | None = None
    kyc_status: Id | None = None
    limits_profile: Id | None = None


# --- slots ------------------------------------------------------------------------------------


class SpinRequested(_Message, frozen=True, kw_only=True, tag="SpinRequested"):
    session_id: Id
    spin_id: Id
    bet_amount: Decimal
    currency: Currency
    game_id: Id | None = None


class SpinResult(_Message, frozen=True, kw_only=True, tag="SpinResult"):
    session_id: Id
    spin_id: Id
    symbols: list[str]
    payout: Decimal
    balance: Decimal
    currency: Currency
    game_id: Id | None = None


# --- live rounds ------------------------------------------------------------------------------


class LiveRoundStart(_Message, frozen=True, kw_only=True, tag="LiveRoundStart"):
    round_id: Id
    table_id: Id
    game_id: Id


class BettingOpen(_Message, frozen=True, kw_only=True, tag="bettingOpen"):
    round_id: Id
    table_id: Id | None = None
    game_id: Id | None = None


class BettingClosed(_Message, frozen=True, kw_only=True, tag="bettingClosed"):
    round_id: Id
    table_id: Id | None = None
    game_id: Id | None = None


class RoundAborted(_Message, frozen=True, kw_only=True, tag="roundAborted"):
    round_id: Id
    reason: str | None = None
    table_id: Id | None = None
    game_id: Id | None = None


class RoundPayout(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    bet_id: Id | None = None
    player_id: Id | None = None
    amount: Decimal
    currency: Currency


class RoundResult(_Message, frozen=True, kw_only=True, tag="roundResult"):
    round_id: Id
    outcome: str
    payouts: list[RoundPayout]
    table_id: Id | None = None
    game_id: Id | None = None


GenericMessage = (
    EventCreated
    | EventSuspended
    | EventResumed
    | EventFinished
    | OddsChanged
    | EventResult
    | BetPlaced
    | BetSettled
    | PlayerUpdated
    | SpinRequested
    | SpinResult
    | LiveRoundStart
    | BettingOpen
    | BettingClosed
    | RoundAborted
    | RoundResult
)

MESSAGE_TYPES: frozenset[str] = frozenset(
    str(cls.__struct_config__.tag) for cls in get_args(GenericMessage)
)
"""Every ``type`` tag of the feed."""

GENERIC_DECODER: msgspec.json.Decoder[GenericMessage] = msgspec.json.Decoder(GenericMessage)
