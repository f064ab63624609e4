"""Evolution One Wallet callbacks -> normalized ``WalletTransaction`` events.

``decode(raw, meta)`` takes one framed callback (``<path> <JSON body>``, see ``schemas.wallet``)
and returns one ``PendingEvent`` or a ``Rejection``; it is pure and never raises on bad input.

===========  ========  =========
path         kind      direction
===========  ========  =========
``/debit``   BET       DEBIT
``/credit``  WIN       CREDIT
``/cancel``  ROLLBACK  NONE
===========  ========  =========

Pairing: Evolution pairs a debit with the credit or cancel that settles it by
``transaction.refId`` (all three carry the same ``refId``; ``transaction.id`` is the id of the
call itself). So ``reference_id`` is ``refId`` on all three: the debit names its own pairing key,
and a credit or cancel names the debit it settles through the same key. A consumer joins a credit
or cancel to its debit on ``reference_id``, not on ``transaction_id``. A cancel's direction is NONE
like every rollback: it reverses the debit with the same ``refId``; its ``amount`` (the debit's,
as Evolution sends it) is carried. A credit of 0 is a lost bet settled.

``/promo_payout`` (a credit of a promotion, settling no debit; body ``promoTransaction`` with its
own ``id``, ``type`` and ``amount``) is PROMO_WIN CREDIT, ``transaction_id`` the promo
transaction's id, no ``reference_id``: bonus cost (MONEY.md §4.1); of ``type`` ``JackpotWin`` it
is JACKPOT_WIN (a jackpot win is a win, §4.1). Other paths (``/check``, ``/sid``, ``/balance``)
move no money and are ``UNSUPPORTED_MESSAGE``.

Fields: ``transaction_id`` ``transaction.id``; ``round_id`` ``game.id`` (Evolution's game id is the
game round); ``game_id`` ``game.type`` (the game, e.g. ``blackjack``: Evolution sends no finer game
id in wallet calls); ``table_id`` ``game.details.table.id``; ``session_id`` ``sid``;
``player_id`` ``userId``. Evolution does not say when a round closes (a credit settles one bet,
and a round may hold several), so ``round_closed`` is False; there are no free bets (``is_free``
False).

Amounts: ``transaction.amount`` is a JSON number in major units, decoded as ``Decimal`` from its
text (never a float; a JSON string holding a decimal is accepted too) and converted exactly to
minor units (``5.001`` EUR is ``INVALID_VALUE``, as is a negative or absurdly large amount).

Identity and order: ``dedup_key`` is ``evolution:{path}:{transaction.id}`` with the path name
(``debit``/``credit``/``cancel``): the kind is part of the key because a cancel may carry the id
of the debit it cancels. ``uuid`` identifies the HTTP request (a retry may renew it) and is not
used. ``entity`` is ``evolution:round:{game.id}``, so a round's debits, credits and cancels stay in
order.

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
from wagerflow.schemas.wallet import EvolutionPromoPayout, EvolutionRequest, split_framed

PROVIDER = "evolution"
CATEGORY: Category = "live"
MAX_MAJOR_DIGITS = 15
"""Amounts of 10**15 currency units or more are refused (they cannot be real and would not fit
int64 minor units downstream)."""

Direction = Literal["DEBIT", "CREDIT", "NONE"]

PATHS: dict[str, tuple[TransactionKind, Direction]] = {
    "/debit": ("BET", "DEBIT"),
    "/credit": ("WIN", "CREDIT"),
    "/cancel": ("ROLLBACK", "NONE"),
}
"""The transaction callbacks, with the kind and direction of the event each one becomes."""

PROMO_PATH = "/promo_payout"

_DECODER = msgspec.json.Decoder(EvolutionRequest)
_PROMO = msgspec.json.Decoder(EvolutionPromoPayout)


def _minor(amount: Decimal, currency: str) -> int | Rejection:
    if amount.is_finite() and amount.adjusted() >= MAX_MAJOR_DIGITS:
        return Rejection(Reason.INVALID_VALUE, f"amount {amount} is too large")
    try:
        return exact_minor(amount, currency)
    except InexactAmount as exc:
        return Rejection(Reason.INVALID_VALUE, str(exc))


def decode(raw: bytes, meta: RawMeta) -> list[PendingEvent] | Rejection:
    """One framed Evolution callback -> its wallet transaction, or a rejection; never raises."""
    framed = split_framed(raw)
    if framed is None:
        return Rejection(Reason.MALFORMED, "not a framed callback: '<path> <body>' expected")
    path, body, ingress_ms = framed
    # no time in the body: the framing's ingress time, else the broker's, else 0
    event_time = ingress_ms if ingress_ms is not None else received_ms(meta, 0)
    if path == PROMO_PATH:
        return _promo(body, meta, event_time, raw)
    mapped = PATHS.get(path)
    if mapped is None:
        return Rejection(
            Reason.UNSUPPORTED_MESSAGE, f"path {path!r} is not an Evolution transaction callback"
        )
    kind, direction = mapped
    try:
        msg = _DECODER.decode(body)
    except msgspec.ValidationError as exc:
        return Rejection(Reason.SCHEMA_MISMATCH, f"{path}: {exc}")
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        # msgspec raises UnicodeDecodeError for invalid UTF-8 in a string and RecursionError
        # for absurd nesting: both are malformed input, not programming errors
        return Rejection(Reason.MALFORMED, f"{path}: {type(exc).__name__}: {exc}")
    tx = msg.transaction
    amount = _minor(tx.amount, msg.currency)
    if isinstance(amount, Rejection):
        return amount
    details = msg.game.details
    table = details.table if details is not None else None
    event = WalletTransaction(
        tenant_id=meta.tenant_id,
        provider_id=PROVIDER,
        category=CATEGORY,
        event_time_ms=event_time,
        received_time_ms=received_ms(meta, event_time),
        dedup_key=f"{PROVIDER}:{path.lstrip('/')}:{tx.id}",
        source=meta.source,
        transaction_id=tx.id,
        kind=kind,
        direction=direction,
        amount=amount,
        currency=msg.currency,
        reference_id=tx.refId,
        round_id=msg.game.id,
        player_id=msg.userId,
        session_id=msg.sid,
        game_id=msg.game.type or None,
        table_id=table.id if table is not None else None,
    )
    return [PendingEvent(f"{PROVIDER}:round:{msg.game.id}", event, raw)]


def _promo(
    body: bytes, meta: RawMeta, event_time: int, raw: bytes
) -> list[PendingEvent] | Rejection:
    try:
        msg = _PROMO.decode(body)
    except msgspec.ValidationError as exc:
        return Rejection(Reason.SCHEMA_MISMATCH, f"{PROMO_PATH}: {exc}")
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        return Rejection(Reason.MALFORMED, f"{PROMO_PATH}: {type(exc).__name__}: {exc}")
    promo = msg.promoTransaction
    amount = _minor(promo.amount, msg.currency)
    if isinstance(amount, Rejection):
        return amount
    kind: TransactionKind = "JACKPOT_WIN" if promo.type == "JackpotWin" else "PROMO_WIN"
    round_id = msg.game.id if msg.game is not None else None
    event = WalletTransaction(
        tenant_id=meta.tenant_id,
        provider_id=PROVIDER,
        category=CATEGORY,
        event_time_ms=event_time,
        received_time_ms=received_ms(meta, event_time),
        dedup_key=f"{PROVIDER}:promo_payout:{promo.id}",
        source=meta.source,
        transaction_id=promo.id,
        kind=kind,
        direction="CREDIT",
        amount=amount,
        currency=msg.currency,
        round_id=round_id,
        player_id=msg.userId,
        session_id=msg.sid or None,
        game_id=msg.game.type if msg.game is not None else None,
    )
    entity = f"{PROVIDER}:round:{round_id}" if round_id else f"{PROVIDER}:promo:{promo.id}"
    return [PendingEvent(entity, event, raw)]
