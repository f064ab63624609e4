"""Inserting rows into ClickHouse tables: blocks, retries, back-pressure (``TableWriter``).

Inserts are idempotent: each block carries an ``insert_deduplication_token`` derived from the
identities of its rows, so a replayed identical block (a retry after an ambiguous error, or a
re-run that cut the same rows) is dropped by the server, in the table and, with
``deduplicate_blocks_in_dependent_materialized_views``, in its materialized views; tables keep the
tokens of their last inserts (``non_replicated_deduplication_window`` in the DDL). Tables are
``ReplacingMergeTree`` keyed by the row's identity, so a replay cut into different blocks still
collapses to one row (read with ``FINAL``); the views in ``sql/0003`` stay exact under it.
``async_insert`` is off: the writer itself batches, and a synchronous insert is what makes a
flushed epoch durable.

Rows are buffered per table and inserted about once a second per table (``flush_interval_s``)
or every ``max_rows`` rows. A ClickHouse error is retried with exponential backoff while rows
keep being buffered; once ``max_buffered_rows`` are waiting (and at ``flush_all``, as at
``close``) the writer blocks until the inserts succeed, which stops the dataflow:
back-pressure, never a dropped row. A sealed block keeps its rows and token across retries, so
an insert that failed after the server stored it is not stored twice. Errors that no retry can
fix (an unknown table or column, a value of the wrong type) raise at once: the flow stops, and
after the fix a restart replays from the last snapshot.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Protocol

from clickhouse_connect.driver.exceptions import (
    ClickHouseError,
    DataError,
    InterfaceError,
    NotSupportedError,
    ProgrammingError,
)

from wagerflow.connectors.backoff import Backoff
from wagerflow.connectors.clickhouse_client import INSERT_SETTINGS
from wagerflow.errors import ServiceUnavailable
from wagerflow.schemas.tables import Row, TableSpec

log = logging.getLogger(__name__)


def dedup_token(table: str, rows: Sequence[Row], key_columns: Sequence[int]) -> str:
    """A deterministic token for a block: the same rows (as identified by their key columns,
    e.g. the event's dedup key and version) in the same order give the same token."""
    digest = hashlib.sha256(table.encode())
    if len(key_columns) == 1:
        (only,) = key_columns
        parts = [str(row[only]) for row in rows]
    else:
        get = itemgetter(*key_columns)
        parts = ["\x1f".join(map(str, get(row))) for row in rows]
    if parts:  # row keys joined by 0x1f, each row ended by 0x1e: one update, same digest
        digest.update(("\x1e".join(parts) + "\x1e").encode())
    return digest.hexdigest()


class Inserter(Protocol):
    """What the sink needs of a client (a clickhouse-connect ``Client`` is one)."""

    def insert(
        self,
        table: str,
        data: Sequence[Sequence[Any]],
        *,
        column_names: Sequence[str],
        settings: dict[str, Any] | None = None,
    ) -> Any: ...

    def close(self) -> None: ...


PERMANENT_CODES = frozenset(
    {
        6, 16, 20, 26, 27, 38, 41, 43, 44, 47, 48, 53, 60, 62, 69, 70, 72, 81, 115, 117,
        164, 192, 193, 194, 497, 516,
    }
)  # fmt: skip
"""ClickHouse error codes no retry can fix: parse and type errors, unknown table, column,
database or setting, syntax, readonly, access and authentication."""


def retryable(exc: BaseException) -> bool:
    """Whether an insert that raised ``exc`` may succeed later (an outage, an overloaded or
    restarting server), as opposed to a mistake in the schema or the rows."""
    if isinstance(exc, ServiceUnavailable):
        return True
    if not isinstance(exc, ClickHouseError):
        return False
    code = getattr(exc, "code", None)
    if code is not None:
        return code not in PERMANENT_CODES
    return not isinstance(exc, ProgrammingError | DataError | NotSupportedError | InterfaceError)


@dataclass(slots=True)
class _Block:
    table: str
    rows: list[Row]
    token: str


class TableWriter:
    """Buffers rows per table and inserts them in blocks, with retries and back-pressure (see
    the module docstring). ``connect`` is called (again, after a failure to connect) when a
    client is needed. ``clock`` and ``sleep`` are for tests."""

    def __init__(
        self,
        connect: Callable[[], Inserter],
        tables: Mapping[str, TableSpec],
        *,
        max_rows: int = 20_000,
        flush_interval_s: float = 1.0,
        max_buffered_rows: int = 200_000,
        backoff: Backoff | None = None,
        address: str = "ClickHouse",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_rows < 1 or max_buffered_rows < max_rows:
            msg = "need 1 <= max_rows <= max_buffered_rows"
            raise ValueError(msg)
        self._connect = connect
        self._tables = dict(tables)
        self._keys = {name: spec.key_indexes for name, spec in self._tables.items()}
        self._max_rows = max_rows
        self._interval = flush_interval_s
        self._max_buffered = max_buffered_rows
        self._backoff = backoff or Backoff()
        self._address = address
        self._clock = clock
        self._sleep = sleep
        self._client: Inserter | None = None
        self._open: dict[str, list[Row]] = {}
        self._opened_at: dict[str, float] = {}
        self._sealed: deque[_Block] = deque()
        self._buffered = 0
        self._failures = 0
        self._failing_since: float | None = None
        self._retry_at = 0.0
        self.inserts = 0
        """Blocks inserted (for tests and metrics)."""
        self.retries = 0
        """Failed insert attempts that will be retried."""

    @property
    def buffered_rows(self) -> int:
        """Rows accepted and not yet acknowledged by ClickHouse."""
        return self._buffered

    def add(self, table: str, rows: Sequence[Row]) -> None:
        """Buffer ``rows`` for ``table``; insert what is due without waiting, and wait (retrying)
        while more than ``max_buffered_rows`` rows are waiting."""
        if table not in self._tables:
            msg = f"no table {table!r} in this sink (known: {sorted(self._tables)})"
            raise KeyError(msg)
        if not rows:
            return
        buf = self._open.setdefault(table, [])
        if not buf:
            self._opened_at[table] = self._clock()
        buf.extend(rows)
        self._buffered += len(rows)
        while len(self._open[table]) >= self._max_rows:
            self._seal(table, self._max_rows)
        self.flush_due()

    def flush_due(self) -> None:
        """Seal the tables whose oldest buffered row waited ``flush_interval_s``; insert sealed
        blocks unless a retry is pending; block while over ``max_buffered_rows``."""
        now = self._clock()
        for table, buf in self._open.items():
            if buf and now - self._opened_at[table] >= self._interval:
                self._seal(table, len(buf))
        self._drain(wait=False)
        if self._buffered > self._max_buffered:
            log.warning(
                "%s: %d rows waiting (limit %d): holding the dataflow until inserts succeed",
                self._address,
                self._buffered,
                self._max_buffered,
            )
            self.flush_all()

    def flush_all(self) -> None:
        """Insert everything buffered; return only when ClickHouse acknowledged all of it."""
        for table, buf in self._open.items():
            if buf:
                self._seal(table, len(buf))
        self._drain(wait=True)

    def pending(self) -> dict[str, list[Row]]:
        """Every row not yet acknowledged, per table (sealed blocks first, in order)."""
        out: dict[str, list[Row]] = {}
        for block in self._sealed:
            out.setdefault(block.table, []).extend(block.rows)
        for table, buf in self._open.items():
            if buf:
                out.setdefault(table, []).extend(buf)
        return out

    def close(self) -> None:
        self.flush_all()
        if self._client is not None:
            self._client.close()
            self._client = None

    def _seal(self, table: str, count: int) -> None:
        buf = self._open[table]
        rows, self._open[table] = buf[:count], buf[count:]
        self._opened_at[table] = self._clock()
        self._sealed.append(_Block(table, rows, dedup_token(table, rows, self._keys[table])))

    def _drain(self, *, wait: bool) -> None:
        while self._sealed:
            now = self._clock()
            if now < self._retry_at:
                if not wait:
                    return
                self._sleep(self._retry_at - now)
                continue
            block = self._sealed[0]
            if not self._insert(block):
                continue
            self._sealed.popleft()
            self._buffered -= len(block.rows)

    def _insert(self, block: _Block) -> bool:
        try:
            if self._client is None:
                self._client = self._connect()
            settings = dict(INSERT_SETTINGS, insert_deduplication_token=block.token)
            self._client.insert(
                block.table,
                block.rows,
                column_names=self._tables[block.table].columns,
                settings=settings,
            )
        except Exception as exc:
            if not retryable(exc):
                raise
            self._failed(block, exc)
            return False
        self.inserts += 1
        if self._failures:
            log.warning(
                "%s: inserts succeed again after %d failures", self._address, self._failures
            )
        self._failures = 0
        self._failing_since = None
        self._retry_at = 0.0
        return True

    def _failed(self, block: _Block, exc: BaseException) -> None:
        now = self._clock()
        self._failures += 1
        self.retries += 1
        if self._failing_since is None:
            self._failing_since = now
        failing_for = now - self._failing_since
        give_up = self._backoff.give_up_s
        if give_up is not None and failing_for >= give_up:
            hint = (
                f"inserts failed for {failing_for:.0f}s ({self._failures} attempts; last: {exc}); "
                f"{self._buffered} rows were not acknowledged and will be replayed from the last "
                "snapshot on restart"
            )
            raise ServiceUnavailable("ClickHouse", self._address, hint) from exc
        delay = self._backoff.delay(self._failures)
        self._retry_at = now + delay
        log.warning(
            "%s: insert of %d rows into %s failed (%s); retry %d in %.1fs, %d rows buffered",
            self._address,
            len(block.rows),
            block.table,
            exc,
            self._failures,
            delay,
            self._buffered,
        )
