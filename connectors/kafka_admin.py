"""Kafka reachability and topic management (the only place that talks to the admin API)."""

from __future__ import annotations

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from wagerflow.errors import ServiceUnavailable

_HINT = "start a local broker with `wagerflow dev up`, or set KAFKA_BOOTSTRAP_SERVERS"


def admin(bootstrap: str, timeout_s: float = 5.0) -> AdminClient:
    """An admin client for a broker known to answer; ``ServiceUnavailable`` otherwise."""
    client = AdminClient(
        {"bootstrap.servers": bootstrap, "socket.connection.setup.timeout.ms": 3000}
    )
    try:
        client.list_topics(timeout=timeout_s)
    except KafkaException as exc:
        raise ServiceUnavailable("Kafka", bootstrap, _HINT) from exc
    return client


def ensure_topics(
    bootstrap: str, topics: list[str], partitions: int = 1, compacted: frozenset[str] = frozenset()
) -> None:
    """Create the topics that do not exist yet (existing ones are left as they are)."""
    client = admin(bootstrap)
    existing = set(client.list_topics(timeout=10).topics)
    missing = [
        NewTopic(
            t,
            num_partitions=partitions,
            replication_factor=-1,
            config={"cleanup.policy": "compact"} if t in compacted else {},
        )
        for t in topics
        if t not in existing
    ]
    if not missing:
        return
    for topic, future in client.create_topics(missing).items():
        try:
            future.result(timeout=30)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                msg = f"could not create Kafka topic {topic}: {exc}"
                raise RuntimeError(msg) from exc


def partition_count(bootstrap: str, topic: str) -> int:
    """Number of partitions of an existing topic (0 when the topic does not exist)."""
    meta = admin(bootstrap).list_topics(topic=topic, timeout=10)
    info = meta.topics.get(topic)
    if info is None or info.error is not None:
        return 0
    return len(info.partitions)
