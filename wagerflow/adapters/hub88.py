"""Hub88 Operator Wallet API callbacks -> normalized ``WalletTransaction`` events.

``decode(raw, meta)`` takes one framed callback (``<path> <JSON body>``, see ``schemas.wallet``)
and returns one ``PendingEvent`` or a ``Rejection``; it is pure and never raises on bad input.

==========================  ==========  =========  =============================================
path                        kind        direction  reference_id
==========================  ==========  =========  =============================================
``/transaction/bet``        BET         DEBIT      ``reference_transaction_uuid`` (usually none)
``/transaction/win``        WIN         CREDIT     ``reference_transaction_uuid``: the bet paid
``/transaction/rollback``   ROLLBACK    NONE       ``reference_transaction_uuid``: the reversed
==========================  ==========  =========  =============================================

A rollback's direction is NONE because it moves no money of its own: it undoes the transaction it
references (a bet's debit is returned, a win's credit taken back), so the direction and the
amount that matter are the referenced transaction's. Hub88's public API sends a rollback without
``amount`` and ``currency``; the event then carries amount 0 and currency ``NO_CURRENCY``
(``XXX``, ISO 4217's "no currency involved"); when a rollback does carry them they are kept.

Rejections: framing that is not ``<path> <body>`` or a body that is not JSON -> ``MALFORMED``;
another path (``/user/info``, ``/user/balance``, ...) -> ``UNSUPPORTED_MESSAGE``; a field we use
missing or mistyped (``amount`` must be a JSON integer) -> ``SCHEMA_MISMATCH``; an amount that is
negative, not a whole number of the currency's minor units, or absurdly large ->
``INVALID_VALUE``.

Amounts: Hub88 counts 1/100,000 of the currency unit (``HUB88_AMOUNT_DIGITS``); 150000 EUR is
1.50 EUR, 150 minor units. The conversion is exact or refused: 123456 EUR (1.23456) is rejected,
never rounded. Currencies are looked up in ``wagerflow.money`` (unknown codes have 2 digits, so
sub-cent amounts in a crypto display unit such as ``mBTC`` are rejected, not truncated).

Identity and order: ``dedup_key`` is ``hub88:{transaction_uuid}`` (Hub88's transaction id is
unique across bet, win and rollback; ``request_uuid`` identifies the HTTP request, not the
transaction). ``entity`` is ``hub88:round:{round}`` so a round's bets, wins and rollbacks stay in
order; without a round it is ``hub88:ref:{reference_transaction_uuid or transaction_uuid}``, which
keeps a bet with its win and its rollback (not a rollback of a win: that chain starts at the win).

Times: the API puts no time in the body (MONEY.md has none to name). ``event_time_ms`` is the
ingress time the framing carries (``@<epoch ms>`` prefix, ``schemas.wallet.split_framed``);
without it the broker time of the message, and read from an unstamped file 0.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

from wagerflow.adapters.base import PendingEvent, RawMeta, received_ms
from wagerflow.adapters.rejection import Rejection
from wagerflow.money import InexactAmount, exact_minor
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.events import Category, TransactionKind, WalletTransaction
from wagerflow.schemas.wallet import (
    HUB88_AMOUNT_DIGITS,
    Hub88Bet,
    Hub88Rollback,
    Hub88Win,
    split_framed,
)

PROVIDER = "hub88"
CATEGORY: Category = "slot"
NO_CURRENCY = "XXX"
"""ISO 4217 "no currency": a rollback that does not say its currency."""
MAX_MAJOR_DIGITS = 15
"""Amounts of 10**15 currency units or more are refused (they cannot be real and would not fit
int64 minor units downstream)."""

BET_PATH = "/transaction/bet"
WIN_PATH = "/transaction/win"
ROLLBACK_PATH = "/transaction/rollback"

_BET = msgspec.json.Decoder(Hub88Bet)
_WIN = msgspec.json.Decoder(Hub88Win)
_ROLLBACK = msgspec.json.Decoder(Hub88Rollback)

Direction = Literal["DEBIT", "CREDIT", "NONE"]


def _minor(amount: int, currency: str) -> int | Rejection:
    """Hub88 units (10**-5) -> exact minor units of ``currency``, or INVALID_VALUE."""
    value = Decimal(amount).scaleb(-HUB88_AMOUNT_DIGITS)
    if value.adjusted() >= MAX_MAJOR_DIGITS:
        return Rejection(Reason.INVALID_VALUE, f"amount {amount} is too large")
    try:
        return exact_minor(value, currency)
    except InexactAmount as exc:
        return Rejection(Reason.INVALID_VALUE, f"amount {amount} (1/100000 units): {exc}")


def decode(raw: bytes, meta: RawMeta) -> list[PendingEvent] | Rejection:
    """One framed Hub88 callback -> its wallet transaction, or a rejection; never raises."""
    framed = split_framed(raw)
    if framed is None:
        return Rejection(Reason.MALFORMED, "not a framed callback: '<path> <body>' expected")
    path, body, ingress_ms = framed
    msg: Hub88Bet | Hub88Win | Hub88Rollback
    try:
        if path == BET_PATH:
            msg = _BET.decode(body)
        elif path == WIN_PATH:
            msg = _WIN.decode(body)
        elif path == ROLLBACK_PATH:
            msg = _ROLLBACK.decode(body)
        else:
            return Rejection(
                Reason.UNSUPPORTED_MESSAGE, f"path {path!r} is not a Hub88 transaction callback"
            )
    except msgspec.ValidationError as exc:
        return Rejection(Reason.SCHEMA_MISMATCH, f"{path}: {exc}")
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        # msgspec raises UnicodeDecodeError for invalid UTF-8 in a string and RecursionError
        # for absurd nesting: both are malformed input, not programming errors
        return Rejection(Reason.MALFORMED, f"{path}: {type(exc).__name__}: {exc}")

    kind: TransactionKind
    direction: Direction
    is_free = False
    if isinstance(msg, Hub88Rollback):
        kind, direction = "ROLLBACK", "NONE"
        if msg.amount is not None and not msg.currency:
            return Rejection(Reason.SCHEMA_MISMATCH, f"{path}: amount without a currency")
        currency = msg.currency or NO_CURRENCY
        amount = 0 if msg.amount is None else _minor(msg.amount, currency)
    else:
        kind, direction = ("BET", "DEBIT") if isinstance(msg, Hub88Bet) else ("WIN", "CREDIT")
        currency = msg.currency
        amount = _minor(msg.amount, currency)
        is_free = bool(msg.is_free)
    if isinstance(amount, Rejection):
        return amount

    reference = msg.reference_transaction_uuid
    if msg.round:
        entity = f"{PROVIDER}:round:{msg.round}"
    else:
        entity = f"{PROVIDER}:ref:{reference or msg.transaction_uuid}"
    # no time in the body: the framing's ingress time, else the broker's, else 0
    event_time = ingress_ms if ingress_ms is not None else received_ms(meta, 0)
    event = WalletTransaction(
        tenant_id=meta.tenant_id,
        provider_id=PROVIDER,
        category=CATEGORY,
        event_time_ms=event_time,
        received_time_ms=received_ms(meta, event_time),
        dedup_key=f"{PROVIDER}:{msg.transaction_uuid}",
        source=meta.source,
        transaction_id=msg.transaction_uuid,
        kind=kind,
        direction=direction,
        amount=amount,
        currency=currency,
        reference_id=reference,
        round_id=msg.round or None,
        player_id=msg.user,
        session_id=msg.token or None,
        game_id=msg.game_code or None,
        round_closed=bool(msg.round_closed),
        is_free=is_free,
    )
    return [PendingEvent(entity, event, raw)]
