"""The risk layer end to end: replays are deterministic whatever the batching, and the flow on
the real broker reaches the same final exposures whatever the partition and worker counts."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from confluent_kafka import Producer

from connectors.kafka_admin import ensure_topics
from schemas.risk import RISK_DECODER
from tests.flowproc import Deployment, consume_all
from wagerflow import samples_bridge
from wagerflow.devenv.services import DevServices
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.producer import message_key
from wagerflow.replay import replay
from wagerflow.risk.outputs import record_key

CTX = NormalizeContext("t1", "GBP")


def _feed(tmp: Path) -> Path:
    path = tmp / "generic.lines"
    lines = samples_bridge.generic_lines(11, 6)
    cut = len(lines) * 3 // 5  # stop mid-stream: some bets are still open at the end
    path.write_bytes(b"\n".join(lines[:cut]) + b"\n")
    return path


def _final(records: list[bytes]) -> dict[str, dict[str, Any]]:
    """The latest open exposure per key (what a compacted topic keeps), without version and
    as_of. A key whose exposure ended at zero is the same as a key never opened: whether a bet
    was seen before or after its line settled changes what was emitted on the way, not the end."""
    latest: dict[str, tuple[int, dict[str, Any]]] = {}
    for raw in records:
        record = RISK_DECODER.decode(raw)
        if not str(record.__struct_config__.tag).startswith("exposure."):
            continue
        key = record_key(record)
        held = latest.get(key)
        if held is None or record.version >= held[0]:
            body = json.loads(raw)
            del body["version"], body["as_of_ms"]
            latest[key] = (record.version, body)
    return {k: v for k, (_, v) in latest.items() if v.get("open_stake", 0) != 0}


def test_replay_is_byte_identical_whatever_the_batching(tmp_path: Path) -> None:
    feed = _feed(tmp_path)
    outputs = []
    for batch_size in (1, 7, 500):
        out = tmp_path / f"out{batch_size}"
        replay([("generic", feed)], out, CTX, None, say=lambda _: None, batch_size=batch_size)
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1] == outputs[2]
    exposure = outputs[0]["exposure.jsonl"].splitlines()
    assert len(exposure) > 50
    lines = [json.loads(x) for x in exposure if b'"exposure.line"' in x]
    assert any(x["open_stake"] > 0 and x["selections"] for x in lines)
    finals = _final(exposure)
    assert any(v["type"] == "exposure.line" for v in finals.values())
    assert any(v["type"] == "exposure.event" and v["worst_case"] != 0 for v in finals.values())
    summary = json.loads(outputs[0]["summary.json"])
    assert summary["outputs"]["exposure"] == len(exposure)


@pytest.mark.kafka
@pytest.mark.slow
@pytest.mark.parametrize(("partitions", "workers"), [(1, 1), (3, 2)])
def test_flow_final_exposures_equal_the_replay(
    tmp_path: Path, dev_services: DevServices, partitions: int, workers: int
) -> None:
    feed = _feed(tmp_path)
    reference = tmp_path / "replayed"
    replay([("generic", feed)], reference, CTX, None, say=lambda _: None)
    expected = _final((reference / "exposure.jsonl").read_bytes().splitlines())

    url = dev_services.redis_url.rsplit("/", 1)[0] + "/6"
    redis.Redis.from_url(url).flushdb()
    dep = Deployment(
        tmp_path / "kafka", dev_services.kafka_bootstrap, url, f"r{uuid.uuid4().hex[:8]}."
    )
    raw = f"{dep.prefix}raw.generic"
    ensure_topics(dep.bootstrap, [raw], partitions=partitions)
    producer = Producer({"bootstrap.servers": dep.bootstrap, "enable.idempotence": True})
    for line in feed.read_bytes().splitlines():
        producer.produce(raw, line, message_key("generic", line))
    assert producer.flush(30) == 0
    done = dep.cli("run", "--stop-at-end", "--epoch-seconds", "0.5", "--workers", str(workers))
    assert done.returncode == 0, done.stderr
    got = _final([v for _, v in consume_all(dep.bootstrap, f"{dep.prefix}exposure")])
    assert got == expected
