"""ClickHouse through clickhouse-connect: one code path for the embedded engine (``chdb://PATH``)
and a server (``http(s)://HOST:PORT``).

The embedded engine lives inside the process and locks its directory: one process at a time,
one directory per process (a process may switch directories only once every client on the
previous one is closed). Multi-process runs need a server DSN.
"""

from __future__ import annotations

from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from wagerflow.errors import ConfigError, ServiceUnavailable

_HINT = (
    "use the embedded engine (WAGERFLOW_CLICKHOUSE_DSN=chdb://PATH, the default) or point it at "
    "a running server"
)
INSERT_SETTINGS: dict[str, Any] = {
    "async_insert": 0,
    "insert_deduplicate": 1,
    "deduplicate_blocks_in_dependent_materialized_views": 1,
}
"""Set on every insert: synchronous (durable when it returns), deduplicated by block token, in
the table and in the materialized views that read it."""


def connect(dsn: str, database: str) -> Client:
    """A client on ``database`` (created when absent); ``ServiceUnavailable`` if unreachable."""
    if not database.replace("_", "").isalnum():
        msg = f"ClickHouse database name must be letters, digits and '_'; got {database!r}"
        raise ConfigError(msg)
    try:
        admin = clickhouse_connect.get_client(dsn=dsn)
        try:
            admin.command(f"CREATE DATABASE IF NOT EXISTS {database}")
        finally:
            admin.close()
        client = clickhouse_connect.get_client(dsn=dsn, database=database)
    except ClickHouseError as exc:
        raise ServiceUnavailable("ClickHouse", dsn, f"{_HINT} ({exc})") from exc
    return client


def redacted(dsn: str) -> str:
    """The DSN without credentials, for messages."""
    scheme, sep, rest = dsn.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else dsn
