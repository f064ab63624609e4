"""Raw feeds for benchmarks, per provider: the real recordings in ../shared/data replayed over
many synthetic market ids where they exist, else the project's own generated feeds in the same
formats."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import count

from wagerflow import datasets, samples, samples_bridge, samples_uof, samples_wallet

_MARKET_ID = re.compile(rb'"id":"(1\.\d+)"')


def betfair(messages: int) -> list[bytes]:
    """The recorded Betfair streams, each copy under new market ids, until ``messages``."""
    recorded = [
        line for p in datasets.betfair_recordings() for line in p.read_bytes().splitlines() if line
    ]
    if not recorded:
        recorded = [
            ln.encode() for n in range(50) for ln in samples.market_lines(f"1.9{n:08d}", seed=n)
        ]
    out: list[bytes] = []
    for copy in count():
        suffix = str(copy).encode()
        for line in recorded:
            if len(out) == messages:
                return out
            out.append(_MARKET_ID.sub(rb'"id":"\g<1>' + suffix + rb'"', line))
    return out


def _repeat(make: Callable[[int], list[bytes]], messages: int) -> list[bytes]:
    out: list[bytes] = []
    seed = 0
    while len(out) < messages:
        out.extend(make(seed))
        seed += 1
    return out[:messages]


WORKLOADS: dict[str, Callable[[int], list[bytes]]] = {
    "betfair": betfair,
    "uof": lambda n: _repeat(lambda s: samples_uof.uof_lines(s, 20), n),
    "generic": lambda n: _repeat(lambda s: samples_bridge.generic_lines(s, 20), n),
    "live": lambda n: _repeat(lambda s: samples_bridge.live_lines(s, 50), n),
    "hub88": lambda n: _repeat(lambda s: samples_wallet.hub88_lines(s, 200), n),
    "evolution": lambda n: _repeat(lambda s: samples_wallet.evolution_lines(s, 200), n),
    "pragmatic": lambda n: _repeat(lambda s: samples_wallet.pragmatic_lines(s, 200), n),
}
