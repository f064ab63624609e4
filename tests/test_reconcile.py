"""Reconciliation: the pure comparison (every planted discrepancy found, none in a clean report),
the report parser, and ``wagerflow reconcile`` end to end on the embedded engine."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagerflow import cli
from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.reconcile import (
    Kind,
    ReportError,
    RoundTotals,
    compare,
    format_time,
    parse_report,
    parse_time,
)
from wagerflow.analytics.rows import TABLES, keyed_rows
from wagerflow.connectors import clickhouse_client, clickhouse_migrations
from wagerflow.connectors.clickhouse_sink import AnalyticsSink
from wagerflow.samples.analytics import DAY_MS, SLOT, START_MS, scenario
from wagerflow.schemas.events import SpinRequested
from wagerflow.schemas.settlement import BetSettlement

KEY = "reconcile-test-key"
PSEUDO = Pseudonymizer(KEY.encode())
START, END = 1_000_000, 2_000_000

# --- the comparison -----------------------------------------------------------------------------

rounds_st = st.lists(
    st.builds(
        RoundTotals,
        round_id=st.text("abcdef0123456789", min_size=1, max_size=8),
        currency=st.sampled_from(["EUR", "USD", "JPY"]),
        bet=st.integers(0, 10**9),
        win=st.integers(0, 10**9),
        player=st.sampled_from(["", "p1", "p2", "p3"]),
        game=st.sampled_from(["", "g1"]),
        start_ms=st.none(),
        end_ms=st.integers(START, END - 1),
    ),
    unique_by=lambda r: r.round_id,
    max_size=40,
)


def split(r: RoundTotals, at: int) -> list[RoundTotals]:
    """A round reported as two rows (bets of one round), which the comparison adds up."""
    bet_part, win_part = r.bet * at // 10, r.win * at // 10
    return [
        replace(r, bet=bet_part, win=win_part),
        replace(r, bet=r.bet - bet_part, win=r.win - win_part),
    ]


@given(rounds_st, st.data())
def test_a_clean_report_has_no_discrepancy(ours: list[RoundTotals], data: st.DataObject) -> None:
    report: list[RoundTotals] = []
    for r in ours:
        report += split(r, data.draw(st.integers(0, 10))) if data.draw(st.booleans()) else [r]
    outside = RoundTotals("late", "EUR", 1, 1, end_ms=END + 5)  # settled after the window
    result = compare(report, [*ours, outside], START, END)
    assert result.ok and result.matched == len(ours)
    by_currency = {
        c: sum(r.bet for r in ours if r.currency == c) for c in {r.currency for r in ours}
    }
    assert {c: t.bet for c, t in result.report.items()} == by_currency
    assert {c: t.bet for c, t in result.ours.items()} == by_currency


@given(rounds_st, st.data())
def test_every_planted_discrepancy_is_found(ours: list[RoundTotals], data: st.DataObject) -> None:
    report = list(ours)
    planted: dict[str, tuple[Kind, tuple[str, ...]]] = {}
    for i, r in enumerate(ours):
        what = data.draw(st.sampled_from(["none", "extra", "bet", "win", "currency", "player"]))
        if what == "extra":  # ours, the provider does not know it
            report[i] = replace(r, round_id="")
            planted[r.round_id] = (Kind.EXTRA, ())
        elif what == "bet":
            report[i] = replace(r, bet=r.bet + data.draw(st.integers(1, 1000)))
            planted[r.round_id] = (Kind.MISMATCH, ("bet",))
        elif what == "win":
            report[i] = replace(
                r, win=max(0, r.win - data.draw(st.integers(1, 1000))) if r.win else 5
            )
            planted[r.round_id] = (Kind.MISMATCH, ("win",))
        elif what == "currency":
            other = "GBP" if r.currency != "GBP" else "EUR"
            report[i] = replace(r, currency=other)
            planted[r.round_id] = (Kind.MISMATCH, ("currency",))
        elif what == "player" and r.player:
            report[i] = replace(r, player="someone-else")
            planted[r.round_id] = (Kind.MISMATCH, ("player",))
    missing = data.draw(st.lists(st.text("ghij", min_size=1, max_size=6), unique=True, max_size=5))
    for n, round_id in enumerate(missing):  # the provider's, never settled by us
        report.append(RoundTotals(f"m-{round_id}", "EUR", n, 0, end_ms=START + n))
        planted[f"m-{round_id}"] = (Kind.MISSING, ())
    report.append(RoundTotals("m-before", "EUR", 1, 0, end_ms=START - 1))  # outside: ignored
    result = compare([r for r in report if r.round_id], ours, START, END)
    found = {d.round_id: (d.kind, d.fields) for d in result.discrepancies}
    assert found == planted
    assert result.matched == len(ours) - sum(1 for k, _ in planted.values() if k != Kind.MISSING)
    assert result.ok == (not planted)


def test_rounds_settled_outside_the_window_match_but_are_not_extra() -> None:
    report = [RoundTotals("r1", "EUR", 100, 0, end_ms=END - 1)]
    ours = [
        RoundTotals("r1", "EUR", 100, 0, end_ms=END + 10),  # we settled it after midnight
        RoundTotals("r0", "EUR", 5, 0, end_ms=START - 10),  # yesterday's
    ]
    result = compare(report, ours, START, END)
    assert result.ok and result.matched == 1


# --- the report -----------------------------------------------------------------------------------

PRAGMATIC = """timepoint=1736503200000
playerID,extPlayerID,gameID,playSessionID,parentSessionID,startDate,endDate,status,type,bet,win,currency,jackpot
8100,alice,vs20doghouse,28000001,,2026-01-10 10:00:00,2026-01-10 10:00:02,C,R,1.00,0.00,EUR,0
8101,bob,vs20doghouse,28000002,,2026-01-10 10:01:00,2026-01-10 10:01:03,C,R,0.20,1.60,EUR,0
8102,carol,vs25wolfgold,28000003,,2026-01-10 10:02:00,,C,R,100,50,JPY,0
"""


def test_a_pragmatic_finished_rounds_report_is_read_exactly() -> None:
    rows = parse_report(PRAGMATIC, PSEUDO, "t1", "report.csv")
    assert [(r.round_id, r.currency, r.bet, r.win) for r in rows] == [
        ("28000001", "EUR", 100, 0),
        ("28000002", "EUR", 20, 160),
        ("28000003", "JPY", 100, 50),
    ]
    assert rows[0].player == PSEUDO("t1", "alice") and rows[0].game == "vs20doghouse"
    assert rows[0].end_ms == parse_time("2026-01-10T10:00:02Z") and rows[2].end_ms is None
    assert format_time(rows[1].start_ms) == "2026-01-10T10:01:00.000Z"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("round,bet\n1,2\n", "no currency, win column"),
        ("round,currency,bet,win\nr1,EUR,1.001,0\n", "line 2: '1.001' has more digits"),
        ("round,currency,bet,win,end\nr1,EUR,1,0,yesterday\n", "line 2: not a time"),
        ("round,currency,bet,win\n,EUR,1,0\n", "line 2: no round id"),
        ("", "no header"),
    ],
)
def test_bad_reports_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        parse_report(text, PSEUDO, "t1", "r.csv")


# --- the command --------------------------------------------------------------------------------


@pytest.fixture
def chdb(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    path = tmp_path_factory.getbasetemp() / "wagerflow-chdb"
    path.mkdir(exist_ok=True)
    dsn = f"chdb://{path}"
    database = f"r_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("WAGERFLOW_CLICKHOUSE_DATABASE", database)
    monkeypatch.setenv("WAGERFLOW_PSEUDONYM_KEY", KEY)
    client = clickhouse_client.connect(dsn, database)
    try:
        clickhouse_migrations.migrate(client)
        sink = AnalyticsSink(dsn, database, TABLES)
        part = sink.build_part("s", "p", None)
        part.write_batch(
            [v for r in scenario(seed=21, rounds=25) for _, v in keyed_rows(r, PSEUDO)]
        )
        part.close()
        yield dsn
    finally:
        client.command(f"DROP DATABASE IF EXISTS {database}")
        client.close()


def report_rows() -> list[dict[str, str]]:
    """Pragmatic's view of the spins of the scenario: one row per spin we settled."""
    records = scenario(seed=21, rounds=25)
    games = {r.spin_id: r.game_id or "" for r in records if isinstance(r, SpinRequested)}
    current: dict[str, BetSettlement] = {}
    for r in records:
        if (
            isinstance(r, BetSettlement)
            and r.provider_id == SLOT
            and (r.bet_id not in current or r.version > current[r.bet_id].version)
        ):
            current[r.bet_id] = r
    return [
        {
            "playerID": "1",
            "extPlayerID": s.player_id or "",
            "gameID": games[s.round_id],
            "playSessionID": s.round_id,
            "startDate": format_time(s.settled_at_ms - 900),
            "endDate": format_time(s.settled_at_ms),
            "bet": str(Decimal(s.stake) / 100),
            "win": str(Decimal(s.payout) / 100),
            "currency": s.currency,
        }
        for s in current.values()
        if s.state == "SETTLED"
    ]


def write_report(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def reconcile(dsn: str, report: Path, output: Path) -> int:
    return cli.main(
        [
            "reconcile",
            "--provider",
            SLOT,
            "--report",
            str(report),
            "--from",
            format_time(START_MS),
            "--to",
            format_time(START_MS + DAY_MS),
            "-o",
            str(output),
            "--clickhouse-dsn",
            dsn,
            "--tenant",
            "t1",
        ]
    )


def test_reconcile_of_a_clean_report_exits_zero(
    chdb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = report_rows()
    assert len(rows) > 15
    code = reconcile(chdb, write_report(tmp_path / "clean.csv", rows), tmp_path / "out.csv")
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert f"{len(rows)} rounds match, 0 missing, 0 extra, 0 mismatched" in printed
    with (tmp_path / "out.csv").open() as f:
        written = list(csv.DictReader(f))
    assert [r["kind"] for r in written] == ["TOTAL"]
    assert written[0]["report_bet"] == written[0]["our_bet"]


def test_reconcile_finds_every_planted_discrepancy(
    chdb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = report_rows()
    dropped = rows.pop(0)["playSessionID"]  # we settled it, the provider does not list it
    rows[0]["bet"] = str(Decimal(rows[0]["bet"]) + Decimal("0.01"))
    rows[1]["win"] = "999.99"
    rows[2]["currency"] = "USD"
    rows[3]["extPlayerID"] = "mallory"
    rows.append({**rows[4], "playSessionID": "never-settled", "bet": "3.00", "win": "0"})
    code = reconcile(chdb, write_report(tmp_path / "planted.csv", rows), tmp_path / "out.csv")
    printed = capsys.readouterr().out
    assert code == 1
    assert "1 missing, 1 extra, 4 mismatched" in printed
    with (tmp_path / "out.csv").open() as f:
        written = {(r["kind"], r["round_id"]): r["fields"] for r in csv.DictReader(f)}
    assert {k: v for k, v in written.items() if k[0] != "TOTAL"} == {
        ("EXTRA", dropped): "",
        ("MISSING", "never-settled"): "",
        ("MISMATCH", rows[0]["playSessionID"]): "bet",
        ("MISMATCH", rows[1]["playSessionID"]): "win",
        ("MISMATCH", rows[2]["playSessionID"]): "currency",
        ("MISMATCH", rows[3]["playSessionID"]): "player",
    }
    assert any(k[0] == "TOTAL" for k in written)


def test_reconcile_reports_a_bad_window_as_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.csv"
    report.write_text("round,currency,bet,win\n")
    code = cli.main(
        ["reconcile", "--provider", SLOT, "--report", str(report), "--from", "2026-01-11",
         "--to", "2026-01-10", "--home", str(tmp_path)]
    )  # fmt: skip
    assert code == 2
    assert "must be after --from" in capsys.readouterr().err
