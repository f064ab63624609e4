"""``wagerflow replay`` writes its analytics to the configured ClickHouse (issue 14,
deliverable 1): generated wallet call files of the three providers, replayed through the whole
pipeline, give the ``ggr_hourly`` of MONEY.md §4.1 per provider and hour (the from-scratch
computation of ``tests/test_casino_books``), in process and through ``wagerflow replay`` then
``wagerflow sql`` on the embedded engine under ``WAGERFLOW_HOME``."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_casino_books import HOUR, T0, Credit, Round, calls, oracle, plans
from tests.test_cli import wagerflow
from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import TABLES
from wagerflow.commands.replay import replay
from wagerflow.connectors import clickhouse_client, clickhouse_migrations
from wagerflow.connectors.clickhouse_sink import AnalyticsSink
from wagerflow.pipeline.context import NormalizeContext

PROVIDERS = ("hub88", "evolution", "pragmatic")
Plan = tuple[list[Round], list[Credit]]
GGR_QUERY = (
    "SELECT provider_id, toUnixTimestamp(hour) AS h, sum(cash_turnover), sum(bonus_turnover), "
    "sum(wins), sum(bonus_cost), sum(ggr), sum(ngr) FROM ggr_hourly WHERE tenant_id = '{t}' "
    "GROUP BY provider_id, h"
)


def expected(plan_of: dict[str, Plan]) -> dict[tuple[str, int], list[int]]:
    """MONEY.md §4.1 per provider and hour: GGR = cash - wins, NGR = GGR - bonus cost."""
    out = {}
    for provider, (rounds, credits) in plan_of.items():
        for h, (cash, bonus, wins, cost) in oracle(rounds, credits, provider).items():
            out[provider, h] = [cash, bonus, wins, cost, cash - wins, cash - wins - cost]
    return out


def write_feeds(plan_of: dict[str, Plan], directory: Path) -> list[tuple[str, Path]]:
    directory.mkdir(parents=True, exist_ok=True)
    feeds = []
    for provider, (rounds, credits) in plan_of.items():
        path = directory / f"{provider}.lines"
        path.write_bytes(b"".join(raw + b"\n" for raw in calls(provider, rounds, credits)))
        feeds.append((provider, path))
    return feeds


def nonzero(rows: list[tuple[object, ...]]) -> dict[tuple[str, int], list[int]]:
    got = {(str(p), int(str(h))): [int(str(v)) for v in rest] for p, h, *rest in rows}
    return {k: v for k, v in got.items() if any(v)}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, object]]:
    path = tmp_path_factory.getbasetemp() / "wagerflow-chdb"
    path.mkdir(exist_ok=True)
    dsn, name = f"chdb://{path}", f"r_{uuid.uuid4().hex[:10]}"
    client = clickhouse_client.connect(dsn, name)
    try:
        clickhouse_migrations.migrate(client)
        yield dsn, name, client
    finally:
        client.command(f"DROP DATABASE IF EXISTS {name}")
        client.close()


all_plans = st.fixed_dictionaries({p: plans(p) for p in PROVIDERS})


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan_of=all_plans)
def test_a_replay_writes_the_ggr_of_money_4_to_clickhouse(
    plan_of: dict[str, Plan], database: tuple[str, str, object], tmp_path: Path
) -> None:
    dsn, name, client = database
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    run = tmp_path / tenant
    replay(
        write_feeds(plan_of, run),
        run / "out",
        NormalizeContext(tenant, "EUR"),
        None,
        say=lambda _: None,
        rows=AnalyticsSink(dsn, name, TABLES, max_rows=1_000, flush_interval_s=3_600),
        pseudo=Pseudonymizer(b"test-key"),
    )
    rows = client.query(GGR_QUERY.format(t=tenant)).result_rows  # type: ignore[attr-defined]
    assert nonzero(rows) == expected(plan_of)


def test_wagerflow_replay_then_sql_reads_the_backtest_ggr(tmp_path: Path) -> None:
    """The commands, as an operator runs them: the default embedded engine under the home."""
    plan_of: dict[str, Plan] = {
        "hub88": ([Round(1_000, False, [(2_500, 1)], "close", 0, 1)], []),
        "evolution": ([Round(700, False, [], "open", 2, 2)], [Credit("promo", 300, 2)]),
        "pragmatic": (
            [Round(400, True, [(900, 0)], "close", 0, 0), Round(1_200, False, [], "close", 1, 2)],
            [Credit("jackpot", 5_000, 2), Credit("adjust", -150, 1)],
        ),
    }
    feeds = write_feeds(plan_of, tmp_path / "feeds")
    done = wagerflow(
        "replay", *(f"{p}={path}" for p, path in feeds), "-o", str(tmp_path / "out"), home=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "clickhouse").is_dir()
    sql = wagerflow("sql", GGR_QUERY.format(t="default"), home=tmp_path)
    assert sql.returncode == 0, sql.stderr
    rows = [json.loads(line) for line in sql.stdout.splitlines()]
    got = nonzero([tuple(r.values()) for r in rows])
    assert got == expected(plan_of)
    # the rules, spelled out for this plan (hour 0 = T0)
    h = T0 // 1000
    assert got["hub88", h + HOUR // 1000][4] == 1_000 - 2_500  # GGR of the won round
    assert got["pragmatic", h][:3] == [0, 400, 900]  # a free round: bonus turnover, its win a win
