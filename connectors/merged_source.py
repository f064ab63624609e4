"""Several recorded feeds merged into one ordered stream by the messages' own timestamps.

One partition, so every downstream step sees the same order whatever the batching or the
number of workers: a backtest is deterministic. Consecutive messages of one provider travel
as one ``RawBatch``; the resume state is the index of the next message.
"""

from __future__ import annotations

from typing import NamedTuple

from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition

from wagerflow.schemas.records import RawBatch


class TimedMessage(NamedTuple):
    time_ms: int
    provider: str
    topic: str
    offset: int
    value: bytes


class _MergedPartition(StatefulSourcePartition[RawBatch, int]):
    def __init__(self, messages: list[TimedMessage], start: int, batch_size: int) -> None:
        self._messages = messages
        self._next = start
        self._batch_size = batch_size

    def next_batch(self) -> list[RawBatch]:
        if self._next >= len(self._messages):
            raise StopIteration
        first = self._messages[self._next]
        batch = RawBatch(first.provider, first.topic, 0, [], [])
        while (
            self._next < len(self._messages)
            and len(batch.values) < self._batch_size
            and self._messages[self._next].provider == first.provider
            and self._messages[self._next].topic == first.topic
        ):
            message = self._messages[self._next]
            batch.offsets.append(message.offset)
            batch.values.append(message.value)
            self._next += 1
        return [batch]

    def snapshot(self) -> int:
        return self._next


class MergedSource(FixedPartitionedSource[RawBatch, int]):
    """``messages`` must already be in the order to replay (see ``wagerflow.replay``)."""

    def __init__(self, messages: list[TimedMessage], batch_size: int = 500) -> None:
        self._messages = messages
        self._batch_size = batch_size

    def list_parts(self) -> list[str]:
        return ["merged"]

    def build_part(self, step_id: str, for_part: str, resume_state: int | None) -> _MergedPartition:
        return _MergedPartition(self._messages, resume_state or 0, self._batch_size)
