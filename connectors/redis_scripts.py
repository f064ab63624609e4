"""Lua scripts sent by SHA in one pipeline round trip.

redis-py's registered scripts ask the server ``SCRIPT EXISTS`` before every pipeline, an extra
round trip per batch on the latency path. Here a script is loaded once, queued with ``EVALSHA``,
and if the server lost its script cache (a restart) the batch is loaded and sent again: every
script of the project is idempotent (check-and-apply by version), so a resend changes nothing.

While Redis is unreachable, a batch is retried with backoff (``connectors.backoff``): the sink,
and so the dataflow, waits instead of failing, nothing is lost, and it resumes by itself. One
log line says Redis went away and one that it is back, not one per attempt; ``REDIS_OUTAGE``
says whether a batch is waiting now.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

import redis
from redis.client import Pipeline

from wagerflow import metrics
from wagerflow.connectors.backoff import Backoff

log = logging.getLogger(__name__)
OUTAGE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
REDIS_OUTAGE = threading.Event()
"""Set while some sink of this process waits for Redis (for readiness)."""

Arg = str | int | bytes


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def latest_by_key(values: Iterable[V], key: Callable[[V], str]) -> dict[str, V]:
    """The highest version of each key in a batch (the later one on a tie): one write per key,
    as the check-and-apply script would leave it anyway."""
    latest: dict[str, V] = {}
    for value in values:
        k = key(value)
        held = latest.get(k)
        if held is None or value.version >= held.version:
            latest[k] = value
    return latest


class Script:
    def __init__(self, client: redis.Redis[bytes], source: str) -> None:
        self._client = client
        self.source = source
        self.sha = self._load()

    def queue(self, pipe: Pipeline[bytes], keys: Sequence[str], args: Sequence[Arg]) -> None:
        pipe.evalsha(self.sha, len(keys), *keys, *args)

    def _load(self) -> str:
        sha = self._client.execute_command("SCRIPT", "LOAD", self.source)
        return sha.decode() if isinstance(sha, bytes) else str(sha)

    def reload(self) -> None:
        self.sha = self._load()


def run_batch(
    client: redis.Redis[bytes],
    scripts: Sequence[Script],
    fill: Callable[[Pipeline[bytes]], None],
    backoff: Backoff | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[object]:
    """``fill`` a non-transactional pipeline and execute it; on ``NOSCRIPT`` reload ``scripts``
    and run the whole batch once more. While Redis is unreachable, retry with ``backoff`` (for
    ever by default; with ``give_up_s`` the last error is raised after that long)."""
    schedule = backoff or Backoff(initial_s=0.1, max_s=5.0)
    failures = 0
    started = 0.0
    while True:
        try:
            result = _execute(client, scripts, fill)
        except OUTAGE_ERRORS as exc:
            failures += 1
            metrics.SINK_RETRIES.labels("redis").inc()
            if failures == 1:
                started = time.monotonic()
                REDIS_OUTAGE.set()
                log.warning(
                    "Redis unreachable (%s); the sink waits and retries", type(exc).__name__
                )
            waited = time.monotonic() - started
            if schedule.give_up_s is not None and waited >= schedule.give_up_s:
                raise
            sleep(schedule.delay(failures))
            continue
        if failures:
            REDIS_OUTAGE.clear()
            log.warning(
                "Redis reachable again after %.1f s; the sink resumes", time.monotonic() - started
            )
        return result


def _execute(
    client: redis.Redis[bytes], scripts: Sequence[Script], fill: Callable[[Pipeline[bytes]], None]
) -> list[object]:
    for attempt in (1, 2):
        pipe = client.pipeline(transaction=False)
        fill(pipe)
        try:
            return list(pipe.execute())
        except redis.exceptions.NoScriptError:
            if attempt == 2:
                raise
            for script in scripts:
                script.reload()
    raise AssertionError  # unreachable: the loop returns or raises
