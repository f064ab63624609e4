"""Raw feeds for benchmarks, per provider: the real recordings in ../shared/data replayed over
many synthetic market ids where they exist, else the project's own generated feeds in the same
formats."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import count

from wagerflow.samples import betfair as betfair_samples
from wagerflow.samples import evolution as evolution_samples
from wagerflow.samples import generic as generic_samples
from wagerflow.samples import hub88 as hub88_samples
from wagerflow.samples import live as live_samples
from wagerflow.samples import pragmatic as pragmatic_samples
from wagerflow.samples import recordings
from wagerflow.samples import uof as uof_samples

_MARKET_ID = re.compile(rb'"id":"(1\.\d+)"')


def betfair(messages: int) -> list[bytes]:
    """The recorded Betfair streams, each copy under new market ids, until ``messages``."""
    recorded = [
        line
        for p in recordings.betfair_recordings()
        for line in p.read_bytes().splitlines()
        if line
    ]
    if not recorded:
        recorded = [
            ln.encode()
            for n in range(50)
            for ln in betfair_samples.market_lines(f"1.9{n:08d}", seed=n)
        ]
    out: list[bytes] = []
    for copy in count():
        suffix = str(copy).encode()
        for line in recorded:
            if len(out) == messages:
                return out
            out.append(_MARKET_ID.sub(rb'"id":"\g<1>' + suffix + rb'"', line))
    return out


def _scaled(make: Callable[[int], list[bytes]], messages: int) -> list[bytes]:
    """One generated stream long enough for ``messages`` (ids are unique within a stream;
    repeating a stream would only measure dedup)."""
    per_unit = max(1.0, len(make(20)) / 20)
    units = int(messages / per_unit * 1.1) + 2
    lines = make(units)
    while len(lines) < messages:
        units *= 2
        lines = make(units)
    return lines[:messages]


WORKLOADS: dict[str, Callable[[int], list[bytes]]] = {
    "betfair": betfair,
    "uof": lambda n: _scaled(lambda k: uof_samples.uof_lines(1, k), n),
    "generic": lambda n: _scaled(lambda k: generic_samples.generic_lines(1, k), n),
    "live": lambda n: _scaled(lambda k: live_samples.live_lines(1, k), n),
    "hub88": lambda n: _scaled(lambda k: hub88_samples.hub88_lines(1, k), n),
    "evolution": lambda n: _scaled(lambda k: evolution_samples.evolution_lines(1, k), n),
    "pragmatic": lambda n: _scaled(lambda k: pragmatic_samples.pragmatic_lines(1, k), n),
}
