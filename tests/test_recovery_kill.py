"""SIGKILL the flow mid-replay, restart it on its recovery store, and compare every output with
an uninterrupted run of the same input."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from confluent_kafka import Producer

from tests.flowproc import Deployment, consume_all, final_exposures
from wagerflow.adapters.registry import identify
from wagerflow.commands.produce import message_key
from wagerflow.connectors.kafka_admin import ensure_topics
from wagerflow.devenv.services import DevServices
from wagerflow.samples import betfair as betfair_samples
from wagerflow.samples import generic as generic_samples
from wagerflow.schemas.events import EVENT_DECODER
from wagerflow.topics import NORMALIZED

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]
GENERATED_MARKETS = 150
GENERIC = generic_samples.generic_lines(21, 8)


def _feed(recordings: dict[str, Path]) -> list[bytes]:
    lines = [ln for p in recordings.values() for ln in p.read_bytes().splitlines() if ln]
    for n in range(GENERATED_MARKETS):
        lines += [ln.encode() for ln in betfair_samples.market_lines(f"1.5{n:08d}", seed=n)]
    return lines


def _deploy(tmp: Path, svc: DevServices, db: int, lines: list[bytes]) -> Deployment:
    url = svc.redis_url.rsplit("/", 1)[0] + f"/{db}"
    redis.Redis.from_url(url).flushdb()
    dep = Deployment(tmp, svc.kafka_bootstrap, url, f"k{uuid.uuid4().hex[:8]}.")
    raw = f"{dep.prefix}raw.betfair"
    ensure_topics(dep.bootstrap, [raw], partitions=3)
    producer = Producer(
        {"bootstrap.servers": dep.bootstrap, "linger.ms": 20, "enable.idempotence": True}
    )
    bets = f"{dep.prefix}raw.generic"
    ensure_topics(dep.bootstrap, [bets], partitions=2)
    for line in GENERIC[: len(GENERIC) * 3 // 5]:  # mid-stream: bets still open at the end
        at = identify("generic", line).time_ms
        producer.produce(bets, line, message_key("generic", line), timestamp=at)
    for n, line in enumerate(lines):
        # Fixed timestamps and keys (heartbeats have no market: a null key would go to a random
        # partition), so both deployments hold byte-identical raw topics.
        key = message_key("betfair", line) or b"heartbeat"
        producer.produce(raw, line, key, timestamp=1_700_000_000_000 + n)
    assert producer.flush(30) == 0
    return dep


def _redis_dump(dep: Deployment) -> dict[bytes, object]:
    """Market states, bet settlements and round summaries exactly; exposures by their figures
    (without version and as_of, which count the updates on the way: a replay after a kill may
    take another path to the same figures); the liability ranking exactly."""
    r = redis.Redis.from_url(dep.redis_url)
    dump: dict[bytes, object] = {}
    for pattern in ("wf:market:*", "wf:bet:*", "wf:round:*"):
        for key in r.scan_iter(pattern):
            dump[key] = r.hgetall(key)
    for key in r.scan_iter("wf:exposure:*"):
        state = json.loads(r.hget(key, "state") or b"{}")
        del state["version"], state["as_of_ms"]
        if state.get("open_stake"):
            dump[key] = state
    for key in r.scan_iter("wf:liability:*"):
        dump[key] = r.zrange(key, 0, -1, withscores=True)
    return dump


CLICKHOUSE_TABLES = ("norm_events", "bets", "settlements", "rounds", "suspensions", "dlq")
"""Compared row for row (FINAL). Not ``exposures``: its history holds every version emitted,
and a replay after a kill may reach the same final figures by another path."""


def _clickhouse_dump(dep: Deployment, table: str) -> list[str]:
    rows = dep.sql(f"SELECT * EXCEPT (ingested_at) FROM {table} FINAL ORDER BY ALL")
    return [json.dumps(r, sort_keys=True).replace(dep.prefix, "PREFIX.") for r in rows]


def _ggr(dep: Deployment) -> list[dict[str, Any]]:
    return dep.sql("SELECT * FROM ggr_hourly ORDER BY ALL")


def _topic_keys(dep: Deployment) -> tuple[set[str], int]:
    keys: list[str] = []
    for t in NORMALIZED:
        keys += [
            EVENT_DECODER.decode(v).dedup_key for _, v in consume_all(dep.bootstrap, dep.prefix + t)
        ]
    return set(keys), len(keys)


def test_sigkill_mid_replay_then_restart_equals_an_uninterrupted_run(
    tmp_path: Path, dev_services: DevServices, betfair_recordings: dict[str, Path]
) -> None:
    lines = _feed(betfair_recordings)
    markets = len(betfair_recordings) + GENERATED_MARKETS

    clean = _deploy(tmp_path / "clean", dev_services, 3, lines)
    done = clean.cli("run", "--stop-at-end", "--epoch-seconds", "0.5")
    assert done.returncode == 0, done.stderr

    killed = _deploy(tmp_path / "killed", dev_services, 4, lines)
    args = ("run", "--stop-at-end", "--epoch-seconds", "0.2", "--batch-size", "10")
    proc = killed.spawn(*args)
    r = redis.Redis.from_url(killed.redis_url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(r.scan_iter("wf:market:*"))) >= markets // 4:
            break
        time.sleep(0.02)
    assert proc.poll() is None, f"the flow ended before it could be killed: {proc.communicate()}"
    written = len(list(r.scan_iter("wf:market:*")))
    proc.kill()
    proc.communicate()
    assert 0 < written < markets, "the kill must land mid-stream"

    resumed = killed.cli(*args)
    assert resumed.returncode == 0, resumed.stderr

    clean_redis = _redis_dump(clean)
    assert len([k for k in clean_redis if k.startswith(b"wf:market:")]) == markets
    assert len([k for k in clean_redis if k.startswith(b"wf:bet:")]) >= 10
    assert [k for k in clean_redis if k.startswith(b"wf:round:")]
    assert _redis_dump(killed) == clean_redis
    clean_rows: list[Any] = _clickhouse_dump(clean, "norm_events")
    assert len(clean_rows) > 1000
    for table in CLICKHOUSE_TABLES:
        expected = clean_rows if table == "norm_events" else _clickhouse_dump(clean, table)
        assert _clickhouse_dump(killed, table) == expected, table
    clean_ggr = _ggr(clean)
    assert clean_ggr
    assert _ggr(killed) == clean_ggr
    clean_keys, clean_count = _topic_keys(clean)
    killed_keys, killed_count = _topic_keys(killed)
    assert clean_count == len(clean_keys) == len(clean_rows)
    assert killed_keys == clean_keys  # nothing lost; replays may repeat (at-least-once)
    assert killed_count >= clean_count

    clean_exposure = final_exposures(
        [v for _, v in consume_all(clean.bootstrap, f"{clean.prefix}exposure")]
    )
    assert any(v["type"] == "exposure.line" for v in clean_exposure.values())
    killed_exposure = final_exposures(
        [v for _, v in consume_all(killed.bootstrap, f"{killed.prefix}exposure")]
    )
    assert killed_exposure == clean_exposure
    # The whole input once more, from the first offset (no recovery store): every write is
    # check-and-apply by version, so Redis and ClickHouse stay exactly as they are.
    again = clean.cli("run", "--stop-at-end", "--no-recovery", "--epoch-seconds", "0.5")
    assert again.returncode == 0, again.stderr
    assert _redis_dump(clean) == clean_redis
    assert _clickhouse_dump(clean, "settlements") == _clickhouse_dump(killed, "settlements")

    clean_commands = _commands(clean)
    assert clean_commands, "the feed must trigger market-control commands"
    # A replayed epoch may repeat a command; it must be the very same command (same id, same
    # payload), never a second, different one under an id; and the commands are the clean run's.
    killed_commands = _commands(killed)
    assert all(len(payloads) == 1 for payloads in killed_commands.values())
    assert killed_commands == clean_commands
    # Settlements: one settlement per bet version, the very same whichever run published it.
    clean_settled = _bet_versions(clean)
    assert clean_settled
    killed_settled = _bet_versions(killed)
    assert all(len(payloads) == 1 for payloads in killed_settled.values())
    assert killed_settled == clean_settled


def _bet_versions(dep: Deployment) -> dict[tuple[str, str, int], set[bytes]]:
    """Per bet version on the settlements topic, the distinct messages carrying it: its own
    ``settlement.bet`` record, and the ``round.settle`` message listing it."""
    seen: dict[tuple[str, str, int], set[bytes]] = {}
    for _, value in consume_all(dep.bootstrap, f"{dep.prefix}settlements"):
        message = json.loads(value)
        bets = [message] if message["type"] == "settlement.bet" else message["bets"]
        for bet in bets:
            seen.setdefault((message["type"], bet["bet_id"], bet["version"]), set()).add(value)
    return seen


def _commands(dep: Deployment) -> dict[str, set[bytes]]:
    """Payloads seen per command id."""
    seen: dict[str, set[bytes]] = {}
    for _, value in consume_all(dep.bootstrap, f"{dep.prefix}market.control"):
        seen.setdefault(json.loads(value)["command_id"], set()).add(value)
    return seen
