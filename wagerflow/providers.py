"""Every provider wagerflow reads, with its stateless adapter. Betfair is the exception: its
stream is a cache of images and deltas, so it is decoded here and applied in the shard step."""

from __future__ import annotations

from wagerflow.adapters import evolution, generic, hub88, live, pragmatic, uof_events
from wagerflow.adapters.base import Adapter

BETFAIR = "betfair"

ADAPTERS: dict[str, Adapter] = {
    "uof": uof_events.decode,
    "generic": generic.decode,
    "live": live.decode,
    "hub88": hub88.decode,
    "evolution": evolution.decode,
    "pragmatic": pragmatic.decode,
}

PROVIDERS = (BETFAIR, *ADAPTERS)
