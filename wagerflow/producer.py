"""Send recorded raw feed lines to a raw topic, keyed by the provider's natural id."""

from __future__ import annotations

from pathlib import Path

import msgspec
from confluent_kafka import Producer

from connectors.file_source import open_feed
from connectors.kafka_admin import ensure_topics


class _KeyProbe(msgspec.Struct):
    mc: list[dict[str, object]] = []


_PROBE = msgspec.json.Decoder(_KeyProbe)


def betfair_key(raw: bytes) -> bytes | None:
    """The market id of a Betfair line (its first market change), or None if it has none."""
    try:
        changes = _PROBE.decode(raw).mc
    except msgspec.DecodeError:
        return None
    market = changes[0].get("id") if changes else None
    return market.encode() if isinstance(market, str) else None


def produce_files(bootstrap: str, topic: str, files: list[Path]) -> int:
    ensure_topics(bootstrap, [topic])
    producer = Producer(
        {"bootstrap.servers": bootstrap, "linger.ms": 20, "enable.idempotence": True}
    )
    count = 0
    for path in files:
        with open_feed(path) as f:
            for line in f:
                line = line.rstrip(b"\r\n")
                if not line:
                    continue
                while True:
                    try:
                        producer.produce(topic, line, betfair_key(line))
                        break
                    except BufferError:
                        producer.poll(0.1)
                count += 1
    if producer.flush(30) > 0:
        msg = f"{topic}: some messages were not delivered within 30 s"
        raise RuntimeError(msg)
    return count
