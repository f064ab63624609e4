"""``wagerflow demo``: the normalize flow end to end with no Kafka and no configuration.

Replays the recorded Betfair streams (or a generated sample in the same format) through the
same flow code with a file source, writes Redis (``REDIS_URL``, or an embedded real
redis-server) and ClickHouse (the embedded chdb engine under ``<home>/demo``), then summarizes.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from connectors import clickhouse
from connectors.redis_store import connect as redis_connect
from connectors.redis_store import market_key
from schemas.state import STATE_DECODER
from wagerflow import datasets, samples
from wagerflow.config import Settings
from wagerflow.devenv import process
from wagerflow.devenv import redis as dev_redis
from wagerflow.runner import EVENTS_TABLE, run_files


@dataclass(frozen=True, slots=True)
class DemoSummary:
    feeds: list[Path]
    feed_kind: str
    markets: int
    status_changes: int
    odds_changes: int
    settled: dict[str, list[str]]
    redis_winners: dict[str, list[str]]
    dlq: int
    out_dir: Path
    clickhouse_dsn: str
    redis_note: str
    seconds: float


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as f:
        return sum(1 for _ in f)


def run_demo(
    settings: Settings, *, use_recordings: bool = True, say: Callable[[str], None] = print
) -> DemoSummary:
    started = time.monotonic()
    demo_dir = settings.home / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)
    out_dir = demo_dir / "topics"
    feeds = datasets.betfair_recordings() if use_recordings else []
    kind = "recorded Betfair streams (shared/data)"
    if not feeds:
        feeds = samples.write_sample(demo_dir / "feeds")
        kind = "generated Betfair sample (shared/data recordings not found)"
    say(f"replaying {len(feeds)} {kind}")
    dsn = os.environ.get("WAGERFLOW_CLICKHOUSE_DSN", f"chdb://{demo_dir / 'clickhouse'}")
    redis_paths = dev_redis.RedisPaths(demo_dir / "redis")
    embedded_redis = "REDIS_URL" not in os.environ
    redis_url = dev_redis.start(redis_paths) if embedded_redis else settings.redis_url
    try:
        demo_settings = replace(settings, redis_url=redis_url, clickhouse_dsn=dsn)
        run_files(demo_settings, feeds, out_dir)
        note = (
            f"{redis_url} (embedded server, now stopped; its data is in {redis_paths.root})"
            if embedded_redis
            else redis_url
        )
        summary = _summarize(demo_settings, feeds, kind, out_dir, started, note)
    finally:
        if embedded_redis:
            process.stop(redis_paths.pid)
    return summary


def _summarize(
    settings: Settings,
    feeds: list[Path],
    kind: str,
    out_dir: Path,
    started: float,
    redis_note: str,
) -> DemoSummary:
    client = clickhouse.connect(settings.clickhouse_dsn, settings.clickhouse_database)
    try:
        tenant = {"tenant": settings.tenant}
        markets, statuses, odds = client.query(
            "SELECT uniqExact(market_id), countIf(type = 'market.status'), "
            "countIf(type = 'odds.change') FROM norm_events FINAL "
            "WHERE tenant_id = {tenant:String}",
            parameters=tenant,
        ).result_rows[0]
        settled = {
            m: list(w)
            for m, w in client.query(
                "SELECT market_id, winners FROM norm_events FINAL "
                "WHERE tenant_id = {tenant:String} AND type = 'market.result' ORDER BY market_id",
                parameters=tenant,
            ).result_rows
        }
    finally:
        client.close()
    r = redis_connect(settings.redis_url)
    redis_winners = {}
    for market in settled:
        raw = r.hget(market_key(settings.tenant, "betfair", market), "state")
        redis_winners[market] = STATE_DECODER.decode(raw).winners if raw else []
    r.close()
    return DemoSummary(
        feeds=feeds,
        feed_kind=kind,
        markets=int(markets),
        status_changes=int(statuses),
        odds_changes=int(odds),
        settled=settled,
        redis_winners=redis_winners,
        dlq=_count_lines(out_dir / f"{settings.topics.dlq}.jsonl"),
        out_dir=out_dir,
        clickhouse_dsn=settings.clickhouse_dsn,
        redis_note=redis_note,
        seconds=time.monotonic() - started,
    )


def render(summary: DemoSummary) -> str:
    lines = [
        "",
        f"wagerflow demo — {summary.feed_kind}, {summary.seconds:.1f}s",
        f"  markets seen        {summary.markets}",
        f"  status changes      {summary.status_changes}",
        f"  odds changes        {summary.odds_changes}",
        f"  settled markets     {len(summary.settled)}",
    ]
    for market, winners in summary.settled.items():
        agree = "Redis agrees" if summary.redis_winners.get(market) == winners else "Redis DIFFERS"
        lines.append(f"    {market}: winner(s) {', '.join(winners) or 'none'}  ({agree})")
    lines += [
        f"  DLQ entries         {summary.dlq}",
        "  outputs",
        f"    normalized topics {summary.out_dir}/*.jsonl",
        f"    ClickHouse        {summary.clickhouse_dsn} (table {EVENTS_TABLE}; "
        "query with `wagerflow sql`)",
        f"    Redis             {summary.redis_note}",
        "                      one hash per market: wf:market:{tenant:provider:market}",
    ]
    return "\n".join(lines)
