"""Helpers for tests that run wagerflow as a real process against real services."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from wagerflow.schemas.risk import RISK_DECODER, record_key

WAGERFLOW = [sys.executable, "-m", "wagerflow.cli"]


@dataclass(frozen=True)
class Deployment:
    """One isolated wagerflow deployment: its own home, topic prefix, Redis db and ClickHouse."""

    home: Path
    bootstrap: str
    redis_url: str
    prefix: str
    tenant: str = "t1"
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            WAGERFLOW_HOME=str(self.home),
            KAFKA_BOOTSTRAP_SERVERS=self.bootstrap,
            REDIS_URL=self.redis_url,
            WAGERFLOW_CLICKHOUSE_DSN=f"chdb://{self.home / 'clickhouse'}",
            WAGERFLOW_TENANT=self.tenant,
            WAGERFLOW_TOPIC_PREFIX=self.prefix,
            WAGERFLOW_ENV="dev",
        )
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*WAGERFLOW, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*WAGERFLOW, *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def sql(self, query: str) -> list[dict[str, Any]]:
        done = self.cli("sql", query)
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]


def consume_all(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes]]:
    """Every message of every partition of ``topic``, from the beginning to the current end."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "tests",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    meta = consumer.list_topics(topic, timeout=10).topics[topic]
    parts = [TopicPartition(topic, p, 0) for p in meta.partitions]
    ends = {p.partition: consumer.get_watermark_offsets(p, timeout=10)[1] for p in parts}
    consumer.assign(parts)
    out: list[tuple[bytes | None, bytes]] = []
    pending = {p for p, end in ends.items() if end > 0}
    while pending:
        msg = consumer.poll(5)
        assert msg is not None, f"timed out reading {topic}"
        part = msg.partition()
        assert part is not None
        if msg.error():
            pending.discard(part)
            continue
        out.append((msg.key(), msg.value() or b""))
        if (msg.offset() or 0) + 1 >= ends[part]:
            pending.discard(part)
    consumer.close()
    return out


def final_exposures(records: list[bytes]) -> dict[str, dict[str, Any]]:
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
