"""The ``wagerflow`` command line.

(Over 400 lines: the argument parser of every command; each command's work is in
``wagerflow.commands``.)

Exit status: 0 done; 1 discrepancies found (``reconcile``); 2 usage or configuration error (a
bad flag, a malformed setting); 3 a service (Kafka, Redis, ClickHouse) cannot be reached;
130 interrupted. Errors are one line on stderr, with credentials removed.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from wagerflow.adapters.registry import PROVIDERS
from wagerflow.config import Settings, load_settings
from wagerflow.errors import ServiceUnavailable, WagerflowError

EXIT_DISCREPANCIES = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130
_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]*@")

_FLAG_ENV = {
    "home": "WAGERFLOW_HOME",
    "kafka": "KAFKA_BOOTSTRAP_SERVERS",
    "redis_url": "REDIS_URL",
    "clickhouse_dsn": "WAGERFLOW_CLICKHOUSE_DSN",
    "tenant": "WAGERFLOW_TENANT",
    "topic_prefix": "WAGERFLOW_TOPIC_PREFIX",
}


def _risk_files(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limits", type=Path, help="limit profiles and overrides (JSON)")
    p.add_argument(
        "--thresholds", type=Path, help="suspend thresholds per currency and table (JSON)"
    )
    p.add_argument("--players", type=Path, help="player directory: country, KYC, profile (JSON)")


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("configuration (flags override the environment)")
    g.add_argument("--home", help="state directory [WAGERFLOW_HOME, default ./.wagerflow]")
    g.add_argument("--kafka", metavar="HOST:PORT", help="Kafka bootstrap [KAFKA_BOOTSTRAP_SERVERS]")
    g.add_argument("--redis-url", help="Redis URL [REDIS_URL]")
    g.add_argument(
        "--clickhouse-dsn", help="chdb://PATH or http(s)://HOST:PORT [WAGERFLOW_CLICKHOUSE_DSN]"
    )
    g.add_argument("--tenant", help="tenant id stamped on every event [WAGERFLOW_TENANT]")
    g.add_argument("--topic-prefix", help="prefix of every topic name [WAGERFLOW_TOPIC_PREFIX]")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wagerflow",
        description="Real-time risk and settlement stream processing for iGaming provider feeds.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo", help="replay provider feeds end to end with no Kafka and no configuration"
    )
    demo.add_argument(
        "--generated", action="store_true", help="use the generated sample even if recordings exist"
    )
    demo.add_argument(
        "--board",
        action="store_true",
        help="then keep Redis and ClickHouse and serve the risk board over the results",
    )
    demo.add_argument("--port", type=int, default=8765, help="the board's port (default 8765)")
    _common(demo)

    board = sub.add_parser(
        "board", help="serve the risk board (live exposure, suspensions, feeds) for a tenant"
    )
    board.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    board.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    board.add_argument(
        "--read-login",
        action="store_true",
        default=None,
        help="reading needs a login too [WAGERFLOW_BOARD_READ=login; default open]",
    )
    board.add_argument(
        "--poll-seconds", type=float, default=0.25, help="Redis poll interval (default 0.25)"
    )
    _common(board)

    run = sub.add_parser(
        "run", help="run the dataflow (normalize and risk) on Kafka; recovery on by default"
    )
    run.add_argument(
        "--stop-at-end", action="store_true", help="stop at the end of the raw topics (replays)"
    )
    run.add_argument("--no-recovery", action="store_true", help="run without Bytewax recovery")
    run.add_argument("--recovery-dir", type=Path, help="recovery store [HOME/recovery/wagerflow]")
    run.add_argument(
        "--epoch-seconds", type=float, default=1.0, help="snapshot interval (default 1.0)"
    )
    run.add_argument("--workers", type=int, default=1, help="worker threads (default 1)")
    run.add_argument(
        "--batch-size",
        type=int,
        default=2000,
        help="max messages per consumed batch (default 2000)",
    )
    run.add_argument(
        "--health-port",
        type=int,
        metavar="PORT",
        help="serve /healthz, /readyz and /metrics on PORT (process i of --processes: PORT+i)",
    )
    run.add_argument("--metrics", action="store_true", help="the same as --health-port 3030")
    run.add_argument(
        "--ready-epochs",
        type=int,
        default=3,
        help="/readyz fails when no epoch closed within this many epochs (default 3)",
    )
    _risk_files(run)
    cluster = run.add_argument_group("cluster (one Bytewax cluster of several processes)")
    cluster.add_argument(
        "--processes", type=int, default=1, help="start N processes on this machine (default 1)"
    )
    cluster.add_argument("--process-id", type=int, help="this process's index in --addresses")
    cluster.add_argument(
        "--addresses", metavar="H:P;H:P", help="every process's address, in process-id order"
    )
    brake = run.add_argument_group("DLQ brake (pause a provider whose messages go to the DLQ)")
    brake.add_argument(
        "--brake-share",
        type=float,
        default=0.5,
        help="pause when more than this share went to the DLQ (default 0.5; 1 disables)",
    )
    brake.add_argument(
        "--brake-window", type=float, default=60.0, help="over this many seconds (default 60)"
    )
    brake.add_argument(
        "--brake-min", type=int, default=100, help="and at least this many were read (100)"
    )
    _common(run)

    brake_cmd = sub.add_parser("brake", help="resume a provider paused by the DLQ brake")
    brake_cmd.add_argument("action", choices=["resume"])
    brake_cmd.add_argument("provider", choices=PROVIDERS)
    _common(brake_cmd)

    dev = sub.add_parser("dev", help="local Kafka and Redis for development and tests")
    dev.add_argument("action", choices=["up", "down", "status"])
    _common(dev)

    migrate = sub.add_parser("migrate", help="apply pending ClickHouse migrations")
    _common(migrate)

    produce = sub.add_parser("produce", help="send recorded raw feed lines to raw.PROVIDER")
    produce.add_argument("--provider", required=True, choices=PROVIDERS)
    produce.add_argument("files", nargs="+", type=Path, metavar="FILE")
    produce.add_argument(
        "--feed-time",
        action="store_true",
        help="stamp each message with the provider's own time (replaying a recording on Kafka)",
    )
    _common(produce)

    normalize = sub.add_parser(
        "normalize", help="normalize recorded feed files offline (same rules as the flow)"
    )
    normalize.add_argument("--provider", required=True, choices=PROVIDERS)
    normalize.add_argument("files", nargs="+", type=Path, metavar="FILE", help="plain, .gz or .bz2")
    normalize.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("normalized.jsonl"),
        help="events as JSON lines (default normalized.jsonl); DLQ entries go to OUT.dlq.jsonl",
    )
    _common(normalize)

    replay = sub.add_parser(
        "replay",
        help="backtest: run the whole pipeline over recorded feeds merged by their timestamps",
    )
    replay.add_argument(
        "feeds",
        nargs="+",
        metavar="PROVIDER=FILE",
        help="e.g. betfair=1.197931750 generic=bets.jsonl",
    )
    _risk_files(replay)
    replay.add_argument("-o", "--output-dir", type=Path, required=True, help="where to write")
    replay.add_argument(
        "--batch-size",
        type=int,
        default=500,
        help="messages per batch (output does not depend on it)",
    )
    _common(replay)

    schema = sub.add_parser("schema", help="export the JSON Schema of every normalized topic")
    schema.add_argument(
        "-o", "--output-dir", type=Path, help="write TOPIC.schema.json files here (default: print)"
    )

    sql = sub.add_parser("sql", help="run a query on the configured ClickHouse; rows as JSON")
    sql.add_argument("query")
    _common(sql)

    rec = sub.add_parser(
        "reconcile",
        help="compare a provider's round report (CSV) with our settlements; exit 1 on "
        "discrepancies",
    )
    rec.add_argument("--provider", required=True, help="provider id of our settlements")
    rec.add_argument("--report", required=True, type=Path, metavar="FILE", help="the CSV report")
    rec.add_argument(
        "--from", dest="start", required=True, metavar="T", help="window start (ISO 8601 or ms)"
    )
    rec.add_argument("--to", dest="end", required=True, metavar="T", help="window end, exclusive")
    rec.add_argument(
        "-o",
        "--output",
        type=Path,
        help="discrepancies as CSV (default: REPORT with .reconcile.csv instead of its suffix)",
    )
    _common(rec)

    audit = sub.add_parser(
        "audit", help="everything received and done for a round, session or bet (JSON lines)"
    )
    which = audit.add_mutually_exclusive_group(required=True)
    which.add_argument("--round", metavar="R", help="a round id (live round, spin, event/line)")
    which.add_argument("--session", metavar="S", help="a session id")
    which.add_argument("--bet", metavar="B", help="a bet id")
    _common(audit)
    return parser


def _flag_env(args: argparse.Namespace) -> dict[str, str]:
    """The environment with the configuration flags applied."""
    env = dict(os.environ)
    for flag, var in _FLAG_ENV.items():
        value = getattr(args, flag, None)
        if value is not None:
            env[var] = str(value)
    return env


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(_flag_env(args))


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from wagerflow.commands.demo import render, run_demo, serve_board

    if args.board:  # the summary is printed before the board is served, until Ctrl-C
        run_demo(
            settings,
            use_recordings=not args.generated,
            after=lambda summary, s: serve_board(render(summary), s, args.port),
        )
    else:
        print(render(run_demo(settings, use_recordings=not args.generated)))
    return 0


def _cmd_board(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from wagerflow.commands.board import env_board_config, serve

    cfg = env_board_config(settings, read_login=args.read_login)
    cfg = replace(cfg, interval_s=args.poll_seconds)
    serve(cfg, args.host, args.port)
    return 0


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from wagerflow.ops.service import run_service

    os.environ.update(_flag_env(args))  # local cluster processes inherit the flags
    return run_service(args, settings)


def _cmd_dev(args: argparse.Namespace, settings: Settings) -> int:
    from wagerflow.devenv import services

    if args.action == "up":
        print("starting Kafka and Redis (the first start downloads Kafka's jars)…", file=sys.stderr)
        up = services.up(settings.home)
        print(f"KAFKA_BOOTSTRAP_SERVERS={up.kafka_bootstrap}\nREDIS_URL={up.redis_url}")
    elif args.action == "down":
        stopped = services.down(settings.home)
        print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
    else:
        print("\n".join(services.status(settings.home)))
    return 0


def _cmd_brake(args: argparse.Namespace, settings: Settings) -> int:
    from wagerflow.ops.service import request_resume

    request_resume(settings, args.provider)
    print(f"asked every wagerflow process of tenant {settings.tenant} to resume {args.provider}")
    return 0


def _cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from wagerflow.commands.run import prepare_clickhouse

    applied = prepare_clickhouse(settings)
    print(f"applied: {', '.join(applied)}" if applied else "schema is up to date")
    return 0


def _cmd_produce(args: argparse.Namespace, settings: Settings) -> int:
    from wagerflow.commands.produce import produce_files

    topic = settings.topics.raw(args.provider)
    count = produce_files(
        settings.kafka_bootstrap, topic, args.provider, args.files, feed_time=args.feed_time
    )
    print(f"produced {count} messages to {topic}")
    return 0


def _cmd_normalize(args: argparse.Namespace, settings: Settings) -> int:
    from wagerflow.commands.normalize import dlq_path_for, normalize_files
    from wagerflow.commands.run import normalize_context

    summary = normalize_files(args.provider, args.files, normalize_context(settings), args.output)
    print(f"{summary.render()}\nevents: {args.output}\nDLQ:    {dlq_path_for(args.output)}")
    return 0


def _cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from wagerflow.commands import analytics
    from wagerflow.commands.replay import parse_feeds, replay
    from wagerflow.commands.run import normalize_context, prepare_clickhouse

    feeds = parse_feeds(args.feeds)
    prepare_clickhouse(settings)
    summary = replay(
        feeds,
        args.output_dir,
        normalize_context(settings),
        args.limits,
        batch_size=args.batch_size,
        thresholds_file=args.thresholds,
        players_file=args.players,
        rows=analytics.analytics_sink(settings),
        pseudo=analytics.pseudonymizer(settings),
    )
    print(f"{summary.render()}\noutputs: {args.output_dir}\nanalytics: {settings.clickhouse_dsn}")
    return 0


def _cmd_schema(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from wagerflow.commands.schema import topic_schemas, write_schemas

    if args.output_dir is None:
        print(json.dumps(topic_schemas(), indent=2, sort_keys=True))
    else:
        for path in write_schemas(args.output_dir):
            print(path)
    return 0


def _cmd_sql(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from wagerflow.connectors import clickhouse_client

    client = clickhouse_client.connect(settings.clickhouse_dsn, settings.clickhouse_database)
    try:
        result = client.query(args.query)
        for row in result.result_rows:
            print(json.dumps(dict(zip(result.column_names, row, strict=True)), default=str))
    finally:
        client.close()
    return 0


def _cmd_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    from wagerflow.analytics import reconcile as rec
    from wagerflow.commands.analytics import pseudonymizer
    from wagerflow.connectors import clickhouse_client

    start, end = rec.parse_time(args.start), rec.parse_time(args.end)
    if end <= start:
        msg = f"--to ({args.end}) must be after --from ({args.start})"
        raise rec.ReportError(msg)
    report = rec.read_report(args.report, pseudonymizer(settings), settings.tenant)
    client = clickhouse_client.connect(settings.clickhouse_dsn, settings.clickhouse_database)
    try:
        named = sorted({r.round_id for r in report})
        ours = rec.load_ours(client, settings.tenant, args.provider, start, end, named)
        books = rec.load_books(client, settings.tenant, args.provider, start, end)
    finally:
        client.close()
    result = rec.compare(report, ours, start, end)
    output = args.output or args.report.with_suffix(".reconcile.csv")
    rec.write_csv(result, output)
    title = (
        f"{args.provider} {rec.format_time(start)} .. {rec.format_time(end)} "
        f"(tenant {settings.tenant})"
    )
    print(rec.render(result, title))
    print(f"\nour books (MONEY.md §4.1):\n{rec.render_books(books)}")
    print(f"\nwritten: {output}")
    return 0 if result.ok else EXIT_DISCREPANCIES


def _cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from wagerflow.analytics import audit
    from wagerflow.connectors import clickhouse_client

    client = clickhouse_client.connect(settings.clickhouse_dsn, settings.clickhouse_database)
    try:
        records = audit.trail(
            client, settings.tenant, round_id=args.round, session_id=args.session, bet_id=args.bet
        )
    finally:
        client.close()
    print(f"wagerflow: {len(records)} records; {audit.RAW_NOT_STORED}", file=sys.stderr)
    sys.stdout.write(audit.json_lines(records))
    return 0


_COMMANDS = {
    "demo": _cmd_demo,
    "board": _cmd_board,
    "run": _cmd_run,
    "dev": _cmd_dev,
    "brake": _cmd_brake,
    "migrate": _cmd_migrate,
    "produce": _cmd_produce,
    "normalize": _cmd_normalize,
    "replay": _cmd_replay,
    "schema": _cmd_schema,
    "sql": _cmd_sql,
    "reconcile": _cmd_reconcile,
    "audit": _cmd_audit,
}


def redact(text: str) -> str:
    """``text`` without the ``user:password@`` of any URL in it."""
    return _CREDENTIALS.sub("***@", text)


def main(argv: Sequence[str] | None = None) -> int:
    from wagerflow.ops import logs

    args = _parser().parse_args(argv)
    logs.setup(os.environ.get("WAGERFLOW_LOG_LEVEL", "INFO"))
    # librdkafka's lines arrive as records of wagerflow.kafka; only its warnings are worth one
    logging.getLogger("wagerflow.kafka").setLevel(logging.WARNING)
    try:
        return _COMMANDS[args.command](args, _settings(args))
    except ServiceUnavailable as exc:
        print(f"wagerflow: error: {redact(str(exc))}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except WagerflowError as exc:
        print(f"wagerflow: error: {redact(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
