"""Sportradar Unified Odds Feed (UOF) XML -> typed ``schemas.uof`` messages.

``decode(raw)`` turns the bytes of one AMQP message into one of the ``UofMessage`` structs or a
``Rejection``; it is pure and never raises on bad input. ``market_line(id, specifiers)`` is the
canonical key of a market line.

Rejections (codes are fixed by ``schemas.dlq.Reason``):

- ``MALFORMED`` (the code used for unparseable bytes, whatever the format): not UTF-8, or not
  well-formed XML; the detail starts with ``malformed XML:``.
- ``UNSUPPORTED_MESSAGE``: a DTD or entity declaration anywhere in the text (never parsed, so no
  entity expansion or external entity is possible), or a root element that is not a UOF message.
- ``SCHEMA_MISMATCH``: a required attribute is missing or does not have its type; the detail names
  the element path and the attribute.

Assumptions: messages are UTF-8 (what Sportradar sends and declares); the text is decoded here and
handed to the parser as ``str``, so a declared ``encoding`` cannot switch the parser to another
codec. A DTD-looking string inside a comment or CDATA is rejected too (UOF never sends one).
Integers are plain decimal digits (at most 18, so they fit an int64; no sign except where a field
is signed, no ``+``, ``_`` or spaces); decimals are digits with an optional fraction and exponent
(``8.97094E-4``), never ``NaN`` or ``Infinity``. An empty ``specifiers`` attribute means none.
Repeated ``odds``/``outcomes`` wrappers are concatenated; the first ``sport_event_status`` wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from xml.etree import ElementTree

from wagerflow.adapters.rejection import Rejection
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.uof import (
    Alive,
    BetCancel,
    BetStop,
    CancelledMarket,
    FixtureChange,
    Flag,
    MarketRef,
    OddsChange,
    OddsGenerationProperties,
    OddsMarket,
    OddsOutcome,
    ProductDown,
    Result,
    RollbackBetCancel,
    RollbackBetSettlement,
    SettledMarket,
    SettledOutcome,
    SnapshotComplete,
    SportEventStatus,
    UofBetSettlement,
    UofMessage,
)

_UINT = re.compile(r"[0-9]{1,18}")
_INT = re.compile(r"-?[0-9]{1,18}")
_UDEC = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,18})?(?:[eE][-+]?[0-9]{1,3})?")
_DEC = re.compile(r"-?" + _UDEC.pattern)
_DTD_MARKERS = ("<!DOCTYPE", "<!ENTITY")


class _Mismatch(Exception):
    """Internal: the document does not match the message schema (becomes a Rejection)."""


def _fail(path: str, problem: str) -> _Mismatch:
    return _Mismatch(f"{path}: {problem}")


def _str(el: ElementTree.Element, path: str, name: str) -> str:
    value = el.get(name)
    if value is None:
        raise _fail(path, f"missing attribute {name!r}")
    if not value:
        raise _fail(path, f"attribute {name!r} is empty")
    return value


def _opt_str(el: ElementTree.Element, name: str) -> str | None:
    return el.get(name) or None


def _opt_int(el: ElementTree.Element, path: str, name: str, *, signed: bool = False) -> int | None:
    value = el.get(name)
    if value is None:
        return None
    if not (_INT if signed else _UINT).fullmatch(value):
        kind = "an integer" if signed else "a non-negative integer"
        raise _fail(path, f"attribute {name!r} must be {kind}, got {value!r}")
    return int(value)


def _int(el: ElementTree.Element, path: str, name: str, *, signed: bool = False) -> int:
    value = _opt_int(el, path, name, signed=signed)
    if value is None:
        raise _fail(path, f"missing attribute {name!r}")
    return value


def _opt_dec(
    el: ElementTree.Element, path: str, name: str, *, signed: bool = False
) -> Decimal | None:
    value = el.get(name)
    if value is None:
        return None
    if not (_DEC if signed else _UDEC).fullmatch(value):
        kind = "a decimal" if signed else "a non-negative decimal"
        raise _fail(path, f"attribute {name!r} must be {kind}, got {value!r}")
    return Decimal(value)


def _opt_flag(el: ElementTree.Element, path: str, name: str) -> Flag | None:
    value = el.get(name)
    if value is None:
        return None
    if value == "0":
        return 0
    if value == "1":
        return 1
    raise _fail(path, f"attribute {name!r} must be 0 or 1, got {value!r}")


def _flag(el: ElementTree.Element, path: str, name: str) -> Flag:
    value = _opt_flag(el, path, name)
    if value is None:
        raise _fail(path, f"missing attribute {name!r}")
    return value


def _result(el: ElementTree.Element, path: str) -> Result:
    """A settled outcome's ``result``: 1 won, 0 lost, -1 undecided yet."""
    value = el.get("result")
    if value is None:
        raise _fail(path, "missing attribute 'result'")
    if value not in ("-1", "0", "1"):
        raise _fail(path, f"attribute 'result' must be -1, 0 or 1, got {value!r}")
    return -1 if value == "-1" else 0 if value == "0" else 1


def _specifiers(el: ElementTree.Element, path: str) -> str | None:
    """The raw ``specifiers``, checked to be ``k=v`` pairs with distinct, non-empty keys."""
    value = el.get("specifiers")
    if not value:
        return None
    keys = [part.partition("=") for part in value.split("|")]
    if any(not key or not sep for key, sep, _ in keys):
        raise _fail(path, f"attribute 'specifiers' must be k=v pairs joined by '|', got {value!r}")
    if len({key for key, _, _ in keys}) != len(keys):
        raise _fail(path, f"attribute 'specifiers' repeats a key: {value!r}")
    return value


def _children(
    el: ElementTree.Element, path: str, xpath: str
) -> list[tuple[ElementTree.Element, str]]:
    """Matching descendants, each with its path for error details (``odds/market[2]``, 1-based)."""
    return [(child, f"{path}/{xpath}[{i}]") for i, child in enumerate(el.findall(xpath), 1)]


def market_line(market_id: int, specifiers: str | None) -> str:
    """The canonical id of a market line: ``"18:total=2.5"``, or ``"18"`` without specifiers.

    The ``k=v`` pairs are sorted by key, so the order the feed used does not matter.
    """
    if not specifiers:
        return str(market_id)
    pairs = sorted(specifiers.split("|"), key=lambda pair: pair.partition("=")[0])
    return f"{market_id}:{'|'.join(pairs)}"


def _odds_change(root: ElementTree.Element, path: str) -> OddsChange:
    status = root.find("sport_event_status")
    sport_event_status = None
    if status is not None:
        sub = f"{path}/sport_event_status"
        sport_event_status = SportEventStatus(
            status=_int(status, sub, "status"),
            match_status=_int(status, sub, "match_status"),
        )
    properties = root.find("odds_generation_properties")
    odds_generation_properties = None
    if properties is not None:
        sub = f"{path}/odds_generation_properties"
        odds_generation_properties = OddsGenerationProperties(
            expected_totals=_opt_dec(properties, sub, "expected_totals"),
            expected_supremacy=_opt_dec(properties, sub, "expected_supremacy", signed=True),
        )
    odds = root.find("odds")
    markets = tuple(
        OddsMarket(
            id=_int(market, mpath, "id"),
            specifiers=_specifiers(market, mpath),
            extended_specifiers=_opt_str(market, "extended_specifiers"),
            status=_opt_int(market, mpath, "status", signed=True),
            outcomes=tuple(
                OddsOutcome(
                    id=_str(outcome, opath, "id"),
                    odds=_opt_dec(outcome, opath, "odds"),
                    active=_opt_flag(outcome, opath, "active"),
                    probabilities=_opt_dec(outcome, opath, "probabilities"),
                )
                for outcome, opath in _children(market, mpath, "outcome")
            ),
        )
        for market, mpath in _children(root, path, "odds/market")
    )
    return OddsChange(
        event_id=_str(root, path, "event_id"),
        product=_int(root, path, "product"),
        timestamp=_int(root, path, "timestamp"),
        request_id=_opt_int(root, path, "request_id"),
        sport_event_status=sport_event_status,
        odds_generation_properties=odds_generation_properties,
        betting_status=None if odds is None else _opt_int(odds, f"{path}/odds", "betting_status"),
        betstop_reason=None if odds is None else _opt_int(odds, f"{path}/odds", "betstop_reason"),
        markets=markets,
    )


def _bet_stop(root: ElementTree.Element, path: str) -> BetStop:
    return BetStop(
        event_id=_str(root, path, "event_id"),
        product=_int(root, path, "product"),
        timestamp=_int(root, path, "timestamp"),
        groups=_str(root, path, "groups"),
        market_status=_opt_int(root, path, "market_status", signed=True),
        request_id=_opt_int(root, path, "request_id"),
    )


def _bet_settlement(root: ElementTree.Element, path: str) -> UofBetSettlement:
    markets = tuple(
        SettledMarket(
            id=_int(market, mpath, "id"),
            specifiers=_specifiers(market, mpath),
            void_reason=_opt_int(market, mpath, "void_reason"),
            outcomes=tuple(
                SettledOutcome(
                    id=_str(outcome, opath, "id"),
                    result=_result(outcome, opath),
                    void_factor=_opt_dec(outcome, opath, "void_factor"),
                    dead_heat_factor=_opt_dec(outcome, opath, "dead_heat_factor"),
                )
                for outcome, opath in _children(market, mpath, "outcome")
            ),
        )
        for market, mpath in _children(root, path, "outcomes/market")
    )
    return UofBetSettlement(
        event_id=_str(root, path, "event_id"),
        product=_int(root, path, "product"),
        timestamp=_int(root, path, "timestamp"),
        certainty=_int(root, path, "certainty"),
        request_id=_opt_int(root, path, "request_id"),
        markets=markets,
    )


def _bet_cancel(root: ElementTree.Element, path: str) -> BetCancel:
    return BetCancel(
        event_id=_str(root, path, "event_id"),
        product=_int(root, path, "product"),
        timestamp=_int(root, path, "timestamp"),
        start_time=_opt_int(root, path, "start_time"),
        end_time=_opt_int(root, path, "end_time"),
        superceded_by=_opt_str(root, "superceded_by"),
        request_id=_opt_int(root, path, "request_id"),
        markets=tuple(
            CancelledMarket(
                id=_int(market, mpath, "id"),
                specifiers=_specifiers(market, mpath),
                void_reason=_opt_int(market, mpath, "void_reason"),
            )
            for market, mpath in _children(root, path, "market")
        ),
    )


def _market_refs(root: ElementTree.Element, path: str) -> tuple[MarketRef, ...]:
    return tuple(
        MarketRef(id=_int(market, mpath, "id"), specifiers=_specifiers(market, mpath))
        for market, mpath in _children(root, path, "market")
    )


def _rollback_bet_settlement(root: ElementTree.Element, path: str) -> RollbackBetSettlement:
    return RollbackBetSettlement(
        event_id=_str(root, path, "event_id"),
        timestamp=_int(root, path, "timestamp"),
        product=_opt_int(root, path, "product"),
        request_id=_opt_int(root, path, "request_id"),
        markets=_market_refs(root, path),
    )


def _rollback_bet_cancel(root: ElementTree.Element, path: str) -> RollbackBetCancel:
    return RollbackBetCancel(
        event_id=_str(root, path, "event_id"),
        timestamp=_int(root, path, "timestamp"),
        product=_opt_int(root, path, "product"),
        start_time=_opt_int(root, path, "start_time"),
        end_time=_opt_int(root, path, "end_time"),
        request_id=_opt_int(root, path, "request_id"),
        markets=_market_refs(root, path),
    )


def _fixture_change(root: ElementTree.Element, path: str) -> FixtureChange:
    return FixtureChange(
        event_id=_str(root, path, "event_id"),
        product=_int(root, path, "product"),
        timestamp=_int(root, path, "timestamp"),
        change_type=_opt_int(root, path, "change_type"),
        start_time=_opt_int(root, path, "start_time"),
        request_id=_opt_int(root, path, "request_id"),
    )


def _alive(root: ElementTree.Element, path: str) -> Alive:
    return Alive(
        product=_int(root, path, "product"),
        timestamp=_int(root, path, "timestamp"),
        subscribed=_flag(root, path, "subscribed"),
    )


def _snapshot_complete(root: ElementTree.Element, path: str) -> SnapshotComplete:
    return SnapshotComplete(
        product=_int(root, path, "product"),
        timestamp=_int(root, path, "timestamp"),
        request_id=_int(root, path, "request_id"),
    )


def _product_down(root: ElementTree.Element, path: str) -> ProductDown:
    return ProductDown(product=_int(root, path, "product"), timestamp=_int(root, path, "timestamp"))


_PARSERS: dict[str, Callable[[ElementTree.Element, str], UofMessage]] = {
    "odds_change": _odds_change,
    "bet_stop": _bet_stop,
    "bet_settlement": _bet_settlement,
    "bet_cancel": _bet_cancel,
    "rollback_bet_settlement": _rollback_bet_settlement,
    "rollback_bet_cancel": _rollback_bet_cancel,
    "fixture_change": _fixture_change,
    "alive": _alive,
    "snapshot_complete": _snapshot_complete,
    "product_down": _product_down,
}
MESSAGE_TYPES = frozenset(_PARSERS)
"""The root elements ``decode`` accepts."""


def decode(raw: bytes) -> UofMessage | Rejection:
    """Decode one UOF XML message; never raises on bad input."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Rejection(Reason.MALFORMED, f"malformed XML: not UTF-8 ({exc})")
    if any(marker in text for marker in _DTD_MARKERS):
        return Rejection(Reason.UNSUPPORTED_MESSAGE, "DTDs are not accepted")
    try:
        # DTDs (hence entity declarations) were refused above and str input pins UTF-8.
        root = ElementTree.fromstring(text)  # noqa: S314
    except ElementTree.ParseError as exc:
        return Rejection(Reason.MALFORMED, f"malformed XML: {exc}")
    parser = _PARSERS.get(root.tag)
    if parser is None:
        return Rejection(
            Reason.UNSUPPORTED_MESSAGE, f"root element {root.tag!r} is not a UOF message"
        )
    try:
        return parser(root, root.tag)
    except _Mismatch as exc:
        return Rejection(Reason.SCHEMA_MISMATCH, str(exc))
