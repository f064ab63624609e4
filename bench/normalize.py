"""bench/normalize: the normalize job per provider, (a) as a plain loop and (b) as the flow.

Both read the same raw topic on the real local Kafka and do the same work with the same rules:
decode, dedup/stale per shard, produce the normalized topics, write market state to Redis and
rows to ClickHouse (embedded chdb). The plain loop is the practical limit of Python on this
machine (confluent-kafka + msgspec + dicts, no engine); the ratio is flow / plain loop.

    .venv/bin/python -m bench.normalize [--messages 50000] [--providers betfair,uof,...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from bytewax.testing import run_main
from clickhouse_connect.driver.client import Client
from confluent_kafka import Consumer, Producer, TopicPartition

from bench.workloads import WORKLOADS
from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import TABLES, analytics_rows
from wagerflow.commands.produce import message_key
from wagerflow.commands.run import prepare_clickhouse
from wagerflow.config import DEV_PSEUDONYM_KEY, load_settings
from wagerflow.connectors import clickhouse_client
from wagerflow.connectors.clickhouse_sink import AnalyticsSink
from wagerflow.connectors.kafka_admin import ensure_topics
from wagerflow.connectors.kafka_sink import KafkaSink
from wagerflow.connectors.kafka_source import KafkaSource
from wagerflow.connectors.redis_store import CHECK_AND_APPLY, market_key
from wagerflow.connectors.redis_store import connect as redis_connect
from wagerflow.devenv import services
from wagerflow.flows.normalize import NormalizeSinks, build_normalize_flow
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.decode import decode_batch
from wagerflow.pipeline.normalize_state import AcceptedEvent, NormalizeShardState
from wagerflow.pipeline.outputs import dlq_record, event_record
from wagerflow.schemas.records import RawBatch
from wagerflow.schemas.state import STATE_ENCODER, MarketState
from wagerflow.schemas.tables import Row
from wagerflow.topics import Topics

PARTITIONS = 4
CH_BATCH_ROWS = 20_000


@dataclass
class Result:
    provider: str
    messages: int
    plain_s: float
    flow_s: float

    @property
    def ratio(self) -> float:
        return self.plain_s / self.flow_s if self.flow_s else 0.0


def _produce(bootstrap: str, topic: str, provider: str, lines: list[bytes]) -> None:
    ensure_topics(bootstrap, [topic], partitions=PARTITIONS)
    producer = Producer(
        {"bootstrap.servers": bootstrap, "linger.ms": 50, "enable.idempotence": True}
    )
    for line in lines:
        while True:
            try:
                producer.produce(topic, line, message_key(provider, line))
                break
            except BufferError:
                producer.poll(0.1)
    if producer.flush(60) > 0:
        sys.exit(f"could not produce the workload to {topic}")


def plain_loop(
    bootstrap: str,
    redis_url: str,
    ch_dsn: str,
    database: str,
    topic: str,
    provider: str,
    expected: int,
    ctx: NormalizeContext,
    topics: Topics,
) -> float:
    """The same job with no engine; returns seconds from first consume to last write."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "bench-plain", "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    producer = Producer(
        {"bootstrap.servers": bootstrap, "linger.ms": 20, "compression.type": "lz4"}
    )
    r = redis_connect(redis_url)
    apply_state = r.register_script(CHECK_AND_APPLY)
    ch = clickhouse_client.connect(ch_dsn, database)
    shards: dict[str, NormalizeShardState] = defaultdict(lambda: NormalizeShardState(ctx))
    pseudo = Pseudonymizer(DEV_PSEUDONYM_KEY.encode())
    rows: dict[str, list[Row]] = defaultdict(list)
    pending = 0
    seen = 0
    start = time.perf_counter()
    while seen < expected:
        msgs = consumer.consume(2000, 0.5)
        by_part: dict[int, RawBatch] = {}
        for m in msgs:
            if m.error():
                continue
            batch = by_part.setdefault(
                m.partition(), RawBatch(provider, topic, m.partition(), [], [], [])
            )
            batch.offsets.append(m.offset())
            batch.values.append(m.value())
            assert batch.timestamps is not None
            batch.timestamps.append(m.timestamp()[1])
        states: dict[str, MarketState] = {}
        for batch in by_part.values():
            seen += len(batch.values)
            work, dlq, _ = decode_batch(batch, ctx)
            for entry in dlq:
                rec = dlq_record(entry, topics)
                producer.produce(rec.topic, rec.value, rec.key)
                for table, row in analytics_rows(entry, pseudo):
                    rows[table].append(row)
            grouped: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
            for shard, w in work:
                grouped[shard].append(w)
            for shard, works in grouped.items():
                for item in shards[shard].apply(works):
                    if isinstance(item, AcceptedEvent):
                        rec = event_record(item.entity, item.event, topics)
                        producer.produce(rec.topic, rec.value, rec.key)
                        for table, row in analytics_rows(item.event, pseudo, entity=item.entity):
                            rows[table].append(row)
                            pending += 1
                    elif isinstance(item, MarketState):
                        states[market_key(item.tenant_id, item.provider_id, item.market_id)] = item
                    else:
                        rec = dlq_record(item, topics)
                        producer.produce(rec.topic, rec.value, rec.key)
                        for table, row in analytics_rows(item, pseudo):
                            rows[table].append(row)
        producer.poll(0)
        if states:
            pipe = r.pipeline(transaction=False)
            for key, st in states.items():
                apply_state(keys=[key], args=[st.version, STATE_ENCODER.encode(st), 0], client=pipe)
            pipe.execute()
        if pending >= CH_BATCH_ROWS:
            _insert(ch, rows)
            pending = 0
    _insert(ch, rows)
    producer.flush(60)
    elapsed = time.perf_counter() - start
    consumer.close()
    ch.close()
    r.close()
    return elapsed


def _insert(ch: Client, rows: dict[str, list[Row]]) -> None:
    """Insert and clear the buffered rows, one insert per table (as the sink does)."""
    for table, buffered in rows.items():
        if buffered:
            columns = list(TABLES[table].columns)
            ch.insert(
                table, buffered, column_names=columns, settings=clickhouse_client.INSERT_SETTINGS
            )
    rows.clear()


def flow_run(
    bootstrap: str,
    redis_url: str,
    ch_dsn: str,
    database: str,
    topic: str,
    provider: str,
    ctx: NormalizeContext,
    topics: Topics,
) -> float:
    """The normalize flow over the same topic (one worker, as ``wagerflow run``)."""
    from wagerflow.connectors.redis_store import RedisStateSink

    outputs = NormalizeSinks(
        topics=KafkaSink(bootstrap),
        states=RedisStateSink(redis_url),
        rows=AnalyticsSink(ch_dsn, database, TABLES),
        pseudo=Pseudonymizer(DEV_PSEUDONYM_KEY.encode()),
    )
    source = KafkaSource(bootstrap, {topic: provider}, stop_at_end=True)
    flow = build_normalize_flow(source, outputs, ctx, topics)
    start = time.perf_counter()
    run_main(flow, epoch_interval=timedelta(seconds=1))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=50_000, help="messages per provider")
    parser.add_argument("--providers", default=",".join(WORKLOADS), help="comma-separated")
    parser.add_argument(
        "--home", type=Path, help="where the bench's services live (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    providers = [p for p in args.providers.split(",") if p]
    unknown = set(providers) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown providers: {sorted(unknown)}")
    home = args.home or Path(tempfile.mkdtemp(prefix="wagerflow-bench-"))
    print(f"starting Kafka and Redis under {home} …", file=sys.stderr)
    svc = services.up(home)
    settings = replace(
        load_settings({"WAGERFLOW_HOME": str(home)}),
        kafka_bootstrap=svc.kafka_bootstrap,
        redis_url=svc.redis_url,
        clickhouse_dsn=f"chdb://{home / 'clickhouse'}",
    )
    results = []
    try:
        for provider in providers:
            lines = WORKLOADS[provider](args.messages)
            run = uuid.uuid4().hex[:6]
            topic = f"bench{run}.raw.{provider}"
            print(f"{provider}: producing {len(lines)} messages …", file=sys.stderr)
            _produce(svc.kafka_bootstrap, topic, provider, lines)
            timings = {}
            for mode in ("plain", "flow"):
                topics = Topics(f"bench{run}{mode}.")
                ensure_topics(svc.kafka_bootstrap, topics.all_outputs(), partitions=PARTITIONS)
                db_settings = replace(settings, clickhouse_database=f"bench{run}{mode}")
                prepare_clickhouse(db_settings)
                ctx = NormalizeContext(tenant_id=f"bench{mode}", currency="GBP")
                common = (
                    svc.kafka_bootstrap,
                    svc.redis_url,
                    settings.clickhouse_dsn,
                    db_settings.clickhouse_database,
                    topic,
                    provider,
                )
                if mode == "plain":
                    timings[mode] = plain_loop(*common, len(lines), ctx, topics)
                else:
                    timings[mode] = flow_run(*common, ctx, topics)
                print(
                    f"{provider}: {mode} {len(lines) / timings[mode]:,.0f} msg/s", file=sys.stderr
                )
            results.append(Result(provider, len(lines), timings["plain"], timings["flow"]))
    finally:
        services.down(home)
    print("\n| provider | messages | plain loop msg/s | flow msg/s | flow / plain |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.provider} | {r.messages} | {r.messages / r.plain_s:,.0f} | "
            f"{r.messages / r.flow_s:,.0f} | {r.ratio:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
