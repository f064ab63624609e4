"""The wagerflow contender of ``bench.e2e`` when ``wagerflow run`` cannot be used as it is: on
several Bytewax processes, or with the Redis and ClickHouse sinks left out.

    python -m bench.e2e_flow [--process-id 0 --addresses 'HOST:PORT;HOST:PORT']
                             [--stop-at-end] [--epoch-seconds 1.0] [--sinks all|kafka]

The flow is the one ``wagerflow run`` runs (``wagerflow.commands.run.kafka_flow``: normalize and
risk with every sink), run by Bytewax's ``cli_main`` as ``wagerflow run --no-recovery`` does, plus
``process_id`` and ``addresses``: Bytewax scales out by processes (``-i/-a``), each started with
its id and the addresses of all (``wagerflow run --workers`` adds threads, which the GIL keeps on
one core). Configured by the environment as ``wagerflow run`` is. Each process builds the flow,
so each applies the ClickHouse migrations: with the embedded engine give each process its own
``WAGERFLOW_CLICKHOUSE_DSN`` directory (the sinks have one partition, so one process writes all
of ClickHouse and Redis).

``--sinks kafka`` builds the same flow with the Redis and ClickHouse sinks replaced by sinks that
drop their items (rows are still computed): what the engine costs without those writes.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta

from bytewax.dataflow import Dataflow
from bytewax.run import cli_main

from wagerflow.adapters.registry import PROVIDERS
from wagerflow.commands import analytics
from wagerflow.commands.risk_files import RiskFiles, risk_context
from wagerflow.commands.run import kafka_flow, normalize_context, wall_clock_ms
from wagerflow.config import Settings, load_settings
from wagerflow.connectors.discard import DiscardSink
from wagerflow.connectors.kafka_admin import ensure_topics
from wagerflow.connectors.kafka_sink import KafkaSink
from wagerflow.connectors.kafka_source import KafkaSource
from wagerflow.flows.normalize import NormalizeSinks
from wagerflow.flows.risk import RiskSinks, build_pipeline_flow


def kafka_only_flow(settings: Settings, *, stop_at_end: bool) -> Dataflow:
    """``kafka_flow`` with Redis and ClickHouse dropped."""
    topics = settings.topics
    raw = {topics.raw(p): p for p in PROVIDERS}
    ensure_topics(
        settings.kafka_bootstrap, [*raw, *topics.all_outputs()], compacted=topics.compacted
    )
    drop = DiscardSink()
    return build_pipeline_flow(
        KafkaSource(settings.kafka_bootstrap, raw, stop_at_end=stop_at_end),
        NormalizeSinks(
            topics=KafkaSink(settings.kafka_bootstrap),
            states=drop,
            rows=drop,
            pseudo=analytics.pseudonymizer(settings),
        ),
        RiskSinks(exposures=drop, settlements=drop),
        normalize_context(settings),
        risk_context(RiskFiles(), None if stop_at_end else wall_clock_ms),
        topics,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--process-id", type=int)
    parser.add_argument("--addresses", help="HOST:PORT of every process, separated by ';'")
    parser.add_argument("--stop-at-end", action="store_true")
    parser.add_argument("--epoch-seconds", type=float, default=1.0)
    parser.add_argument("--sinks", choices=("all", "kafka"), default="all")
    args = parser.parse_args(argv)
    settings = load_settings(os.environ)
    if args.sinks == "kafka":
        flow = kafka_only_flow(settings, stop_at_end=args.stop_at_end)
    else:
        flow = kafka_flow(settings, stop_at_end=args.stop_at_end)
    try:
        cli_main(
            flow,
            process_id=args.process_id,
            addresses=args.addresses.split(";") if args.addresses else None,
            epoch_interval=timedelta(seconds=args.epoch_seconds),
        )
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
