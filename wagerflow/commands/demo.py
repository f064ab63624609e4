"""``wagerflow demo``: the normalize flow end to end with no Kafka and no configuration.

Replays the recorded Betfair streams (or a generated sample in the same format) through the
same flow code with a file source, writes Redis (``REDIS_URL``, or an embedded real
redis-server) and ClickHouse (the embedded chdb engine under ``<home>/demo``), then summarizes.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from wagerflow.commands.run import run_files
from wagerflow.config import Settings
from wagerflow.connectors import clickhouse_client
from wagerflow.connectors.redis_exposure import ranking_key
from wagerflow.connectors.redis_store import connect as redis_connect
from wagerflow.connectors.redis_store import market_key
from wagerflow.devenv import process
from wagerflow.devenv import redis as dev_redis
from wagerflow.samples import betfair as betfair_samples
from wagerflow.samples import evolution as evolution_samples
from wagerflow.samples import generic as generic_samples
from wagerflow.samples import hub88 as hub88_samples
from wagerflow.samples import live as live_samples
from wagerflow.samples import pragmatic as pragmatic_samples
from wagerflow.samples import recordings
from wagerflow.samples import uof as uof_samples
from wagerflow.schemas.state import STATE_DECODER


@dataclass(frozen=True, slots=True)
class DemoSummary:
    feeds: list[tuple[str, Path]]
    feed_kinds: list[str]
    markets: int
    status_changes: int
    odds_changes: int
    settled: dict[str, list[str]]
    redis_winners: dict[str, list[str]]
    per_provider: dict[str, int]
    exposure_updates: int
    commands: dict[str, int]
    breaches: int
    settled_bets: int
    """Bet settlement versions on the settlements topic (``round.settle`` messages)."""
    largest: list[tuple[str, int]]
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


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def demo_feeds(
    feed_dir: Path, use_recordings: bool, open_book: bool = False
) -> tuple[list[tuple[str, Path]], list[str]]:
    """``(provider, file)`` feeds to replay and a description of where they came from: the
    recordings where ``../shared/data`` has them, generated feeds in the same formats otherwise
    (and for the providers no recording exists of). ``open_book`` stops the generated sports and
    live-casino feeds at 3/5 of their time, so bets, rounds and suspensions are still open at the
    end (what the board shows mid-day)."""
    feed_dir.mkdir(parents=True, exist_ok=True)
    feeds: list[tuple[str, Path]] = []
    kinds: list[str] = []
    betfair = recordings.betfair_recordings() if use_recordings else []
    uof = recordings.uof_recordings() if use_recordings else []
    if betfair:
        feeds += [("betfair", p) for p in betfair]
        kinds.append(f"{len(betfair)} recorded Betfair streams (shared/data)")
    else:
        feeds += [("betfair", p) for p in betfair_samples.write_sample(feed_dir / "betfair")]
        kinds.append("a generated Betfair sample")
    if uof:
        feeds += [("uof", p) for p in uof]
        kinds.append(f"{len(uof)} recorded UOF messages (shared/data)")
    else:
        feeds.append(("uof", _write(feed_dir / "uof.xml.lines", uof_samples.uof_lines(7, 3))))
        kinds.append("a generated UOF feed")
    generated = {
        "generic": generic_samples.generic_lines(7, 5),
        "live": live_samples.live_lines(7, 10),
        "hub88": hub88_samples.hub88_lines(7, 20),
        "evolution": evolution_samples.evolution_lines(7, 20),
        "pragmatic": pragmatic_samples.pragmatic_lines(7, 20),
    }
    for provider, lines in generated.items():
        if open_book and provider in ("generic", "live"):
            lines = lines[: len(lines) * 3 // 5]
        feeds.append((provider, _write(feed_dir / f"{provider}.lines", lines)))
    kinds.append("generated generic, live-casino and wallet (Hub88, Evolution, Pragmatic) feeds")
    if open_book:
        kinds.append("the generic and live feeds cut at 3/5, so the book is still open")
    return feeds, kinds


def run_demo(
    settings: Settings,
    *,
    use_recordings: bool = True,
    say: Callable[[str], None] = print,
    after: Callable[[DemoSummary, Settings], None] | None = None,
) -> DemoSummary:
    """Replay the demo feeds and summarize; then ``after(summary, settings)``, if given, while
    the demo's Redis and ClickHouse are still up (``--board`` serves the board there)."""
    started = time.monotonic()
    demo_dir = settings.home / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)
    out_dir = demo_dir / "topics"
    feeds, kinds = demo_feeds(demo_dir / "feeds", use_recordings, open_book=after is not None)
    say(f"replaying {'; '.join(kinds)}")
    dsn = os.environ.get("WAGERFLOW_CLICKHOUSE_DSN", f"chdb://{demo_dir / 'clickhouse'}")
    redis_paths = dev_redis.RedisPaths(demo_dir / "redis")
    embedded_redis = "REDIS_URL" not in os.environ
    redis_url = dev_redis.start(redis_paths) if embedded_redis else settings.redis_url
    try:
        demo_settings = replace(settings, redis_url=redis_url, clickhouse_dsn=dsn)
        run_files(demo_settings, feeds, out_dir)
        note = (
            f"{redis_url} (embedded server, "
            f"{'up while the board runs' if after else 'now stopped'}; "
            f"its data is in {redis_paths.root})"
            if embedded_redis
            else redis_url
        )
        summary = _summarize(demo_settings, feeds, kinds, out_dir, started, note)
        if after is not None:
            after(summary, demo_settings)
    finally:
        if embedded_redis:
            process.stop(redis_paths.pid)
    return summary


def _summarize(
    settings: Settings,
    feeds: list[tuple[str, Path]],
    kinds: list[str],
    out_dir: Path,
    started: float,
    redis_note: str,
) -> DemoSummary:
    client = clickhouse_client.connect(settings.clickhouse_dsn, settings.clickhouse_database)
    try:
        tenant = {"tenant": settings.tenant}
        markets, statuses, odds = client.query(
            "SELECT uniqExact(market_id), countIf(type = 'market.status'), "
            "countIf(type = 'odds.change') FROM norm_events FINAL "
            "WHERE tenant_id = {tenant:String} AND provider_id = 'betfair'",
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
        per_provider = {
            p: int(n)
            for p, n in client.query(
                "SELECT provider_id, count() FROM norm_events FINAL "
                "WHERE tenant_id = {tenant:String} GROUP BY provider_id ORDER BY provider_id",
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
    ranked = r.zrevrange(ranking_key(settings.tenant), 0, 2, withscores=True)
    largest = [(key.decode().split("}:", 1)[-1], int(score)) for key, score in ranked]
    r.close()
    topics = settings.topics
    commands: dict[str, int] = {}
    control = out_dir / f"{topics.name('market.control')}.jsonl"
    if control.exists():
        for line in control.read_bytes().splitlines():
            kind = json.loads(line)["type"]
            commands[kind] = commands.get(kind, 0) + 1
    return DemoSummary(
        feeds=feeds,
        feed_kinds=kinds,
        markets=int(markets),
        status_changes=int(statuses),
        odds_changes=int(odds),
        settled=settled,
        redis_winners=redis_winners,
        per_provider=per_provider,
        exposure_updates=_count_lines(out_dir / f"{topics.name('exposure')}.jsonl"),
        commands=commands,
        breaches=_count_lines(out_dir / f"{topics.name('limit.breach')}.jsonl"),
        settled_bets=_settled_bets(out_dir / f"{topics.name('settlements')}.jsonl"),
        largest=largest,
        dlq=_count_lines(out_dir / f"{settings.topics.dlq}.jsonl"),
        out_dir=out_dir,
        clickhouse_dsn=settings.clickhouse_dsn,
        redis_note=redis_note,
        seconds=time.monotonic() - started,
    )


def _settled_bets(path: Path) -> int:
    """The bet settlement versions on the settlements topic (beside its round.settle messages)."""
    if not path.exists():
        return 0
    records = (json.loads(line) for line in path.read_bytes().splitlines())
    return sum(1 for r in records if r.get("type") == "settlement.bet")


def render(summary: DemoSummary) -> str:
    lines = [
        "",
        f"wagerflow demo — {len(summary.feeds)} feeds, {summary.seconds:.1f}s",
        f"  Betfair markets seen  {summary.markets}",
        f"  status changes        {summary.status_changes}",
        f"  odds changes          {summary.odds_changes}",
        f"  settled markets       {len(summary.settled)}",
    ]
    for market, winners in summary.settled.items():
        agree = "Redis agrees" if summary.redis_winners.get(market) == winners else "Redis DIFFERS"
        lines.append(f"    {market}: winner(s) {', '.join(winners) or 'none'}  ({agree})")
    lines.append("  normalized events per provider")
    lines += [f"    {p:<12} {n}" for p, n in summary.per_provider.items()]
    lines += [
        f"  exposure updates      {summary.exposure_updates}",
        "  market control        "
        + (", ".join(f"{k} {n}" for k, n in sorted(summary.commands.items())) or "none"),
        f"  limit breaches        {summary.breaches}",
        f"  settlements           {summary.settled_bets} bet versions",
    ]
    if summary.largest:
        lines.append("  largest open liabilities (minor units)")
        lines += [f"    {key}  {value}" for key, value in summary.largest]
    lines += [
        f"  DLQ entries           {summary.dlq}",
        "  outputs",
        f"    normalized topics   {summary.out_dir}/*.jsonl",
        f"    ClickHouse          {summary.clickhouse_dsn} (norm_events, bets, settlements, "
        "views ggr_hourly and qos_*; query with `wagerflow sql`)",
        f"    Redis               {summary.redis_note}",
        "                        one hash per Betfair market: wf:market:{tenant:provider:market}",
        "                        one per bet and round: wf:bet:{tenant:round}:…, wf:round:…",
    ]
    return "\n".join(lines)


def serve_board(summary_text: str, settings: Settings, port: int) -> None:
    """Print the summary, then serve the board over the demo's Redis and ClickHouse until
    Ctrl-C. The demo has no broker: a manual command is appended to the demo's
    ``market.control.jsonl`` and applied to the suspensions in Redis."""
    from wagerflow.commands.board import board_config, serve

    token = os.environ.get("WAGERFLOW_BOARD_TOKEN") or secrets.token_urlsafe(12)
    out_dir = settings.home / "demo" / "topics"
    cfg = board_config(settings, token=token, read_login=False, control_dir=out_dir)
    print(summary_text)
    print(
        f"\nmanual commands: log in with any name and the token {token} "
        f"(they go to {out_dir}/{settings.topics.name('market.control')}.jsonl and Redis)"
    )
    serve(cfg, "127.0.0.1", port)
