"""bench/clickhouse: rows per second through the analytics sink, next to a direct insert.

The same rows (built by ``wagerflow.analytics.rows`` from synthetic records: every analytics
table plus ``norm_events``) go into two databases of one embedded chdb engine in a temp dir:

- *direct*: ``client.insert(table, rows)`` with clickhouse-connect, in blocks of ``--max-rows``
  per table, with the sink's insert settings (the practical limit of an insert from Python);
- *sink*: ``AnalyticsSink``'s partition, as Bytewax drives it: ``write_batch`` of ``--batch``
  items, a ``snapshot()`` every second (the epoch), ``close()`` at the end; it buffers per
  table, inserts at ``--max-rows`` or after a second, computes each block's deduplication token.

Both tables' materialized views run on both sides. The ratio is sink / direct. Building the rows
(pseudonymizing included) is measured apart, as it is the same work for both.

    .venv/bin/python -m bench.clickhouse [--rows 200000] [--max-rows 20000] [--batch 2000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import TABLES, keyed_rows
from wagerflow.connectors import clickhouse_client, clickhouse_migrations
from wagerflow.connectors.clickhouse_sink import AnalyticsSink
from wagerflow.samples.analytics import scenario

Item = tuple[str, tuple[str, Any]]


@dataclass
class Result:
    path: str
    rows: int
    inserts: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def build_items(count: int) -> tuple[list[Item], float]:
    """At least ``count`` sink items (distinct tenants per scenario copy, so no two rows share
    an identity) and the seconds spent building them."""
    pseudo = Pseudonymizer(b"bench-key")
    items: list[Item] = []
    spent = 0.0
    copy = 0
    while len(items) < count:
        records = scenario(seed=copy, rounds=40, tenant=f"bench{copy}")
        start = time.perf_counter()
        for n, record in enumerate(records):
            entity = f"e{n}" if hasattr(record, "dedup_key") else None
            items += keyed_rows(record, pseudo, entity=entity)
        spent += time.perf_counter() - start
        copy += 1
        if copy % 40 == 0:
            print(f"  built {len(items):,} rows …", file=sys.stderr)
    return items[:count], spent


def direct(dsn: str, database: str, items: list[Item], max_rows: int) -> Result:
    """Per table, blocks of ``max_rows``, straight to clickhouse-connect."""
    by_table: dict[str, list[Any]] = defaultdict(list)
    for _, (table, row) in items:
        by_table[table].append(row)
    start = time.perf_counter()  # connecting is in both figures (the sink connects lazily)
    client = clickhouse_client.connect(dsn, database)
    inserts = 0
    try:
        for table, rows in by_table.items():
            columns = TABLES[table].columns
            for at in range(0, len(rows), max_rows):
                client.insert(
                    table,
                    rows[at : at + max_rows],
                    column_names=columns,
                    settings=clickhouse_client.INSERT_SETTINGS,
                )
                inserts += 1
        seconds = time.perf_counter() - start
    finally:
        client.close()
    return Result("direct client.insert", len(items), inserts, seconds)


def through_sink(dsn: str, database: str, items: list[Item], max_rows: int, batch: int) -> Result:
    """As Bytewax drives the sink's partition: ``write_batch`` of the values of ``batch`` items,
    ``snapshot()`` each second (the end of an epoch), ``close()`` at the end."""
    sink = AnalyticsSink(dsn, database, TABLES, max_rows=max_rows)
    part = sink.build_part("bench", "clickhouse-analytics", None)
    start = time.perf_counter()
    last_epoch = start
    for at in range(0, len(items), batch):
        part.write_batch([value for _, value in items[at : at + batch]])
        if time.perf_counter() - last_epoch >= 1.0:
            part.snapshot()
            last_epoch = time.perf_counter()
            done = min(at + batch, len(items))
            print(f"  sink: {done:,} rows in {last_epoch - start:.1f}s …", file=sys.stderr)
    part.close()
    return Result("AnalyticsSink", len(items), part.writer.inserts, time.perf_counter() - start)


def _count(dsn: str, database: str) -> dict[str, int]:
    client = clickhouse_client.connect(dsn, database)
    try:
        return {
            t: int(client.command(f"SELECT count() FROM {t} FINAL"))  # type: ignore[arg-type]  # noqa: S608
            for t in TABLES
        }
    finally:
        client.close()


def _prepare(dsn: str, database: str) -> None:
    client = clickhouse_client.connect(dsn, database)
    try:
        clickhouse_migrations.migrate(client)
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000, help="rows to insert (each path)")
    parser.add_argument("--max-rows", type=int, default=20_000, help="rows per insert at most")
    parser.add_argument("--batch", type=int, default=2_000, help="items per write_batch")
    parser.add_argument("--dir", type=Path, help="chdb directory (default: a temp dir)")
    args = parser.parse_args(argv)
    home = args.dir or Path(tempfile.mkdtemp(prefix="wagerflow-bench-ch-"))
    try:
        return run(args, home)
    finally:
        if args.dir is None:
            shutil.rmtree(home, ignore_errors=True)


def run(args: argparse.Namespace, home: Path) -> int:
    dsn = f"chdb://{home}"
    print(f"building {args.rows:,} rows …", file=sys.stderr)
    items, build_s = build_items(args.rows)
    for database in ("bench_warmup", "bench_direct", "bench_sink"):
        _prepare(dsn, database)
    print("warming up the engine …", file=sys.stderr)
    direct(dsn, "bench_warmup", items[: min(len(items), 5_000)], args.max_rows)
    print(f"direct: inserting {len(items):,} rows …", file=sys.stderr)
    plain = direct(dsn, "bench_direct", items, args.max_rows)
    print(f"direct: {plain.rate:,.0f} rows/s", file=sys.stderr)
    print(f"sink: inserting {len(items):,} rows …", file=sys.stderr)
    sunk = through_sink(dsn, "bench_sink", items, args.max_rows, args.batch)
    print(f"sink: {sunk.rate:,.0f} rows/s", file=sys.stderr)
    same = _count(dsn, "bench_direct") == _count(dsn, "bench_sink")
    tables = len({table for _, (table, _) in items})
    print(
        f"\n{len(items):,} rows over {tables} tables, chdb in a temp dir, blocks of at most "
        f"{args.max_rows:,} rows; both databases hold the same rows: {'yes' if same else 'NO'}\n"
    )
    print("| path | rows | inserts | seconds | rows/s | vs direct |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in (plain, sunk):
        print(
            f"| {r.path} | {r.rows:,} | {r.inserts} | {r.seconds:.2f} | {r.rate:,.0f} | "
            f"{r.rate / plain.rate:.2f} |"
        )
    print(
        f"\nbuilding the rows from records (pseudonyms included): "
        f"{len(items) / build_s:,.0f} rows/s (not in the figures above)"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
