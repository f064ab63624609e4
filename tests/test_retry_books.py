"""MONEY.md §4.4 on ``ggr_hourly``: a ``RETRY`` outcome is neither turnover nor payout until the
retried bet settles. Live ``round.settle`` messages go through the decode stage, the normalize
shard (the retried bet's result is a correction of the round's settle), the casino books and the
analytics rows into the embedded ClickHouse."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_corrections import Pipeline, T, live_bet, live_settle
from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import TABLES, keyed_rows
from wagerflow.connectors import clickhouse_client, clickhouse_migrations
from wagerflow.connectors.clickhouse_sink import AnalyticsSink
from wagerflow.schemas.settlement import BetSettlement

HOUR = 3_600_000
PSEUDO = Pseudonymizer(b"test-key")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, object]]:
    path: Path = tmp_path_factory.getbasetemp() / "wagerflow-chdb"
    path.mkdir(exist_ok=True)
    dsn, name = f"chdb://{path}", f"rt_{uuid.uuid4().hex[:10]}"
    client = clickhouse_client.connect(dsn, name)
    try:
        clickhouse_migrations.migrate(client)
        yield dsn, name, client
    finally:
        client.command(f"DROP DATABASE IF EXISTS {name}")
        client.close()


def books(database: tuple[str, str, object], records: list[BetSettlement]) -> dict[int, list[int]]:
    """Per hour offset from T: [cash turnover, wins, GGR], as ggr_hourly reads them."""
    dsn, name, client = database
    tenant = records[0].tenant_id
    sink = AnalyticsSink(dsn, name, TABLES, max_rows=1_000, flush_interval_s=3_600)
    part = sink.build_part("analytics", "retry", None)
    part.write_batch([v for r in records for _, v in keyed_rows(r, PSEUDO)])
    part.close()
    rows = client.query(  # type: ignore[attr-defined]
        "SELECT toUnixTimestamp(hour), sum(cash_turnover), sum(wins), sum(ggr) FROM ggr_hourly "
        "WHERE tenant_id = {t:String} GROUP BY hour",
        parameters={"t": tenant},
    ).result_rows
    return {(int(h) * 1000 - T) // HOUR: [int(v) for v in rest] for h, *rest in rows}


@pytest.mark.parametrize(("retried_payout", "outcome"), [(2_000, "WIN"), (0, "LOSE")])
def test_a_retry_books_nothing_until_the_retried_bet_settles(
    database: tuple[str, str, object], retried_payout: int, outcome: str
) -> None:
    pipe = Pipeline("live", tenant=f"t-{uuid.uuid4().hex[:8]}")
    records: list[BetSettlement] = []
    records += pipe.send(live_bet("b1", "10.00", T))
    records += pipe.send(live_bet("b2", "10.00", T + 1))
    retry = live_settle({"b1": 0, "b2": 0}, T + 10)
    retry["bets"][0]["outcome"] = "RETRY"
    first = pipe.send(retry)
    assert [(r.bet_id, r.outcome) for r in first] == [("b1", "RETRY"), ("b2", "LOSE")]
    records += first
    # only b2 (lost) books in hour 0: the RETRY stake is not turnover yet
    assert books(database, records) == {0: [1_000, 0, 1_000]}

    settled = pipe.send(live_settle({"b1": retried_payout, "b2": 0}, T + 2 * HOUR + 5))
    assert [(r.bet_id, r.outcome, r.payout) for r in settled] == [("b1", outcome, retried_payout)]
    records += settled
    # the retried bet books its stake and payout in the hour it settles; hour 0 is unchanged
    assert books(database, records) == {
        0: [1_000, 0, 1_000],
        2: [1_000, retried_payout, 1_000 - retried_payout],
    }
