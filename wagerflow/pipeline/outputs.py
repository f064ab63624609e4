"""What the sinks write: topic messages, DLQ messages and ClickHouse rows."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import get_args

import msgspec

from wagerflow.schemas.dlq import DLQ_ENCODER, DlqEntry
from wagerflow.schemas.events import EVENT_ENCODER, STREAMS, NormalizedEvent
from wagerflow.schemas.records import OutRecord
from wagerflow.topics import DLQ_MAX_MESSAGE_BYTES, Topics


def _topic_of_type() -> dict[type, str]:
    routing: dict[type, str] = {}
    for topic, union in STREAMS.items():
        for cls in get_args(union) or (union,):
            routing[cls] = topic
    return routing


TOPIC_OF_TYPE = _topic_of_type()


def event_record(entity: str, event: NormalizedEvent, t: Topics) -> OutRecord:
    """An event as a message for its normalized topic, keyed by tenant and entity (the key
    that must stay ordered: a market line, a round, a bet)."""
    key = f"{event.tenant_id}:{event.provider_id}:{entity}".encode()
    return OutRecord(t.name(TOPIC_OF_TYPE[type(event)]), key, EVENT_ENCODER.encode(event))


def dlq_record(entry: DlqEntry, t: Topics, max_bytes: int = DLQ_MAX_MESSAGE_BYTES) -> OutRecord:
    """The DLQ message of an entry: the original bytes whole when the message fits the DLQ
    topic's ``max_bytes``, else by reference (size and sha256; the bytes stay at ``source``)."""
    value = DLQ_ENCODER.encode(entry)
    if len(value) > max_bytes:
        value = DLQ_ENCODER.encode(by_reference(entry))
    return OutRecord(t.dlq, None, value)


def by_reference(entry: DlqEntry) -> DlqEntry:
    return msgspec.structs.replace(
        entry,
        raw=b"",
        raw_size=len(entry.raw),
        raw_sha256=hashlib.sha256(entry.raw).hexdigest(),
        detail=f"{entry.detail} (original of {len(entry.raw)} bytes kept by reference)",
    )


EVENT_COLUMNS = [
    "tenant_id", "provider_id", "category", "type", "dedup_key", "entity_id", "event_time",
    "received_time", "event_id", "market_id", "selection_id", "status", "best_back_odds",
    "best_lay_odds", "last_traded_odds", "winners", "payload", "source_topic",
    "source_partition", "source_offset", "version",
]  # fmt: skip

EVENT_KEY_COLUMNS = ["dedup_key", "version"]

_FIRST_OF = {
    "event_id": ("event_id",),
    "market_id": ("line_id", "market_id", "round_id"),
    "selection_id": ("selection_id", "bet_id", "transaction_id"),
    "status": ("status", "change", "state", "kind", "decision", "outcome"),
}


@cache
def _projection(cls: type[msgspec.Struct]) -> tuple[str | None, ...]:
    """For an event type, the attribute that fills each common column (None: empty)."""
    fields = set(cls.__struct_fields__)
    return tuple(
        next((name for name in names if name in fields), None) for names in _FIRST_OF.values()
    )


def _text(event: NormalizedEvent, name: str | None) -> str:
    value = getattr(event, name) if name is not None else None
    return "" if value is None else str(value)


def event_row(entity: str, event: NormalizedEvent) -> tuple[object, ...]:
    """An event as a row of ``norm_events`` (column order: ``EVENT_COLUMNS``). The common
    columns are filled where the event has them; ``payload`` holds the whole event. Times are
    epoch milliseconds, which is what a ``DateTime64(3)`` column stores."""
    event_id, market, selection, status = _projection(type(event))
    return (
        event.tenant_id,
        event.provider_id,
        event.category,
        type(event).__struct_config__.tag,
        event.dedup_key,
        entity,
        event.event_time_ms,
        event.received_time_ms,
        _text(event, event_id),
        _text(event, market),
        _text(event, selection),
        _text(event, status),
        getattr(event, "best_back_odds", None),
        getattr(event, "best_lay_odds", None),
        getattr(event, "last_traded_odds", None),
        list(getattr(event, "winners", ())),
        EVENT_ENCODER.encode(event),
        event.source.topic,
        event.source.partition,
        event.source.offset,
        event.event_time_ms,
    )
