"""The normalize flow on the real broker: raw Betfair lines in, normalized topics, Redis state,
ClickHouse rows and DLQ entries out."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest
import redis
from confluent_kafka import Producer

from tests.flowproc import Deployment, consume_all
from wagerflow.connectors.redis_store import market_key
from wagerflow.devenv.services import DevServices
from wagerflow.samples import evolution as evolution_samples
from wagerflow.samples import generic as generic_samples
from wagerflow.samples import hub88 as hub88_samples
from wagerflow.samples import live as live_samples
from wagerflow.samples import pragmatic as pragmatic_samples
from wagerflow.samples import recordings
from wagerflow.schemas.dlq import DLQ_DECODER, Reason
from wagerflow.schemas.events import EVENT_DECODER, MarketSettled, MarketStatusChanged
from wagerflow.schemas.state import STATE_DECODER
from wagerflow.topics import NORMALIZED

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]


def _deployment(tmp_path: Path, svc: DevServices, redis_db: int) -> Deployment:
    url = svc.redis_url.rsplit("/", 1)[0] + f"/{redis_db}"
    redis.Redis.from_url(url).flushdb()
    return Deployment(tmp_path, svc.kafka_bootstrap, url, f"t{uuid.uuid4().hex[:8]}.")


def _sans_coordinates(raw: bytes) -> str:
    """An event without where it was read and when it was received (file vs Kafka)."""
    event = json.loads(raw)
    del event["source"], event["received_time_ms"]
    return json.dumps(event, sort_keys=True)


def _produce(bootstrap: str, topic: str, lines: list[bytes]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for line in lines:
        producer.produce(topic, line)
    assert producer.flush(30) == 0


def test_recorded_betfair_feed_flows_to_topics_redis_and_clickhouse(
    tmp_path: Path, dev_services: DevServices, betfair_recordings: dict[str, Path]
) -> None:
    dep = _deployment(tmp_path, dev_services, redis_db=1)
    produced = dep.cli("produce", "--provider", "betfair", str(betfair_recordings["1.197931750"]))
    assert produced.returncode == 0, produced.stderr
    assert "produced 166 messages" in produced.stdout

    done = dep.cli("run", "--stop-at-end", "--epoch-seconds", "0.5")
    assert done.returncode == 0, done.stderr

    results = [
        EVENT_DECODER.decode(v) for _, v in consume_all(dep.bootstrap, f"{dep.prefix}norm.results")
    ]
    assert [(e.market_id, e.winners) for e in results if isinstance(e, MarketSettled)] == [
        ("1.197931750", ["37947503"])
    ]
    markets = [
        EVENT_DECODER.decode(v) for _, v in consume_all(dep.bootstrap, f"{dep.prefix}norm.markets")
    ]
    assert [e.status for e in markets if isinstance(e, MarketStatusChanged)] == [
        "OPEN",
        "SUSPENDED",
        "CLOSED",
    ]
    odds = consume_all(dep.bootstrap, f"{dep.prefix}norm.odds")
    assert len(odds) > 100
    assert {k for k, _ in odds} == {b"t1:betfair:1.197931750"}

    stored = redis.Redis.from_url(dep.redis_url).hget(
        market_key("t1", "betfair", "1.197931750"), "state"
    )
    assert stored is not None
    state = STATE_DECODER.decode(stored)
    assert (state.status, state.winners) == ("CLOSED", ["37947503"])

    rows = dep.sql(
        "SELECT type, count() AS n FROM norm_events FINAL WHERE tenant_id = 't1' GROUP BY type"
    )
    counts = {r["type"]: r["n"] for r in rows}
    assert counts == {"market.status": 3, "market.result": 1, "odds.change": len(odds)}
    (settled,) = dep.sql("SELECT winners FROM norm_events FINAL WHERE type = 'market.result'")
    assert settled["winners"] == ["37947503"]
    assert consume_all(dep.bootstrap, f"{dep.prefix}dlq") == []

    offline = dep.cli(
        "normalize",
        "--provider",
        "betfair",
        str(betfair_recordings["1.197931750"]),
        "-o",
        str(tmp_path / "off.jsonl"),
    )
    assert offline.returncode == 0, offline.stderr
    offline_events = (tmp_path / "off.jsonl").read_bytes().splitlines()
    on_topics = [v for t in NORMALIZED for _, v in consume_all(dep.bootstrap, dep.prefix + t)]
    assert sorted(map(_sans_coordinates, on_topics)) == sorted(
        map(_sans_coordinates, offline_events)
    )


def test_bad_lines_go_to_the_dlq_and_the_lines_around_them_are_processed(
    tmp_path: Path, dev_services: DevServices, betfair_recordings: dict[str, Path]
) -> None:
    dep = _deployment(tmp_path, dev_services, redis_db=2)
    good = [ln for ln in betfair_recordings["1.197931750"].read_bytes().splitlines() if ln]
    bad = {
        b"\x89PNG garbage \xff\xfe": Reason.MALFORMED,
        good[1][: len(good[1]) // 2]: Reason.MALFORMED,
        b'{"op":"mcm","pt":"not-a-number","mc":[]}': Reason.SCHEMA_MISMATCH,
    }
    lines = good[:40] + [list(bad)[0]] + good[40:80] + [list(bad)[1]] + good[80:] + [list(bad)[2]]
    topic = f"{dep.prefix}raw.betfair"
    created = dep.cli("produce", "--provider", "betfair", "/dev/null")
    assert created.returncode == 0, created.stderr
    _produce(dep.bootstrap, topic, lines)

    done = dep.cli("run", "--stop-at-end", "--epoch-seconds", "0.5")
    assert done.returncode == 0, done.stderr

    entries = [DLQ_DECODER.decode(v) for _, v in consume_all(dep.bootstrap, f"{dep.prefix}dlq")]
    assert {e.raw: e.reason for e in entries} == bad
    assert {e.source.offset for e in entries} == {40, 81, len(lines) - 1}
    assert all(e.source.topic == topic and e.detail for e in entries)
    raw_json = json.loads(consume_all(dep.bootstrap, f"{dep.prefix}dlq")[0][1])
    assert base64.b64decode(raw_json["raw"]) in bad

    results = [
        EVENT_DECODER.decode(v) for _, v in consume_all(dep.bootstrap, f"{dep.prefix}norm.results")
    ]
    assert [e.winners for e in results if isinstance(e, MarketSettled)] == [["37947503"]]
    (row,) = dep.sql("SELECT count() AS n FROM norm_events FINAL WHERE type = 'market.status'")
    assert row["n"] == 3


# The wallet formats carry no time of their own: their event time is the received time, which on
# Kafka is the broker's and offline is unknown (0). Everything else must match exactly.
_TIMELESS = {"hub88", "evolution"}


def test_every_provider_on_the_broker_emits_what_the_offline_tool_emits(
    tmp_path: Path, dev_services: DevServices, shared_data: Path
) -> None:
    dep = _deployment(tmp_path, dev_services, redis_db=5)
    feeds: dict[str, list[Path]] = {"uof": recordings.uof_recordings()}
    generated = {
        "generic": generic_samples.generic_lines(5, 4),
        "live": live_samples.live_lines(5, 6),
        "hub88": hub88_samples.hub88_lines(5, 20),
        "evolution": evolution_samples.evolution_lines(5, 20),
        "pragmatic": pragmatic_samples.pragmatic_lines(5, 20),
    }
    for provider, lines in generated.items():
        path = tmp_path / f"{provider}.lines"
        path.write_bytes(b"\n".join(lines) + b"\n")
        feeds[provider] = [path]
    assert len(feeds["uof"]) == 4
    for provider, paths in feeds.items():
        done = dep.cli("produce", "--provider", provider, *map(str, paths))
        assert done.returncode == 0, done.stderr

    done = dep.cli("run", "--stop-at-end", "--epoch-seconds", "0.5")
    assert done.returncode == 0, done.stderr

    on_topics: dict[str, list[str]] = {p: [] for p in feeds}
    for topic in NORMALIZED:
        for _, value in consume_all(dep.bootstrap, dep.prefix + topic):
            event = json.loads(value)
            on_topics[event["provider_id"]].append(_comparable(value, event["provider_id"]))
    assert consume_all(dep.bootstrap, f"{dep.prefix}dlq") == []
    for provider, paths in feeds.items():
        out = tmp_path / f"{provider}.jsonl"
        offline = dep.cli("normalize", "--provider", provider, *map(str, paths), "-o", str(out))
        assert offline.returncode == 0, offline.stderr
        expected = [_comparable(x, provider) for x in out.read_bytes().splitlines()]
        assert len(expected) > 0, provider
        assert sorted(on_topics[provider]) == sorted(expected), provider
    (row,) = dep.sql("SELECT count() AS n FROM norm_events FINAL")
    assert row["n"] == sum(len(v) for v in on_topics.values())


def _comparable(raw: bytes, provider: str) -> str:
    event = json.loads(_sans_coordinates(raw))
    if provider in _TIMELESS:
        del event["event_time_ms"]
    return json.dumps(event, sort_keys=True)
