"""bench/e2e: the whole job (normalize, exposure, limits, suspend rules, settlement, every sink)
end to end on the real local Kafka, Redis and ClickHouse (embedded chdb), side by side:

- **plain loop**: the job with no engine (``bench/peers/plain_job.py``: confluent-kafka, msgspec,
  dicts): the practical limit of Python on this machine;
- **wagerflow**: ``wagerflow run --stop-at-end --no-recovery`` (one process), and the same flow
  on two Bytewax processes (``bench/e2e_flow.py``, ``-i/-a``);
- **Quix Streams** (benchmark peer, ``bench/peers/quix_job.py``): the same job on Quix Streams.

All three call the same pure functions (``decode_batch``, ``ShardState``, ``RiskShard``,
``topic_record``, ``analytics_rows``) and write through the flow's own Redis and ClickHouse sink
code, so the differences are the engines'. ::

    .venv/bin/pip install -e '.[bench]'            # quixstreams, matplotlib, psutil
    .venv/bin/python -m bench.e2e --quick          # about 5 minutes on a 2-core machine
    .venv/bin/python -m bench.e2e                  # the full sizes (much longer)

``--quick``: a 20,000-message backlog, 12 s live runs, a 5x backlog for memory; otherwise
200,000 messages, 40 s, 10x. ``--sinks kafka`` drops every contender's Redis and ClickHouse
writes (the engines alone); ``--repeat N`` keeps each contender's best of N backlog runs (the
machine may be shared); ``--contenders``, ``--mix``, ``--rate-fraction``, ``--epoch-seconds``
and the sizes can be set (``--help``). It starts its own Kafka and Redis in a temp directory and
stops them at the end.

The workload (``bench/e2e_workload.py``): the Betfair and UOF recordings of ../shared/data
multiplied over synthetic market and event ids with compressed time (generated feeds in the
same formats when absent), bets on those markets weighted by the size offered, the generated
generic feed (matches, bets, settlements, slots, roulette), live-casino rounds and Hub88 /
Evolution / Pragmatic wallet callbacks, mixed by ``--mix``. Each raw topic has 4 partitions.

What each figure means:

- **throughput** (msg/s): raw messages of a pre-produced backlog divided by the time they
  took: the contender's wall time (start to exit, ``--stop-at-end``) over the backlog minus its
  wall time over empty raw topics (start-up and shut-down alone: imports, ClickHouse
  migrations, consumer-group joins). ``window_rate`` is messages over the time from the first
  output to the last (broker append times; output topics use ``LogAppendTime``), which leaves
  out whatever happens before the first output (Bytewax reads a backlog far faster than it
  processes it, so nearly the whole backlog falls into its first epochs and most output comes
  in a burst at the end); it is in the JSON only.
- **outputs/msg**: output messages on Kafka per raw message (normalized events, DLQ, exposures,
  commands, breaches, ``round.settle``), a check that the contenders did the same work.
- **CPU** (cores): the CPU seconds of the contender's processes (``getrusage`` of the reaped
  children) over the backlog minus over the empty topics, divided by the time above;
  **CPU µs/msg**: the same per raw message.
- **peak RSS** (MB): the largest sum of the resident sets of the contender's processes, sampled
  every 0.2 s (psutil), embedded ClickHouse included.
- **latency** p50/p95/p99 (ms): each contender runs live while the workload is produced at a
  fixed rate, ``--rate-fraction`` of wagerflow's one-process throughput (the same rate for all);
  a normalized event's latency is its output's broker append time minus its raw message's
  produce time (its ``received_time_ms``). Before the measured messages, the contender gets
  ``WARM_UP_S`` (5 s) of them at the rate and time to catch up (first inserts, first
  entities, caches), so the figures are its steady state at that rate.
  Timestamps inside the messages are moved to their produce time (``retime``), so no data-lag
  rule fires. Live runs use ``--live-epoch-seconds`` (default ``--epoch-seconds``, 1 s, at which
  the rate was measured) for wagerflow's epoch, the plain loop's flushes and Quix's
  checkpoints. **drain**: from the end of producing to the output of the last message
  produced; beyond a second or two, the contender fell behind the rate (``p50_by_second`` in
  the JSON shows the latency growing).
- **scaling**: wagerflow's throughput on two processes over one.
- **memory**: peak RSS on a backlog ``--memory-factor`` times larger over the throughput run's,
  for wagerflow and, as a control (the same job's state with no engine), the plain loop.
  ``rss_timeline`` in the JSON is the RSS over the run.

Results go to ``bench/results/e2e.json``, ``e2e.md`` (the tables, also printed at the end) and
``e2e.png``. Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from bench import e2e_workload as workload
from wagerflow.adapters.registry import PROVIDERS
from wagerflow.devenv import process, services
from wagerflow.topics import NORMALIZED, Topics

PARTITIONS = 4
WARM_UP_S = 5.0
"""A live run first produces this long at the rate, then waits for the outputs to catch up,
then measures."""
DRAIN_QUIET_S = 4.0
DRAIN_MAX_S = 180.0
SAMPLE_EVERY_S = 0.2
RSS_LIMIT_MB = psutil.virtual_memory().total // 2**20 // 2
"""A contender whose processes hold more than this is killed (``--rss-limit-mb``)."""
RESULTS = Path(__file__).resolve().parent / "results"

PLAIN, WAGERFLOW, WAGERFLOW2, QUIX = "plain", "wagerflow", "wagerflow-2p", "quix"
LABELS = {
    PLAIN: "plain loop",
    WAGERFLOW: "wagerflow",
    WAGERFLOW2: "wagerflow, 2 processes",
    QUIX: "Quix Streams (peer)",
}
SHORT = {PLAIN: "plain", WAGERFLOW: "wagerflow", WAGERFLOW2: "wagerflow x2", QUIX: "Quix"}
CONTENDERS = (PLAIN, WAGERFLOW, WAGERFLOW2, QUIX)
LIVE_CONTENDERS = (PLAIN, WAGERFLOW, QUIX)
MEMORY_CONTENDERS = (WAGERFLOW, PLAIN)
"""wagerflow, and the plain loop as a control: the same job's state without an engine."""


def log(text: str) -> None:
    print(f"[e2e {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# --- Kafka ----------------------------------------------------------------------------------


def create_topics(bootstrap: str, names: Iterable[str], config: dict[str, str]) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    new = [
        NewTopic(n, num_partitions=PARTITIONS, replication_factor=1, config=config) for n in names
    ]
    for topic, future in admin.create_topics(new).items():
        try:
            future.result(timeout=30)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                msg = f"could not create {topic}: {exc}"
                raise RuntimeError(msg) from exc


def prepare_topics(bootstrap: str, topics: Topics) -> None:
    """Raw topics kept forever (a backlog carries the provider's old timestamps) and output
    topics stamped by the broker on append (every contender's outputs timed the same way)."""
    create_topics(bootstrap, [topics.raw(p) for p in PROVIDERS], {"retention.ms": "-1"})
    stamped = {"message.timestamp.type": "LogAppendTime"}
    outputs = topics.all_outputs()
    compacted = [t for t in outputs if t in topics.compacted]
    create_topics(bootstrap, [t for t in outputs if t not in compacted], stamped)
    create_topics(bootstrap, compacted, {**stamped, "cleanup.policy": "compact"})


def produce_backlog(
    bootstrap: str, topics: Topics, feeds: dict[str, list[workload.Message]]
) -> int:
    """Every message, keyed, with its time on the workload's clock as its Kafka timestamp."""
    producer = Producer(
        {"bootstrap.servers": bootstrap, "linger.ms": 50, "enable.idempotence": True}
    )
    count = 0
    for provider, messages in feeds.items():
        topic = topics.raw(provider)
        for m in messages:
            while True:
                try:
                    producer.produce(topic, m.value, m.key, timestamp=m.time_ms)
                    break
                except BufferError:
                    producer.poll(0.1)
            count += 1
    if producer.flush(120) > 0:
        sys.exit("could not produce the backlog")
    return count


def warm_up(bootstrap: str) -> None:
    """Load the broker's coordinators (idempotent producer ids, consumer groups) before anything
    is timed: the first client to need them otherwise waits seconds."""
    topic = "bench-e2e-warm-up"
    create_topics(bootstrap, [topic], {})
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    producer.produce(topic, b"warm-up")
    producer.flush(60)
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": topic, "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is not None and not msg.error():
                consumer.commit(msg, asynchronous=False)
                return
    finally:
        consumer.close()


def _partitions(consumer: Consumer, names: list[str]) -> list[TopicPartition]:
    meta = consumer.list_topics(timeout=10)
    return [
        TopicPartition(n, p) for n in names if n in meta.topics for p in meta.topics[n].partitions
    ]


def high_watermarks(bootstrap: str, names: list[str]) -> dict[tuple[str, int], int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-e2e-meta"})
    try:
        return {
            (tp.topic, tp.partition): _high(consumer, tp) for tp in _partitions(consumer, names)
        }
    finally:
        consumer.close()


def _high(consumer: Consumer, tp: TopicPartition) -> int:
    for attempt in range(40):  # a new topic's partitions may still be electing a leader
        try:
            return int(consumer.get_watermark_offsets(tp, timeout=10)[1])
        except KafkaException:
            if attempt == 39:
                raise
            time.sleep(0.25)
    return 0


def output_window(
    bootstrap: str, before: dict[tuple[str, int], int], after: dict[tuple[str, int], int]
) -> tuple[int, int, int]:
    """(first, last) broker timestamps of the messages written between two snapshots of the
    high watermarks, and their count."""
    ranges = {tp: (before.get(tp, 0), high) for tp, high in after.items()}
    ranges = {tp: r for tp, r in ranges.items() if r[1] > r[0]}
    count = sum(high - low for low, high in ranges.values())
    stamps: list[int] = []
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "bench-e2e-window",
            "enable.auto.commit": False,
        }
    )
    try:
        for pick in (0, 1):  # the first message of each partition's range, then the last
            want = {tp: r[0] if pick == 0 else r[1] - 1 for tp, r in ranges.items()}
            consumer.assign([TopicPartition(t, p, o) for (t, p), o in want.items()])
            deadline = time.monotonic() + 15
            while want and time.monotonic() < deadline:
                for msg in consumer.consume(1000, 1.0):
                    tp = (msg.topic() or "", msg.partition() or 0)
                    if not msg.error() and want.get(tp) == msg.offset():
                        stamps.append(msg.timestamp()[1])
                        del want[tp]
    finally:
        consumer.close()
    return (min(stamps), max(stamps), count) if stamps else (0, 0, count)


def read_all(bootstrap: str, names: list[str]) -> Iterable[Any]:
    """Every message of the topics, from the beginning to the current end."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "bench-e2e-read", "enable.auto.commit": False}
    )
    try:
        ends = {}
        parts = []
        for tp in _partitions(consumer, names):
            high = _high(consumer, tp)
            if high > 0:
                ends[(tp.topic, tp.partition)] = high
                parts.append(TopicPartition(tp.topic, tp.partition, 0))
        consumer.assign(parts)
        idle = 0
        while ends and idle < 20:  # 10 s without a message: give up on the rest
            batch = consumer.consume(5000, 0.5)
            idle = 0 if batch else idle + 1
            for msg in batch:
                if msg.error():
                    continue
                yield msg
                key = (msg.topic(), msg.partition())
                if key in ends and (msg.offset() or 0) >= ends[key] - 1:
                    del ends[key]
    finally:
        consumer.close()


# --- processes ------------------------------------------------------------------------------


class Monitor(threading.Thread):
    """Samples the CPU time and resident set of some processes and their children."""

    def __init__(self, pids: list[int], rss_limit_mb: int = RSS_LIMIT_MB) -> None:
        super().__init__(daemon=True)
        self._limit = rss_limit_mb * 2**20
        self._procs = [psutil.Process(pid) for pid in pids]
        self._cpu: dict[int, float] = {}
        self.samples: list[tuple[float, float, int]] = []  # (epoch s, CPU s, RSS bytes)
        self._done = threading.Event()
        self.killed = False
        """Killed for going over ``rss_limit_mb``."""

    def run(self) -> None:
        while not self._done.is_set():
            rss = 0
            for proc in self._procs:
                try:
                    tree = [proc, *proc.children(recursive=True)]
                except psutil.Error:
                    continue
                for p in tree:
                    try:
                        with p.oneshot():
                            times = p.cpu_times()
                            self._cpu[p.pid] = times.user + times.system
                            rss += p.memory_info().rss
                    except psutil.Error:
                        continue
            self.samples.append((time.time(), sum(self._cpu.values()), rss))
            if rss > self._limit and not self.killed:  # a shared machine: never swap it
                self.killed = True
                for proc in self._procs:
                    with contextlib.suppress(psutil.Error):
                        proc.kill()
            self._done.wait(SAMPLE_EVERY_S)

    def stop(self) -> None:
        self._done.set()
        self.join(5)

    def cpu_at(self, at: float) -> float:
        """CPU seconds used by ``at`` (linear between samples)."""
        prev = (0.0, 0.0)
        for t, cpu, _ in self.samples:
            if t >= at:
                if t == prev[0]:
                    return cpu
                return prev[1] + (cpu - prev[1]) * (at - prev[0]) / (t - prev[0])
            prev = (t, cpu)
        return prev[1]

    def timeline(self) -> list[tuple[float, float]]:
        """(seconds since the first sample, RSS MB), about one a second."""
        if not self.samples:
            return []
        start, out, last = self.samples[0][0], [], -1.0
        for t, _, rss in self.samples:
            if t - start >= last + 1.0 or (t, _, rss) == self.samples[-1]:
                last = t - start
                out.append((round(last, 1), round(rss / 2**20, 1)))
        return out

    @property
    def peak_rss(self) -> int:
        return max((rss for _, _, rss in self.samples), default=0)


@dataclass
class Env:
    bootstrap: str
    redis_url: str
    home: Path
    sinks: str = "all"
    """``all`` (Kafka, Redis, ClickHouse) or ``kafka`` (Redis and ClickHouse writes dropped)."""
    rss_limit_mb: int = RSS_LIMIT_MB

    def for_run(self, prefix: str, tenant: str, store: str) -> dict[str, str]:
        return dict(
            os.environ,
            KAFKA_BOOTSTRAP_SERVERS=self.bootstrap,
            REDIS_URL=self.redis_url,
            WAGERFLOW_TOPIC_PREFIX=prefix,
            WAGERFLOW_TENANT=tenant,
            WAGERFLOW_HOME=str(self.home / "state" / store),
            WAGERFLOW_CLICKHOUSE_DSN=f"chdb://{self.home / 'clickhouse' / store}",
            PYTHONUNBUFFERED="1",
        )


def start(
    contender: str, env: Env, prefix: str, tag: str, *, stop_at_end: bool, epoch_s: float
) -> list[Any]:
    """Start a contender's processes (stderr to a log file in the bench's home)."""
    py = sys.executable
    end = ["--epoch-seconds", str(epoch_s)] + (["--stop-at-end"] if stop_at_end else [])
    sinks = ["--sinks", env.sinks]
    tenant = tag.replace("/", "-")
    logs = env.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    if contender == WAGERFLOW2:
        ports = [process.free_port(), process.free_port()]
        addresses = ";".join(f"127.0.0.1:{p}" for p in ports)
        argvs = [
            [py, "-m", "bench.e2e_flow", "--process-id", str(i), "--addresses", addresses]
            + end
            + sinks
            for i in range(2)
        ]
        stores = [f"{tenant}-p{i}" for i in range(2)]
    else:
        wagerflow_run = (
            [py, "-m", "wagerflow.cli", "run", "--no-recovery", *end]
            if env.sinks == "all"
            else [py, "-m", "bench.e2e_flow", *end, *sinks]
        )
        argv = {
            PLAIN: [py, "-m", "bench.peers.plain_job", *end, *sinks],
            WAGERFLOW: wagerflow_run,
            QUIX: [py, "-m", "bench.peers.quix_job", *end, *sinks],
        }[contender]
        argvs, stores = [argv], [tenant]
    procs = []
    for argv, store in zip(argvs, stores, strict=True):
        with (logs / f"{store}.log").open("wb") as err:
            procs.append(
                subprocess.Popen(
                    argv,
                    env=env.for_run(prefix, tenant, store),
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    cwd=Path(__file__).resolve().parents[1],
                )
            )
    return procs


def stop(procs: list[Any], timeout_s: float = 30) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    deadline = time.monotonic() + timeout_s
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


def _log_tail(env: Env, tag: str) -> str:
    """The last line of each of the run's logs that names an error, without local paths."""
    lines: list[str] = []
    for path in sorted((env.home / "logs").glob(f"{tag.replace('/', '-')}*.log")):
        text = path.read_text(errors="replace").splitlines()
        errors = [ln for ln in text if "Error" in ln or "error" in ln] or text[-1:]
        lines += errors[-1:]
    root = str(Path(__file__).resolve().parents[1])
    return " / ".join(lines).replace(root, ".").replace(str(env.home), "<home>")[:300]


# --- backlog runs ---------------------------------------------------------------------------


@dataclass
class BacklogResult:
    contender: str
    messages: int
    ok: bool = True
    error: str = ""
    rate: float = 0.0
    """messages / (wall_s - startup_wall_s)."""
    wall_s: float = 0.0
    """From starting the processes to their exit, over the backlog."""
    startup_wall_s: float = 0.0
    """The same over empty raw topics: start-up and shut-down alone."""
    window_rate: float = 0.0
    """messages / the time from the first output message to the last (a second view: it leaves
    out what happens before the first output, e.g. a whole first epoch)."""
    outputs: int = 0
    cpu_s: float = 0.0
    startup_cpu_s: float = 0.0
    cpu_cores: float = 0.0
    cpu_us_per_msg: float = 0.0
    peak_rss_mb: float = 0.0
    rss_timeline: list[tuple[float, float]] = field(default_factory=list)
    """(seconds since start, RSS MB), about one a second."""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_to_end(
    contender: str, env: Env, topics: Topics, tag: str, timeout_s: float, epoch_s: float
) -> tuple[float, float, Monitor, str]:
    """Run a contender over its raw topics to their end: (wall s, CPU s, its monitor, error)."""
    cpu0, began = _children_cpu(), time.monotonic()
    procs = start(contender, env, topics.prefix, tag, stop_at_end=True, epoch_s=epoch_s)
    monitor = Monitor([p.pid for p in procs], env.rss_limit_mb)
    monitor.start()
    error = ""
    try:
        for p in procs:
            p.wait(max(1.0, timeout_s - (time.monotonic() - began)))
    except subprocess.TimeoutExpired:
        error = f"did not finish within {timeout_s:.0f} s"
    finally:
        monitor.stop()
        stop(procs)
    wall = time.monotonic() - began
    codes = [p.returncode for p in procs]
    if monitor.killed:
        error = f"killed: resident memory over {env.rss_limit_mb:,} MB (--rss-limit-mb)"
    elif not error and any(codes):
        error = f"exit codes {codes}: {_log_tail(env, tag)}"
    return wall, _children_cpu() - cpu0, monitor, error


def backlog_run(
    contender: str,
    env: Env,
    topics: Topics,
    empty: Topics,
    messages: int,
    tag: str,
    timeout_s: float,
    epoch_s: float,
) -> BacklogResult:
    """The contender over the backlog, then over an empty one (``empty``: start-up and
    shut-down alone); the difference is the time and CPU the messages took."""
    result = BacklogResult(contender, messages)
    outputs = topics.all_outputs()
    before = high_watermarks(env.bootstrap, outputs)
    wall, cpu, monitor, error = _run_to_end(contender, env, topics, tag, timeout_s, epoch_s)
    result.wall_s, result.cpu_s = wall, cpu
    result.peak_rss_mb, result.rss_timeline = monitor.peak_rss / 2**20, monitor.timeline()
    first, last, result.outputs = output_window(
        env.bootstrap, before, high_watermarks(env.bootstrap, outputs)
    )
    wall0, cpu0 = 0.0, 0.0
    if not error:
        wall0, cpu0, _, error = _run_to_end(contender, env, empty, f"{tag}-empty", 300, epoch_s)
        result.startup_wall_s, result.startup_cpu_s = wall0, cpu0
    busy = result.wall_s - wall0
    if error or not result.outputs or busy <= 0:
        why = "no output" if not result.outputs else "start-up took longer than the backlog run"
        result.ok, result.error = False, error or f"{why}: {_log_tail(env, tag)}"
        return result
    result.rate = messages / busy
    result.cpu_cores = (result.cpu_s - cpu0) / busy
    result.cpu_us_per_msg = (result.cpu_s - cpu0) / messages * 1e6
    if last > first:
        result.window_rate = messages * 1000 / (last - first)
    return result


def memory_run(
    contender: str,
    env: Env,
    topics: Topics,
    messages: int,
    small: BacklogResult,
    tag: str,
    epoch_s: float,
) -> dict[str, BacklogResult]:
    """The contender over a larger backlog (its start-up time taken from ``small``)."""
    wall, cpu, monitor, error = _run_to_end(
        contender, env, topics, tag, 120 + messages / 100, epoch_s
    )
    large = BacklogResult(contender, messages, not error, error, wall_s=wall, cpu_s=cpu)
    large.peak_rss_mb, large.rss_timeline = monitor.peak_rss / 2**20, monitor.timeline()
    large.startup_wall_s, large.startup_cpu_s = small.startup_wall_s, small.startup_cpu_s
    if not error and wall > small.startup_wall_s:
        large.rate = messages / (wall - small.startup_wall_s)
        large.cpu_us_per_msg = (cpu - small.startup_cpu_s) / messages * 1e6
    return {"small": small, "large": large}


# --- live runs ------------------------------------------------------------------------------


@dataclass
class LatencyResult:
    contender: str
    rate_target: float
    ok: bool = True
    error: str = ""
    rate_achieved: float = 0.0
    produced: int = 0
    samples: int = 0
    p50_ms: float = math.nan
    p95_ms: float = math.nan
    p99_ms: float = math.nan
    max_ms: float = math.nan
    exposure_p99_ms: float = math.nan
    """Exposure records, from their ``as_of_ms`` (the bet's provider time, which ``retime`` set
    to its scheduled produce time)."""
    p50_by_second: list[float] = field(default_factory=list)
    """The median latency of the messages produced in each second of the run: flat when the
    contender keeps up, rising when it falls behind."""
    drain_s: float = 0.0
    """From the end of producing to the output of the last raw message produced: more than a
    second or two means the contender fell behind the rate (its latency grew during the run)."""
    cpu_cores: float = 0.0
    peak_rss_mb: float = 0.0


class Outputs:
    """Polls the total of the high watermarks of some topics with one consumer."""

    def __init__(self, bootstrap: str, names: list[str]) -> None:
        self._consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-e2e-meta"})
        self._parts = _partitions(self._consumer, names)

    def total(self) -> int:
        return sum(_high(self._consumer, tp) for tp in self._parts)

    def close(self) -> None:
        self._consumer.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


_RECEIVED = re.compile(rb'"received_time_ms":(\d+)')


def latency_run(
    contender: str,
    env: Env,
    run: str,
    rate: float,
    seconds: float,
    mix: dict[str, float],
    seed: int,
    epoch_s: float,
) -> LatencyResult:
    tag = f"lat-{contender}-{run}"
    topics = Topics(f"lat{run}{contender.replace('-', '')}.")
    prepare_topics(env.bootstrap, topics)
    result = LatencyResult(contender, rate)
    needed = int(rate * (seconds + WARM_UP_S)) + 2_000
    messages = workload.interleave(workload.build(needed, mix, seed))
    procs = start(contender, env, topics.prefix, tag, stop_at_end=False, epoch_s=epoch_s)
    monitor = Monitor([p.pid for p in procs], env.rss_limit_mb)
    monitor.start()
    producer = Producer({"bootstrap.servers": env.bootstrap, "linger.ms": 1})
    outputs = topics.all_outputs()
    t0 = ran_until = ended = time.time()

    def send(m: workload.Message, at_ms: int) -> None:
        producer.produce(topics.raw(m.provider), workload.retime(m, at_ms), m.key)

    def at_rate(queue: list[workload.Message]) -> tuple[float, float]:
        """Produce ``queue`` at ``rate``, each message stamped with its due time; return when
        it started and ended."""
        start = time.time() + 0.1
        n = 0
        while n < len(queue):
            now = time.time()
            while n < len(queue) and start + n / rate <= now:
                send(queue[n], int((start + n / rate) * 1000))
                n += 1
            producer.poll(0)
            time.sleep(0.001)
        producer.flush(30)
        return start, time.time()

    def quiet(since: float, quiet_s: float) -> float:
        """Wait until no output came for ``quiet_s`` (at most ``DRAIN_MAX_S`` after ``since``;
        a live run's timers may keep adding commands); return when the last one came."""
        last, changed = -1, time.time()
        while time.time() - changed < quiet_s and time.time() - since < DRAIN_MAX_S:
            total = watch.total()
            if total != last:
                last, changed = total, time.time()
            time.sleep(0.25)
        return changed

    watch = Outputs(env.bootstrap, outputs)
    try:
        # ready once a probe message comes out (imports, migrations, group joins are done)
        sent, deadline = 0, time.monotonic() + 120
        while not watch.total():
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                result.ok, result.error = False, f"never ready: {_log_tail(env, tag)}"
                return result
            send(messages[sent], time.time_ns() // 1_000_000)
            sent += 1
            producer.flush(5)
            time.sleep(0.5)
        # warm-up at the rate (first inserts, first entities, caches), then let it catch up
        warm = messages[sent : sent + int(rate * WARM_UP_S)]
        _, warmed = at_rate(warm)
        quiet(warmed, 1.0)
        queue = messages[sent + len(warm) :][: int(rate * seconds)]
        t0, ended = at_rate(queue)
        measured_from = int(t0 * 1000)
        result.rate_achieved = len(queue) / (ended - t0)
        result.produced = len(queue)
        ran_until = quiet(ended, DRAIN_QUIET_S)
    finally:
        watch.close()
        monitor.stop()
        stop(procs)
    result.cpu_cores = (monitor.cpu_at(ran_until) - monitor.cpu_at(t0)) / (ran_until - t0)
    result.peak_rss_mb = monitor.peak_rss / 2**20
    normalized = {topics.name(t) for t in NORMALIZED}
    exposure = topics.name("exposure")
    lat: list[float] = []
    risk: list[float] = []
    by_second: dict[int, list[float]] = {}
    last_in, last_out = 0, 0  # the newest raw message with an output, and that output's time
    for msg in read_all(env.bootstrap, outputs):
        value = msg.value() or b""
        if msg.topic() in normalized:
            m = _RECEIVED.search(value)
            if m is not None and int(m[1]) >= measured_from:
                received, appended = int(m[1]), msg.timestamp()[1]
                lat.append(appended - received)
                by_second.setdefault((received - measured_from) // 1000, []).append(lat[-1])
                last_in, last_out = max((last_in, last_out), (received, appended))
        elif msg.topic() == exposure and b'"exposure.line"' in value:
            as_of = json.loads(value).get("as_of_ms", 0)
            if as_of >= measured_from:
                risk.append(msg.timestamp()[1] - as_of)
    result.samples = len(lat)
    result.p50_ms, result.p95_ms = percentile(lat, 0.50), percentile(lat, 0.95)
    result.p99_ms, result.max_ms = percentile(lat, 0.99), max(lat, default=math.nan)
    result.exposure_p99_ms = percentile(risk, 0.99)
    result.p50_by_second = [percentile(v, 0.5) for _, v in sorted(by_second.items())]
    result.drain_s = max(0.0, last_out / 1000 - ended) if last_out else math.nan
    if not lat:
        result.ok, result.error = False, f"no latency samples: {_log_tail(env, tag)}"
    return result


# --- report ---------------------------------------------------------------------------------


@dataclass
class Report:
    command: str
    quick: bool
    machine: dict[str, Any]
    workload: dict[str, Any]
    throughput: dict[str, BacklogResult] = field(default_factory=dict)
    latency: dict[str, LatencyResult] = field(default_factory=dict)
    memory: dict[str, dict[str, BacklogResult]] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)


def _versions() -> dict[str, Any]:
    import confluent_kafka

    out: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "librdkafka": confluent_kafka.libversion()[0],
    }
    for dist in ("bytewax", "quixstreams", "confluent-kafka", "chdb", "msgspec"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def _ratio(a: float, b: float) -> float:
    return a / b if a and b else math.nan


def evaluate(report: Report) -> None:
    t, lat, mem = report.throughput, report.latency, report.memory
    rate = {k: (r.rate if r.ok else math.nan) for k, r in t.items()}
    wf, plain, quix, wf2 = (rate.get(k, math.nan) for k in (WAGERFLOW, PLAIN, QUIX, WAGERFLOW2))
    small, large = (
        (mem[WAGERFLOW].get(k) for k in ("small", "large")) if WAGERFLOW in mem else (None, None)
    )
    rss = _ratio(large.peak_rss_mb, small.peak_rss_mb) if small and large else math.nan
    wf_lat = lat.get(WAGERFLOW)
    scale = (
        f"{large.messages:,} vs {small.messages:,} events; the target's 10M vs 1M scaled down"
        if small and large
        else "-"
    )
    report.targets = [
        {"target": "wagerflow >= 0.6 x plain-loop throughput", "value": _ratio(wf, plain),
         "met": _ratio(wf, plain) >= 0.6},
        {"target": "wagerflow >= 2 x Quix Streams throughput", "value": _ratio(wf, quix),
         "met": _ratio(wf, quix) >= 2},
        {"target": "p99 latency < 50 ms at half the max sustained rate",
         "value": wf_lat.p99_ms if wf_lat else math.nan,
         "met": bool(wf_lat and wf_lat.p99_ms < 50)},
        {"target": "2 processes >= 1.7 x one process", "value": _ratio(wf2, wf),
         "met": _ratio(wf2, wf) >= 1.7},
        {"target": f"peak RSS within 10 % ({scale})", "value": rss, "met": rss <= 1.1},
    ]  # fmt: skip


def _num(value: float, digits: int = 0) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def render(report: Report) -> str:
    t = report.throughput
    cols = [c for c in CONTENDERS if c in t]
    lines = [
        f"`{report.command}` — {report.workload['messages']:,} raw messages "
        f"({report.workload['describe']}), {report.machine['cpus']} CPUs, "
        f"Kafka/Redis/ClickHouse (chdb) local; Python {report.machine['python']}, "
        f"bytewax {report.machine['bytewax']}, quixstreams {report.machine['quixstreams']}; "
        f"load average {report.machine['load_average_at_start'][0]} at the start, "
        f"{report.machine.get('load_average_at_end', ['-'])[0]} at the end; "
        f"sinks: {report.workload['sinks']}.",
        "",
        "| measure | " + " | ".join(LABELS[c] for c in cols) + " |",
        "|---|" + "---:|" * len(cols),
    ]

    def row(name: str, values: Iterable[str]) -> None:
        lines.append(f"| {name} | " + " | ".join(values) + " |")

    def cell(r: BacklogResult, text: str) -> str:
        return text if r.ok else f"failed ({r.error[:80]})"

    row("throughput, msg/s", (cell(t[c], _num(t[c].rate)) for c in cols))
    row("start-up + shut-down, s", (_num(t[c].startup_wall_s, 1) for c in cols))
    row("outputs / message", (_num(_ratio(t[c].outputs, t[c].messages), 2) for c in cols))
    row("CPU, cores busy", (_num(t[c].cpu_cores, 2) for c in cols))
    row("CPU µs / message", (_num(t[c].cpu_us_per_msg) for c in cols))
    row("peak RSS, MB", (_num(t[c].peak_rss_mb) for c in cols))
    lat = report.latency
    if lat:
        any_lat = next(iter(lat.values()))
        lines += [
            "",
            f"Live, produced at {any_lat.rate_target:,.0f} msg/s "
            f"({report.workload['rate_fraction']:.0%} of wagerflow's one-process throughput) "
            f"for {report.workload['latency_seconds']:.0f} s; latency from a raw message's "
            "produce time to its normalized event's broker append time:",
            "",
            "| contender | msg/s produced | p50 ms | p95 ms | p99 ms | max ms | "
            "exposure p99 ms | drain s | CPU cores | peak RSS MB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for c, r in lat.items():
            if not r.ok:
                lines.append(f"| {LABELS[c]} | failed: {r.error[:100]} |")
                continue
            lines.append(
                f"| {LABELS[c]} | {_num(r.rate_achieved)} | {_num(r.p50_ms)} | "
                f"{_num(r.p95_ms)} | {_num(r.p99_ms)} | {_num(r.max_ms)} | "
                f"{_num(r.exposure_p99_ms)} | {_num(r.drain_s, 1)} | {_num(r.cpu_cores, 2)} | "
                f"{_num(r.peak_rss_mb)} |"
            )
    mem = report.memory
    if mem:
        lines += [
            "",
            "| backlog | msg/s | peak RSS MB | RSS large / small |",
            "|---|---:|---:|---:|",
        ]
        for c, runs in mem.items():
            for size in ("small", "large"):
                r = runs[size]
                ratio = _ratio(runs["large"].peak_rss_mb, runs["small"].peak_rss_mb)
                lines.append(
                    f"| {LABELS[c]}, {r.messages:,} messages | {_num(r.rate)} | "
                    f"{_num(r.peak_rss_mb)} | {_num(ratio, 2) if size == 'large' else ''} |"
                )
    lines += ["", "| target | measured | met |", "|---|---:|---|"]
    for tgt in report.targets:
        lines.append(
            f"| {tgt['target']} | {_num(tgt['value'], 2)} | {'yes' if tgt['met'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def chart(report: Report, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    t = report.throughput
    names = [c for c in CONTENDERS if c in t]
    colors = {PLAIN: "#7f7f7f", WAGERFLOW: "#1f77b4", WAGERFLOW2: "#17becf", QUIX: "#ff7f0e"}
    ax = axes[0]
    ax.bar([SHORT[c] for c in names], [t[c].rate if t[c].ok else 0 for c in names],
           color=[colors[c] for c in names])  # fmt: skip
    ax.set_title(f"throughput, {report.workload['messages']:,}-message backlog")
    ax.set_ylabel("raw messages / s")
    ax.tick_params(axis="x", labelrotation=20)
    ax = axes[1]
    lat = [r for r in report.latency.values() if r.ok]
    width = 0.25
    for i, (q, label) in enumerate((("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99"))):
        ax.bar([j + (i - 1) * width for j in range(len(lat))], [getattr(r, q) for r in lat],
               width, label=label)  # fmt: skip
    ax.set_xticks(range(len(lat)), [SHORT[r.contender] for r in lat])
    ax.set_yscale("log")
    ax.axhline(50, color="red", linewidth=0.8, linestyle="--", label="50 ms target")
    rate = lat[0].rate_target if lat else 0
    ax.set_title(f"end-to-end latency at {rate:,.0f} msg/s")
    ax.set_ylabel("ms (log)")
    ax.legend(fontsize=8)
    ax = axes[2]
    bars = [(SHORT[c], t[c].peak_rss_mb, colors[c]) for c in names]
    bars += [(f"{SHORT[c]}\n{runs['large'].messages // 1000:,}k", runs["large"].peak_rss_mb,
              "#9467bd") for c, runs in report.memory.items()]  # fmt: skip
    ax.bar([b[0] for b in bars], [b[1] for b in bars], color=[b[2] for b in bars])
    ax.set_title(f"peak RSS ({report.workload['messages'] // 1000:,}k, and larger backlogs)")
    ax.set_ylabel("MB")
    ax.tick_params(axis="x", labelrotation=20)
    fig.suptitle(f"wagerflow end to end ({report.command})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _jsonable(report: Report) -> dict[str, Any]:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and math.isnan(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return clean(asdict(report))  # type: ignore[no-any-return]


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a few minutes")
    parser.add_argument("--messages", type=int, help="backlog size (quick 20000, else 200000)")
    parser.add_argument(
        "--mix",
        default=",".join(f"{k}={v}" for k, v in workload.DEFAULT_MIX.items()),
        help="source=weight,... (default %(default)s)",
    )
    parser.add_argument("--rate-fraction", type=float, default=0.5, help="of wagerflow's rate")
    parser.add_argument(
        "--latency-seconds", type=float, help="measured live run, s (quick 12, else 40)"
    )
    parser.add_argument(
        "--memory-factor",
        type=int,
        help="memory run size over --messages (quick 5, else 10; 0 skips it)",
    )
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument(
        "--epoch-seconds",
        type=float,
        default=1.0,
        help="wagerflow's epoch, the plain loop's flush and Quix's checkpoint interval",
    )
    parser.add_argument(
        "--live-epoch-seconds",
        type=float,
        help="the same for the live (latency) runs (default: --epoch-seconds)",
    )
    parser.add_argument(
        "--sinks",
        choices=("all", "kafka"),
        default="all",
        help="kafka: every contender drops its Redis and ClickHouse writes (the engines alone)",
    )
    parser.add_argument(
        "--rss-limit-mb",
        type=int,
        default=RSS_LIMIT_MB,
        help="kill a contender whose processes hold more (default: half the machine's memory)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="backlog runs per contender; the best counts"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where results are written")
    parser.add_argument("--home", type=Path, help="services and logs (default: a temp dir)")
    args = parser.parse_args(argv)
    messages = args.messages or (20_000 if args.quick else 200_000)
    seconds = args.latency_seconds or (12.0 if args.quick else 40.0)
    factor = args.memory_factor if args.memory_factor is not None else (5 if args.quick else 10)
    mix = workload.parse_mix(args.mix)
    wanted = [c for c in args.contenders.split(",") if c]
    if unknown := set(wanted) - set(CONTENDERS):
        parser.error(f"unknown contenders {sorted(unknown)}; known: {', '.join(CONTENDERS)}")
    command = "python -m bench.e2e" + "".join(
        f" {a}" for a in (argv if argv is not None else sys.argv[1:])
    )
    home = args.home or Path(tempfile.mkdtemp(prefix="wagerflow-e2e-"))
    run = uuid.uuid4().hex[:6]
    log(f"starting Kafka and Redis under {home} …")
    svc = services.up(home)
    env = Env(svc.kafka_bootstrap, svc.redis_url, home, args.sinks, args.rss_limit_mb)
    try:
        log(f"building {messages:,} raw messages …")
        feeds = workload.build(messages, mix, args.seed)
        per = {p: len(m) for p, m in feeds.items()}
        describe = ", ".join(f"{p} {n:,}" for p, n in per.items())
        report = Report(
            command,
            args.quick,
            _versions(),
            {"messages": messages, "per_provider": per, "mix": mix, "describe": describe,
             "rate_fraction": args.rate_fraction, "latency_seconds": seconds,
             "partitions": PARTITIONS, "sinks": args.sinks, "epoch_seconds": args.epoch_seconds,
             "live_epoch_seconds": args.live_epoch_seconds or args.epoch_seconds},
        )  # fmt: skip
        warm_up(env.bootstrap)
        topics, empty = Topics(f"e2e{run}."), Topics(f"e2e{run}empty.")
        prepare_topics(env.bootstrap, topics)
        prepare_topics(env.bootstrap, empty)
        log(f"producing the backlog to {topics.prefix}raw.* …")
        produced = produce_backlog(env.bootstrap, topics, feeds)
        del feeds
        timeout = 120 + produced / 100
        for c in wanted:
            runs = []
            for attempt in range(args.repeat):
                log(f"{c}: the backlog of {produced:,} messages, then start-up alone …")
                tag = f"{c}-{run}-{attempt}"
                runs.append(
                    backlog_run(c, env, topics, empty, produced, tag, timeout, args.epoch_seconds)
                )
            r = report.throughput[c] = max(runs, key=lambda x: (x.ok, x.rate))
            failed = "" if r.ok else f"; FAILED: {r.error}"
            log(
                f"{c}: {r.rate:,.0f} msg/s (start-up {r.startup_wall_s:.1f} s), "
                f"{r.outputs:,} outputs, CPU {r.cpu_cores:.2f} cores, "
                f"peak RSS {r.peak_rss_mb:,.0f} MB{failed}"
            )
        base = report.throughput.get(WAGERFLOW)
        if base is None or not base.ok:
            base = next((r for r in report.throughput.values() if r.ok), None)
        if base is not None:
            rate = base.rate * args.rate_fraction
            for c in (c for c in LIVE_CONTENDERS if c in wanted):
                log(f"{c}: live at {rate:,.0f} msg/s for {seconds:.0f} s …")
                epoch = args.live_epoch_seconds or args.epoch_seconds
                lr = latency_run(c, env, run, rate, seconds, mix, args.seed + 1, epoch)
                report.latency[c] = lr
                failed = "" if lr.ok else f"; FAILED: {lr.error}"
                log(
                    f"{c}: p50 {lr.p50_ms:.0f} ms, p95 {lr.p95_ms:.0f} ms, "
                    f"p99 {lr.p99_ms:.0f} ms ({lr.samples:,} events){failed}"
                )
        mem_contenders = [
            c for c in MEMORY_CONTENDERS if c in report.throughput and report.throughput[c].ok
        ]
        if factor > 0 and mem_contenders:
            big = messages * factor
            log(f"memory: building and producing {big:,} messages …")
            big_topics = Topics(f"e2e{run}big.")
            prepare_topics(env.bootstrap, big_topics)
            big_produced = produce_backlog(
                env.bootstrap, big_topics, workload.build(big, mix, args.seed)
            )
            for c in mem_contenders:
                log(f"memory: {c} on {big_produced:,} messages …")
                report.memory[c] = memory_run(
                    c, env, big_topics, big_produced, report.throughput[c], f"mem-{c}-{run}",
                    args.epoch_seconds,
                )  # fmt: skip
                large = report.memory[c]["large"]
                log(f"memory: {c}: {large.rate:,.0f} msg/s, peak RSS {large.peak_rss_mb:,.0f} MB")
    finally:
        services.down(home)
    report.machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    failed = [r for r in [*report.throughput.values(), *report.latency.values()] if not r.ok]
    if args.home is None and not failed:
        shutil.rmtree(home, ignore_errors=True)
    elif failed:
        log(f"some runs failed; their logs are in {home / 'logs'}")
    evaluate(report)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "e2e.json").write_text(json.dumps(_jsonable(report), indent=2) + "\n")
    table = render(report)
    (args.results / "e2e.md").write_text(table)
    chart(report, args.results / "e2e.png")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
