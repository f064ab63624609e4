"""The audit trail of a round, a session or a bet: everything we received and did for it.

``trail(client, tenant, round_id=... | session_id=... | bet_id=...)`` reads ClickHouse and
returns one record per fact, ordered by time (then by table, then by the row's identity):

- ``norm_events``: every normalized event about it, with the event as we received and normalized
  it (``event``) and where its raw message is (``raw``: topic, partition, offset). The raw bytes
  themselves are not stored in ClickHouse (``raw.stored`` is false): they are in the raw topic at
  that coordinate, for as long as Kafka retains it;
- ``bets``, ``rounds``: what the provider told about its bets and rounds (placements,
  decisions, lifecycle, results, wallet transactions, our round summaries);
- ``settlements``: every version of every settlement of its bets, with what each replaced;
- ``exposures``: the exposure changes of its rounds, and of the market lines its sports bets are
  on; ``suspensions`` of those events; ``limit_breaches`` of its bets.

What is related: a bet's round; a round's bets; a session's bets and rounds, and the events
that name the session (one step, not transitively: a bet's audit does not list the rest of its
session). DLQ entries name no round, session or bet and are not included. Player ids appear as
their pseudonyms.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from wagerflow.analytics.reconcile import format_time

RAW_NOT_STORED = (
    "raw bytes are not stored in ClickHouse: each normalized event names the raw topic, "
    "partition and offset where its message is (while Kafka retains it)"
)

_TABLE_ORDER = {
    t: i
    for i, t in enumerate(
        [
            "norm_events",
            "bets",
            "rounds",
            "settlements",
            "exposures",
            "suspensions",
            "limit_breaches",
        ]
    )
}


@dataclass
class Scope:
    """The ids of what is audited and what relates to it."""

    rounds: set[str] = field(default_factory=set)
    bets: set[str] = field(default_factory=set)
    sessions: set[str] = field(default_factory=set)
    """The session audited (empty for a round or a bet)."""
    lines: set[tuple[str, str]] = field(default_factory=set)
    """(event_id, line_id) of its sports bets."""


_RELATED: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "bet": [
        ("SELECT round_id FROM bets "
         "WHERE tenant_id = {tenant:String} AND bet_id = {id:String}", ("rounds",)),
        ("SELECT round_id FROM settlements "
         "WHERE tenant_id = {tenant:String} AND bet_id = {id:String}", ("rounds",)),
    ],
    "round": [
        ("SELECT bet_id FROM bets "
         "WHERE tenant_id = {tenant:String} AND round_id = {id:String}", ("bets",)),
        ("SELECT bet_id FROM settlements "
         "WHERE tenant_id = {tenant:String} AND round_id = {id:String}", ("bets",)),
    ],
    "session": [
        ("SELECT bet_id, round_id FROM bets "
         "WHERE tenant_id = {tenant:String} AND session_id = {id:String}", ("bets", "rounds")),
        ("SELECT round_id FROM rounds "
         "WHERE tenant_id = {tenant:String} AND session_id = {id:String}", ("rounds",)),
    ],
}  # fmt: skip
"""For what is audited, the queries of the ids related to it, and which ids each column gives."""

_LINES = (
    "SELECT event_id, if(line_id != '', line_id, market_id) FROM bets "
    "WHERE tenant_id = {tenant:String} AND kind = 'PLACED' AND category = 'sport' "
    "AND event_id != '' AND bet_id IN {bets:Array(String)}"
)


def scope(
    client: Any,
    tenant_id: str,
    *,
    round_id: str | None = None,
    session_id: str | None = None,
    bet_id: str | None = None,
) -> Scope:
    """The rounds, bets, sessions and lines related to the one audited (see the docstring)."""
    given = {"round": round_id, "session": session_id, "bet": bet_id}
    chosen = [(what, value) for what, value in given.items() if value is not None]
    if len(chosen) != 1:
        msg = "audit exactly one of a round, a session or a bet"
        raise ValueError(msg)
    what, value = chosen[0]
    s = Scope()
    ids = {"rounds": s.rounds, "bets": s.bets, "sessions": s.sessions}
    ids[f"{what}s"].add(value)
    params: dict[str, Any] = {"tenant": tenant_id, "id": value}
    for sql, targets in _RELATED[what]:
        for row in client.query(sql, parameters=params).result_rows:
            for target, found in zip(targets, row, strict=True):
                ids[target].add(found)
    for found_ids in ids.values():
        found_ids.discard("")
    if s.bets:
        params["bets"] = sorted(s.bets)
        for event_id, line in client.query(_LINES, parameters=params).result_rows:
            s.lines.add((event_id, line))
    return s


def _queries(s: Scope) -> list[tuple[str, str, str]]:
    """(table, time column, condition) of every table to read for ``s``."""
    rounds = "round_id IN {rounds:Array(String)}"
    bets = "bet_id IN {bets:Array(String)}"
    sessions = "session_id IN {sessions:Array(String)}"
    lines = "(event_id, line_id) IN {lines:Array(Tuple(String, String))}"
    events = "event_id IN {events:Array(String)}"
    norm = (
        "market_id IN {rounds:Array(String)} OR selection_id IN {bets:Array(String)} "
        "OR JSONExtractString(payload, 'session_id') IN {sessions:Array(String)}"
    )
    return [
        ("norm_events", "event_time", norm),
        ("bets", "event_time", f"{bets} OR {rounds} OR {sessions}"),
        ("rounds", "event_time", f"{rounds} OR {sessions}"),
        ("settlements", "settled_at", f"{bets} OR {rounds}"),
        ("exposures", "as_of", f"(kind = 'round' AND {rounds}) OR (kind = 'line' AND {lines})"),
        ("suspensions", "as_of", events),
        ("limit_breaches", "as_of", bets),
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _record(table: str, names: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    values = dict(zip(names, row, strict=True))
    time_ms = int(values.pop("_t"))
    record: dict[str, Any] = {"time": format_time(time_ms), "time_ms": time_ms, "table": table}
    if table == "norm_events":
        payload = values.pop("payload")
        record["type"] = values["type"]
        record["event"] = json.loads(payload)
        record["raw"] = {
            "stored": False,
            "topic": values["source_topic"],
            "partition": values["source_partition"],
            "offset": values["source_offset"],
        }
        record["ingested_at"] = _plain(values["ingested_at"])
        return record
    record.update((k, _plain(v)) for k, v in values.items())
    return record


def trail(
    client: Any,
    tenant_id: str,
    *,
    round_id: str | None = None,
    session_id: str | None = None,
    bet_id: str | None = None,
) -> list[dict[str, Any]]:
    """Everything about one round, session or bet, ordered by time (see the docstring)."""
    s = scope(client, tenant_id, round_id=round_id, session_id=session_id, bet_id=bet_id)
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "rounds": sorted(s.rounds),
        "bets": sorted(s.bets),
        "sessions": sorted(s.sessions),
        "lines": sorted(s.lines),
        "events": sorted({ev for ev, _ in s.lines}),
    }
    records: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for table, time_column, condition in _queries(s):
        result = client.query(
            # table, column and condition come from _queries, never from input: values are bound
            f"SELECT *, toUnixTimestamp64Milli({time_column}) AS _t FROM {table} FINAL "  # noqa: S608
            f"WHERE tenant_id = {{tenant:String}} AND ({condition})",
            parameters=params,
        )
        for row in result.result_rows:
            record = _record(table, result.column_names, row)
            order = (record["time_ms"], _TABLE_ORDER[table], json.dumps(record, sort_keys=True))
            records.append((order, record))
    records.sort(key=lambda item: item[0])
    return [record for _, record in records]


def json_lines(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, sort_keys=True, default=str) + "\n" for r in records)
