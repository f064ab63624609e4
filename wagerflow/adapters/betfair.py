"""Betfair Exchange Stream (``mcm``) -> normalized market status, odds and results.

Two pure steps:

- ``decode(raw)`` turns one line of bytes into a ``MarketChangeMessage`` or a ``Rejection``.
- ``apply_market_change(book, change, meta)`` applies one market's change to its cached
  ``MarketBook`` and returns the normalized events it implies. The book is the only state; it is
  plain picklable data so the flow can snapshot it for recovery.

Semantics (Betfair ESA): ``img: true`` on a market replaces the cached market; otherwise runner
changes are deltas where ``[price, size]`` with size 0 removes the level. A ``marketDefinition``
carries the status (INACTIVE/OPEN/SUSPENDED/CLOSED); a CLOSED definition in which no runner is
still ACTIVE settles the market with each runner's WINNER/LOSER/REMOVED/PLACED status.

Assumptions: the best back is the highest price on the ``atb`` ladder (else level 0 of ``batb``,
else of ``bdatb``), the best lay the lowest on ``atl`` (likewise); sizes are in the account's
currency, which the stream does not carry (configured, default GBP).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import msgspec

from wagerflow.adapters.rejection import Rejection
from wagerflow.money import odds_to_scaled, to_minor
from wagerflow.schemas.betfair import (
    MCM_DECODER,
    LevelPriceSize,
    MarketChange,
    MarketChangeMessage,
    MarketDefinition,
    PriceSize,
    RunnerChange,
)
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.events import (
    Category,
    MarketSettled,
    MarketStatusChanged,
    NormalizedEvent,
    OddsChanged,
    SelectionResult,
    SourceRef,
)
from wagerflow.schemas.state import MarketState, SelectionState

PROVIDER = "betfair"
CATEGORY: Category = "sport"
Top = tuple[int | None, int | None, int | None, int | None, int | None]
"""Best back odds and size, best lay odds and size, last traded odds."""
_SETTLED_STATUSES = frozenset({"WINNER", "LOSER", "REMOVED", "PLACED"})


class _OpOnly(msgspec.Struct):
    op: str | None = None


_OP_DECODER = msgspec.json.Decoder(_OpOnly)


def decode(raw: bytes) -> MarketChangeMessage | Rejection:
    """Decode one stream line; never raises on bad input."""
    try:
        msg = MCM_DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        try:
            op = _OP_DECODER.decode(raw).op
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            op = None
        if op is not None and op != "mcm":
            return Rejection(Reason.UNSUPPORTED_MESSAGE, f"op {op!r} is not a market change")
        return Rejection(Reason.SCHEMA_MISMATCH, str(exc))
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        # msgspec raises UnicodeDecodeError for invalid UTF-8 in a string and RecursionError
        # for absurd nesting: both are malformed input, not programming errors
        return Rejection(Reason.MALFORMED, f"{type(exc).__name__}: {exc}")
    for change in msg.mc:
        for rc in change.rc:
            for ladder in (rc.atb, rc.atl, rc.trd):
                if ladder and any(p <= 0 or s < 0 for p, s in ladder):
                    return Rejection(
                        Reason.INVALID_VALUE,
                        f"market {change.id} runner {rc.id}: non-positive price or negative size",
                    )
    return msg


def is_heartbeat(msg: MarketChangeMessage) -> bool:
    return msg.ct == "HEARTBEAT" and not msg.mc


@dataclass(frozen=True, slots=True)
class ChangeMeta:
    """Everything about one market change that is not in the change itself."""

    tenant_id: str
    currency: str
    publish_time_ms: int
    received_time_ms: int
    source: SourceRef


@dataclass(slots=True)
class RunnerBook:
    status: str = "ACTIVE"
    atb: dict[Decimal, Decimal] = field(default_factory=dict)
    atl: dict[Decimal, Decimal] = field(default_factory=dict)
    batb: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    batl: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    bdatb: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    bdatl: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    ltp: Decimal | None = None
    bsp: Decimal | None = None
    top: Top | None = None


@dataclass(slots=True)
class MarketBook:
    """The cached state of one market, rebuilt from images and deltas."""

    market_id: str
    event_id: str | None = None
    status: str | None = None
    in_play: bool = False
    version: int = 0
    results: tuple[tuple[str, str], ...] | None = None
    runners: dict[int, RunnerBook] = field(default_factory=dict)


def _apply_ladder(ladder: dict[Decimal, Decimal], deltas: list[PriceSize] | None) -> None:
    for price, size in deltas or ():
        if size == 0:
            ladder.pop(price, None)
        else:
            ladder[price] = size


def _apply_levels(
    ladder: dict[int, tuple[Decimal, Decimal]], deltas: list[LevelPriceSize] | None
) -> None:
    for level, price, size in deltas or ():
        if size == 0:
            ladder.pop(level, None)
        else:
            ladder[level] = (price, size)


def _best(
    full: dict[Decimal, Decimal],
    levels: tuple[dict[int, tuple[Decimal, Decimal]], ...],
    back: bool,
) -> tuple[Decimal, Decimal] | None:
    if full:
        price = max(full) if back else min(full)
        return price, full[price]
    for ladder in levels:
        if 0 in ladder:
            return ladder[0]
    return None


def _top(runner: RunnerBook, currency: str) -> Top:
    back = _best(runner.atb, (runner.batb, runner.bdatb), back=True)
    lay = _best(runner.atl, (runner.batl, runner.bdatl), back=False)
    return (
        odds_to_scaled(back[0]) if back else None,
        to_minor(back[1], currency) if back else None,
        odds_to_scaled(lay[0]) if lay else None,
        to_minor(lay[1], currency) if lay else None,
        odds_to_scaled(runner.ltp) if runner.ltp is not None else None,
    )


def _apply_runner_change(runner: RunnerBook, rc: RunnerChange) -> None:
    if rc.img:
        runner.atb.clear()
        runner.atl.clear()
        runner.batb.clear()
        runner.batl.clear()
        runner.bdatb.clear()
        runner.bdatl.clear()
    _apply_ladder(runner.atb, rc.atb)
    _apply_ladder(runner.atl, rc.atl)
    _apply_levels(runner.batb, rc.batb)
    _apply_levels(runner.batl, rc.batl)
    _apply_levels(runner.bdatb, rc.bdatb)
    _apply_levels(runner.bdatl, rc.bdatl)
    if rc.ltp is not None:
        runner.ltp = rc.ltp


def _definition_events(
    book: MarketBook, definition: MarketDefinition, meta: ChangeMeta
) -> list[NormalizedEvent]:
    events: list[NormalizedEvent] = []
    if definition.eventId is not None:
        book.event_id = definition.eventId
    for rd in definition.runners:
        runner = book.runners.setdefault(rd.id, RunnerBook())
        runner.status = rd.status
        if rd.bsp is not None:
            runner.bsp = rd.bsp
    previous = book.status
    if definition.status != previous or definition.inPlay != book.in_play:
        book.status = definition.status
        book.in_play = definition.inPlay
        events.append(
            MarketStatusChanged(
                tenant_id=meta.tenant_id,
                provider_id=PROVIDER,
                category=CATEGORY,
                event_time_ms=meta.publish_time_ms,
                received_time_ms=meta.received_time_ms,
                dedup_key=f"{PROVIDER}:{book.market_id}:status:{meta.publish_time_ms}",
                source=meta.source,
                event_id=book.event_id,
                market_id=book.market_id,
                status=definition.status,
                in_play=definition.inPlay,
                previous_status=previous,
            )
        )
    settled = definition.status == "CLOSED" and all(
        rd.status in _SETTLED_STATUSES for rd in definition.runners
    )
    if settled and definition.runners:
        results = tuple((str(rd.id), rd.status) for rd in definition.runners)
        if results != book.results:
            book.results = results
            events.append(
                MarketSettled(
                    tenant_id=meta.tenant_id,
                    provider_id=PROVIDER,
                    category=CATEGORY,
                    event_time_ms=meta.publish_time_ms,
                    received_time_ms=meta.received_time_ms,
                    dedup_key=f"{PROVIDER}:{book.market_id}:result:{meta.publish_time_ms}",
                    source=meta.source,
                    event_id=book.event_id,
                    market_id=book.market_id,
                    results=[
                        SelectionResult(
                            selection_id=str(rd.id),
                            result=rd.status,  # type: ignore[arg-type]  # filtered above
                            bsp_odds=odds_to_scaled(rd.bsp) if rd.bsp is not None else None,
                        )
                        for rd in definition.runners
                    ],
                )
            )
    return events


def apply_market_change(
    book: MarketBook | None, change: MarketChange, meta: ChangeMeta
) -> tuple[MarketBook, list[NormalizedEvent]]:
    """Apply one market change to its book; return the book and the events it implies."""
    if book is None or change.img:
        previous = book
        book = MarketBook(market_id=change.id)
        if previous is not None:
            # An image replaces the cached prices; status and results are compared, not reset,
            # so a resent image emits no duplicate status change or settlement.
            book.event_id = previous.event_id
            book.status = previous.status
            book.in_play = previous.in_play
            book.results = previous.results
            book.runners = {
                rid: RunnerBook(status=r.status, bsp=r.bsp, top=r.top)
                for rid, r in previous.runners.items()
            }
    book.version = max(book.version, meta.publish_time_ms)
    events: list[NormalizedEvent] = []
    if change.marketDefinition is not None:
        events.extend(_definition_events(book, change.marketDefinition, meta))
    for rc in change.rc:
        runner = book.runners.setdefault(rc.id, RunnerBook())
        _apply_runner_change(runner, rc)
        top = _top(runner, meta.currency)
        if top != runner.top:
            runner.top = top
            back, back_size, lay, lay_size, ltp = top
            events.append(
                OddsChanged(
                    tenant_id=meta.tenant_id,
                    provider_id=PROVIDER,
                    category=CATEGORY,
                    event_time_ms=meta.publish_time_ms,
                    received_time_ms=meta.received_time_ms,
                    dedup_key=f"{PROVIDER}:{book.market_id}:odds:{rc.id}:{meta.publish_time_ms}",
                    source=meta.source,
                    event_id=book.event_id,
                    market_id=book.market_id,
                    selection_id=str(rc.id),
                    currency=meta.currency,
                    best_back_odds=back,
                    best_back_size=back_size,
                    best_lay_odds=lay,
                    best_lay_size=lay_size,
                    last_traded_odds=ltp,
                )
            )
    return book, events


def market_state(book: MarketBook, tenant_id: str, currency: str) -> MarketState:
    """The latest state of a market as written to Redis."""
    selections = []
    for rid in sorted(book.runners):
        runner = book.runners[rid]
        back, back_size, lay, lay_size, ltp = runner.top or (None, None, None, None, None)
        selections.append(
            SelectionState(
                selection_id=str(rid),
                status=runner.status,
                best_back_odds=back,
                best_back_size=back_size,
                best_lay_odds=lay,
                best_lay_size=lay_size,
                last_traded_odds=ltp,
                bsp_odds=odds_to_scaled(runner.bsp) if runner.bsp is not None else None,
            )
        )
    return MarketState(
        tenant_id=tenant_id,
        provider_id=PROVIDER,
        market_id=book.market_id,
        event_id=book.event_id,
        status=book.status or "UNKNOWN",
        in_play=book.in_play,
        currency=currency,
        version=book.version,
        winners=[sid for sid, res in book.results or () if res == "WINNER"],
        selections=selections,
    )
