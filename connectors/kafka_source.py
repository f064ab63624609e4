"""A partitioned Kafka source that hands the flow whole consumed batches.

Offsets live in Bytewax's recovery store (the resume state of each partition is the next offset
to read). The same offset is committed to the consumer group ``wagerflow-<step>`` at each
epoch's snapshot, so external lag exporters (``kafka-consumer-groups.sh --describe``, Burrow,
Strimzi's) see how far the flow is; the flow never reads the group's offsets back. Each
``next_batch`` returns at most one ``RawBatch`` built straight from ``consumer.consume()`` with no
per-message wrapper objects.

``SourceHooks`` lets the caller observe the lag of each partition (high watermark - next offset,
after every read), be told of every snapshot, and pause a provider's partitions (the DLQ brake).

With ``stop_at_end`` each partition stops at the end offset it sees (replays, tests, backfills);
otherwise it tails the topic forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from wagerflow.connectors.kafka_admin import KAFKA_LOGGER, partition_count
from wagerflow.schemas.records import RawBatch


def _never(_provider: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class SourceHooks:
    lag: Callable[[str, str, int, int], None] | None = None
    """``(provider, topic, partition, lag)`` after each read."""
    snapshot: Callable[[], None] | None = None
    """Called at each partition's snapshot (the end of an epoch)."""
    paused: Callable[[str], bool] = _never
    """True: do not read this provider now."""


class _KafkaPartition(StatefulSourcePartition[RawBatch, int]):
    def __init__(
        self,
        consumer: Consumer,
        provider: str,
        topic: str,
        partition: int,
        start: int,
        batch_size: int,
        stop_at_end: bool,
        hooks: SourceHooks,
    ) -> None:
        self._hooks = hooks
        self._consumer = consumer
        self._provider = provider
        self._topic = topic
        self._partition = partition
        self._next = start
        self._batch_size = batch_size
        self._stop_at_end = stop_at_end
        self._at_end = False
        consumer.assign([TopicPartition(topic, partition, start)])

    def next_batch(self) -> list[RawBatch]:
        if self._at_end:
            raise StopIteration
        if self._hooks.paused(self._provider):
            return []
        # a short wait: Bytewax polls every partition in turn, so a long one delays the others
        msgs = self._consumer.consume(self._batch_size, 0.001)
        offsets: list[int] = []
        values: list[bytes] = []
        stamps: list[int] = []
        headers: list[list[tuple[str, bytes | None]] | None] = []
        any_headers = False
        for m in msgs:
            err = m.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    self._at_end = self._stop_at_end
                    continue
                raise KafkaException(err)
            offsets.append(m.offset() or 0)
            values.append(m.value() or b"")
            stamps.append(m.timestamp()[1] or 0)
            h = cast("list[tuple[str, bytes | None]] | None", m.headers())
            headers.append(h)
            any_headers = any_headers or h is not None
        if offsets:
            self._next = offsets[-1] + 1
        if self._hooks.lag is not None:
            self._report_lag()
        if not offsets:
            return []
        return [
            RawBatch(
                self._provider,
                self._topic,
                self._partition,
                offsets,
                values,
                stamps,
                headers if any_headers else None,
            )
        ]

    def _report_lag(self) -> None:
        assert self._hooks.lag is not None
        tp = TopicPartition(self._topic, self._partition)
        low, high = self._consumer.get_watermark_offsets(tp, cached=True)
        if high is None or high < 0:
            return
        position = self._next if self._next >= 0 else max(low or 0, 0)
        self._hooks.lag(self._provider, self._topic, self._partition, max(0, high - position))

    def snapshot(self) -> int:
        if self._next >= 0:  # OFFSET_BEGINNING (-2) until the first message is read
            self._consumer.commit(
                offsets=[TopicPartition(self._topic, self._partition, self._next)],
                asynchronous=True,
            )
        if self._hooks.snapshot is not None:
            self._hooks.snapshot()
        return self._next

    def close(self) -> None:
        self._consumer.close()


class KafkaSource(FixedPartitionedSource[RawBatch, int]):
    """Reads every partition of each raw topic (``topic -> provider``); one Bytewax partition
    per Kafka partition."""

    def __init__(
        self,
        bootstrap: str,
        topics: dict[str, str],
        *,
        batch_size: int = 2000,
        stop_at_end: bool = False,
        hooks: SourceHooks | None = None,
    ) -> None:
        self._hooks = hooks or SourceHooks()
        self._bootstrap = bootstrap
        self._topics = topics
        self._batch_size = batch_size
        self._stop_at_end = stop_at_end

    def list_parts(self) -> list[str]:
        parts: list[str] = []
        for topic in self._topics:
            count = partition_count(self._bootstrap, topic)
            if count == 0:
                msg = f"Kafka topic {topic!r} does not exist at {self._bootstrap}"
                raise RuntimeError(msg)
            parts.extend(f"{i}-{topic}" for i in range(count))
        return parts

    def build_part(self, step_id: str, for_part: str, resume_state: int | None) -> _KafkaPartition:
        index, topic = for_part.split("-", 1)
        consumer = Consumer(
            {
                "bootstrap.servers": self._bootstrap,
                "group.id": f"wagerflow-{step_id}",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "fetch.wait.max.ms": 10,
                "logger": KAFKA_LOGGER,
            }
        )
        start = OFFSET_BEGINNING if resume_state is None else resume_state
        return _KafkaPartition(
            consumer,
            self._topics[topic],
            topic,
            int(index),
            start,
            self._batch_size,
            self._stop_at_end,
            self._hooks,
        )
