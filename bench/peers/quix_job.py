"""BENCHMARK PEER, not part of wagerflow: the exposure + settlement job on Quix Streams, so
``bench.e2e`` can compare the engine with a peer engine on the same data and the same job.

    python -m bench.peers.quix_job [--stop-at-end] [--epoch-seconds 1.0] [--sinks all|kafka]

Configured like ``wagerflow run``, by the same environment (``KAFKA_BOOTSTRAP_SERVERS``,
``REDIS_URL``, ``WAGERFLOW_CLICKHOUSE_DSN``, ``WAGERFLOW_TOPIC_PREFIX``, ``WAGERFLOW_TENANT``,
...). Written as a Quix Streams application is (Quix Streams 3.x):

- one ``StreamingDataFrame`` per raw topic (bytes values; not concatenated, which would make
  Quix align the topics by timestamp and wait on the slower ones);
- ``apply(..., metadata=True)``: each message, with its partition and offset from
  ``message_context()``, goes through ``bench.peers.job.Job`` (the same pure functions as the
  flow and the plain loop), giving one bundle of outputs;
- two branches of that bundle (Quix copies a value at a branch point, with pickle: one copy
  per message rather than per output): the topic records, expanded, go ``to_topic`` (the topic
  chosen per record, the record's key); the Redis and ClickHouse items go to a
  ``BatchingSink`` that writes them with the flow's sink partitions;
- a checkpoint every ``--epoch-seconds`` (1 s; ``commit_interval``, as the flow's epoch): Quix
  flushes the producer and the sinks, then commits the consumer offsets.

What it does not do, in its favour: the job's state (dedup, Betfair books, exposure books) is
a dict in this process, not Quix's RocksDB state store with changelog topics, so it is neither
persisted nor checkpointed, and no ``group_by`` repartitions the events by risk entity through
Kafka (which a multi-instance Quix deployment would need: the raw topics are keyed by the
provider's entity, not by the risk shard). Quix processes message by message, so each message
is a batch of one for the job. With ``--stop-at-end`` it stops once no message arrived for
``IDLE_STOP_S`` (``Application.run(timeout=...)``); pending timers are not fired at the end
(the flow fires them; they are a handful of records). ``--sinks kafka`` drops the Redis and
ClickHouse writes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from quixstreams import Application, message_context
from quixstreams.models import HeadersTuples, SerializationContext, Serializer, Topic
from quixstreams.sinks import BatchingSink, SinkBatch

from bench.peers.job import Out, Writers, job_for
from wagerflow.adapters.registry import PROVIDERS
from wagerflow.config import load_settings
from wagerflow.schemas.records import OutRecord, RawBatch

IDLE_STOP_S = 3.0
TICK_S = 0.1
"""How often a live run fires due timers (between messages)."""


class _RecordValue(Serializer):
    """An ``OutRecord``'s bytes, as they are."""

    def __call__(self, value: OutRecord, ctx: SerializationContext) -> bytes:
        return value.value


class _SideSink(BatchingSink):
    """Redis and ClickHouse items, written at each checkpoint through the flow's sinks."""

    def __init__(self, writers: Writers) -> None:
        super().__init__()
        self._writers = writers
        self._out = Out()

    def write(self, batch: SinkBatch) -> None:
        out = self._out
        for item in batch:
            side: Out = item.value
            out.states += side.states
            out.exposures += side.exposures
            out.settlements += side.settlements
            out.rows += side.rows
        self._writers.write(out)
        out.clear()

    def flush(self) -> None:
        super().flush()
        self._writers.snapshot()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stop-at-end", action="store_true")
    parser.add_argument(
        "--epoch-seconds", type=float, default=1.0, help="checkpoint interval (the flow's epoch)"
    )
    parser.add_argument(
        "--sinks", choices=("all", "kafka"), default="all", help="kafka: drop Redis/ClickHouse"
    )
    args = parser.parse_args(argv)
    settings = load_settings(os.environ)
    job = job_for(settings)
    writers = Writers(settings, enabled=args.sinks == "all")
    app = Application(
        broker_address=settings.kafka_bootstrap,
        consumer_group=f"bench-quix-{settings.topics.prefix}{settings.tenant}",
        auto_offset_reset="earliest",
        commit_interval=args.epoch_seconds,
        consumer_extra_config={"fetch.wait.max.ms": 10},
        producer_extra_config={"linger.ms": 5, "compression.type": "lz4"},  # as the flow's sink
        state_dir=str(settings.home / "quix-state"),  # unused: the job keeps no Quix state
        use_changelog_topics=False,
        auto_create_topics=False,
        loglevel="WARNING",
    )
    raw = {settings.topics.raw(p): p for p in PROVIDERS}
    outputs: dict[str, Topic] = {
        name: app.topic(name, value_serializer=_RecordValue(), key_serializer="bytes")
        for name in settings.topics.all_outputs()
    }
    live = not args.stop_at_end
    last_tick = time.monotonic()

    def process(value: bytes, key: Any, timestamp: int, headers: HeadersTuples) -> Out:
        nonlocal last_tick
        ctx = message_context()
        out = Out()
        job.process(
            RawBatch(raw[ctx.topic], ctx.topic, ctx.partition, [ctx.offset], [value], [timestamp]),
            out,
        )
        if live and time.monotonic() - last_tick >= TICK_S:
            last_tick = time.monotonic()
            job.on_time(time.time_ns() // 1_000_000, out)
        return out

    def side(out: Out) -> Out:
        out.records = []
        return out

    sink = _SideSink(writers)
    for name in raw:
        sdf = app.dataframe(app.topic(name, value_deserializer="bytes", key_deserializer="bytes"))
        outs = sdf.apply(process, metadata=True)
        records = outs.apply(lambda out: out.records, expand=True)
        records.to_topic(
            lambda value, _key, _ts, _headers: outputs[value.topic], key=lambda value: value.key
        )
        outs.apply(side).filter(
            lambda out: bool(out.states or out.exposures or out.settlements or out.rows)
        ).sink(sink)
    if args.stop_at_end:
        app.run(timeout=IDLE_STOP_S, collect=False)
    else:
        app.run()
    writers.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
