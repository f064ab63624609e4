"""What the analytics sink writes: ``(table, row)`` pairs for ClickHouse, and the tables.

(Over 400 lines: one declaration per analytics table, kept together so a table's columns and the
records that fill them read side by side; the throughput issue reshapes them column-wise.)

``analytics_rows(record, pseudo)`` maps one record of the pipeline (a normalized event, a risk
record, a bet settlement or round summary, a DLQ entry) to the rows it adds, each row a tuple in
the column order of ``TABLES[table].columns``; ``keyed_rows`` gives the same as Bytewax items
for ``connectors.clickhouse_sink.AnalyticsSink``. Pure: the same record always gives the same rows,
so a replayed record replaces its first copy (the tables are ReplacingMergeTree keyed by
``TABLES[table].key``, see ``sql/0002_analytics_tables.sql``).

Player ids never appear in a row: ``pseudo`` (``wagerflow.analytics.pseudonym``) replaces them,
in columns and in the ``norm_events`` payload (written when ``entity`` is given, with the event's
ordering entity as ``event_row`` expects). Times are epoch milliseconds (what a ``DateTime64(3)``
column stores), money integer minor units, odds x 10,000.

Which record goes where:

=========================================  ======================================================
record                                     rows
=========================================  ======================================================
``OddsChanged``                            ``odds_ticks`` (one)
``LineOddsChanged``                        ``odds_ticks`` (one per outcome)
``MarketStatusChanged`` / ``BettingStopped``  ``market_status`` scope MARKET / BET_STOP
/ ``EventChanged``                         / EVENT
``BetPlaced`` / ``BetDecided`` / ``BetSettled``  ``bets`` PLACED / ACCEPTED or REJECTED / SETTLED
``RoundChanged``                           ``rounds`` STARTED / BETTING_OPEN / BETTING_CLOSED /
                                           ABORTED
``RoundResult``                            ``rounds`` RESULT
``RoundSettled``                           ``rounds`` SETTLE, and ``bets`` SETTLED per bet
``SpinRequested`` / ``SpinResult``         ``rounds`` SPIN_REQUESTED / SPIN_RESULT (the spin is
                                           the round)
``WalletTransaction`` with a round         ``rounds`` WALLET_<kind>
``BetSettlement``                          ``settlements``
``RoundSummary``                           ``rounds`` SUMMARY
exposure records                           ``exposures`` (kind line, event, player, round)
``MarketSuspend`` / ``MarketResume``       ``suspensions`` SUSPEND / RESUME
``LimitBreach``                            ``limit_breaches``
``DlqEntry``                               ``dlq`` (hash and size of the raw bytes, not the bytes)
=========================================  ======================================================

Results, rollbacks, session closings, limits and health events add no analytics row (they are
in ``norm_events``); nor does a ``RecoveryRequested`` (a request to the ingress: the outage it
answers is in ``suspensions``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, cast, get_args

import msgspec

from wagerflow.analytics.pseudonym import Pseudonymizer, pseudonymize_event
from wagerflow.pipeline.outputs import EVENT_COLUMNS, EVENT_KEY_COLUMNS, event_row
from wagerflow.schemas.dlq import DlqEntry
from wagerflow.schemas.events import (
    BetDecided,
    BetPlaced,
    BetSettled,
    BettingStopped,
    EventChanged,
    LineOddsChanged,
    MarketStatusChanged,
    NormalizedEvent,
    OddsChanged,
    RoundChanged,
    RoundResult,
    RoundSettled,
    SourceRef,
    SpinRequested,
    SpinResult,
    WalletTransaction,
)
from wagerflow.schemas.risk import (
    EventExposure,
    LimitBreach,
    LineExposure,
    MarketResume,
    MarketSuspend,
    PlayerExposure,
    RecoveryRequested,
    RiskRecord,
    RoundExposure,
)
from wagerflow.schemas.settlement import BetSettlement, RoundSummary
from wagerflow.schemas.tables import Row, TableSpec

AnalyticsRecord = NormalizedEvent | RiskRecord | BetSettlement | RoundSummary | DlqEntry
TableRow = tuple[str, Row]

_SOURCE = ("source_topic", "source_partition", "source_offset")
_EVENT_TYPES: tuple[type, ...] = get_args(NormalizedEvent)


def _spec(columns: str, key: str) -> TableSpec:
    return TableSpec(tuple(columns.split()), tuple(key.split()))


TABLES: dict[str, TableSpec] = {
    "norm_events": TableSpec(tuple(EVENT_COLUMNS), tuple(EVENT_KEY_COLUMNS)),
    "odds_ticks": _spec(
        "tenant_id provider_id category event_id market_id line_id selection_id event_time "
        "received_time status active currency back_odds back_size lay_odds lay_size "
        "last_traded_odds dedup_key source_topic source_partition source_offset",
        "tenant_id provider_id dedup_key selection_id",
    ),
    "market_status": _spec(
        "tenant_id provider_id category scope event_id market_id status previous_status in_play "
        "detail event_time received_time dedup_key source_topic source_partition source_offset",
        "tenant_id provider_id dedup_key",
    ),
    "bets": _spec(
        "tenant_id provider_id category bet_id kind event_time received_time player session_id "
        "round_id currency stake accepted_odds potential_payout payout outcome reason "
        "limits_profile legs event_id market_id line_id selection_id dedup_key source_topic "
        "source_partition source_offset",
        "tenant_id provider_id bet_id kind dedup_key",
    ),
    "settlements": _spec(
        "tenant_id provider_id category settlement_id bet_id round_id player currency stake state "
        "outcome payout version settled_at reason flags previous_state previous_outcome "
        "previous_payout ledger game_id table_id placed_at",
        "tenant_id provider_id bet_id version",
    ),
    "rounds": _spec(
        "tenant_id provider_id category round_id kind item_id event_time received_time table_id "
        "game_id session_id player status reason currency bets stake payout transaction_id "
        "reference_id version source_topic source_partition source_offset",
        "tenant_id provider_id round_id kind item_id",
    ),
    "exposures": _spec(
        "tenant_id kind exposure_key provider_id event_id line_id selection_id round_id table_id "
        "game_id book player currency status open_stake worst_case potential_return detail "
        "version as_of",
        "tenant_id kind exposure_key version",
    ),
    "suspensions": _spec(
        "tenant_id action command_id event_id line_id rule reason figures version as_of",
        "tenant_id action command_id",
    ),
    "limit_breaches": _spec(
        "tenant_id breach_id bet_id player profile rule scope limit_value value currency "
        "version as_of",
        "tenant_id breach_id",
    ),
    "dlq": _spec(
        "tenant_id provider_id reason detail source_topic source_partition source_offset "
        "raw_size raw_sha256",
        "tenant_id provider_id source_topic source_partition source_offset reason raw_sha256",
    ),
    "event_dims": _spec(
        "tenant_id event_id sport competition updated_at", "tenant_id event_id updated_at"
    ),
    "event_facts": _spec(
        "tenant_id event_id kind sport competition event_name updated_at",
        "tenant_id event_id updated_at kind",
    ),
}
"""Every table the analytics sink writes: insert columns (a row's order) and identity key."""

ANALYTICS_TABLES = [t for t in TABLES if t != "norm_events"]
"""The tables of ``sql/0002_analytics_tables.sql``."""


def _row(table: str, values: dict[str, Any]) -> TableRow:
    """A row from named values; every column of the table must be given, no other."""
    columns = TABLES[table].columns
    if len(values) != len(columns):
        unknown = set(values) - set(columns)
        missing = set(columns) - set(values)
        msg = f"{table}: unknown columns {sorted(unknown)}, missing {sorted(missing)}"
        raise ValueError(msg)
    return table, tuple(values[c] for c in columns)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _source(src: SourceRef) -> dict[str, Any]:
    return dict(zip(_SOURCE, (src.topic, src.partition, src.offset), strict=True))


def _event_common(e: NormalizedEvent) -> dict[str, Any]:
    return {
        "tenant_id": e.tenant_id,
        "provider_id": e.provider_id,
        "category": e.category,
        "event_time": e.event_time_ms,
        "received_time": e.received_time_ms,
        "dedup_key": e.dedup_key,
        **_source(e.source),
    }


# --- odds and markets ---------------------------------------------------------------------------


def _odds(e: OddsChanged, pseudo: Pseudonymizer) -> list[TableRow]:
    return [
        _row(
            "odds_ticks",
            {
                **_event_common(e),
                "event_id": _text(e.event_id),
                "market_id": e.market_id,
                "line_id": e.market_id,
                "selection_id": e.selection_id,
                "status": "",
                "active": 1,
                "currency": e.currency,
                "back_odds": e.best_back_odds,
                "back_size": e.best_back_size,
                "lay_odds": e.best_lay_odds,
                "lay_size": e.best_lay_size,
                "last_traded_odds": e.last_traded_odds,
            },
        )
    ]


def _line_odds(e: LineOddsChanged, pseudo: Pseudonymizer) -> list[TableRow]:
    common = _event_common(e)
    return [
        _row(
            "odds_ticks",
            {
                **common,
                "event_id": e.event_id,
                "market_id": e.market_id,
                "line_id": e.line_id,
                "selection_id": o.outcome_id,
                "status": e.status,
                "active": int(o.active),
                "currency": "",
                "back_odds": o.odds,
                "back_size": None,
                "lay_odds": None,
                "lay_size": None,
                "last_traded_odds": None,
            },
        )
        for o in e.outcomes
    ]


def _status_row(
    e: NormalizedEvent,
    scope: str,
    event_id: str | None,
    market_id: str,
    status: str,
    previous: str | None = None,
    in_play: bool = False,
    detail: str | None = None,
) -> list[TableRow]:
    values = {
        **_event_common(e),
        "scope": scope,
        "event_id": _text(event_id),
        "market_id": market_id,
        "status": status,
        "previous_status": _text(previous),
        "in_play": int(in_play),
        "detail": _text(detail),
    }
    return [_row("market_status", values)]


def _event_fact(
    e: NormalizedEvent,
    kind: str,
    event_id: str,
    sport: str | None,
    competition: str | None,
    name: str | None = None,
) -> list[TableRow]:
    """The ``event_facts`` row of a feed message that states an event's sport, competition
    or name (none when it states none of them)."""
    if not (sport or competition or name):
        return []
    values = {
        "tenant_id": e.tenant_id,
        "event_id": event_id,
        "kind": kind,
        "sport": _text(sport),
        "competition": _text(competition),
        "event_name": _text(name),
        "updated_at": e.event_time_ms,
    }
    return [_row("event_facts", values)]


def _market_status(e: MarketStatusChanged, pseudo: Pseudonymizer) -> list[TableRow]:
    rows = _status_row(e, "MARKET", e.event_id, e.market_id, e.status, e.previous_status, e.in_play)
    if e.event_id is None:
        return rows
    return rows + _event_fact(e, "MARKET", e.event_id, e.sport_id, e.competition_id)


def _bet_stop(e: BettingStopped, pseudo: Pseudonymizer) -> list[TableRow]:
    return _status_row(e, "BET_STOP", e.event_id, e.groups, e.status)


def _event_changed(e: EventChanged, pseudo: Pseudonymizer) -> list[TableRow]:
    rows = _status_row(e, "EVENT", e.event_id, "", e.change, detail=e.detail or e.name)
    return rows + _event_fact(e, "EVENT", e.event_id, e.sport_id, e.competition_id, e.name)


# --- bets ---------------------------------------------------------------------------------------


def _bet(
    e: NormalizedEvent,
    pseudo: Pseudonymizer,
    bet_id: str,
    kind: str,
    **values: Any,
) -> TableRow:
    row: dict[str, Any] = {
        **_event_common(e),
        "bet_id": bet_id,
        "kind": kind,
        "player": "",
        "session_id": "",
        "round_id": "",
        "currency": "",
        "stake": 0,
        "accepted_odds": None,
        "potential_payout": None,
        "payout": None,
        "outcome": "",
        "reason": "",
        "limits_profile": "",
        "legs": 0,
        "event_id": "",
        "market_id": "",
        "line_id": "",
        "selection_id": "",
    }
    row.update(values)
    return _row("bets", row)


def _bet_placed(e: BetPlaced, pseudo: Pseudonymizer) -> list[TableRow]:
    first = e.selections[0] if e.selections else None
    return [
        _bet(
            e,
            pseudo,
            e.bet_id,
            "PLACED",
            player=pseudo(e.tenant_id, e.player_id),
            session_id=_text(e.session_id),
            round_id=_text(e.round_id),
            currency=e.currency,
            stake=e.stake,
            accepted_odds=e.accepted_odds,
            potential_payout=e.potential_payout,
            limits_profile=_text(e.limits_profile),
            legs=len(e.selections),
            event_id=_text(first.event_id) if first else "",
            market_id=first.market_id if first else "",
            line_id=_text(first.line_id) if first else "",
            selection_id=first.selection_id if first else "",
        )
    ]


def _bet_decided(e: BetDecided, pseudo: Pseudonymizer) -> list[TableRow]:
    return [
        _bet(
            e,
            pseudo,
            e.bet_id,
            e.decision,
            accepted_odds=e.accepted_odds,
            reason=_text(e.reason),
        )
    ]


def _bet_settled(e: BetSettled, pseudo: Pseudonymizer) -> list[TableRow]:
    return [
        _bet(
            e,
            pseudo,
            e.bet_id,
            "SETTLED",
            currency=e.currency,
            payout=e.payout,
            outcome=e.outcome,
        )
    ]


# --- rounds -------------------------------------------------------------------------------------


def _round(e: NormalizedEvent, round_id: str, kind: str, **values: Any) -> TableRow:
    row: dict[str, Any] = {
        **_event_common(e),
        "round_id": round_id,
        "kind": kind,
        "item_id": e.dedup_key,
        "table_id": "",
        "game_id": "",
        "session_id": "",
        "player": "",
        "status": "",
        "reason": "",
        "currency": "",
        "bets": 0,
        "stake": 0,
        "payout": 0,
        "transaction_id": "",
        "reference_id": "",
        "version": 0,
    }
    del row["dedup_key"]
    row.update(values)
    return _row("rounds", row)


def _round_changed(e: RoundChanged, pseudo: Pseudonymizer) -> list[TableRow]:
    return [
        _round(
            e,
            e.round_id,
            e.change,
            table_id=_text(e.table_id),
            game_id=_text(e.game_id),
            reason=_text(e.reason),
        )
    ]


def _round_result(e: RoundResult, pseudo: Pseudonymizer) -> list[TableRow]:
    currencies = {p.currency for p in e.payouts}
    single = len(currencies) == 1
    return [
        _round(
            e,
            e.round_id,
            "RESULT",
            table_id=_text(e.table_id),
            game_id=_text(e.game_id),
            status=e.outcome,
            currency=currencies.pop() if single else "",
            bets=len(e.payouts),
            payout=sum(p.amount for p in e.payouts) if single else 0,
        )
    ]


def _round_settled(e: RoundSettled, pseudo: Pseudonymizer) -> list[TableRow]:
    rows = [
        _round(
            e,
            e.round_id,
            "SETTLE",
            session_id=_text(e.session_id),
            currency=e.currency,
            bets=len(e.bets),
            stake=sum(b.stake for b in e.bets),
            payout=sum(b.payout for b in e.bets),
        )
    ]
    rows.extend(
        _bet(
            e,
            pseudo,
            b.bet_id,
            "SETTLED",
            session_id=_text(e.session_id),
            round_id=e.round_id,
            currency=e.currency,
            stake=b.stake,
            payout=b.payout,
            outcome=b.outcome,
        )
        for b in e.bets
    )
    return rows


def _spin_requested(e: SpinRequested, pseudo: Pseudonymizer) -> list[TableRow]:
    return [
        _round(
            e,
            e.spin_id,
            "SPIN_REQUESTED",
            game_id=_text(e.game_id),
            session_id=e.session_id,
            currency=e.currency,
            bets=1,
            stake=e.bet_amount,
        )
    ]


def _spin_result(e: SpinResult, pseudo: Pseudonymizer) -> list[TableRow]:
    return [
        _round(
            e,
            e.spin_id,
            "SPIN_RESULT",
            game_id=_text(e.game_id),
            session_id=e.session_id,
            currency=e.currency,
            payout=e.payout,
        )
    ]


def _wallet(e: WalletTransaction, pseudo: Pseudonymizer) -> list[TableRow]:
    if e.round_id is None:
        return []
    return [
        _round(
            e,
            e.round_id,
            f"WALLET_{e.kind}",
            table_id=_text(e.table_id),
            game_id=_text(e.game_id),
            session_id=_text(e.session_id),
            player=pseudo(e.tenant_id, e.player_id),
            status=e.direction,
            currency=e.currency,
            stake=e.amount if e.direction == "DEBIT" else 0,
            payout=e.amount if e.direction == "CREDIT" else 0,
            transaction_id=e.transaction_id,
            reference_id=_text(e.reference_id),
        )
    ]


# --- settlement ---------------------------------------------------------------------------------


def _bet_settlement(s: BetSettlement, pseudo: Pseudonymizer) -> list[TableRow]:
    return [
        _row(
            "settlements",
            {
                "tenant_id": s.tenant_id,
                "provider_id": s.provider_id,
                "category": s.category,
                "settlement_id": s.settlement_id,
                "bet_id": s.bet_id,
                "round_id": s.round_id,
                "player": pseudo(s.tenant_id, s.player_id),
                "currency": s.currency,
                "stake": s.stake,
                "state": s.state,
                "outcome": _text(s.outcome),
                "payout": s.payout,
                "version": s.version,
                "settled_at": s.settled_at_ms,
                "reason": _text(s.reason),
                "flags": list(s.flags),
                "previous_state": _text(s.previous_state),
                "previous_outcome": _text(s.previous_outcome),
                "previous_payout": s.previous_payout,
                "ledger": s.ledger,
                "game_id": _text(s.game_id),
                "table_id": _text(s.table_id),
                "placed_at": s.placed_at_ms,
            },
        )
    ]


def _round_summary(s: RoundSummary, pseudo: Pseudonymizer) -> list[TableRow]:
    return [
        _row(
            "rounds",
            {
                "tenant_id": s.tenant_id,
                "provider_id": s.provider_id,
                "category": s.category,
                "round_id": s.round_id,
                "kind": "SUMMARY",
                "item_id": f"summary:{s.version}",
                "event_time": s.updated_at_ms,
                "received_time": s.updated_at_ms,
                "table_id": "",
                "game_id": "",
                "session_id": "",
                "player": "",
                "status": s.status,
                "reason": "",
                "currency": s.currency,
                "bets": s.bets,
                "stake": s.stake,
                "payout": s.payout,
                "transaction_id": "",
                "reference_id": "",
                "version": s.version,
                "source_topic": "",
                "source_partition": 0,
                "source_offset": 0,
            },
        )
    ]


# --- risk ---------------------------------------------------------------------------------------

_JSON = msgspec.json.Encoder()


def _exposure(
    r: LineExposure | EventExposure | PlayerExposure | RoundExposure,
    kind: str,
    key: str,
    **values: Any,
) -> list[TableRow]:
    row: dict[str, Any] = {
        "tenant_id": r.tenant_id,
        "kind": kind,
        "exposure_key": key,
        "provider_id": "",
        "event_id": "",
        "line_id": "",
        "selection_id": "",
        "round_id": "",
        "table_id": "",
        "game_id": "",
        "book": "",
        "player": "",
        "currency": r.currency,
        "status": "",
        "open_stake": r.open_stake,
        "worst_case": 0,
        "potential_return": 0,
        "detail": "",
        "version": r.version,
        "as_of": r.as_of_ms,
    }
    row.update(values)
    return [_row("exposures", row)]


def _line_exposure(r: LineExposure, pseudo: Pseudonymizer) -> list[TableRow]:
    key = f"{r.event_id}/{r.line_id}/{r.book}/{r.currency}"
    detail = _JSON.encode(r.selections).decode()
    return _exposure(
        r,
        "line",
        key,
        event_id=r.event_id,
        line_id=r.line_id,
        book=r.book,
        worst_case=r.worst_case,
        detail=detail,
    )


def _event_exposure(r: EventExposure, pseudo: Pseudonymizer) -> list[TableRow]:
    key = f"{r.event_id}/{r.book}/{r.currency}"
    return _exposure(r, "event", key, event_id=r.event_id, book=r.book, worst_case=r.worst_case)


def _player_exposure(r: PlayerExposure, pseudo: Pseudonymizer) -> list[TableRow]:
    player = pseudo(r.tenant_id, r.player_id)
    key = f"{player}/{r.event_id}/{r.line_id}/{r.selection_id}/{r.currency}"
    return _exposure(
        r,
        "player",
        key,
        event_id=r.event_id,
        line_id=r.line_id,
        selection_id=r.selection_id,
        player=player,
        potential_return=r.potential_return,
    )


def _round_exposure(r: RoundExposure, pseudo: Pseudonymizer) -> list[TableRow]:
    key = f"{r.provider_id}/{r.round_id}/{r.currency}"
    return _exposure(
        r,
        "round",
        key,
        provider_id=r.provider_id,
        round_id=r.round_id,
        table_id=_text(r.table_id),
        game_id=_text(r.game_id),
        status=r.status,
        worst_case=r.worst_case,
        detail=_JSON.encode(r.outcomes).decode(),
    )


def _command(r: MarketSuspend | MarketResume, pseudo: Pseudonymizer) -> list[TableRow]:
    return [
        _row(
            "suspensions",
            {
                "tenant_id": r.tenant_id,
                "action": "SUSPEND" if isinstance(r, MarketSuspend) else "RESUME",
                "command_id": r.command_id,
                "event_id": r.event_id,
                "line_id": _text(r.line_id),
                "rule": r.rule,
                "reason": r.reason,
                "figures": dict(r.values),
                "version": r.version,
                "as_of": r.as_of_ms,
            },
        )
    ]


def _breach(r: LimitBreach, pseudo: Pseudonymizer) -> list[TableRow]:
    return [
        _row(
            "limit_breaches",
            {
                "tenant_id": r.tenant_id,
                "breach_id": r.breach_id,
                "bet_id": r.bet_id,
                "player": pseudo(r.tenant_id, r.player_id),
                "profile": r.profile,
                "rule": r.rule,
                "scope": pseudo.scope(r.tenant_id, r.scope),
                "limit_value": r.limit,
                "value": r.value,
                "currency": r.currency,
                "version": r.version,
                "as_of": r.as_of_ms,
            },
        )
    ]


def _dlq(d: DlqEntry, pseudo: Pseudonymizer) -> list[TableRow]:
    return [
        _row(
            "dlq",
            {
                "tenant_id": d.tenant_id,
                "provider_id": d.provider_id,
                "reason": d.reason.value,
                "detail": d.detail,
                **_source(d.source),
                "raw_size": len(d.raw),
                "raw_sha256": hashlib.sha256(d.raw).hexdigest(),
            },
        )
    ]


def _nothing(record: Any, pseudo: Pseudonymizer) -> list[TableRow]:
    return []


_HANDLERS: dict[type, Callable[[Any, Pseudonymizer], list[TableRow]]] = {
    OddsChanged: _odds,
    LineOddsChanged: _line_odds,
    MarketStatusChanged: _market_status,
    BettingStopped: _bet_stop,
    EventChanged: _event_changed,
    BetPlaced: _bet_placed,
    BetDecided: _bet_decided,
    BetSettled: _bet_settled,
    RoundChanged: _round_changed,
    RoundResult: _round_result,
    RoundSettled: _round_settled,
    SpinRequested: _spin_requested,
    SpinResult: _spin_result,
    WalletTransaction: _wallet,
    BetSettlement: _bet_settlement,
    RoundSummary: _round_summary,
    LineExposure: _line_exposure,
    EventExposure: _event_exposure,
    PlayerExposure: _player_exposure,
    RoundExposure: _round_exposure,
    MarketSuspend: _command,
    MarketResume: _command,
    RecoveryRequested: _nothing,
    LimitBreach: _breach,
    DlqEntry: _dlq,
}


def analytics_rows(
    record: AnalyticsRecord, pseudo: Pseudonymizer, *, entity: str | None = None
) -> list[TableRow]:
    """The ``(table, row)`` pairs ``record`` adds. With ``entity`` (the event's ordering entity,
    as given to ``event_row``), a normalized event also gives its ``norm_events`` row, with its
    payload pseudonymized. ``TypeError`` for a record of another type."""
    handler = _HANDLERS.get(type(record))
    if handler is None:
        if not isinstance(record, _EVENT_TYPES):
            msg = f"no analytics rows for a {type(record).__name__}"
            raise TypeError(msg)
        handler = _nothing
    rows = handler(record, pseudo)
    if entity is not None and isinstance(record, _EVENT_TYPES):
        event = cast(NormalizedEvent, record)
        rows.append(("norm_events", event_row(entity, pseudonymize_event(event, pseudo))))
    return rows


def keyed_rows(
    record: AnalyticsRecord, pseudo: Pseudonymizer, *, entity: str | None = None
) -> list[tuple[str, TableRow]]:
    """``analytics_rows`` as items for ``AnalyticsSink``: ``(table, (table, row))``."""
    return [(table, (table, row)) for table, row in analytics_rows(record, pseudo, entity=entity)]


def event_dim_row(
    tenant_id: str, event_id: str, sport: str, competition: str | None, updated_at_ms: int
) -> TableRow:
    """A row of ``event_dims``: the sport (and competition) of a sport event, which the
    normalized contract does not carry; load it from the directory the limits use
    (``wagerflow.risk.limits.EventDirectory``)."""
    return _row(
        "event_dims",
        {
            "tenant_id": tenant_id,
            "event_id": event_id,
            "sport": sport,
            "competition": _text(competition),
            "updated_at": updated_at_ms,
        },
    )
