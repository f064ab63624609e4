"""Every provider wagerflow reads, with its stateless adapter. Betfair is the exception: its
stream is a cache of images and deltas, so it is decoded here and applied in the shard step."""

from __future__ import annotations

from typing import NamedTuple

from wagerflow.adapters import betfair, evolution, generic, hub88, live, pragmatic, uof_events
from wagerflow.adapters.base import Adapter, RawMeta
from wagerflow.adapters.rejection import Rejection
from wagerflow.schemas.events import NO_SOURCE

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


class Identity(NamedTuple):
    entity: str | None
    """The entity whose order must be kept (a Betfair market, a UOF line, a round, a bet)."""
    time_ms: int
    """The provider's own time of the message."""


def identify(provider: str, raw: bytes) -> Identity:
    """A raw message decoded outside any flow, as its adapter sees it: what to key it by when
    producing it, and when it happened for merging feeds. ``(None, 0)`` when it does not
    decode (it will reach the DLQ in the flow) or implies no event."""
    if provider == BETFAIR:
        msg = betfair.decode(raw)
        if isinstance(msg, Rejection):
            return Identity(None, 0)
        return Identity(msg.mc[0].id if msg.mc else None, msg.pt)
    decoded = ADAPTERS[provider](raw, RawMeta("", NO_SOURCE, None))
    if isinstance(decoded, Rejection) or not decoded:
        return Identity(None, 0)
    return Identity(decoded[0].entity, decoded[0].event.event_time_ms)
