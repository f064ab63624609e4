"""The analytics sink's buffering, retries and back-pressure, against a scripted client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from clickhouse_connect.driver.exceptions import DatabaseError, OperationalError

from wagerflow.connectors.backoff import Backoff
from wagerflow.connectors.clickhouse_client import INSERT_SETTINGS
from wagerflow.connectors.clickhouse_sink import AnalyticsSink
from wagerflow.connectors.clickhouse_writer import TableWriter, retryable
from wagerflow.errors import ServiceUnavailable
from wagerflow.schemas.tables import TableSpec

TABLES = {
    "a": TableSpec(("id", "v"), ("id",)),
    "b": TableSpec(("id", "w"), ("id",)),
}


class FakeClient:
    """Records inserts; fails the next ``failures`` calls with ``error``. ``stored`` keeps what
    the "server" kept: a block whose token was seen before is dropped, as ClickHouse does."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or OperationalError("connection refused")
        self.calls: list[tuple[str, list[Any], str]] = []
        self.stored: dict[str, list[Sequence[Any]]] = {}
        self.tokens: set[str] = set()
        self.store_then_fail = False
        self.closed = False

    def insert(
        self,
        table: str,
        data: Sequence[Sequence[Any]],
        *,
        column_names: Sequence[str],
        settings: dict[str, Any] | None = None,
    ) -> None:
        assert settings is not None
        for name, value in INSERT_SETTINGS.items():
            assert settings[name] == value
        token = settings["insert_deduplication_token"]
        self.calls.append((table, list(data), token))
        if self.store_then_fail and self.failures:
            self._store(table, data, token)  # the server stored it, the answer got lost
        if self.failures:
            self.failures -= 1
            raise self.error
        self._store(table, data, token)

    def _store(self, table: str, data: Sequence[Sequence[Any]], token: str) -> None:
        if token in self.tokens:
            return
        self.tokens.add(token)
        self.stored.setdefault(table, []).extend(data)

    def close(self) -> None:
        self.closed = True


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def writer(client: FakeClient, t: FakeTime, **options: Any) -> TableWriter:
    return TableWriter(lambda: client, TABLES, clock=t.clock, sleep=t.sleep, **options)


def rows(n: int, start: int = 0) -> list[tuple[int, str]]:
    return [(i, f"v{i}") for i in range(start, start + n)]


def test_rows_wait_for_max_rows_or_the_interval_then_go_in_one_insert_per_table() -> None:
    client, t = FakeClient(), FakeTime()
    w = writer(client, t, max_rows=100, flush_interval_s=1.0)
    w.add("a", rows(30))
    w.add("b", rows(10))
    assert client.calls == []
    t.now = 0.5
    w.add("a", rows(30, 30))
    assert client.calls == []
    t.now = 1.0
    w.flush_due()
    assert [(table, len(data)) for table, data, _ in client.calls] == [("a", 60), ("b", 10)]
    w.add("a", rows(250, 60))  # max_rows cuts full blocks at once, keeps the rest
    assert [len(data) for _, data, _ in client.calls[2:]] == [100, 100]
    assert w.buffered_rows == 50
    w.flush_all()
    assert w.buffered_rows == 0
    assert len(client.stored["a"]) == 310 and len(client.stored["b"]) == 10


def test_a_snapshot_keeps_the_rows_not_yet_due_as_state_and_close_flushes() -> None:
    client = FakeClient()
    sink = AnalyticsSink("chdb://x", "db", TABLES, connect=lambda: client, flush_interval_s=60)
    part = sink.build_part("step", "clickhouse-analytics", None)
    part.write_batch([("a", (1, "x")), ("b", (2, "y")), ("a", (3, "z"))])
    assert client.calls == []
    state = part.snapshot()
    assert client.calls == []  # no insert on the epoch's path: nothing waited long enough
    assert state == {"a": [(1, "x"), (3, "z")], "b": [(2, "y")]}
    # a crash here: the restarted partition re-buffers the snapshot's rows
    resumed = sink.build_part("step", "clickhouse-analytics", state)
    resumed.write_batch([("b", (4, "w"))])
    resumed.close()
    assert client.stored == {"a": [(1, "x"), (3, "z")], "b": [(2, "y"), (4, "w")]}
    assert client.closed


def test_a_snapshot_after_the_interval_inserts_and_keeps_no_state() -> None:
    client, t = FakeClient(), FakeTime()
    sink = AnalyticsSink("chdb://x", "db", TABLES, connect=lambda: client, flush_interval_s=1.0)
    part = sink.build_part("step", "clickhouse-analytics", None)
    part.writer._clock = t.clock  # noqa: SLF001 - the test's clock
    part.write_batch([("a", (1, "x"))])
    t.now = 1.5
    assert part.snapshot() is None
    assert client.stored == {"a": [(1, "x")]}


def test_an_outage_is_retried_with_backoff_while_rows_keep_coming() -> None:
    client, t = FakeClient(failures=3), FakeTime()
    w = writer(client, t, max_rows=10, backoff=Backoff(initial_s=1.0, factor=2.0, max_s=3.0))
    w.add("a", rows(10))  # attempt 1 fails: retry after 1 s
    assert len(client.calls) == 1 and w.buffered_rows == 10
    w.add("a", rows(10, 10))  # not yet time: buffered, no attempt
    assert len(client.calls) == 1 and w.buffered_rows == 20
    w.flush_all()  # blocks: waits 1 s (fails), 2 s (fails), 3 s (capped), then succeeds
    assert t.slept == [1.0, 2.0, 3.0]
    assert w.retries == 3 and w.buffered_rows == 0
    assert client.stored["a"] == rows(20)


def test_a_retried_block_keeps_its_token_so_a_lost_acknowledgement_does_not_double() -> None:
    client, t = FakeClient(failures=2), FakeTime()
    client.store_then_fail = True
    w = writer(client, t, max_rows=5)
    w.add("a", rows(5))
    w.flush_all()
    tokens = {token for _, _, token in client.calls}
    assert len(client.calls) == 3 and len(tokens) == 1
    assert client.stored["a"] == rows(5)


def test_a_full_buffer_blocks_the_dataflow_until_inserts_succeed() -> None:
    client, t = FakeClient(failures=4), FakeTime()
    w = writer(client, t, max_rows=10, max_buffered_rows=30, backoff=Backoff(initial_s=0.5))
    for start in range(0, 30, 10):
        w.add("a", rows(10, start))  # under the limit: accepted without waiting
    assert t.slept == [] and w.buffered_rows == 30
    w.add("a", rows(10, 30))  # over the limit: add() returns only once everything is in
    assert t.slept and w.buffered_rows == 0
    assert client.stored["a"] == rows(40)


def test_give_up_raises_service_unavailable_and_keeps_the_rows() -> None:
    client, t = FakeClient(failures=100), FakeTime()
    w = writer(client, t, max_rows=5, backoff=Backoff(initial_s=1.0, max_s=4.0, give_up_s=10.0))
    w.add("a", rows(5))
    with pytest.raises(ServiceUnavailable, match="5 rows were not acknowledged"):
        w.flush_all()
    assert w.buffered_rows == 5 and "a" not in client.stored


def test_errors_no_retry_can_fix_raise_at_once() -> None:
    client = FakeClient(failures=1, error=DatabaseError("no such table", code=60))
    w = writer(client, FakeTime(), max_rows=1)
    with pytest.raises(DatabaseError):
        w.add("a", rows(1))
    assert len(client.calls) == 1
    w2 = writer(FakeClient(failures=1, error=ValueError("bad row")), FakeTime(), max_rows=1)
    with pytest.raises(ValueError, match="bad row"):
        w2.add("a", rows(1))


def test_connection_failures_are_retried_like_insert_failures() -> None:
    attempts = []
    client, t = FakeClient(), FakeTime()

    def connect() -> FakeClient:
        attempts.append(t.now)
        if len(attempts) < 3:
            raise ServiceUnavailable("ClickHouse", "http://ch:8123", "down")
        return client

    w = TableWriter(connect, TABLES, clock=t.clock, sleep=t.sleep, max_rows=2)
    w.add("a", rows(2))
    w.flush_all()
    assert len(attempts) == 3 and client.stored["a"] == rows(2)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OperationalError("timeout"), True),
        (DatabaseError("Too many parts", code=252), True),
        (DatabaseError("Memory limit", code=241), True),
        (DatabaseError("Unknown table", code=60), False),
        (DatabaseError("Type mismatch", code=53), False),
        (ServiceUnavailable("ClickHouse", "x", "down"), True),
        (TypeError("bug"), False),
    ],
)
def test_which_errors_are_retried(error: Exception, expected: bool) -> None:
    assert retryable(error) is expected


def test_unknown_tables_and_bad_keys_are_refused() -> None:
    w = writer(FakeClient(), FakeTime())
    with pytest.raises(KeyError, match="no table 'c'"):
        w.add("c", rows(1))
    with pytest.raises(ValueError, match="subset"):
        TableSpec(("a",), ("b",))
