"""Betfair Exchange Stream (``mcm``) -> normalized market status, odds and results.

(Over 400 lines: the decode step and the market book it applies changes to are one stream format.)

Two pure steps:

- ``decode(raw)`` turns one line of bytes into a ``MarketChangeMessage`` or a ``Rejection``.
- ``apply_market_change(book, change, meta)`` applies one market's change to its cached
  ``MarketBook`` and returns the normalized events it implies. The book is the only state; it is
  plain picklable data so the flow can snapshot it for recovery.

Semantics (Betfair ESA): ``img: true`` on a market replaces the cached market; otherwise runner
changes are deltas where ``[price, size]`` with size 0 removes the level; several changes of one
runner in one message apply in order and emit one ``OddsChanged`` (the runner's final top). A
runner is (``id``, ``hc``): a handicap runner's selection id is ``{id}:{hc}`` (``hc`` absent or 0:
``{id}``). A ``marketDefinition`` carries the status (INACTIVE/OPEN/SUSPENDED/CLOSED); the first
definition showing a runner REMOVED or REMOVED_VACANT emits ``RunnerRemoved`` (its
``adjustmentFactor`` and ``removalDate``); a CLOSED definition in which no runner is still ACTIVE
settles the market with each runner's documented status (WINNER, LOSER, PLACED, REMOVED,
REMOVED_VACANT, HIDDEN), its ``numberOfWinners``, ``eachWayDivisor`` and ``marketType``.

Assumptions: the best back is the highest price on the ``atb`` ladder (else level 0 of ``batb``,
else of ``bdatb``), the best lay the lowest on ``atl`` (likewise); sizes are in the account's
currency, which the stream does not carry (configured, default GBP).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
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
    RunnerDefinition,
)
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.events import (
    Category,
    MarketSettled,
    MarketStatusChanged,
    NormalizedEvent,
    OddsChanged,
    RunnerRemoved,
    SelectionResult,
    SourceRef,
)
from wagerflow.schemas.state import MarketState, SelectionState

PROVIDER = "betfair"
CATEGORY: Category = "sport"
Top = tuple[int | None, int | None, int | None, int | None, int | None]
"""Best back odds and size, best lay odds and size, last traded odds."""
_SETTLED_STATUSES = frozenset({"WINNER", "LOSER", "REMOVED", "REMOVED_VACANT", "PLACED", "HIDDEN"})
_REMOVED_STATUSES = frozenset({"REMOVED", "REMOVED_VACANT"})
RunnerKey = tuple[int, Decimal]
"""A runner of a market: selection id and handicap (0 without one)."""
_CHANGE_ENCODER = msgspec.json.Encoder()


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


def change_parts(change: MarketChange) -> list[tuple[str, int]]:
    """The parts of a market change with a fingerprint of what each says, whatever its bytes:
    the definition, the traded volume, and each runner's changes (repeats in order). Real
    streams split one change over lines with the same ``pt`` and ``clk``, each line with other
    parts; a resend repeats the same parts, so a part seen before with other content is a
    conflict. A change with none of them is one part, itself."""
    img = b"img" if change.img else b""
    parts: list[tuple[str, int]] = []
    if change.marketDefinition is not None:
        parts.append(("def", zlib.crc32(img + _CHANGE_ENCODER.encode(change.marketDefinition))))
    if change.tv is not None:
        parts.append(("tv", zlib.crc32(img + str(change.tv).encode())))
    by_runner: dict[RunnerKey, list[RunnerChange]] = {}
    for rc in change.rc:
        by_runner.setdefault(runner_key(rc.id, rc.hc), []).append(rc)
    parts.extend(
        (f"rc:{selection_id(key)}", zlib.crc32(img + _CHANGE_ENCODER.encode(rcs)))
        for key, rcs in by_runner.items()
    )
    return parts or [("change", zlib.crc32(_CHANGE_ENCODER.encode(change)))]


def runner_key(runner_id: int, hc: Decimal | None) -> RunnerKey:
    return runner_id, hc if hc is not None else Decimal(0)


def selection_id(key: RunnerKey) -> str:
    runner_id, hc = key
    return str(runner_id) if hc == 0 else f"{runner_id}:{format(hc.normalize(), 'f')}"


def _epoch_ms(iso: str | None) -> int | None:
    """A Betfair ISO-8601 UTC time (``2017-06-14T07:00:50.000Z``) as epoch ms; None if absent or
    unreadable."""
    if iso is None:
        return None
    try:
        return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


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
    adjustment_factor: Decimal | None = None
    removed_ms: int | None = None
    """When the runner was removed (``removalDate``, else the definition's publish time)."""


@dataclass(slots=True)
class MarketBook:
    """The cached state of one market, rebuilt from images and deltas."""

    market_id: str
    event_id: str | None = None
    status: str | None = None
    in_play: bool = False
    version: int = 0
    results: tuple[tuple[str, str], ...] | None = None
    runners: dict[RunnerKey, RunnerBook] = field(default_factory=dict)


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


def _scaled(value: Decimal | None) -> int | None:
    return None if value is None else odds_to_scaled(value)


def _removals(
    book: MarketBook, definition: MarketDefinition, meta: ChangeMeta
) -> list[NormalizedEvent]:
    """A ``RunnerRemoved`` for each runner this definition is the first to show removed."""
    events: list[NormalizedEvent] = []
    for rd in definition.runners:
        key = runner_key(rd.id, rd.hc)
        runner = book.runners[key]
        if rd.status not in _REMOVED_STATUSES or runner.removed_ms is not None:
            continue
        removed_ms = _epoch_ms(rd.removalDate)
        runner.removed_ms = meta.publish_time_ms if removed_ms is None else removed_ms
        sid = selection_id(key)
        events.append(
            RunnerRemoved(
                tenant_id=meta.tenant_id,
                provider_id=PROVIDER,
                category=CATEGORY,
                event_time_ms=meta.publish_time_ms,
                received_time_ms=meta.received_time_ms,
                dedup_key=f"{PROVIDER}:{book.market_id}:removed:{sid}",
                source=meta.source,
                event_id=book.event_id,
                market_id=book.market_id,
                selection_id=sid,
                adjustment_factor=_scaled(rd.adjustmentFactor),
                removal_time_ms=runner.removed_ms,
                vacant=rd.status == "REMOVED_VACANT",
            )
        )
    return events


def _result(book: MarketBook, rd: RunnerDefinition) -> SelectionResult:
    runner = book.runners[runner_key(rd.id, rd.hc)]
    return SelectionResult(
        selection_id=selection_id(runner_key(rd.id, rd.hc)),
        result=rd.status,  # type: ignore[arg-type]  # every status but ACTIVE, checked by caller
        bsp_odds=_scaled(rd.bsp),
        adjustment_factor=_scaled(rd.adjustmentFactor),
        removal_time_ms=runner.removed_ms,
    )


def _definition_events(
    book: MarketBook, definition: MarketDefinition, meta: ChangeMeta
) -> list[NormalizedEvent]:
    events: list[NormalizedEvent] = []
    if definition.eventId is not None:
        book.event_id = definition.eventId
    for rd in definition.runners:
        runner = book.runners.setdefault(runner_key(rd.id, rd.hc), RunnerBook())
        runner.status = rd.status
        if rd.bsp is not None:
            runner.bsp = rd.bsp
        if rd.adjustmentFactor is not None:
            runner.adjustment_factor = rd.adjustmentFactor
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
                number_of_winners=definition.numberOfWinners,
                sport_id=definition.eventTypeId,
                competition_id=definition.competitionId,
            )
        )
    events.extend(_removals(book, definition, meta))
    settled = definition.status == "CLOSED" and all(
        rd.status in _SETTLED_STATUSES for rd in definition.runners
    )
    if settled and definition.runners:
        results = tuple(
            (selection_id(runner_key(rd.id, rd.hc)), rd.status) for rd in definition.runners
        )
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
                    results=[_result(book, rd) for rd in definition.runners],
                    number_of_winners=definition.numberOfWinners,
                    each_way_divisor=_scaled(definition.eachWayDivisor),
                    market_type=definition.marketType,
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
                rid: RunnerBook(
                    status=r.status,
                    bsp=r.bsp,
                    top=r.top,
                    adjustment_factor=r.adjustment_factor,
                    removed_ms=r.removed_ms,
                )
                for rid, r in previous.runners.items()
            }
    book.version = max(book.version, meta.publish_time_ms)
    events: list[NormalizedEvent] = []
    if change.marketDefinition is not None:
        events.extend(_definition_events(book, change.marketDefinition, meta))
    touched: dict[RunnerKey, None] = {}
    for rc in change.rc:
        key = runner_key(rc.id, rc.hc)
        _apply_runner_change(book.runners.setdefault(key, RunnerBook()), rc)
        touched[key] = None
    for key in touched:
        runner = book.runners[key]
        top = _top(runner, meta.currency)
        if top != runner.top:
            runner.top = top
            back, back_size, lay, lay_size, ltp = top
            sid = selection_id(key)
            events.append(
                OddsChanged(
                    tenant_id=meta.tenant_id,
                    provider_id=PROVIDER,
                    category=CATEGORY,
                    event_time_ms=meta.publish_time_ms,
                    received_time_ms=meta.received_time_ms,
                    dedup_key=f"{PROVIDER}:{book.market_id}:odds:{sid}:{meta.publish_time_ms}",
                    source=meta.source,
                    event_id=book.event_id,
                    market_id=book.market_id,
                    selection_id=sid,
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
    for key in sorted(book.runners):
        runner = book.runners[key]
        back, back_size, lay, lay_size, ltp = runner.top or (None, None, None, None, None)
        selections.append(
            SelectionState(
                selection_id=selection_id(key),
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
