"""Lua scripts sent by SHA in one pipeline round trip.

redis-py's registered scripts ask the server ``SCRIPT EXISTS`` before every pipeline, an extra
round trip per batch on the latency path. Here a script is loaded once, queued with ``EVALSHA``,
and if the server lost its script cache (a restart) the batch is loaded and sent again: every
script of the project is idempotent (check-and-apply by version), so a resend changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

import redis
from redis.client import Pipeline

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
    client: redis.Redis[bytes], scripts: Sequence[Script], fill: Callable[[Pipeline[bytes]], None]
) -> list[object]:
    """``fill`` a non-transactional pipeline and execute it; on ``NOSCRIPT`` reload ``scripts``
    and run the whole batch once more."""
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
