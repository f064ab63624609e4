"""ClickHouse through clickhouse-connect: one code path for the embedded engine (``chdb://PATH``)
and a server (``http(s)://HOST:PORT``).

The embedded engine lives inside the process and locks its directory: one process at a time,
one directory per process. Multi-process runs need a server DSN.

Inserts are idempotent: each block carries an ``insert_deduplication_token`` derived from its
rows, so a replayed identical block is dropped by the server, and tables are
``ReplacingMergeTree`` keyed by the event's dedup key, so a replay cut into different blocks
still collapses to one row (read with ``FINAL``). ``async_insert`` is off: the sink itself
batches, and a synchronous insert is what makes a flushed epoch durable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib import resources
from typing import Any

import clickhouse_connect
from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from wagerflow.errors import ConfigError, ServiceUnavailable

_HINT = (
    "use the embedded engine (WAGERFLOW_CLICKHOUSE_DSN=chdb://PATH, the default) or point it at "
    "a running server"
)
INSERT_SETTINGS = {"async_insert": 0, "insert_deduplicate": 1}
Row = Sequence[Any]


def connect(dsn: str, database: str) -> Client:
    """A client on ``database`` (created when absent); ``ServiceUnavailable`` if unreachable."""
    if not database.replace("_", "").isalnum():
        msg = f"ClickHouse database name must be letters, digits and '_'; got {database!r}"
        raise ConfigError(msg)
    try:
        clickhouse_connect.get_client(dsn=dsn).command(f"CREATE DATABASE IF NOT EXISTS {database}")
        client = clickhouse_connect.get_client(dsn=dsn, database=database)
    except ClickHouseError as exc:
        raise ServiceUnavailable("ClickHouse", dsn, f"{_HINT} ({exc})") from exc
    return client


def _statements(sql: str) -> list[str]:
    lines = [ln for ln in sql.splitlines() if not ln.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` of every migration shipped in ``sql/``, in order."""
    found = []
    for entry in resources.files("sql").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text()))
    return sorted(found)


def migrate(client: Client) -> list[str]:
    """Apply the migrations not applied yet; return their names. Idempotent."""
    client.command(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, "
        "applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) "
        "ENGINE = ReplacingMergeTree ORDER BY version"
    )
    applied = {
        r[0] for r in client.query("SELECT version FROM schema_migrations FINAL").result_rows
    }
    done = []
    for version, name, sql in migrations():
        if version in applied:
            continue
        for statement in _statements(sql):
            client.command(statement)
        client.insert("schema_migrations", [[version, name]], column_names=["version", "name"])
        done.append(name)
    return done


def dedup_token(table: str, rows: Sequence[Row], key_columns: Sequence[int]) -> str:
    """A deterministic token for a block: the same rows (as identified by their key columns,
    e.g. the event's dedup key and version) in the same order give the same token."""
    digest = hashlib.sha256(table.encode())
    for row in rows:
        digest.update("\x1f".join(str(row[i]) for i in key_columns).encode() + b"\x1e")
    return digest.hexdigest()


class _TablePartition(StatefulSinkPartition[Row, None]):
    def __init__(
        self,
        dsn: str,
        database: str,
        table: str,
        columns: list[str],
        key_columns: list[str],
        max_rows: int,
    ) -> None:
        self._client = connect(dsn, database)
        self._table = table
        self._columns = columns
        self._keys = [columns.index(c) for c in key_columns]
        self._max_rows = max_rows
        self._buffer: list[Row] = []

    def write_batch(self, values: list[Row]) -> None:
        self._buffer.extend(values)
        if len(self._buffer) >= self._max_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        rows, self._buffer = self._buffer, []
        token = dedup_token(self._table, rows, self._keys)
        settings = dict(INSERT_SETTINGS, insert_deduplication_token=token)
        self._client.insert(self._table, rows, column_names=self._columns, settings=settings)

    def snapshot(self) -> None:
        self._flush()

    def close(self) -> None:
        self._flush()
        self._client.close()


class ClickHouseSink(FixedPartitionedSink[Row, None]):
    """Buffers rows and inserts them per epoch (or every ``max_rows``). Items: ``(key, row)``.
    ``key_columns`` identify a row for the block's deduplication token."""

    def __init__(
        self,
        dsn: str,
        database: str,
        table: str,
        columns: list[str],
        key_columns: list[str],
        max_rows: int = 20_000,
    ) -> None:
        self._args = (dsn, database, table, columns, key_columns, max_rows)

    def list_parts(self) -> list[str]:
        return ["clickhouse"]

    def part_fn(self, item_key: str) -> int:
        return 0

    def build_part(self, step_id: str, for_part: str, resume_state: None) -> _TablePartition:
        return _TablePartition(*self._args)
