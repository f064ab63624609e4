"""bench/exposure: sports bets per second through normalize + risk, (a) as a plain loop and (b)
as the flow, and the p99 latency from a bet produced to its exposure update produced.

    .venv/bin/python -m bench.exposure [--bets 30000] [--rate-fraction 0.5] [--seconds 20]

Throughput: the same bets on the real local Kafka through the same rules (normalize shard
rules, exposure books, limits, suspend rules), producing every normalized event and risk record
to Kafka. Latency: the flow runs live (``wagerflow run``) while bets are produced at a fixed
fraction of the flow's measured rate; each bet's timestamp is its produce time, and an exposure
record's ``as_of_ms`` is the time of the bet that changed it, so the exposure message's Kafka
timestamp minus ``as_of_ms`` is the bet-to-exposure latency.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bytewax.testing import run_main
from confluent_kafka import Consumer, Producer, TopicPartition

from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.commands.produce import message_key
from wagerflow.config import DEV_PSEUDONYM_KEY
from wagerflow.connectors.discard import DiscardSink
from wagerflow.connectors.kafka_admin import ensure_topics
from wagerflow.connectors.kafka_sink import KafkaSink
from wagerflow.connectors.kafka_source import KafkaSource
from wagerflow.devenv import services
from wagerflow.flows.normalize import NormalizeSinks
from wagerflow.flows.risk import RiskContext, RiskSinks, build_pipeline_flow
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.decode import decode_batch
from wagerflow.pipeline.normalize_state import AcceptedEvent, NormalizeShardState
from wagerflow.pipeline.outputs import event_record
from wagerflow.risk.engine import RiskShardState
from wagerflow.risk.limits import LimitBook
from wagerflow.risk.outputs import topic_record
from wagerflow.risk.routing import risk_keys
from wagerflow.risk.suspend import SuspendConfig
from wagerflow.schemas.records import RawBatch
from wagerflow.topics import Topics

PARTITIONS = 4
WARM_UP_MS = 3_000
"""Bets of the first seconds are not measured: the flow may still be connecting."""
EVENTS = 200
SELECTIONS = ("1", "X", "2")


def bet_line(n: int, rnd: random.Random, at_ms: int) -> bytes:
    """One generic-feed ``BetPlaced`` on a random event/selection (1X2 market)."""
    event = f"bench-ev{rnd.randrange(EVENTS)}"
    stake = rnd.choice(["1.00", "2.50", "5.00", "10.00", "20.00", "50.00"])
    odds = rnd.choice(["1.50", "2.10", "3.40", "5.00"])
    return json.dumps(
        {
            "type": "BetPlaced",
            "timestamp": at_ms,
            "betId": f"bench-b{n}",
            "eventId": event,
            "marketId": "1",
            "selectionId": rnd.choice(SELECTIONS),
            "stake": {"amount": stake, "currency": "EUR"},
            "acceptedOdds": odds,
            "potentialPayout": str((Decimal(stake) * Decimal(odds)).quantize(Decimal("0.01"))),
            "playerId": f"p{rnd.randrange(5000)}",
        },
        separators=(",", ":"),
    ).encode()


def _produce(bootstrap: str, topic: str, lines: list[bytes]) -> None:
    ensure_topics(bootstrap, [topic], partitions=PARTITIONS)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for line in lines:
        producer.produce(topic, line, message_key("generic", line))
    producer.flush(60)


def plain_loop(bootstrap: str, topic: str, expected: int, topics: Topics) -> float:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "bench-plain", "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    ctx = NormalizeContext("bench", "EUR")
    shards: dict[str, NormalizeShardState] = defaultdict(lambda: NormalizeShardState(ctx))
    risk: dict[str, RiskShardState] = defaultdict(
        lambda: RiskShardState(LimitBook(), SuspendConfig())
    )
    seen = 0
    start = time.perf_counter()
    while seen < expected:
        batch = RawBatch("generic", topic, 0, [], [], [])
        for m in consumer.consume(2000, 0.5):
            if m.error():
                continue
            batch.offsets.append(m.offset() or 0)
            batch.values.append(m.value() or b"")
            assert batch.timestamps is not None
            batch.timestamps.append(m.timestamp()[1])
        seen += len(batch.values)
        work, _, _ = decode_batch(batch, ctx)
        grouped = defaultdict(list)
        for key, w in work:
            grouped[key].append(w)
        for key, ws in grouped.items():
            for item in shards[key].apply(ws):
                if not isinstance(item, AcceptedEvent):
                    continue
                rec = event_record(item.entity, item.event, topics)
                producer.produce(rec.topic, rec.value, rec.key)
                for rkey in risk_keys(item.event, 16):
                    for record in risk[rkey].apply(item.event, item.event.received_time_ms, rkey):
                        out = topic_record(record, topics)
                        if out is not None:
                            producer.produce(out.topic, out.value, out.key)
        producer.poll(0)
    producer.flush(60)
    return time.perf_counter() - start


def flow_run(bootstrap: str, topic: str, topics: Topics) -> float:
    discard = DiscardSink()
    outputs = NormalizeSinks(
        topics=KafkaSink(bootstrap),
        states=discard,
        rows=discard,
        pseudo=Pseudonymizer(DEV_PSEUDONYM_KEY.encode()),
    )
    risk = RiskContext(limits=LimitBook(), suspend=SuspendConfig(), wall_clock=None)
    flow = build_pipeline_flow(
        KafkaSource(bootstrap, {topic: "generic"}, stop_at_end=True),
        outputs,
        RiskSinks(exposures=discard, settlements=discard),
        NormalizeContext("bench", "EUR"),
        risk,
        topics,
    )
    start = time.perf_counter()
    run_main(flow, epoch_interval=timedelta(seconds=1))
    return time.perf_counter() - start


def latency(
    home: Path, bootstrap: str, redis_url: str, rate: float, seconds: float, epoch_s: float
) -> list[float]:
    """Run ``wagerflow run`` live, produce bets at ``rate``/s, return the latencies in ms of
    the exposure updates of bets produced after the warm-up."""
    prefix = f"lat{uuid.uuid4().hex[:6]}."
    topics = Topics(prefix)
    env = dict(
        os.environ,
        WAGERFLOW_HOME=str(home / prefix),
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        REDIS_URL=redis_url,
        WAGERFLOW_TOPIC_PREFIX=prefix,
        WAGERFLOW_TENANT="bench",
    )
    flow = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wagerflow.cli",
            "run",
            "--no-recovery",
            "--epoch-seconds",
            str(epoch_s),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(8)  # start-up: imports, the embedded ClickHouse engine, topic creation
        producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 1})
        rnd = random.Random(7)
        start = time.monotonic()
        measured_from = time.time_ns() // 1_000_000 + WARM_UP_MS
        n = 0
        while (elapsed := time.monotonic() - start) < seconds:
            while n < elapsed * rate:
                line = bet_line(n, rnd, time.time_ns() // 1_000_000)
                producer.produce(topics.raw("generic"), line, message_key("generic", line))
                n += 1
            producer.poll(0)
            time.sleep(0.001)
        producer.flush(30)
        time.sleep(3)
    finally:
        flow.terminate()
        flow.wait(30)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-lat"})
    exposure = topics.name("exposure")
    parts = consumer.list_topics(exposure, timeout=10).topics[exposure].partitions
    consumer.assign([TopicPartition(exposure, p, 0) for p in parts])
    out = []
    while (msg := consumer.poll(2.0)) is not None:
        if msg.error() or b'"exposure.line"' not in (msg.value() or b""):
            continue
        as_of = json.loads(msg.value() or b"{}")["as_of_ms"]
        if as_of >= measured_from:
            out.append(float(msg.timestamp()[1] - as_of))
    consumer.close()
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bets", type=int, default=30_000)
    parser.add_argument("--rate-fraction", type=float, default=0.5, help="of the flow's rate")
    parser.add_argument("--seconds", type=float, default=20.0, help="latency run length")
    parser.add_argument(
        "--epoch-seconds",
        type=float,
        default=0.2,
        help="the live flow's epoch: each stateful step holds items until their epoch closes",
    )
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="wagerflow-bench-"))
    print(f"starting Kafka and Redis under {home} …", file=sys.stderr)
    svc = services.up(home)
    try:
        rnd = random.Random(1)
        lines = [bet_line(n, rnd, 1_768_050_000_000 + n) for n in range(args.bets)]
        run = uuid.uuid4().hex[:6]
        topic = f"bench{run}.raw.generic"
        _produce(svc.kafka_bootstrap, topic, lines)
        timings = {}
        for mode in ("plain", "flow"):
            topics = Topics(f"bench{run}{mode}.")
            ensure_topics(svc.kafka_bootstrap, topics.all_outputs(), partitions=PARTITIONS)
            if mode == "plain":
                timings[mode] = plain_loop(svc.kafka_bootstrap, topic, len(lines), topics)
            else:
                timings[mode] = flow_run(svc.kafka_bootstrap, topic, topics)
            print(f"{mode}: {len(lines) / timings[mode]:,.0f} bets/s", file=sys.stderr)
        flow_rate = len(lines) / timings["flow"]
        rate = flow_rate * args.rate_fraction
        print(f"latency run at {rate:,.0f} bets/s for {args.seconds:.0f}s …", file=sys.stderr)
        lat = latency(
            home, svc.kafka_bootstrap, svc.redis_url, rate, args.seconds, args.epoch_seconds
        )
    finally:
        services.down(home)
    print("\n| measure | plain loop | flow | flow / plain |")
    print("|---|---:|---:|---:|")
    plain_rate = len(lines) / timings["plain"]
    print(
        f"| bets/s ({len(lines)} bets) | {plain_rate:,.0f} | {flow_rate:,.0f} | "
        f"{flow_rate / plain_rate:.2f} |"
    )
    print(
        f"\nlatency bet -> exposure at {rate:,.0f} bets/s ({len(lat)} exposure updates): "
        f"p50 {_pct(lat, 0.5):.0f} ms, p95 {_pct(lat, 0.95):.0f} ms, p99 {_pct(lat, 0.99):.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
