"""Kafka reachability and topic management (the only place that talks to the admin API).

librdkafka's own log lines go through the ``wagerflow.kafka`` logger (``KAFKA_LOGGER``), never
raw to stderr ahead of our one-line error.
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from wagerflow.errors import ServiceUnavailable
from wagerflow.topics import TopicSpec

_HINT = "start a local broker with `wagerflow dev up`, or set KAFKA_BOOTSTRAP_SERVERS"
KAFKA_LOGGER = logging.getLogger("wagerflow.kafka")
"""Where every client's librdkafka log is routed (its ``logger`` setting)."""


def admin(bootstrap: str, timeout_s: float = 5.0) -> AdminClient:
    """An admin client for a broker known to answer; ``ServiceUnavailable`` otherwise."""
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "socket.connection.setup.timeout.ms": 3000,
        "logger": KAFKA_LOGGER,
    }
    client = AdminClient(config)
    try:
        client.list_topics(timeout=timeout_s)
    except KafkaException as exc:
        raise ServiceUnavailable("Kafka", bootstrap, _HINT) from exc
    return client


def create_topics(bootstrap: str, specs: list[TopicSpec]) -> list[str]:
    """Create the topics of ``specs`` that do not exist yet (existing ones are left as they
    are); return the names created."""
    client = admin(bootstrap)
    existing = set(client.list_topics(timeout=10).topics)
    missing = [
        NewTopic(s.name, num_partitions=s.partitions, replication_factor=-1, config=s.config)
        for s in specs
        if s.name not in existing
    ]
    if not missing:
        return []
    for topic, future in client.create_topics(missing).items():
        try:
            future.result(timeout=30)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                msg = f"could not create Kafka topic {topic}: {exc}"
                raise RuntimeError(msg) from exc
    return [t.topic for t in missing]


def ensure_topics(
    bootstrap: str, topics: list[str], partitions: int = 1, compacted: frozenset[str] = frozenset()
) -> None:
    """Create the named topics that do not exist yet, with default settings (tests and tools;
    the flow creates its topics from ``Topics.table``)."""
    create_topics(bootstrap, [TopicSpec(t, partitions, compacted=t in compacted) for t in topics])


def partition_count(bootstrap: str, topic: str) -> int:
    """Number of partitions of an existing topic (0 when the topic does not exist)."""
    meta = admin(bootstrap).list_topics(topic=topic, timeout=10)
    info = meta.topics.get(topic)
    if info is None or info.error is not None:
        return 0
    return len(info.partitions)
