"""Analytics on the embedded engine: migrations, exactly-once inserts through the sink, and every
view against the same aggregate computed directly from the deduplicated base tables.

One chdb directory for the whole session (a process can hold one at a time), one database per
test; every client is closed at the end of its test.
"""

from __future__ import annotations

import random
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bytewax import operators as op
from bytewax.dataflow import Dataflow
from bytewax.testing import TestingSource, run_main
from clickhouse_connect.driver.client import Client

from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import (
    ANALYTICS_TABLES,
    TABLES,
    AnalyticsRecord,
    event_dim_row,
    keyed_rows,
)
from wagerflow.connectors import clickhouse_client, clickhouse_migrations
from wagerflow.connectors.clickhouse_sink import AnalyticsSink
from wagerflow.samples.analytics import scenario
from wagerflow.schemas.settlement import BetSettlement

PSEUDO = Pseudonymizer(b"test-key")
REPLACING_VERSION = {"norm_events": "version", "event_dims": "updated_at"}
MV_TARGETS = ["settlement_deltas", "round_activity_hourly"]
VIEWS = [
    "ggr_hourly",
    "qos_settlement_hourly",
    "qos_time_to_settle_hourly",
    "qos_rounds_hourly",
    "qos_bet_window_hourly",
    "settlements_current",
    "round_dims",
]


@dataclass
class Db:
    dsn: str
    name: str
    client: Client


@pytest.fixture(scope="session")
def chdb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "wagerflow-chdb"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def db(chdb_dir: Path) -> Iterator[Db]:
    dsn = f"chdb://{chdb_dir}"
    name = f"t_{uuid.uuid4().hex[:10]}"
    client = clickhouse_client.connect(dsn, name)
    try:
        clickhouse_migrations.migrate(client)
        yield Db(dsn, name, client)
    finally:
        client.command(f"DROP DATABASE IF EXISTS {name}")
        client.close()


def records_and_rows(seed: int = 1, rounds: int = 30) -> tuple[list[AnalyticsRecord], list[Any]]:
    records = scenario(seed, rounds)
    items = []
    for n, record in enumerate(records):
        entity = f"entity-{n}" if hasattr(record, "dedup_key") else None
        items += keyed_rows(record, PSEUDO, entity=entity)
    items.append(("event_dims", event_dim_row("t1", "sr:match:0", "soccer", "Serie A", 1)))
    return records, items


def write(db: Db, items: Sequence[Any], batch: int, max_rows: int) -> None:
    """Through the sink as a flow would: batches of items, a snapshot every few batches."""
    sink = AnalyticsSink(db.dsn, db.name, TABLES, max_rows=max_rows, flush_interval_s=3600)
    part = sink.build_part("analytics", "clickhouse-analytics", None)
    for n, start in enumerate(range(0, len(items), batch)):
        part.write_batch([value for _, value in items[start : start + batch]])
        if n % 3 == 2:
            part.snapshot()
    part.close()


def rows(client: Client, sql: str) -> list[dict[str, Any]]:
    result = client.query(sql)
    return [dict(zip(result.column_names, r, strict=True)) for r in result.result_rows]


def counts(client: Client, final: bool) -> dict[str, int]:
    suffix = " FINAL" if final else ""
    return {
        t: int(client.command(f"SELECT count() FROM {t}{suffix}"))  # type: ignore[arg-type]
        for t in [*TABLES, *MV_TARGETS]
        if not (final and t == "round_activity_hourly")
    }


def view(client: Client, name: str) -> list[tuple[Any, ...]]:
    cols = list(client.query(f"SELECT * FROM {name} LIMIT 0").column_names)
    order = ", ".join(cols)
    return [tuple(r) for r in client.query(f"SELECT * FROM {name} ORDER BY {order}").result_rows]


def all_views(client: Client) -> dict[str, list[tuple[Any, ...]]]:
    return {v: view(client, v) for v in VIEWS}


# --- migrations ---------------------------------------------------------------------------------


def test_migrations_apply_from_empty_and_rerun_is_a_no_op(chdb_dir: Path) -> None:
    client = clickhouse_client.connect(f"chdb://{chdb_dir}", f"m_{uuid.uuid4().hex[:8]}")
    try:
        names = [name for _, name, _ in clickhouse_migrations.migrations()]
        assert names[:3] == [
            "0001_norm_events.sql",
            "0002_analytics_tables.sql",
            "0003_analytics_views.sql",
        ]
        assert clickhouse_migrations.migrate(client) == names
        assert clickhouse_migrations.migrate(client) == []
        recorded = client.query("SELECT version FROM schema_migrations FINAL ORDER BY version")
        assert [r[0] for r in recorded.result_rows] == [
            v for v, _, _ in clickhouse_migrations.migrations()
        ]
        # a migration interrupted half-way is re-run whole: every statement is idempotent
        for _, _, sql in clickhouse_migrations.migrations():
            for statement in clickhouse_migrations._statements(sql):
                client.command(statement)
        tables = {r[0] for r in client.query("SHOW TABLES").result_rows}
        assert {*TABLES, *MV_TARGETS, *VIEWS} <= tables
    finally:
        client.close()


def test_the_registry_matches_the_tables(db: Db) -> None:
    for table, spec in TABLES.items():
        described = rows(
            db.client,
            f"SELECT name, default_kind FROM system.columns "
            f"WHERE database = '{db.name}' AND table = '{table}' ORDER BY position",
        )
        insertable = [c["name"] for c in described if c["default_kind"] == ""]
        assert insertable == list(spec.columns), table
        sorting = db.client.command(
            f"SELECT sorting_key FROM system.tables WHERE database = '{db.name}' "
            f"AND name = '{table}'"
        )
        engine = db.client.command(
            f"SELECT engine FROM system.tables WHERE database = '{db.name}' AND name = '{table}'"
        )
        assert engine == "ReplacingMergeTree", table
        sort_columns = set(re.split(r"[\s,]+", str(sorting)))
        # the ReplacingMergeTree version of a latest-wins table is in the key, not the ORDER BY
        identity = set(spec.key) - {REPLACING_VERSION.get(table, "")}
        assert identity <= sort_columns, (table, sorting)
    for table in [*TABLES, *MV_TARGETS]:
        window = db.client.command(
            "SELECT value FROM system.merge_tree_settings WHERE name = "
            "'non_replicated_deduplication_window'"
        )
        assert window is not None
        create = str(db.client.command(f"SHOW CREATE TABLE {table}"))
        assert "non_replicated_deduplication_window = 10000" in create, table


# --- exactly once -------------------------------------------------------------------------------


def test_a_replayed_batch_leaves_one_copy_in_the_tables_and_the_views(db: Db) -> None:
    _, items = records_and_rows()
    write(db, items, batch=97, max_rows=150)
    first_counts = counts(db.client, final=False)
    first_views = all_views(db.client)
    assert first_counts == counts(db.client, final=True) | {
        "round_activity_hourly": first_counts["round_activity_hourly"]
    }
    assert all(first_counts[t] > 0 for t in TABLES)
    assert all(first_views[v] for v in VIEWS)

    # the same run again (a restart that replays the epoch the same way): every block carries
    # the token it had, the server drops it, in the tables and in their materialized views
    write(db, items, batch=97, max_rows=150)
    assert counts(db.client, final=False) == first_counts
    assert all_views(db.client) == first_views

    # a replay cut into other blocks: duplicates reach the tables and the views' targets, and
    # collapse by identity, so every view still equals the first run
    write(db, items, batch=41, max_rows=67)
    assert counts(db.client, final=False)["settlements"] > first_counts["settlements"]
    assert counts(db.client, final=False)["settlement_deltas"] > first_counts["settlement_deltas"]
    assert all_views(db.client) == first_views
    finals = counts(db.client, final=True)
    assert finals == {k: v for k, v in first_counts.items() if k != "round_activity_hourly"}


def test_a_replay_in_another_order_changes_no_view(db: Db) -> None:
    _, items = records_and_rows(seed=5, rounds=20)
    write(db, items, batch=200, max_rows=1000)
    expected = all_views(db.client)
    shuffled = list(items)
    random.Random(3).shuffle(shuffled)
    write(db, shuffled[: len(items) // 2], batch=33, max_rows=50)  # a partial, reordered replay
    assert all_views(db.client) == expected


# --- views against the base tables ----------------------------------------------------------------

HOUR_MS = 3_600_000


def _quantile(values: list[int], level: float) -> int:
    """ClickHouse's quantileExact: the element at floor(level * n) of the sorted values."""
    ordered = sorted(values)
    return ordered[int(level * len(ordered))]


def _round_dims(client: Client) -> dict[tuple[str, str, str], tuple[str, str]]:
    found: dict[tuple[str, str, str], tuple[set[str], set[str]]] = defaultdict(
        lambda: (set(), set())
    )
    for r in rows(client, "SELECT tenant_id, provider_id, round_id, table_id, game_id FROM rounds"):
        tables, games = found[(r["tenant_id"], r["provider_id"], r["round_id"])]
        tables.add(r["table_id"])
        games.add(r["game_id"])
    return {
        k: (min((t for t in ts if t), default=""), min((g for g in gs if g), default=""))
        for k, (ts, gs) in found.items()
    }


def _settlements(client: Client) -> list[dict[str, Any]]:
    return rows(
        client,
        "SELECT *, toUnixTimestamp64Milli(settled_at) AS t FROM settlements FINAL",
    )


def _sides(s: dict[str, Any]) -> list[tuple[int, str, str, int]]:
    """The (sign, state, outcome, payout) a settlement version contributes."""
    sides = [(1, s["state"], s["outcome"], s["payout"])]
    if s["previous_state"] == "SETTLED":
        sides.append((-1, s["previous_state"], s["previous_outcome"], s["previous_payout"]))
    return sides


def expected_ggr(client: Client) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    dims = _round_dims(client)
    sports = {
        (r["tenant_id"], r["event_id"]): r["sport"]
        for r in rows(client, "SELECT tenant_id, event_id, sport FROM event_dims FINAL")
    }
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for s in _settlements(client):
        table, game = dims.get((s["tenant_id"], s["provider_id"], s["round_id"]), ("", ""))
        event, market = "", ""
        if s["category"] == "sport" and "/" in s["round_id"]:
            event, market = s["round_id"].split("/", 1)
        key = (
            s["t"] // HOUR_MS * 3600,
            s["tenant_id"],
            s["provider_id"],
            s["category"],
            game,
            table,
            sports.get((s["tenant_id"], event), ""),
            event,
            market,
            s["currency"],
        )
        for sign, state, outcome, payout in _sides(s):
            total = sums[key]
            if state == "SETTLED" and outcome != "VOID":
                total[0] += sign
                total[1] += sign * s["stake"]
                total[2] += sign * payout
    return {k: (b, t, p, t - p, (t - p) / t if t else None) for k, (b, t, p) in sums.items()}


def test_ggr_hourly_equals_the_ledger_of_the_settlement_versions(db: Db) -> None:
    records, items = records_and_rows(seed=2, rounds=40)
    write(db, items, batch=500, max_rows=2000)
    got = {
        tuple(r[:10]): tuple(r[10:])
        for r in db.client.query(
            "SELECT toUnixTimestamp(hour), tenant_id, provider_id, category, game_id, table_id, "
            "sport, event_id, market, currency, bets, cash_turnover + bonus_turnover AS turnover, "
            "wins, turnover - wins, if(turnover = 0, NULL, (turnover - wins) / turnover) "
            "FROM ggr_hourly"
        ).result_rows
    }
    expected = expected_ggr(db.client)
    assert got.keys() == expected.keys()
    for key, (bets, turnover, payouts, ggr, hold) in expected.items():
        assert got[key][:4] == (bets, turnover, payouts, ggr), key
        assert got[key][4] == pytest.approx(hold), key
    assert len({k[0] for k in got}) >= 4, "several hours"
    assert {k[3] for k in got} == {"live", "slot", "sport"}
    assert any(k[6] == "soccer" and k[8] == "18:total=2.5" for k in got)
    assert any(k[4] and k[5] for k in got), "live rounds carry a game and a table"

    # over all hours, the ledger is the current state of every bet (and the records agree)
    current: dict[str, BetSettlement] = {}
    for r in records:
        if isinstance(r, BetSettlement) and (
            r.bet_id not in current or r.version > current[r.bet_id].version
        ):
            current[r.bet_id] = r
    counted = [s for s in current.values() if s.state == "SETTLED" and s.outcome != "VOID"]
    totals = db.client.query(
        "SELECT sum(bets), sum(cash_turnover + bonus_turnover), sum(wins) FROM ggr_hourly"
    )
    assert tuple(totals.result_rows[0]) == (
        len(counted),
        sum(s.stake for s in counted),
        sum(s.payout for s in counted),
    )
    from_current = db.client.query(
        "SELECT count(), sum(stake), sum(payout) FROM settlements_current "
        "WHERE state = 'SETTLED' AND outcome != 'VOID'"
    )
    assert from_current.result_rows == totals.result_rows


def test_settlement_qos_equals_the_base_table(db: Db) -> None:
    _, items = records_and_rows(seed=3, rounds=40)
    write(db, items, batch=300, max_rows=5000)
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for s in _settlements(db.client):
        key = (s["t"] // HOUR_MS * 3600, s["tenant_id"], s["provider_id"], s["category"])
        for sign, state, outcome, _ in _sides(s):
            total = sums[key]
            settled = state == "SETTLED"
            total[0] += sign * settled
            total[1] += sign * (settled and outcome == "VOID")
            if sign == 1 and s["version"] == 1 and settled:
                total[2] += 1
                total[3] += "LATE" in s["flags"]
    got = {
        tuple(r[:4]): tuple(r[4:])
        for r in db.client.query(
            "SELECT toUnixTimestamp(hour), tenant_id, provider_id, category, settled_bets, "
            "void_bets, void_rate, first_settlements, late_settlements, late_rate "
            "FROM qos_settlement_hourly"
        ).result_rows
    }
    assert got.keys() == sums.keys()
    for key, (n_settled, n_void, n_first, n_late) in sums.items():
        assert got[key] == pytest.approx(
            (
                n_settled,
                n_void,
                n_void / n_settled if n_settled else None,
                n_first,
                n_late,
                n_late / n_first if n_first else None,
            )
        ), key
    assert sum(v[3] for v in sums.values()) > 0 and sum(v[1] for v in sums.values()) > 0


def _stats(values: list[int]) -> tuple[Any, ...]:
    return (
        len(values),
        pytest.approx(sum(values) / len(values)),
        _quantile(values, 0.5),
        _quantile(values, 0.95),
        max(values),
    )


def test_time_to_settle_equals_the_base_tables(db: Db) -> None:
    _, items = records_and_rows(seed=4, rounds=30)
    write(db, items, batch=300, max_rows=5000)
    placed: dict[tuple[str, str, str], int] = {}
    for b in rows(
        db.client,
        "SELECT tenant_id, provider_id, bet_id, toUnixTimestamp64Milli(event_time) AS t "
        "FROM bets FINAL WHERE kind = 'PLACED'",
    ):
        bet_key = (b["tenant_id"], b["provider_id"], b["bet_id"])
        placed[bet_key] = min(placed.get(bet_key, b["t"]), b["t"])
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for s in _settlements(db.client):
        at = placed.get((s["tenant_id"], s["provider_id"], s["bet_id"]))
        if s["version"] == 1 and s["state"] == "SETTLED" and at is not None:
            key = (s["t"] // HOUR_MS * 3600, s["tenant_id"], s["provider_id"], s["category"])
            groups[key].append(s["t"] - at)
    got = {
        tuple(r[:4]): tuple(r[4:])
        for r in db.client.query(
            "SELECT toUnixTimestamp(hour), tenant_id, provider_id, category, settled_bets, "
            "avg_ms, p50_ms, p95_ms, max_ms FROM qos_time_to_settle_hourly"
        ).result_rows
    }
    assert got.keys() == groups.keys() and groups
    for key, values in groups.items():
        assert got[key] == _stats(values), key


def test_bet_window_latency_equals_the_base_tables(db: Db) -> None:
    _, items = records_and_rows(seed=6, rounds=30)
    write(db, items, batch=300, max_rows=5000)
    bets: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(dict)
    for b in rows(
        db.client,
        "SELECT tenant_id, provider_id, bet_id, kind, category, round_id, "
        "toUnixTimestamp64Milli(event_time) AS t FROM bets FINAL",
    ):
        seen = bets[(b["tenant_id"], b["provider_id"], b["bet_id"])]
        kind = b["kind"]
        seen[kind] = min(seen.get(kind, b["t"]), b["t"])
        if kind == "PLACED":
            seen["category"], seen["round"] = b["category"], b["round_id"]
    opened: dict[tuple[str, str, str], int] = {}
    for r in rows(
        db.client,
        "SELECT tenant_id, provider_id, round_id, toUnixTimestamp64Milli(event_time) AS t "
        "FROM rounds FINAL WHERE kind = 'BETTING_OPEN'",
    ):
        round_key = (r["tenant_id"], r["provider_id"], r["round_id"])
        opened[round_key] = min(opened.get(round_key, r["t"]), r["t"])
    dims = _round_dims(db.client)
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for (tenant, provider, _), seen in bets.items():
        if "PLACED" not in seen or "REJECTED" in seen or not seen["round"]:
            continue
        open_at = opened.get((tenant, provider, seen["round"]))
        if open_at is None:
            continue
        accepted = seen.get("ACCEPTED", seen["PLACED"])
        table, game = dims.get((tenant, provider, seen["round"]), ("", ""))
        key = (accepted // HOUR_MS * 3600, tenant, provider, seen["category"], table, game)
        groups[key].append(accepted - open_at)
    got = {
        tuple(r[:6]): tuple(r[6:])
        for r in db.client.query(
            "SELECT toUnixTimestamp(hour), tenant_id, provider_id, category, table_id, game_id, "
            "accepted_bets, avg_ms, p50_ms, p95_ms, max_ms FROM qos_bet_window_hourly"
        ).result_rows
    }
    assert got.keys() == groups.keys() and groups
    for key, values in groups.items():
        assert got[key] == _stats(values), key


def test_round_qos_equals_the_base_table(db: Db) -> None:
    _, items = records_and_rows(seed=7, rounds=40)
    write(db, items, batch=300, max_rows=5000)
    started: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    aborted: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    for r in rows(
        db.client,
        "SELECT tenant_id, provider_id, category, table_id, game_id, round_id, kind, "
        "toUnixTimestamp64Milli(event_time) AS t FROM rounds FINAL "
        "WHERE kind IN ('STARTED', 'BETTING_OPEN', 'SPIN_REQUESTED', 'ABORTED')",
    ):
        key = (
            r["t"] // HOUR_MS * 3600,
            r["tenant_id"],
            r["provider_id"],
            r["category"],
            r["table_id"],
            r["game_id"],
        )
        (aborted if r["kind"] == "ABORTED" else started)[key].add(r["round_id"])
        started.setdefault(key, set())
    got = {
        tuple(r[:6]): tuple(r[6:])
        for r in db.client.query(
            "SELECT toUnixTimestamp(hour), tenant_id, provider_id, category, table_id, game_id, "
            "rounds_started, rounds_aborted, abort_rate FROM qos_rounds_hourly"
        ).result_rows
    }
    assert got.keys() == started.keys()
    for key, ids in started.items():
        n, a = len(ids), len(aborted[key])
        assert got[key] == pytest.approx((n, a, a / n if n else None)), key
    assert sum(len(v) for v in aborted.values()) > 0


# --- privacy and the flow -----------------------------------------------------------------------


def test_no_player_id_reaches_clickhouse(db: Db) -> None:
    records, items = records_and_rows(seed=8, rounds=20)
    write(db, items, batch=500, max_rows=5000)
    clear = re.compile(r"player[0-9]")
    for table in ANALYTICS_TABLES + ["norm_events"]:
        for row in db.client.query(f"SELECT * FROM {table}").result_rows:
            assert not clear.search(repr(row)), (table, row)
    players = db.client.query("SELECT DISTINCT player FROM bets WHERE player != ''")
    assert players.result_rows and all(
        re.fullmatch(r"[0-9a-f]{32}", p) for (p,) in players.result_rows
    )
    # the same player has the same pseudonym everywhere, so per-player analytics work
    one = PSEUDO("t1", "player3")
    found = {
        t: int(db.client.command(f"SELECT count() FROM {t} WHERE player = '{one}'"))  # type: ignore[arg-type]
        for t in ("bets", "settlements", "rounds")
    }
    assert all(n > 0 for n in found.values()), found


def test_the_sink_in_a_bytewax_flow_is_durable_at_the_end_of_each_epoch(db: Db) -> None:
    _, items = records_and_rows(seed=9, rounds=10)
    flow = Dataflow("analytics")
    stream = op.input("in", flow, TestingSource(items, batch_size=50))
    op.output("clickhouse", stream, AnalyticsSink(db.dsn, db.name, TABLES, max_rows=300))
    run_main(flow, epoch_interval=timedelta(milliseconds=50))  # type: ignore[no-untyped-call]
    expected: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    for _, (table, row) in items:
        spec = TABLES[table]
        expected[table].add(tuple(row[i] for i in spec.key_indexes))
    got = counts(db.client, final=True)
    for table, keys in expected.items():
        assert got[table] == len(keys), table
