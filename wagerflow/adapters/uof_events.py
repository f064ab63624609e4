"""Sportradar Unified Odds Feed (UOF) -> the normalized contract (``schemas.events``).

(Over 400 lines: one mapping per UOF message type to the contract.)

``decode(raw, meta)`` is the UOF adapter (``wagerflow.adapters.base.Adapter``): it decodes the
XML with ``wagerflow.adapters.uof.decode`` (whose rejections pass through unchanged) and maps the
typed message to ``PendingEvent``s. It is pure: times come from the message and ``meta``.

Mapping (provider ``uof``, category ``sport``; ``event_time_ms`` is the message ``timestamp``):

============================  ========================================  ==========================
UOF message                   normalized events                         entity
============================  ========================================  ==========================
``odds_change``               one ``LineOddsChanged`` per market        ``uof:{event}:{line}``
``bet_stop``                  one ``BettingStopped``                    ``uof:{event}``
``bet_settlement``            one ``LineSettled`` per market            ``uof:{event}:{line}``
``bet_cancel``                one ``LineCancelled`` per market          ``uof:{event}:{line}``
``rollback_bet_settlement``   one ``SettlementRolledBack`` per market   ``uof:{event}:{line}``
``rollback_bet_cancel``       one ``CancelRolledBack`` per market       ``uof:{event}:{line}``
``fixture_change``            one ``EventChanged`` (FIXTURE_CHANGED)    ``uof:{event}``
``alive``                     ``ProviderHealth`` ALIVE                  ``uof:producer:{product}``
``snapshot_complete``         ``ProviderHealth`` SNAPSHOT_COMPLETE      ``uof:producer:{product}``
``product_down``              ``ProviderHealth`` DOWN                   ``uof:producer:{product}``
============================  ========================================  ==========================

A *line* is ``uof.market_line(id, specifiers)`` (``18:total=2.5``); an event's ``specifiers`` is
the same canonical (key-sorted) text, None without specifiers. A message with no markets maps to
``[]``, which is not a rejection. Every candidate of one message carries that message's bytes.
Every event carries the message's ``product`` as ``producer`` (text; None on a rollback that omits
it), so a producer's outage holds that producer's markets only (MONEY.md §3.3).

Dedup keys (provider identifiers only; a bound or code that is absent is written ``-``):

- odds ``uof:{product}:{event}:odds:{line}:{timestamp}``;
  bet stop ``uof:{product}:{event}:bet_stop:{groups}:{timestamp}``;
- settlement ``uof:{event}:settle:{line}:c{certainty}``: no timestamp, so a resend of the same
  certainty is a duplicate, while certainty 2 after 1 is a new key (the pipeline links it through
  ``confirms``, which stays None here); a market with an undecided outcome (``result="-1"``)
  is a partial settlement, ``uof:{event}:settle:{line}:c{certainty}:partial:{timestamp}``, so
  the later message that decides the outcome (same certainty) is not taken for a conflicting
  resend of it, while a resend of the partial message itself is still a duplicate;
- cancel ``uof:{event}:cancel:{line}:{start}:{end}``; rollbacks
  ``uof:{event}:rollback_settle:{line}:{timestamp}`` and ``uof:{event}:rollback_cancel:...``;
- fixture ``uof:{event}:fixture:{timestamp}``; health ``uof:{product}:alive:{timestamp}``,
  ``uof:{product}:snapshot_complete:{request_id}:{timestamp}``,
  ``uof:{product}:product_down:{timestamp}``.

Assumptions:

- A market without ``status`` is OPEN: Sportradar's SDKs map a missing status to active
  (UnifiedOddsSdkJava ``MarketStatus.fromFeedValue(null) == Active``). A ``bet_stop`` without
  ``market_status`` suspends (the UOF default, -1). A status code this adapter does not know
  (Sportradar may add some; the decoder keeps plain ints) maps to SUSPENDED: fail closed, bets
  are not accepted on a market whose state is not understood.
- An outcome without ``active`` is active when it carries odds and inactive otherwise.
- ``sport_event_status``, ``betting_status``/``betstop_reason``, probabilities and extended
  specifiers of an ``odds_change`` are not mapped.
- Values out of their domain reject the whole message with ``INVALID_VALUE``: decimal odds below
  1, a void or dead-heat factor outside ``[0, 1]``, or a scaled value that does not fit an int64.
- ``fixture_change`` ``detail`` is the ``change_type`` code as text (None when absent).
- An outcome with ``result="-1"`` (undecided yet, MONEY.md §3.2) maps to ``won`` None: it stays
  open, the other outcomes of the message settle, and the message is never rejected for it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from wagerflow.adapters import base, uof
from wagerflow.adapters.base import PendingEvent, RawMeta
from wagerflow.adapters.rejection import Rejection
from wagerflow.money import factor_to_scaled, odds_to_scaled
from wagerflow.schemas import uof as feed
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.events import (
    BettingStopped,
    CancelRolledBack,
    Category,
    EventChanged,
    HealthState,
    LineCancelled,
    LineOddsChanged,
    LineSettled,
    LineStatus,
    NormalizedEvent,
    OutcomeOdds,
    OutcomeResult,
    ProviderHealth,
    SettlementRolledBack,
    SourceRef,
)

PROVIDER = "uof"
CATEGORY: Category = "sport"

_INT64_MAX = 2**63 - 1
_LINE_STATUS: dict[int, LineStatus] = {
    feed.MarketStatus.ACTIVE: "OPEN",
    feed.MarketStatus.INACTIVE: "INACTIVE",
    feed.MarketStatus.SUSPENDED: "SUSPENDED",
    feed.MarketStatus.HANDED_OVER: "HANDED_OVER",
    feed.MarketStatus.SETTLED: "SETTLED",
    feed.MarketStatus.CANCELLED: "CANCELLED",
}


class _Invalid(Exception):
    """Internal: a value is out of its domain (becomes an ``INVALID_VALUE`` rejection)."""


class _Common(TypedDict):
    tenant_id: str
    provider_id: str
    category: Category
    event_time_ms: int
    received_time_ms: int
    dedup_key: str
    source: SourceRef


def line_status(code: int | None, default: LineStatus) -> LineStatus:
    """The normalized status of a UOF market status code (``default`` when absent; an unknown
    code is SUSPENDED)."""
    if code is None:
        return default
    return _LINE_STATUS.get(code, "SUSPENDED")


def _line(market_id: int, specifiers: str | None) -> tuple[str, str | None]:
    """The line id and its canonical specifiers (the part after the market id)."""
    line_id = uof.market_line(market_id, specifiers)
    _, _, canonical = line_id.partition(":")
    return line_id, canonical or None


def _producer(product: int | None) -> str | None:
    """The normalized ``producer``: the UOF ``product`` as text (None when a rollback omits it)."""
    return None if product is None else str(product)


def _bound(value: int | None) -> str:
    return "-" if value is None else str(value)


def _odds(value: Decimal | None, where: str) -> int | None:
    if value is None:
        return None
    if value < 1:
        msg = f"{where}: decimal odds {value} are below 1"
        raise _Invalid(msg)
    scaled = odds_to_scaled(value)
    if scaled > _INT64_MAX:
        msg = f"{where}: odds {value} are out of range"
        raise _Invalid(msg)
    return scaled


def _factor(value: Decimal | None, where: str) -> int | None:
    if value is None:
        return None
    if not 0 <= value <= 1:
        msg = f"{where}: factor {value} is not between 0 and 1"
        raise _Invalid(msg)
    return factor_to_scaled(value)


class _Mapper:
    """Builds the candidates of one message (its bytes and meta are shared)."""

    def __init__(self, raw: bytes, meta: RawMeta, timestamp: int) -> None:
        self.raw = raw
        self.meta = meta
        self.timestamp = timestamp
        self.received = base.received_ms(meta, timestamp)

    def common(self, dedup_key: str) -> _Common:
        return _Common(
            tenant_id=self.meta.tenant_id,
            provider_id=PROVIDER,
            category=CATEGORY,
            event_time_ms=self.timestamp,
            received_time_ms=self.received,
            dedup_key=dedup_key,
            source=self.meta.source,
        )

    def candidate(self, entity: str, event: NormalizedEvent) -> PendingEvent:
        return PendingEvent(entity=entity, event=event, raw=self.raw)


def settlement_key(
    event_id: str, line_id: str, certainty: int, partial_at: int | None = None
) -> str:
    """The dedup key of a line's settlement at a certainty: without a timestamp, so a resend
    is a duplicate, while certainty 2 after 1 is a new key (a confirmation). A partial one
    (an outcome undecided) carries its ``timestamp`` as ``partial_at``."""
    key = f"{PROVIDER}:{event_id}:settle:{line_id}:c{certainty}"
    return key if partial_at is None else f"{key}:partial:{partial_at}"


def cancel_key(event_id: str, line_id: str, start: int | None, end: int | None) -> str:
    return f"{PROVIDER}:{event_id}:cancel:{line_id}:{_bound(start)}:{_bound(end)}"


def confirmed_key(event: LineSettled) -> str | None:
    """The key of the certainty-1 settlement a certainty-2 one would confirm."""
    if event.certainty < 2:
        return None
    return settlement_key(event.event_id, event.line_id, 1)


def keys_undone_by(event: NormalizedEvent) -> list[str]:
    """Dedup keys a rollback releases: after ``rollback_bet_settlement`` the line may be
    settled again (at any certainty); after ``rollback_bet_cancel`` the same window may be
    cancelled again."""
    if isinstance(event, SettlementRolledBack):
        return [settlement_key(event.event_id, event.line_id, c) for c in (1, 2)]
    if isinstance(event, CancelRolledBack):
        return [cancel_key(event.event_id, event.line_id, event.start_time_ms, event.end_time_ms)]
    return []


def _odds_change(msg: feed.OddsChange, m: _Mapper) -> list[PendingEvent]:
    out = []
    for market in msg.markets:
        line_id, specifiers = _line(market.id, market.specifiers)
        outcomes = []
        for outcome in market.outcomes:
            odds = _odds(outcome.odds, f"market {line_id} outcome {outcome.id}")
            active = odds is not None if outcome.active is None else outcome.active == 1
            outcomes.append(OutcomeOdds(outcome_id=outcome.id, odds=odds, active=active))
        key = f"{PROVIDER}:{msg.product}:{msg.event_id}:odds:{line_id}:{msg.timestamp}"
        event = LineOddsChanged(
            **m.common(key),
            event_id=msg.event_id,
            producer=_producer(msg.product),
            market_id=str(market.id),
            specifiers=specifiers,
            line_id=line_id,
            status=line_status(market.status, "OPEN"),
            outcomes=outcomes,
        )
        out.append(m.candidate(f"{PROVIDER}:{msg.event_id}:{line_id}", event))
    return out


def _bet_stop(msg: feed.BetStop, m: _Mapper) -> list[PendingEvent]:
    key = f"{PROVIDER}:{msg.product}:{msg.event_id}:bet_stop:{msg.groups}:{msg.timestamp}"
    event = BettingStopped(
        **m.common(key),
        event_id=msg.event_id,
        producer=_producer(msg.product),
        groups=msg.groups,
        status=line_status(msg.market_status, "SUSPENDED"),
    )
    return [m.candidate(f"{PROVIDER}:{msg.event_id}", event)]


def _bet_settlement(msg: feed.UofBetSettlement, m: _Mapper) -> list[PendingEvent]:
    out = []
    for market in msg.markets:
        line_id, specifiers = _line(market.id, market.specifiers)
        outcomes = [
            OutcomeResult(
                outcome_id=o.id,
                won=None if o.result == -1 else o.result == 1,
                void_factor=_factor(o.void_factor, f"market {line_id} outcome {o.id}"),
                dead_heat_factor=_factor(o.dead_heat_factor, f"market {line_id} outcome {o.id}"),
            )
            for o in market.outcomes
        ]
        partial = any(o.won is None for o in outcomes)
        key = settlement_key(
            msg.event_id, line_id, msg.certainty, msg.timestamp if partial else None
        )
        event = LineSettled(
            **m.common(key),
            event_id=msg.event_id,
            producer=_producer(msg.product),
            market_id=str(market.id),
            specifiers=specifiers,
            line_id=line_id,
            certainty=msg.certainty,
            outcomes=outcomes,
            void_reason=market.void_reason,
        )
        out.append(m.candidate(f"{PROVIDER}:{msg.event_id}:{line_id}", event))
    return out


def _bet_cancel(msg: feed.BetCancel, m: _Mapper) -> list[PendingEvent]:
    out = []
    for market in msg.markets:
        line_id, specifiers = _line(market.id, market.specifiers)
        event = LineCancelled(
            **m.common(cancel_key(msg.event_id, line_id, msg.start_time, msg.end_time)),
            event_id=msg.event_id,
            producer=_producer(msg.product),
            market_id=str(market.id),
            specifiers=specifiers,
            line_id=line_id,
            start_time_ms=msg.start_time,
            end_time_ms=msg.end_time,
            void_reason=market.void_reason,
            superceded_by=msg.superceded_by,
        )
        out.append(m.candidate(f"{PROVIDER}:{msg.event_id}:{line_id}", event))
    return out


def _rollback_bet_settlement(msg: feed.RollbackBetSettlement, m: _Mapper) -> list[PendingEvent]:
    out = []
    for market in msg.markets:
        line_id, specifiers = _line(market.id, market.specifiers)
        key = f"{PROVIDER}:{msg.event_id}:rollback_settle:{line_id}:{msg.timestamp}"
        event = SettlementRolledBack(
            **m.common(key),
            event_id=msg.event_id,
            producer=_producer(msg.product),
            market_id=str(market.id),
            specifiers=specifiers,
            line_id=line_id,
        )
        out.append(m.candidate(f"{PROVIDER}:{msg.event_id}:{line_id}", event))
    return out


def _rollback_bet_cancel(msg: feed.RollbackBetCancel, m: _Mapper) -> list[PendingEvent]:
    out = []
    for market in msg.markets:
        line_id, specifiers = _line(market.id, market.specifiers)
        key = f"{PROVIDER}:{msg.event_id}:rollback_cancel:{line_id}:{msg.timestamp}"
        event = CancelRolledBack(
            **m.common(key),
            event_id=msg.event_id,
            producer=_producer(msg.product),
            market_id=str(market.id),
            specifiers=specifiers,
            line_id=line_id,
            start_time_ms=msg.start_time,
            end_time_ms=msg.end_time,
        )
        out.append(m.candidate(f"{PROVIDER}:{msg.event_id}:{line_id}", event))
    return out


def _fixture_change(msg: feed.FixtureChange, m: _Mapper) -> list[PendingEvent]:
    event = EventChanged(
        **m.common(f"{PROVIDER}:{msg.event_id}:fixture:{msg.timestamp}"),
        event_id=msg.event_id,
        producer=_producer(msg.product),
        change="FIXTURE_CHANGED",
        start_time_ms=msg.start_time,
        detail=None if msg.change_type is None else str(msg.change_type),
    )
    return [m.candidate(f"{PROVIDER}:{msg.event_id}", event)]


def _health(
    m: _Mapper,
    product: int,
    kind: str,
    state: HealthState,
    *,
    subscribed: bool | None = None,
    request_id: int | None = None,
) -> list[PendingEvent]:
    request = "" if request_id is None else f"{request_id}:"
    event = ProviderHealth(
        **m.common(f"{PROVIDER}:{product}:{kind}:{request}{m.timestamp}"),
        producer=str(product),
        state=state,
        subscribed=subscribed,
        request_id=request_id,
    )
    return [m.candidate(f"{PROVIDER}:producer:{product}", event)]


def _map(msg: feed.UofMessage, m: _Mapper) -> list[PendingEvent]:
    match msg:
        case feed.OddsChange():
            return _odds_change(msg, m)
        case feed.BetStop():
            return _bet_stop(msg, m)
        case feed.UofBetSettlement():
            return _bet_settlement(msg, m)
        case feed.BetCancel():
            return _bet_cancel(msg, m)
        case feed.RollbackBetSettlement():
            return _rollback_bet_settlement(msg, m)
        case feed.RollbackBetCancel():
            return _rollback_bet_cancel(msg, m)
        case feed.FixtureChange():
            return _fixture_change(msg, m)
        case feed.Alive():
            return _health(m, msg.product, "alive", "ALIVE", subscribed=msg.subscribed == 1)
        case feed.SnapshotComplete():
            return _health(
                m, msg.product, "snapshot_complete", "SNAPSHOT_COMPLETE", request_id=msg.request_id
            )
        case feed.ProductDown():
            return _health(m, msg.product, "product_down", "DOWN")


_TAGS: dict[type[feed.UofMessage], str] = {
    feed.OddsChange: "odds_change",
    feed.BetStop: "bet_stop",
    feed.UofBetSettlement: "bet_settlement",
    feed.BetCancel: "bet_cancel",
    feed.RollbackBetSettlement: "rollback_bet_settlement",
    feed.RollbackBetCancel: "rollback_bet_cancel",
    feed.FixtureChange: "fixture_change",
    feed.Alive: "alive",
    feed.SnapshotComplete: "snapshot_complete",
    feed.ProductDown: "product_down",
}


def decode(raw: bytes, meta: RawMeta) -> list[PendingEvent] | Rejection:
    """One UOF XML message -> its normalized candidates, or a rejection; never raises on bad
    input."""
    msg = uof.decode(raw)
    if isinstance(msg, Rejection):
        return msg
    try:
        return _map(msg, _Mapper(raw, meta, msg.timestamp))
    except _Invalid as exc:
        return Rejection(Reason.INVALID_VALUE, f"{_TAGS[type(msg)]}: {exc}")
