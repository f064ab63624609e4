"""The risk layer end to end: replays are deterministic whatever the batching, and the flow on
the real broker reaches the same final exposures whatever the partition and worker counts."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import redis
from confluent_kafka import Producer

from tests.flowproc import Deployment, consume_all, final_exposures
from wagerflow.adapters.registry import identify
from wagerflow.commands.produce import message_key
from wagerflow.commands.replay import replay
from wagerflow.connectors.kafka_admin import ensure_topics
from wagerflow.devenv.services import DevServices
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.samples import generic as generic_samples

CTX = NormalizeContext("t1", "GBP")


def _feed(tmp: Path) -> Path:
    path = tmp / "generic.lines"
    lines = generic_samples.generic_lines(11, 6)
    cut = len(lines) * 3 // 5  # stop mid-stream: some bets are still open at the end
    path.write_bytes(b"\n".join(lines[:cut]) + b"\n")
    return path


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
    finals = final_exposures(exposure)
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
    expected = final_exposures((reference / "exposure.jsonl").read_bytes().splitlines())

    url = dev_services.redis_url.rsplit("/", 1)[0] + "/6"
    redis.Redis.from_url(url).flushdb()
    dep = Deployment(
        tmp_path / "kafka", dev_services.kafka_bootstrap, url, f"r{uuid.uuid4().hex[:8]}."
    )
    raw = f"{dep.prefix}raw.generic"
    ensure_topics(dep.bootstrap, [raw], partitions=partitions)
    producer = Producer({"bootstrap.servers": dep.bootstrap, "enable.idempotence": True})
    for line in feed.read_bytes().splitlines():
        # received at the message's own time, as the replay assumes: no data lag either way
        at = identify("generic", line).time_ms
        producer.produce(raw, line, message_key("generic", line), timestamp=at)
    assert producer.flush(30) == 0
    done = dep.cli("run", "--stop-at-end", "--epoch-seconds", "0.5", "--workers", str(workers))
    assert done.returncode == 0, done.stderr
    got = final_exposures([v for _, v in consume_all(dep.bootstrap, f"{dep.prefix}exposure")])
    assert got == expected
    commands = {
        json.loads(v)["command_id"]
        for _, v in consume_all(dep.bootstrap, f"{dep.prefix}market.control")
    }
    replayed = {
        json.loads(x)["command_id"]
        for x in (reference / "market.control.jsonl").read_bytes().splitlines()
    }
    assert replayed and commands == replayed
