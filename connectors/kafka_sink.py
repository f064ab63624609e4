"""A Kafka sink that keeps per-message topics and keys, never flushes per batch, and pushes back
on a full producer queue instead of crashing.

Delivery contract: records written in an epoch are flushed in ``snapshot()``, which Bytewax calls
before it commits that epoch's recovery snapshot, so a committed epoch never has undelivered
output (at-least-once; downstream effects are idempotent by dedup key).
"""

from __future__ import annotations

from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition
from confluent_kafka import KafkaError, Message, Producer

from wagerflow.schemas.records import OutRecord


class DeliveryFailed(RuntimeError):
    """The broker did not accept a record; the flow stops rather than lose it."""


class _ProducerPartition(StatefulSinkPartition[OutRecord, None]):
    def __init__(self, bootstrap: str) -> None:
        self._producer = Producer(
            {
                "bootstrap.servers": bootstrap,
                "linger.ms": 5,  # the latency a batch may wait to fill; epochs flush anyway
                "compression.type": "lz4",
                "enable.idempotence": True,
            }
        )
        self._failure: KafkaError | None = None

    def _on_delivery(self, err: KafkaError | None, _msg: Message) -> None:
        if err is not None and self._failure is None:
            self._failure = err

    def write_batch(self, values: list[OutRecord]) -> None:
        produce = self._producer.produce
        for rec in values:
            while True:
                try:
                    produce(rec.topic, rec.value, rec.key, on_delivery=self._on_delivery)
                    break
                except BufferError:
                    self._producer.poll(0.1)  # back-pressure: wait for the queue to drain
        self._producer.poll(0)
        self._raise_on_failure()

    def _raise_on_failure(self) -> None:
        if self._failure is not None:
            msg = f"Kafka delivery failed: {self._failure}"
            raise DeliveryFailed(msg)

    def snapshot(self) -> None:
        while self._producer.flush(5.0) > 0:
            self._raise_on_failure()
        self._raise_on_failure()

    def close(self) -> None:
        self._producer.flush(30.0)


class KafkaSink(FixedPartitionedSink[OutRecord, None]):
    """Items are ``(routing_key, OutRecord)``; one producer serves the whole flow."""

    def __init__(self, bootstrap: str) -> None:
        self._bootstrap = bootstrap

    def list_parts(self) -> list[str]:
        return ["producer"]

    def part_fn(self, item_key: str) -> int:
        return 0

    def build_part(self, step_id: str, for_part: str, resume_state: None) -> _ProducerPartition:
        return _ProducerPartition(self._bootstrap)
