"""What every provider adapter takes and gives.

An adapter is a pure function ``decode(raw, meta) -> list[PendingEvent] | Rejection``: one raw
message in, the normalized events it implies out (each with the entity it belongs to), or a
rejection with a reason. It never raises on bad input and never reads a clock: times come from
the message or from ``meta``.

The stateful rules (dedup, stale odds, confirmations, Betfair's market cache) run after the
adapters, in the shard that owns each ``PendingEvent.entity``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

from wagerflow.adapters.rejection import Rejection
from wagerflow.schemas.events import NormalizedEvent, SourceRef


class RawMeta(NamedTuple):
    """Everything about a raw message that is not in its bytes."""

    tenant_id: str
    source: SourceRef
    received_time_ms: int | None
    """Broker or ingress time; None for a recorded file (then the event's own time is used)."""


class PendingEvent(NamedTuple):
    """A normalized event on its way to the stateful rules.

    ``entity`` is the ordering and sharding key: the market line, round, bet or wallet round the
    event belongs to; events of one entity stay in order. ``raw`` is the message it came from
    (for a late rejection). ``nonce`` is set for signed messages (replay protection).
    """

    entity: str
    event: NormalizedEvent
    raw: bytes
    nonce: str | None = None


Adapter = Callable[[bytes, RawMeta], "list[PendingEvent] | Rejection"]


def received_ms(meta: RawMeta, event_time_ms: int) -> int:
    return meta.received_time_ms if meta.received_time_ms is not None else event_time_ms


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time_ms(value: str | int) -> int:
    """Epoch milliseconds from an integer (ms) or an ISO-8601 string with a zone.

    Raises ``ValueError`` for anything else (a naive time has no defined instant).
    """
    if isinstance(value, int):
        return value
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        msg = f"time {value!r} has no zone"
        raise ValueError(msg)
    delta = stamp - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
