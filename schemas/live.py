"""The integration bridge's live-casino contract (``provider_id`` ``live``), as received.

One JSON object per message, UTF-8. The message is named by its ``type`` field (the tag, with
dotted names such as ``bet.place``); field names are camelCase (the structs below use
snake_case with ``rename="camel"``). Unknown fields are ignored; the fields modelled here are
typed strictly. Every message carries ``timestamp``: epoch milliseconds as a JSON integer, or an
ISO-8601 string with a zone. A message may carry ``nonce`` (signed messages: HMAC with nonce
and timestamp); it is passed on for replay protection and is not part of any id.

Message types (``?`` = optional; ids are non-empty JSON strings):

- ``bet.place`` {idempotencyKey, sessionId, roundId, selection: [{market, value}], stake:
  {amount, currency}, limitsProfile, betId?, playerId?, tableId?}. At least one selection;
  ``market`` is the bet type (``straight``, ``banker``, ``red``), ``value`` its spot (a string,
  or a non-negative 64-bit integer such as a roulette number, kept as its decimal text).
- ``bet.accepted`` {betId?, idempotencyKey?, acceptedOdds?} and ``bet.rejected`` {betId?,
  idempotencyKey?, reason}: at least one of ``betId`` and ``idempotencyKey``.
- ``round.settle`` {roundId, bets: [{betId, stake, payout, outcome}], transactions: [{id,
  type DEBIT/CREDIT, amount}], balanceAfter, currency, sessionId?}: one player's settlement
  of a round (``roundId`` is globally unique and one settle is sent per round, hence the
  singular ``balanceAfter``). ``outcome`` is WIN/LOSE/PUSH/VOID/RETRY.
- ``limits.update`` {profile, scope, currency?, maxStake?, maxPayout?, maxLiability?}:
  ``profile`` such as ``DEFAULT``/``VIP_A``/``VIP_B``/``Ultra``, ``scope`` what it applies to
  (``country:MT``, ``currency:EUR``, ``player:p1``; free text). Amounts need ``currency``.
- ``thresholds.update`` {currency, scope?, selectionLiability?, marketLiability?,
  eventLiability?, roundLiability?} (an extension): suspend thresholds of one currency, hot;
  ``scope`` ``platform`` (default) or ``table:<id>`` (that table's round threshold only).
- ``session.close`` {sessionId, playerId?, reason?}
- ``provider.error`` {code (string or 64-bit integer), message, producer?}

Amounts (stakes, payouts, transaction amounts, balances, limits) are decimal strings in major
units of the message's (or the stake's) ISO-4217 currency, such as ``"5.00"``; a JSON number is
accepted too and decoded from its text, exactly. Domain checks (non-negative, no more digits than
the currency's minor unit) are the adapter's (``wagerflow.adapters.live``).
"""

from decimal import Decimal
from typing import Annotated, Literal, get_args

import msgspec

Id = Annotated[str, msgspec.Meta(min_length=1)]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
Timestamp = int | str
"""Epoch milliseconds (JSON integer) or ISO-8601 text with a zone."""
LiveOutcome = Literal["WIN", "LOSE", "PUSH", "VOID", "RETRY"]
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
UInt = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]


class _Message(msgspec.Struct, frozen=True, kw_only=True, rename="camel", tag_field="type"):
    timestamp: Timestamp
    nonce: str | None = None


class BetSpot(msgspec.Struct, frozen=True, kw_only=True):
    market: Id
    value: Id | UInt


class Money(msgspec.Struct, frozen=True, kw_only=True):
    amount: Decimal
    currency: Currency


class BetPlace(_Message, frozen=True, kw_only=True, tag="bet.place"):
    idempotency_key: Id
    session_id: Id
    round_id: Id
    selection: Annotated[list[BetSpot], msgspec.Meta(min_length=1)]
    stake: Money
    limits_profile: Id
    bet_id: Id | None = None
    player_id: Id | None = None
    table_id: Id | None = None


class BetAccepted(_Message, frozen=True, kw_only=True, tag="bet.accepted"):
    bet_id: Id | None = None
    idempotency_key: Id | None = None
    accepted_odds: Decimal | None = None


class BetRejected(_Message, frozen=True, kw_only=True, tag="bet.rejected"):
    bet_id: Id | None = None
    idempotency_key: Id | None = None
    reason: str


class SettledBet(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    bet_id: Id
    stake: Decimal
    payout: Decimal
    outcome: LiveOutcome


class Transaction(msgspec.Struct, frozen=True, kw_only=True):
    id: Id
    type: Literal["DEBIT", "CREDIT"]
    amount: Decimal


class RoundSettle(_Message, frozen=True, kw_only=True, tag="round.settle"):
    round_id: Id
    bets: list[SettledBet]
    transactions: list[Transaction]
    balance_after: Decimal
    currency: Currency
    session_id: Id | None = None


class LimitsUpdate(_Message, frozen=True, kw_only=True, tag="limits.update"):
    profile: Id
    scope: Id
    currency: Currency | None = None
    max_stake: Decimal | None = None
    max_payout: Decimal | None = None
    max_liability: Decimal | None = None


class ThresholdsUpdate(_Message, frozen=True, kw_only=True, tag="thresholds.update"):
    currency: Currency
    scope: Annotated[str, msgspec.Meta(pattern=r"^(platform|table:.+)$")] = "platform"
    selection_liability: Decimal | None = None
    market_liability: Decimal | None = None
    event_liability: Decimal | None = None
    round_liability: Decimal | None = None


class SessionClose(_Message, frozen=True, kw_only=True, tag="session.close"):
    session_id: Id
    player_id: Id | None = None
    reason: str | None = None


class ProviderError(_Message, frozen=True, kw_only=True, tag="provider.error"):
    code: Id | Int64
    message: str
    producer: Id | None = None


LiveMessage = (
    BetPlace
    | BetAccepted
    | BetRejected
    | RoundSettle
    | LimitsUpdate
    | ThresholdsUpdate
    | SessionClose
    | ProviderError
)

MESSAGE_TYPES: frozenset[str] = frozenset(
    str(cls.__struct_config__.tag) for cls in get_args(LiveMessage)
)
"""Every ``type`` tag of the contract."""

LIVE_DECODER: msgspec.json.Decoder[LiveMessage] = msgspec.json.Decoder(LiveMessage)
