"""``AnalyticsSink``: a Bytewax sink of ``(table, row)`` items to many ClickHouse tables.

Rows are buffered per table and inserted by a ``TableWriter`` (``clickhouse_writer``: blocks,
idempotent tokens, retries, back-pressure), and at ``close()``. At ``snapshot()`` (the end of an
epoch) the sink inserts only what is due and returns the rows not yet acknowledged as its
recovery state: a restart re-buffers them, so a short epoch costs no insert on the dataflow's
path, and a crash loses nothing (the rows are idempotent: re-inserting one that was stored
changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition

from wagerflow.connectors.backoff import Backoff
from wagerflow.connectors.clickhouse_client import connect, redacted
from wagerflow.connectors.clickhouse_writer import Inserter, TableWriter
from wagerflow.schemas.tables import Row, TableSpec

Pending = dict[str, list[Row]]


class _AnalyticsPartition(StatefulSinkPartition[tuple[str, Row], Pending | None]):
    def __init__(self, writer: TableWriter, resume: Pending | None) -> None:
        self.writer = writer
        for table, rows in (resume or {}).items():
            writer.add(table, rows)

    def write_batch(self, values: list[tuple[str, Row]]) -> None:
        by_table: dict[str, list[Row]] = {}
        for table, row in values:
            by_table.setdefault(table, []).append(row)
        for table, rows in by_table.items():
            self.writer.add(table, rows)
        if not values:
            self.writer.flush_due()

    def snapshot(self) -> Pending | None:
        self.writer.flush_due()
        return self.writer.pending() or None

    def close(self) -> None:
        self.writer.close()


class AnalyticsSink(FixedPartitionedSink[tuple[str, Row], Pending | None]):
    """Writes rows to many tables. Items: ``(key, (table, row))``, ``row`` in the column order
    of ``tables[table]`` (``wagerflow.analytics.rows`` builds them: ``keyed_rows``). One
    partition, so one writer and one connection (the embedded engine allows no more).

    ``max_rows``: rows per insert at most; ``flush_interval_s``: how long a row may wait before
    its table is inserted; ``max_buffered_rows``: rows waiting (over all tables) before the sink
    blocks the dataflow; ``backoff``: the retry schedule. ``connect``: how to get a client
    (default: ``connect(dsn, database)``; tests pass failing clients)."""

    def __init__(
        self,
        dsn: str,
        database: str,
        tables: Mapping[str, TableSpec],
        *,
        max_rows: int = 20_000,
        flush_interval_s: float = 1.0,
        max_buffered_rows: int = 200_000,
        backoff: Backoff | None = None,
        connect: Callable[[], Inserter] | None = None,
    ) -> None:
        self._dsn = dsn
        self._database = database
        self._tables = dict(tables)
        self._max_rows = max_rows
        self._interval = flush_interval_s
        self._max_buffered = max_buffered_rows
        self._backoff = backoff
        self._connect = connect

    def writer(self) -> TableWriter:
        """A writer with this sink's configuration (what each partition uses)."""
        dsn, database = self._dsn, self._database
        return TableWriter(
            self._connect or (lambda: connect(dsn, database)),
            self._tables,
            max_rows=self._max_rows,
            flush_interval_s=self._interval,
            max_buffered_rows=self._max_buffered,
            backoff=self._backoff,
            address=redacted(dsn),
        )

    def list_parts(self) -> list[str]:
        return ["clickhouse-analytics"]

    def part_fn(self, item_key: str) -> int:
        return 0

    def build_part(
        self, step_id: str, for_part: str, resume_state: Pending | None
    ) -> _AnalyticsPartition:
        return _AnalyticsPartition(self.writer(), resume_state)
