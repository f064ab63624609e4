"""Pragmatic Play Seamless Wallet callbacks -> normalized ``WalletTransaction`` events.

(Over 400 lines: every Pragmatic callback type, its form parsing and its hash.)

``decode(raw, meta)`` takes one framed callback (``<path> <form body>``, see ``schemas.wallet``)
and returns its ``PendingEvent`` events or a ``Rejection``; it is pure and never raises on bad
input.
``pragmatic_hash`` / ``verify_pragmatic_hash`` implement Pragmatic's request signature; decode
does not check it (``wagerflow.pipeline.signing`` does, before decoding, when a secret is
configured).

=====================  ===========  ========================  ==================================
path                   kind         direction                 notes
=====================  ===========  ========================  ==================================
``/bet.html``          BET          DEBIT
``/result.html``       WIN          CREDIT                    + PROMO_WIN for ``promoWinAmount``
``/refund.html``       REFUND       CREDIT                    ``reference`` is the refunded bet's
``/bonusWin.html``     BONUS_WIN    CREDIT                    free-rounds total (see below)
``/jackpotWin.html``   JACKPOT_WIN  CREDIT
``/promoWin.html``     PROMO_WIN    CREDIT                    tournaments, prize drops
``/endRound.html``     END_ROUND    NONE                      amount 0, ``round_closed`` True
``/adjustment.html``   ADJUSTMENT   sign of ``amount``        DEBIT < 0 < CREDIT, 0 is NONE
=====================  ===========  ========================  ==================================

Other paths (``/authenticate.html``, ``/balance.html``, ``/getBalancePerGame.html``, ...) move no
money and are ``UNSUPPORTED_MESSAGE``.

Assumptions where the public description is incomplete:

- **Currency**: Pragmatic sends no currency on most calls (the player's wallet currency is agreed
  at authentication). A ``currency`` field is used when present, else ``DEFAULT_CURRENCY``.
- **References**: ``reference`` is the idempotency key of a money call. A refund has no reference
  of its own: its ``reference`` is the refunded bet's, so the event's ``transaction_id`` and
  ``reference_id`` are both that reference (the dedup key's ``refund`` part keeps it distinct
  from the bet). A result names no bet (Pragmatic pairs them by ``roundId``): ``reference_id``
  is None. An endRound has no reference: the round is its key (``transaction_id`` = ``roundId``).
- **Amounts**: plain decimals in major units (``10``, ``0.20``; no sign except on adjustment, no
  exponent, at most 18 digits each side), converted exactly (``0.001`` EUR is INVALID_VALUE). A
  refund may omit ``amount`` (older API versions): it is then 0, and the refunded amount is the
  bet's. ``adjustment`` is signed; the event's amount is unsigned with the sign as direction.
- **Free rounds**: ``bonusCode`` on a bet or result marks a free-rounds spin (``is_free``).
  ``bonusWin`` reports the total won in a free-rounds bonus; it is emitted as a CREDIT as
  specified, but Pragmatic integrations differ on whether the spins' wins already arrived as
  ``result`` calls: a consumer that credits free-round results (``is_free``) must not also
  credit the BONUS_WIN of the same ``bonusCode``.
- **Prize drops**: a ``result`` with a non-zero ``promoWinAmount`` also pays that prize; it is a
  second event, PROMO_WIN CREDIT, keyed by ``promoWinReference`` (then required) with
  ``reference_id`` the result's reference.
- **Round closing**: only ``endRound`` sets ``round_closed``; a result does not (a round may
  hold several results).
- **Form**: UTF-8, ``application/x-www-form-urlencoded``. Blank values count as absent; a
  parameter given twice is ``SCHEMA_MISMATCH`` (which one was signed is ambiguous).

Rejections: no framing, or a body that is not a form (bad percent-encoding, not UTF-8, a pair
without ``=``) -> ``MALFORMED`` (the code for unparseable bytes, whatever the format); a
field we use missing, repeated or not a number where one is expected -> ``SCHEMA_MISMATCH``; an
amount negative (except adjustment), inexact or absurdly large -> ``INVALID_VALUE``.

Identity and order: ``dedup_key`` is ``pragmatic:{path}:{reference}`` with the path's name
(``bet``, ``result``, ``refund``, ``bonusWin``, ...; endRound: ``pragmatic:endRound:{roundId}``;
the prize drop of a result: ``pragmatic:promoWin:{promoWinReference}``). ``entity`` is
``pragmatic:round:{roundId}`` so a round's bet, result, refund and endRound stay in order;
without a round (promoWin, some bonusWin and refund calls) it is ``pragmatic:ref:{reference}``.

Times: ``event_time_ms`` is the call's own ``timestamp`` (epoch ms, when Pragmatic processed it;
every money call of the API carries it); without one, the ingress time of the framing
(``@<epoch ms>`` prefix), else the broker time, and for an unstamped file 0.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from urllib.parse import parse_qsl

import msgspec

from wagerflow.adapters.base import PendingEvent, RawMeta, received_ms
from wagerflow.adapters.rejection import Rejection
from wagerflow.money import InexactAmount, exact_minor
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.events import Category, TransactionKind, WalletTransaction
from wagerflow.schemas.wallet import (
    PragmaticAdjustment,
    PragmaticBet,
    PragmaticBonusWin,
    PragmaticEndRound,
    PragmaticJackpotWin,
    PragmaticPromoWin,
    PragmaticRefund,
    PragmaticRequest,
    PragmaticResult,
    split_framed,
)

PROVIDER = "pragmatic"
CATEGORY: Category = "slot"
DEFAULT_CURRENCY = "EUR"
"""The wallet currency assumed when a call carries no ``currency`` (Pragmatic omits it)."""
MAX_MAJOR_DIGITS = 15
"""Amounts of 10**15 currency units or more are refused (they cannot be real and would not fit
int64 minor units downstream)."""
MAX_FIELDS = 100
"""More form parameters than this is not a Pragmatic callback (bounds the parsing work)."""

Direction = Literal["DEBIT", "CREDIT", "NONE"]

PATHS: dict[str, type[PragmaticRequest]] = {
    "/bet.html": PragmaticBet,
    "/result.html": PragmaticResult,
    "/refund.html": PragmaticRefund,
    "/bonusWin.html": PragmaticBonusWin,
    "/jackpotWin.html": PragmaticJackpotWin,
    "/promoWin.html": PragmaticPromoWin,
    "/endRound.html": PragmaticEndRound,
    "/adjustment.html": PragmaticAdjustment,
}
"""The money callbacks and the request each one carries."""

_DECIMAL = re.compile(r"-?[0-9]{1,18}(?:\.[0-9]{1,18})?")
_EPOCH_MS = re.compile(r"[0-9]{1,15}")
_NUMBERS = {
    "amount": _DECIMAL,
    "promoWinAmount": _DECIMAL,
    "validBetAmount": _DECIMAL,
    "timestamp": _EPOCH_MS,
}
"""Form values that must be numbers, and their shape (checked before typing)."""


# --- the signature ----------------------------------------------------------------------------


def pragmatic_hash(fields: Mapping[str, str], secret: str) -> str:
    """Pragmatic's request hash: every parameter except ``hash`` (blank ones included), sorted
    by name, joined as ``k=v`` with ``&`` (values as decoded, not percent-encoded), the secret key
    appended directly, md5 over the UTF-8 bytes, lowercase hex."""
    joined = "&".join(f"{name}={fields[name]}" for name in sorted(fields) if name != "hash")
    # surrogatepass: text decoded from real requests has no lone surrogates, and then this is
    # plain UTF-8; it only keeps the function total for arbitrary strings.
    text = (joined + secret).encode("utf-8", "surrogatepass")
    # md5 is Pragmatic's scheme, not our choice; it must be matched as specified.
    return hashlib.md5(text).hexdigest()  # noqa: S324


def verify_pragmatic_hash(fields: Mapping[str, str], secret: str) -> bool:
    """Whether ``fields`` carry a ``hash`` that matches the others (constant-time compare; the
    hex case is ignored). Never raises, whatever the text of ``hash``."""
    given = fields.get("hash")
    if not given:
        return False
    # bytes, not str: compare_digest raises on non-ASCII str, and the hash is attacker-controlled
    expected = pragmatic_hash(fields, secret).encode()
    return hmac.compare_digest(given.lower().encode("utf-8", "replace"), expected)


def parse_form(body: bytes) -> dict[str, str] | Rejection:
    """The parameters of a form-encoded body; a rejection when it is not one or repeats a name."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        return Rejection(Reason.MALFORMED, f"malformed form: {exc}")
    fields = dict(pairs)
    if len(fields) != len(pairs):
        names = [name for name, _ in pairs]
        repeated = sorted({name for name in names if names.count(name) > 1})
        return Rejection(Reason.SCHEMA_MISMATCH, f"parameters given twice: {repeated}")
    return fields


# --- decoding ---------------------------------------------------------------------------------


def _typed(path: str, fields: dict[str, str]) -> PragmaticRequest | Rejection:
    present = {name: value for name, value in fields.items() if value}
    for name, shape in _NUMBERS.items():
        value = present.get(name)
        if value is not None and not shape.fullmatch(value):
            return Rejection(Reason.SCHEMA_MISMATCH, f"{path}: {name} {value!r} is not a number")
    try:
        return msgspec.convert(present, PATHS[path], strict=False)
    except msgspec.ValidationError as exc:
        return Rejection(Reason.SCHEMA_MISMATCH, f"{path}: {exc}")


def _minor(amount: Decimal, currency: str, name: str = "amount") -> int | Rejection:
    if amount.adjusted() >= MAX_MAJOR_DIGITS:
        return Rejection(Reason.INVALID_VALUE, f"{name} {amount} is too large")
    try:
        return exact_minor(amount, currency)
    except InexactAmount as exc:
        return Rejection(Reason.INVALID_VALUE, f"{name}: {exc}")


@dataclass(frozen=True, slots=True)
class _Common:
    """What every event of one callback shares."""

    raw: bytes
    meta: RawMeta
    currency: str
    player: str
    session: str | None
    event_time: int

    @classmethod
    def of(
        cls, msg: PragmaticRequest, raw: bytes, meta: RawMeta, ingress_ms: int | None
    ) -> _Common:
        # the call's own timestamp; else the framing's ingress time, the broker's, or 0
        if msg.timestamp is not None:
            event_time = msg.timestamp
        else:
            event_time = ingress_ms if ingress_ms is not None else received_ms(meta, 0)
        return cls(
            raw=raw,
            meta=meta,
            currency=msg.currency or DEFAULT_CURRENCY,
            player=msg.userId,
            session=msg.token or None,
            event_time=event_time,
        )

    def candidate(
        self,
        *,
        key: str,
        transaction_id: str,
        kind: TransactionKind,
        direction: Direction,
        amount: int,
        reference_id: str | None,
        round_id: str | None,
        game_id: str | None,
        round_closed: bool = False,
        is_free: bool = False,
    ) -> PendingEvent:
        meta = self.meta
        event = WalletTransaction(
            tenant_id=meta.tenant_id,
            provider_id=PROVIDER,
            category=CATEGORY,
            event_time_ms=self.event_time,
            received_time_ms=received_ms(meta, self.event_time),
            dedup_key=f"{PROVIDER}:{key}",
            source=meta.source,
            transaction_id=transaction_id,
            kind=kind,
            direction=direction,
            amount=amount,
            currency=self.currency,
            reference_id=reference_id,
            round_id=round_id,
            player_id=self.player,
            session_id=self.session,
            game_id=game_id,
            round_closed=round_closed,
            is_free=is_free,
        )
        entity = f"{PROVIDER}:round:{round_id}" if round_id else f"{PROVIDER}:ref:{transaction_id}"
        return PendingEvent(entity, event, self.raw)


def _credit(
    common: _Common,
    name: str,
    kind: TransactionKind,
    msg: PragmaticBonusWin | PragmaticJackpotWin | PragmaticPromoWin,
    round_id: str | None,
    game_id: str | None,
    *,
    is_free: bool = False,
) -> list[PendingEvent] | Rejection:
    amount = _minor(msg.amount, common.currency)
    if isinstance(amount, Rejection):
        return amount
    return [
        common.candidate(
            key=f"{name}:{msg.reference}",
            transaction_id=msg.reference,
            kind=kind,
            direction="CREDIT",
            amount=amount,
            reference_id=None,
            round_id=round_id,
            game_id=game_id,
            is_free=is_free,
        )
    ]


def _result(common: _Common, msg: PragmaticResult) -> list[PendingEvent] | Rejection:
    amount = _minor(msg.amount, common.currency)
    if isinstance(amount, Rejection):
        return amount
    out = [
        common.candidate(
            key=f"result:{msg.reference}",
            transaction_id=msg.reference,
            kind="WIN",
            direction="CREDIT",
            amount=amount,
            reference_id=None,
            round_id=msg.roundId,
            game_id=msg.gameId,
            is_free=bool(msg.bonusCode),
        )
    ]
    if msg.promoWinAmount is not None and msg.promoWinAmount != 0:
        if not msg.promoWinReference:
            return Rejection(
                Reason.SCHEMA_MISMATCH, "/result.html: promoWinAmount without promoWinReference"
            )
        promo = _minor(msg.promoWinAmount, common.currency, "promoWinAmount")
        if isinstance(promo, Rejection):
            return promo
        out.append(
            common.candidate(
                key=f"promoWin:{msg.promoWinReference}",
                transaction_id=msg.promoWinReference,
                kind="PROMO_WIN",
                direction="CREDIT",
                amount=promo,
                reference_id=msg.reference,
                round_id=msg.roundId,
                game_id=msg.gameId,
            )
        )
    return out


def _candidates(common: _Common, msg: PragmaticRequest) -> list[PendingEvent] | Rejection:
    if isinstance(msg, PragmaticBet):
        amount = _minor(msg.amount, common.currency)
        if isinstance(amount, Rejection):
            return amount
        return [
            common.candidate(
                key=f"bet:{msg.reference}",
                transaction_id=msg.reference,
                kind="BET",
                direction="DEBIT",
                amount=amount,
                reference_id=None,
                round_id=msg.roundId,
                game_id=msg.gameId,
                is_free=bool(msg.bonusCode),
            )
        ]
    if isinstance(msg, PragmaticResult):
        return _result(common, msg)
    if isinstance(msg, PragmaticRefund):
        amount = 0 if msg.amount is None else _minor(msg.amount, common.currency)
        if isinstance(amount, Rejection):
            return amount
        return [
            common.candidate(
                key=f"refund:{msg.reference}",
                transaction_id=msg.reference,
                kind="REFUND",
                direction="CREDIT",
                amount=amount,
                reference_id=msg.reference,
                round_id=msg.roundId,
                game_id=msg.gameId,
                is_free=bool(msg.bonusCode),
            )
        ]
    if isinstance(msg, PragmaticBonusWin):
        return _credit(common, "bonusWin", "BONUS_WIN", msg, msg.roundId, msg.gameId, is_free=True)
    if isinstance(msg, PragmaticJackpotWin):
        return _credit(common, "jackpotWin", "JACKPOT_WIN", msg, msg.roundId, msg.gameId)
    if isinstance(msg, PragmaticPromoWin):
        return _credit(common, "promoWin", "PROMO_WIN", msg, None, None)
    if isinstance(msg, PragmaticEndRound):
        return [
            common.candidate(
                key=f"endRound:{msg.roundId}",
                transaction_id=msg.roundId,
                kind="END_ROUND",
                direction="NONE",
                amount=0,
                reference_id=None,
                round_id=msg.roundId,
                game_id=msg.gameId,
                round_closed=True,
                is_free=bool(msg.bonusCode),
            )
        ]
    # PragmaticAdjustment
    amount = _minor(abs(msg.amount), common.currency)
    if isinstance(amount, Rejection):
        return amount
    direction: Direction = "NONE" if amount == 0 else "DEBIT" if msg.amount < 0 else "CREDIT"
    return [
        common.candidate(
            key=f"adjustment:{msg.reference}",
            transaction_id=msg.reference,
            kind="ADJUSTMENT",
            direction=direction,
            amount=amount,
            reference_id=None,
            round_id=msg.roundId,
            game_id=msg.gameId,
        )
    ]


def decode(raw: bytes, meta: RawMeta) -> list[PendingEvent] | Rejection:
    """One framed Pragmatic callback -> its wallet transactions, or a rejection; never raises."""
    framed = split_framed(raw)
    if framed is None:
        return Rejection(Reason.MALFORMED, "not a framed callback: '<path> <body>' expected")
    path, body, ingress_ms = framed
    if path not in PATHS:
        return Rejection(
            Reason.UNSUPPORTED_MESSAGE, f"path {path!r} is not a Pragmatic money callback"
        )
    fields = parse_form(body)
    if isinstance(fields, Rejection):
        return fields
    msg = _typed(path, fields)
    if isinstance(msg, Rejection):
        return msg
    return _candidates(_Common.of(msg, raw, meta, ingress_ms), msg)
