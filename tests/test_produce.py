"""``wagerflow produce``: one entity per message, keyed by it, stamped with the feed's own time
on request — checked by reading the topic back from the real broker."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from wagerflow.commands.produce import one_entity_each, produce_files
from wagerflow.devenv.services import DevServices

pytestmark = pytest.mark.kafka

LINE: dict[str, Any] = {
    "op": "mcm",
    "clk": "AAB",
    "pt": 1650392673420,
    "mc": [
        {"id": "1.1", "rc": [{"id": 7, "ltp": 2.5}]},
        {"id": "1.2", "rc": [{"id": 8, "ltp": 3.5}]},
    ],
}


def test_a_betfair_line_of_two_markets_becomes_two_lines_of_one_market() -> None:
    parts = [json.loads(p) for p in one_entity_each("betfair", json.dumps(LINE).encode())]
    assert [p["mc"] for p in parts] == [[LINE["mc"][0]], [LINE["mc"][1]]]
    assert {(p["op"], p["clk"], p["pt"]) for p in parts} == {("mcm", "AAB", 1650392673420)}
    assert one_entity_each("betfair", b"not json") == [b"not json"]
    assert one_entity_each("uof", b"<alive/>") == [b"<alive/>"]


def _read(bootstrap: str, topic: str, count: int) -> list[tuple[bytes | None, int, bytes]]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"t-{uuid.uuid4()}"})
    consumer.assign([TopicPartition(topic, 0, 0)])
    out: list[tuple[bytes | None, int, bytes]] = []
    while len(out) < count:
        msg = consumer.poll(10)
        assert msg is not None, "timed out reading the topic back"
        assert not msg.error()
        out.append((msg.key(), msg.timestamp()[1], msg.value() or b""))
    consumer.close()
    return out


@pytest.mark.parametrize("feed_time", [True, False])
def test_produce_keys_each_market_and_stamps_the_feed_time_on_request(
    tmp_path: Path, dev_services: DevServices, feed_time: bool
) -> None:
    feed = tmp_path / "feed"
    feed.write_bytes(json.dumps(LINE).encode() + b"\n")
    topic = f"raw.betfair.{uuid.uuid4().hex[:8]}"
    bootstrap = dev_services.kafka_bootstrap
    assert produce_files(bootstrap, topic, "betfair", [feed], feed_time=feed_time) == 2
    read = _read(bootstrap, topic, 2)
    assert [key for key, _, _ in read] == [b"1.1", b"1.2"]
    stamps = {stamp for _, stamp, _ in read}
    if feed_time:
        assert stamps == {1650392673420}
    else:
        assert all(stamp > 1650392673420 + 365 * 86_400_000 for stamp in stamps)
