"""Send recorded raw feed lines to a raw topic, keyed by the entity that must stay ordered."""

from __future__ import annotations

from pathlib import Path

from confluent_kafka import Producer

from wagerflow.adapters.registry import identify
from wagerflow.connectors.file_source import read_messages
from wagerflow.connectors.kafka_admin import ensure_topics


def message_key(provider: str, raw: bytes) -> bytes | None:
    """The partition key of a raw message: the entity whose order must be kept; None if the
    message does not decode."""
    entity = identify(provider, raw).entity
    return None if entity is None else entity.encode()


def produce_files(bootstrap: str, topic: str, provider: str, files: list[Path]) -> int:
    ensure_topics(bootstrap, [topic])
    producer = Producer(
        {"bootstrap.servers": bootstrap, "linger.ms": 20, "enable.idempotence": True}
    )
    count = 0
    for path in files:
        for _, message in read_messages(path):
            while True:
                try:
                    producer.produce(topic, message, message_key(provider, message))
                    break
                except BufferError:
                    producer.poll(0.1)
            count += 1
    if producer.flush(30) > 0:
        msg = f"{topic}: some messages were not delivered within 30 s"
        raise RuntimeError(msg)
    return count
