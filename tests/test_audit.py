"""``wagerflow audit``: everything received and done for a round, a session or a bet, as JSON
lines ordered by time, on the embedded engine."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from wagerflow import cli
from wagerflow.analytics.audit import RAW_NOT_STORED
from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import TABLES, keyed_rows
from wagerflow.connectors import clickhouse_client, clickhouse_migrations
from wagerflow.connectors.clickhouse_sink import AnalyticsSink
from wagerflow.samples.analytics import scenario
from wagerflow.schemas.events import BetDecided, BetPlaced, NormalizedEvent, WalletTransaction
from wagerflow.schemas.risk import RoundExposure
from wagerflow.schemas.settlement import BetSettlement, RoundSummary

KEY = "audit-test-key"
PSEUDO = Pseudonymizer(KEY.encode())
RECORDS = scenario(seed=31, rounds=16)


@pytest.fixture(scope="module")
def chdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    path = tmp_path_factory.getbasetemp() / "wagerflow-chdb"
    path.mkdir(exist_ok=True)
    dsn, database = f"chdb://{path}", f"a_{uuid.uuid4().hex[:10]}"
    client = clickhouse_client.connect(dsn, database)
    try:
        clickhouse_migrations.migrate(client)
        part = AnalyticsSink(dsn, database, TABLES).build_part("s", "p", None)
        for n, record in enumerate(RECORDS):
            entity = f"e{n}" if isinstance(record, NormalizedEvent) else None
            part.write_batch([v for _, v in keyed_rows(record, PSEUDO, entity=entity)])
        part.close()
        yield dsn, database
    finally:
        client.command(f"DROP DATABASE IF EXISTS {database}")
        client.close()


def audit(
    chdb: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> list[dict[str, Any]]:
    dsn, database = chdb
    monkeypatch.setenv("WAGERFLOW_CLICKHOUSE_DATABASE", database)
    code = cli.main(["audit", *args, "--clickhouse-dsn", dsn, "--tenant", "t1"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert RAW_NOT_STORED in out.err
    assert not re.search(r"player[0-9]", out.out), "player ids appear only as pseudonyms"
    records = [json.loads(line) for line in out.out.splitlines()]
    times = [r["time_ms"] for r in records]
    assert times == sorted(times)
    return records


def _round_with_a_correction() -> str:
    corrected = {r.round_id for r in RECORDS if isinstance(r, BetSettlement) and r.version > 1}
    return sorted(r for r in corrected if r.startswith("r"))[0]


def _related_events(round_id: str) -> set[str]:
    bets = {r.bet_id for r in RECORDS if isinstance(r, BetPlaced) and r.round_id == round_id}
    keys = set()
    for r in RECORDS:
        if not isinstance(r, NormalizedEvent):
            continue
        if getattr(r, "round_id", None) == round_id or (
            isinstance(r, BetDecided | BetPlaced) and r.bet_id in bets
        ):
            keys.add(r.dedup_key)
    return keys


def _by_table(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        found.setdefault(r["table"], []).append(r)
    return found


def test_a_round_shows_its_events_bets_settlement_versions_and_exposure(
    chdb: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    round_id = _round_with_a_correction()
    found = _by_table(audit(chdb, monkeypatch, capsys, "--round", round_id))
    assert {e["event"]["dedup_key"] for e in found["norm_events"]} == _related_events(round_id)
    for e in found["norm_events"]:
        assert e["raw"]["stored"] is False and e["raw"]["topic"] == "raw.evolution"
        assert isinstance(e["raw"]["offset"], int)
    versions = {
        (r.bet_id, r.version)
        for r in RECORDS
        if isinstance(r, BetSettlement) and r.round_id == round_id
    }
    assert {(s["bet_id"], s["version"]) for s in found["settlements"]} == versions
    assert any(s["previous_state"] == "SETTLED" for s in found["settlements"])
    kinds = {r["kind"] for r in found["rounds"]}
    assert {"STARTED", "BETTING_OPEN", "WALLET_BET", "SUMMARY"} <= kinds
    summaries = [r for r in RECORDS if isinstance(r, RoundSummary) and r.round_id == round_id]
    assert len([r for r in found["rounds"] if r["kind"] == "SUMMARY"]) == len(summaries)
    exposures = [r for r in RECORDS if isinstance(r, RoundExposure) and r.round_id == round_id]
    assert len(found["exposures"]) == len(exposures) > 0
    placed = [b for b in found["bets"] if b["kind"] == "PLACED"]
    assert placed and all(re.fullmatch(r"[0-9a-f]{32}", b["player"]) for b in placed)


def test_a_bet_shows_its_round_and_its_settlement_history(
    chdb: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corrected = next(r for r in RECORDS if isinstance(r, BetSettlement) and r.version == 2)
    found = _by_table(audit(chdb, monkeypatch, capsys, "--bet", corrected.bet_id))
    mine = [s for s in found["settlements"] if s["bet_id"] == corrected.bet_id]
    assert [s["version"] for s in mine] == sorted(s["version"] for s in mine)
    assert len(mine) >= 2
    assert any(r["round_id"] == corrected.round_id for r in found["rounds"])


def test_a_sports_bet_shows_the_exposure_and_suspensions_of_its_line(
    chdb: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bet = next(r for r in RECORDS if isinstance(r, BetPlaced) and r.category == "sport")
    found = _by_table(audit(chdb, monkeypatch, capsys, "--bet", bet.bet_id))
    assert {e["kind"] for e in found["exposures"]} == {"line"}
    assert {s["round_id"] for s in found["settlements"]} == {
        f"{bet.selections[0].event_id}/{bet.selections[0].line_id}"
    }


def test_a_session_shows_the_bets_and_rounds_played_in_it(
    chdb: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    session = "s2"
    found = _by_table(audit(chdb, monkeypatch, capsys, "--session", session))
    played: set[str] = {
        r.round_id
        for r in RECORDS
        if isinstance(r, WalletTransaction) and r.session_id == session and r.round_id
    }
    assert played and played <= {r["round_id"] for r in found["rounds"]}
    assert {b["session_id"] for b in found["bets"] if b["kind"] == "PLACED"} == {session}


def test_an_unknown_id_has_an_empty_trail(
    chdb: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert audit(chdb, monkeypatch, capsys, "--round", "no-such-round") == []


def test_exactly_one_of_round_session_bet() -> None:
    with pytest.raises(SystemExit):
        cli.main(["audit", "--round", "r", "--bet", "b"])
