"""The plain-loop baseline of ``bench.e2e``: the job with no engine (confluent-kafka, msgspec,
dicts), the practical limit of Python on the machine.

    python -m bench.peers.plain_job [--stop-at-end] [--epoch-seconds 1.0] [--sinks all|kafka]

Configured like ``wagerflow run``, by the same environment (``KAFKA_BOOTSTRAP_SERVERS``,
``REDIS_URL``, ``WAGERFLOW_CLICKHOUSE_DSN``, ``WAGERFLOW_TOPIC_PREFIX``, ``WAGERFLOW_TENANT``,
...). One consumer reads every partition of the raw topics from the beginning, in batches of up
to 2000 messages (or what came within 10 ms); each batch goes through ``bench.peers.job.Job``
per partition, its topic records to one producer (the flow's sink settings), its Redis and
ClickHouse items to the flow's sink partitions. Every ``--epoch-seconds`` the producer and
those sinks are flushed, as the end of a Bytewax epoch does. With ``--stop-at-end`` it stops at
the end of every partition (fires the pending timers, flushes, prints a JSON summary);
otherwise it tails until SIGTERM or SIGINT, firing due timers on the wall clock. No recovery:
state is in memory only. ``--sinks kafka`` drops the Redis and ClickHouse writes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from types import FrameType

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

from bench.peers.job import Out, Writers, job_for
from wagerflow.adapters.registry import PROVIDERS
from wagerflow.config import load_settings
from wagerflow.connectors.kafka_admin import partition_count
from wagerflow.schemas.records import RawBatch

BATCH = 2000
WAIT_S = 0.01
"""How long ``consume`` waits for a full batch: a backlog fills batches at once; live, a
message waits at most this long before it is processed."""

_stop = False


def _on_signal(_signum: int, _frame: FrameType | None) -> None:
    global _stop
    _stop = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stop-at-end", action="store_true")
    parser.add_argument(
        "--epoch-seconds", type=float, default=1.0, help="flush interval (the flow's epoch)"
    )
    parser.add_argument(
        "--sinks", choices=("all", "kafka"), default="all", help="kafka: drop Redis/ClickHouse"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    settings = load_settings(os.environ)
    bootstrap = settings.kafka_bootstrap
    raw = {settings.topics.raw(p): p for p in PROVIDERS}
    parts = [
        TopicPartition(topic, p, OFFSET_BEGINNING)
        for topic in raw
        for p in range(partition_count(bootstrap, topic))
    ]
    job = job_for(settings)
    writers = Writers(settings, enabled=args.sinks == "all")
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-plain-{settings.topics.prefix}{settings.tenant}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "fetch.wait.max.ms": 10,
        }
    )
    consumer.assign(parts)
    producer = Producer(  # as connectors.kafka_sink
        {
            "bootstrap.servers": bootstrap,
            "linger.ms": 5,
            "compression.type": "lz4",
            "enable.idempotence": True,
        }
    )

    def produce(out: Out) -> None:
        for rec in out.records:
            while True:
                try:
                    producer.produce(rec.topic, rec.value, rec.key)
                    break
                except BufferError:
                    producer.poll(0.1)
        producer.poll(0)
        writers.write(out)
        out.clear()

    pending = {(tp.topic, tp.partition) for tp in parts}
    received = 0
    out = Out()
    last_flush = time.monotonic()
    while not _stop and (pending or not args.stop_at_end):
        batches: dict[tuple[str, int], RawBatch] = {}
        for m in consumer.consume(BATCH, WAIT_S):
            err = m.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    pending.discard((m.topic() or "", m.partition() or 0))
                continue
            topic, partition = m.topic() or "", m.partition() or 0
            batch = batches.get((topic, partition))
            if batch is None:
                batch = batches[topic, partition] = RawBatch(
                    raw[topic], topic, partition, [], [], []
                )
            batch.offsets.append(m.offset() or 0)
            batch.values.append(m.value() or b"")
            batch.timestamps.append(m.timestamp()[1])  # type: ignore[union-attr]
        for batch in batches.values():
            received += len(batch.values)
            job.process(batch, out)
        if not args.stop_at_end:
            job.on_time(time.time_ns() // 1_000_000, out)
        produce(out)
        if time.monotonic() - last_flush >= args.epoch_seconds:
            producer.flush(30)
            writers.snapshot()
            last_flush = time.monotonic()
    if args.stop_at_end:
        job.finish(out)
        produce(out)
    producer.flush(60)
    writers.snapshot()
    writers.close()
    consumer.close()
    print(json.dumps({"received": received}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
