"""Sinks as the operator sees them: each sink of the flow wrapped to count its writes and
failures, time its batches and snapshots, report its queue depth and retry count (read from a
ClickHouse writer), and tell ``Health`` an epoch closed. Retrying while a service is away is the
connectors' own job (``connectors.redis_scripts.run_batch``, ``connectors.clickhouse_writer``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition

from wagerflow import metrics

log = logging.getLogger("wagerflow.sink")


class _Partition(StatefulSinkPartition[Any, Any]):
    def __init__(
        self,
        inner: StatefulSinkPartition[Any, Any],
        name: str,
        progressed: Callable[[], None],
    ) -> None:
        self._inner = inner
        self._name = name
        self._progressed = progressed
        self._writes = metrics.SINK_WRITES.labels(name)
        self._seconds = metrics.SINK_WRITE_SECONDS.labels(name)
        self._seen_retries = 0

    def write_batch(self, values: list[Any]) -> None:
        started = time.perf_counter()
        try:
            self._inner.write_batch(values)
        except Exception:
            metrics.SINK_FAILURES.labels(self._name).inc()
            raise
        self._seconds.observe(time.perf_counter() - started)
        if values:
            self._writes.inc(len(values))
        self._observe_writer()

    def _observe_writer(self) -> None:
        writer = getattr(self._inner, "writer", None)
        if writer is None:
            return
        metrics.SINK_QUEUE_DEPTH.labels(self._name).set(writer.buffered_rows)
        retries = int(writer.retries)
        if retries > self._seen_retries:
            metrics.SINK_RETRIES.labels(self._name).inc(retries - self._seen_retries)
            self._seen_retries = retries

    def snapshot(self) -> Any:
        with metrics.SNAPSHOT_SECONDS.labels(self._name).time():
            state = self._inner.snapshot()
        self._observe_writer()
        self._progressed()
        return state

    def close(self) -> None:
        self._inner.close()


class InstrumentedSink(FixedPartitionedSink[Any, Any]):
    """``inner`` with metrics under ``name``."""

    def __init__(
        self,
        inner: FixedPartitionedSink[Any, Any],
        name: str,
        *,
        progressed: Callable[[], None] = lambda: None,
    ) -> None:
        self._inner = inner
        self._name = name
        self._progressed = progressed
        metrics.SINK_QUEUE_DEPTH.labels(name).set(0)
        for counter in (metrics.SINK_WRITES, metrics.SINK_RETRIES, metrics.SINK_FAILURES):
            counter.labels(name)

    def list_parts(self) -> list[str]:
        return self._inner.list_parts()

    def part_fn(self, item_key: str) -> int:
        return self._inner.part_fn(item_key)

    def build_part(self, step_id: str, for_part: str, resume_state: Any) -> _Partition:
        inner = self._inner.build_part(step_id, for_part, resume_state)
        return _Partition(inner, self._name, self._progressed)
