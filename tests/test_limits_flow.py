"""Limits and live tables through the whole pipeline (MONEY.md §1.7, §4.3), in ``wagerflow
replay`` and on the real broker with ``wagerflow run``: the player directory topic, the feeds'
competitions, a limits and a thresholds file, live bets, round liability and a silent live
provider."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from confluent_kafka import Producer

from tests.flowproc import Deployment, consume_all
from wagerflow.adapters.registry import identify
from wagerflow.commands.produce import message_key
from wagerflow.commands.replay import replay
from wagerflow.connectors.kafka_admin import ensure_topics
from wagerflow.devenv.services import DevServices
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.risk.suspend import SuspendConfig

CTX = NormalizeContext("t1", "GBP")
T0 = 1_768_050_000_000
CFG = SuspendConfig()
SILENT_AT = T0 + 20 + CFG.live_silence_ms
BACK = T0 + 100_020
RESUMED_AT = BACK + CFG.table_recovery_ms
LAST = T0 + 140_020


def _line(kind: str, at: int, **fields: Any) -> bytes:
    return json.dumps({"type": kind, "timestamp": at, **fields}).encode()


def _sports_bet(bet: str, player: str, event: str, amount: str, at: int) -> bytes:
    payout = f"{float(amount) * 2:.2f}"
    return _line(
        "BetPlaced",
        at,
        betId=bet,
        eventId=event,
        marketId="1",
        selectionId="1",
        stake={"amount": amount, "currency": "EUR"},
        acceptedOdds="2.00",
        potentialPayout=payout,
        playerId=player,
    )


def _live_bet(key: str, round_id: str, amount: str, at: int) -> bytes:
    return _line(
        "bet.place",
        at,
        idempotencyKey=key,
        sessionId="s1",
        roundId=round_id,
        selection=[{"market": "straight", "value": 17}],
        stake={"amount": amount, "currency": "EUR"},
        limitsProfile="DEFAULT",
        playerId="anon-live",
        tableId="rou-1",
    )


def _feeds(tmp: Path) -> dict[str, Path]:
    generic = [
        _line(
            "playerUpdated",
            T0,
            playerId="vip",
            country="MT",
            kycStatus="VERIFIED",
            limitsProfile="VIP_A",
        ),
        *(
            _line(
                "eventCreated",
                T0 + 1 + n,
                eventId=event,
                name=event,
                startTime=T0 + 3_600_000,
                sportId="1",
                competitionId=competition,
            )
            for n, (event, competition) in enumerate([("ev-a", "c-1"), ("ev-b", "c-2")])
        ),
        _sports_bet("b-vip", "vip", "ev-a", "100.00", T0 + 10),  # over DEFAULT, within VIP_A
        _sports_bet("b-default", "anon", "ev-a", "100.00", T0 + 11),
        _sports_bet("b-c1", "vip", "ev-a", "30.00", T0 + 12),
        _sports_bet("b-c2", "vip", "ev-b", "30.00", T0 + 13),  # over c-2's 20.00
    ]
    live = [
        _live_bet("lb-1", "r-1", "100.00", T0 + 20),  # over DEFAULT's 50.00; 17 pays 3,600.00
        _live_bet("lb-2", "r-2", "10.00", BACK),  # after a silence of 100 s
        _live_bet("lb-3", "r-3", "10.00", LAST),
    ]
    files = {"generic": generic, "live": live}
    paths = {}
    for provider, lines in files.items():
        paths[provider] = tmp / f"{provider}.lines"
        paths[provider].write_bytes(b"\n".join(lines) + b"\n")
    (tmp / "limits.json").write_text(
        json.dumps(
            [{"profile": "VIP_A", "scope": "competition:c-2", "currency": "EUR", "maxStake": "20"}]
        )
    )
    (tmp / "thresholds.json").write_text(
        json.dumps([{"currency": "EUR", "scope": "table:rou-1", "round": "2000.00"}])
    )
    return paths


EXPECTED_BREACHES = {
    ("b-default", "MAX_STAKE", "DEFAULT", "platform"),
    ("b-c2", "MAX_STAKE", "VIP_A", "competition:c-2"),
    ("lb-1", "MAX_STAKE", "DEFAULT", "platform"),
}
EXPECTED_COMMANDS = [
    f"ROUND_LIABILITY:t1:live/r-1:EUR:{T0 + 20}",
    f"TABLE:t1:live/rou-1:suspend:{SILENT_AT}",
    f"TABLE:t1:live/rou-1:resume:{RESUMED_AT}",
    f"TABLE:t1:live/rou-1:suspend:{LAST + CFG.live_silence_ms}",  # silent after the input ends
]


def _breaches(lines: list[bytes]) -> set[tuple[str, str, str, str]]:
    found = [json.loads(x) for x in lines]
    return {(b["bet_id"], b["rule"], b["profile"], b["scope"]) for b in found}


def _commands(lines: list[bytes]) -> list[str]:
    found = sorted((json.loads(x) for x in lines), key=lambda c: (c["as_of_ms"], c["command_id"]))
    return [c["command_id"] for c in found]


def _replayed(tmp: Path, batch_size: int = 500) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    paths = _feeds(tmp)
    out = tmp / "replayed"
    replay(
        [("generic", paths["generic"]), ("live", paths["live"])],
        out,
        CTX,
        tmp / "limits.json",
        say=lambda _: None,
        batch_size=batch_size,
        thresholds_file=tmp / "thresholds.json",
    )
    return out


def test_replay_applies_the_directory_the_competitions_and_the_live_tables(tmp_path: Path) -> None:
    out = _replayed(tmp_path)
    assert not (out / "dlq.jsonl").exists() or (out / "dlq.jsonl").read_bytes() == b""
    assert _breaches((out / "limit.breach.jsonl").read_bytes().splitlines()) == EXPECTED_BREACHES
    commands = (out / "market.control.jsonl").read_bytes().splitlines()
    assert _commands(commands) == EXPECTED_COMMANDS
    alert = next(json.loads(x) for x in commands if b"round.liability" in x)
    assert (alert["table_id"], alert["threshold"], alert["scope"]) == (
        "rou-1",
        200_000,
        "table:rou-1",
    )
    for batch_size in (1, 3):  # the same commands and breaches whatever the batching
        again = _replayed(tmp_path / f"batch{batch_size}", batch_size)
        assert (again / "market.control.jsonl").read_bytes() == b"\n".join(commands) + b"\n"
        breaches = (again / "limit.breach.jsonl").read_bytes().splitlines()
        assert _breaches(breaches) == EXPECTED_BREACHES


@pytest.mark.kafka
@pytest.mark.redis
@pytest.mark.slow
def test_the_broker_run_applies_the_same_limits_and_table_commands(
    tmp_path: Path, dev_services: DevServices
) -> None:
    out = _replayed(tmp_path)
    url = dev_services.redis_url.rsplit("/", 1)[0] + "/7"
    redis.Redis.from_url(url).flushdb()
    dep = Deployment(
        tmp_path / "kafka", dev_services.kafka_bootstrap, url, f"l{uuid.uuid4().hex[:8]}."
    )
    producer = Producer({"bootstrap.servers": dep.bootstrap, "enable.idempotence": True})
    for provider in ("generic", "live"):
        raw = f"{dep.prefix}raw.{provider}"
        ensure_topics(dep.bootstrap, [raw], partitions=1)  # the directory before the bets
        for line in (tmp_path / f"{provider}.lines").read_bytes().splitlines():
            at = identify(provider, line).time_ms  # received at the message's own time
            producer.produce(raw, line, message_key(provider, line), timestamp=at)
    assert producer.flush(30) == 0
    done = dep.cli(
        "run",
        "--stop-at-end",
        "--epoch-seconds",
        "0.5",
        "--limits",
        str(tmp_path / "limits.json"),
        "--thresholds",
        str(tmp_path / "thresholds.json"),
    )
    assert done.returncode == 0, done.stderr
    assert consume_all(dep.bootstrap, f"{dep.prefix}dlq") == []
    breaches = [v for _, v in consume_all(dep.bootstrap, f"{dep.prefix}limit.breach")]
    assert _breaches(breaches) == EXPECTED_BREACHES
    commands = [v for _, v in consume_all(dep.bootstrap, f"{dep.prefix}market.control")]
    assert _commands(commands) == EXPECTED_COMMANDS
    replayed = (out / "market.control.jsonl").read_bytes().splitlines()
    assert sorted(commands) == sorted(replayed)
