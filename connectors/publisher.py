"""Publish one record at a time, confirmed: for commands issued outside the flow (the risk
board's manual suspend and resume).

``KafkaPublisher.send`` returns only once the broker has acknowledged the record (idempotent
producer, ``acks=all``) and raises ``PublishFailed`` otherwise, so a caller never reports a
command as sent that was not. ``FilePublisher`` appends to ``DIR/<topic>.jsonl``, the files the
demo's flow writes instead of topics (the demo has no broker).
"""

from __future__ import annotations

import threading
from pathlib import Path

from confluent_kafka import KafkaError, Message, Producer

from wagerflow.schemas.records import OutRecord


class PublishFailed(RuntimeError):
    pass


class KafkaPublisher:
    def __init__(self, bootstrap: str, timeout_s: float = 10.0) -> None:
        self.where = f"Kafka {bootstrap}"
        self._timeout_s = timeout_s
        self._producer = Producer(
            {"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 0}
        )
        self._lock = threading.Lock()

    def send(self, record: OutRecord) -> None:
        outcome: list[KafkaError | None] = []

        def delivered(err: KafkaError | None, _msg: Message) -> None:
            outcome.append(err)

        with self._lock:
            self._producer.produce(record.topic, record.value, record.key, on_delivery=delivered)
            self._producer.flush(self._timeout_s)
        if not outcome:
            msg = f"{self.where} did not acknowledge within {self._timeout_s:.0f}s"
            raise PublishFailed(msg)
        if outcome[0] is not None:
            msg = f"{self.where} refused the record: {outcome[0]}"
            raise PublishFailed(msg)

    def close(self) -> None:
        self._producer.flush(self._timeout_s)


class FilePublisher:
    def __init__(self, directory: Path, label: str | None = None) -> None:
        self.where = label or f"files in {directory}"
        self._dir = directory
        self._lock = threading.Lock()

    def send(self, record: OutRecord) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        with self._lock, (self._dir / f"{record.topic}.jsonl").open("ab") as f:
            f.write(record.value + b"\n")

    def close(self) -> None:
        return None
