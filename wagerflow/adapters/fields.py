"""What every JSON bridge adapter shares: decoding a tagged message, the rejection it raises,
exact amounts and odds, message times and the common fields of a normalized event.

Used by ``wagerflow.adapters.generic`` and ``wagerflow.adapters.live``. A handler receives the
decoded message and its ``MessageContext`` and returns an ``EntityEvent``; the helpers raise
``Refused``, which the adapter's ``decode`` turns into its ``Rejection`` (it never leaves an
adapter).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple, TypedDict, TypeVar

import msgspec

from wagerflow.adapters.base import RawMeta, parse_time_ms, received_ms
from wagerflow.adapters.rejection import Rejection
from wagerflow.money import ODDS_SCALE, InexactAmount, exact_minor, odds_to_scaled
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.events import Category, NormalizedEvent, SourceRef

MAX_AMOUNT_DIGITS = 15
"""Amounts are below 10^15 major units, so a minor-unit count always fits a signed int64."""
MAX_AMOUNT_DECIMALS = 18
"""No amount is written with more decimals than this (the currency's check is stricter)."""
MAX_AMOUNT_SIGNIFICANT = 28
"""No amount is written with more significant digits than this (the default precision)."""
MIN_SCALED_ODDS = ODDS_SCALE
MAX_SCALED_ODDS = 1_000_000 * ODDS_SCALE
MAX_ODDS_DIGITS = 7
"""Odds of 10^7 or more are refused before they are scaled."""
MAX_TIME_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z: times are epoch ms in 1970..9999."""

T = TypeVar("T")


class Refused(Exception):
    """A decoded message that must be rejected; the adapters turn it into its ``Rejection``.

    Raised by the shared helpers and caught by ``decode``; it never leaves an adapter.
    """

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.rejection = Rejection(reason, detail)


def _classify(raw: bytes, exc: msgspec.ValidationError, types: frozenset[str]) -> Rejection:
    """Why a tagged-union decoder refused ``raw``: msgspec may refuse a value (an unknown tag,
    a wrong type) before it reaches a syntax error further on, so the whole text is checked."""
    try:
        doc = msgspec.json.decode(raw)
    except msgspec.ValidationError:  # valid JSON holding a number out of msgspec's range
        doc = None
    except msgspec.DecodeError as syntax:
        return Rejection(Reason.MALFORMED, str(syntax))
    except UnicodeDecodeError as encoding:
        return Rejection(Reason.MALFORMED, f"not UTF-8: {encoding}")
    except RecursionError:
        return Rejection(Reason.MALFORMED, "JSON is nested too deeply")
    tag = doc.get("type") if isinstance(doc, dict) else None
    if isinstance(tag, str) and tag not in types:
        return Rejection(Reason.UNSUPPORTED_MESSAGE, f"message type {tag!r} is not handled")
    return Rejection(Reason.SCHEMA_MISMATCH, str(exc))


def decode_tagged(
    decoder: msgspec.json.Decoder[T], raw: bytes, types: frozenset[str]
) -> T | Rejection:
    """One JSON message decoded by a tagged-union ``decoder`` whose tags are ``types``.

    Rejects bytes that are not JSON, not UTF-8 or nested too deeply (MALFORMED), a ``type``
    outside ``types`` (UNSUPPORTED_MESSAGE) and anything else the decoder refuses
    (SCHEMA_MISMATCH, with msgspec's path-qualified detail). Never raises on bad input.
    """
    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as exc:
        return _classify(raw, exc, types)
    except msgspec.DecodeError as exc:
        return Rejection(Reason.MALFORMED, str(exc))
    except UnicodeDecodeError as exc:
        return Rejection(Reason.MALFORMED, f"not UTF-8: {exc}")
    except RecursionError:
        return Rejection(Reason.MALFORMED, "JSON is nested too deeply")


def event_time_ms(value: int | str, field: str = "timestamp") -> int:
    """Epoch ms from a message time (epoch ms or ISO-8601 with a zone); raises ``Refused``."""
    if isinstance(value, str):
        try:
            ms = parse_time_ms(value)
        except (ValueError, OverflowError) as exc:
            msg = f"{field}: not epoch ms or ISO-8601 with a zone: {exc}"
            raise Refused(Reason.SCHEMA_MISMATCH, msg) from exc
    else:
        ms = value
    if not 0 <= ms <= MAX_TIME_MS:
        raise Refused(Reason.INVALID_VALUE, f"{field}: {value!r} is not a time in 1970..9999")
    return ms


def _where(field: str, index: int | None) -> str:
    return field if index is None else field.format(index)


def minor_units(amount: Decimal, currency: str, field: str, index: int | None = None) -> int:
    """An amount in major units -> exact minor units of ``currency``; raises ``Refused``.

    Refused (INVALID_VALUE): negative, not finite, more digits than the currency's minor unit,
    or out of range: 10^15 major units or more, written with more than 18 decimals or more than
    28 significant digits (the default decimal precision, within which ``exact_minor``'s scaling
    is exact). ``field`` names the amount in the detail; with ``index`` it is a template
    (``"bets[{}].stake"``), formatted only when the amount is refused.
    """
    if amount.is_finite():
        # from the digits, not arithmetic: abs() or scaleb() of 1E+999999999 overflows
        _, digits, exponent = amount.as_tuple()
        if not (
            isinstance(exponent, int)
            and len(digits) <= MAX_AMOUNT_SIGNIFICANT
            and exponent >= -MAX_AMOUNT_DECIMALS
            and exponent + len(digits) <= MAX_AMOUNT_DIGITS
        ):
            detail = f"{_where(field, index)}: {amount} is out of range"
            raise Refused(Reason.INVALID_VALUE, detail)
    try:
        return exact_minor(amount, currency)
    except InexactAmount as exc:
        raise Refused(Reason.INVALID_VALUE, f"{_where(field, index)}: {exc}") from exc


def decimal_odds(odds: Decimal, field: str, index: int | None = None) -> int:
    """Decimal odds -> odds x 10,000 (``wagerflow.money.odds_to_scaled``, half-even beyond four
    decimals), which must be in ``[10,000, 10,000,000,000]`` (odds 1 to 1,000,000); raises
    ``Refused`` otherwise. ``field`` and ``index`` as in ``minor_units``."""
    if odds.is_finite() and odds.adjusted() < MAX_ODDS_DIGITS:
        scaled = odds_to_scaled(odds)
        if MIN_SCALED_ODDS <= scaled <= MAX_SCALED_ODDS:
            return scaled
    detail = f"{_where(field, index)}: {odds} is not decimal odds in [1, 1000000]"
    raise Refused(Reason.INVALID_VALUE, detail)


class CommonFields(TypedDict):
    """The fields every normalized event carries (``schemas.events._Event``)."""

    tenant_id: str
    provider_id: str
    category: Category
    event_time_ms: int
    received_time_ms: int
    dedup_key: str
    source: SourceRef


def common_fields(
    meta: RawMeta, provider: str, category: Category, time_ms: int, key: str
) -> CommonFields:
    """The common fields; ``key`` is the dedup key without the ``{provider}:`` prefix."""
    return {
        "tenant_id": meta.tenant_id,
        "provider_id": provider,
        "category": category,
        "event_time_ms": time_ms,
        "received_time_ms": received_ms(meta, time_ms),
        "dedup_key": f"{provider}:{key}",
        "source": meta.source,
    }


class MessageContext(NamedTuple):
    """What a message handler needs besides the message: its meta and its time (epoch ms)."""

    meta: RawMeta
    time_ms: int


EntityEvent = tuple[str, NormalizedEvent]
"""A message's entity and its normalized event."""
