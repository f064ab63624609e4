"""What the sinks write: topic messages, DLQ messages and ClickHouse rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

from connectors.records import OutRecord
from schemas.dlq import DLQ_ENCODER, DlqEntry
from schemas.events import EVENT_ENCODER, STREAMS, NormalizedEvent
from wagerflow.topics import Topics


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


def dlq_record(entry: DlqEntry, t: Topics) -> OutRecord:
    return OutRecord(t.dlq, None, DLQ_ENCODER.encode(entry))


EVENT_COLUMNS = [
    "tenant_id", "provider_id", "category", "type", "dedup_key", "entity_id", "event_time",
    "received_time", "event_id", "market_id", "selection_id", "status", "best_back_odds",
    "best_lay_odds", "last_traded_odds", "winners", "payload", "source_topic",
    "source_partition", "source_offset", "version",
]  # fmt: skip

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(epoch_ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=epoch_ms)


def _text(event: NormalizedEvent, *names: str) -> str:
    for name in names:
        value = getattr(event, name, None)
        if value is not None:
            return str(value)
    return ""


def event_row(entity: str, event: NormalizedEvent) -> tuple[object, ...]:
    """An event as a row of ``norm_events`` (column order: ``EVENT_COLUMNS``). The common
    columns are filled where the event has them; ``payload`` holds the whole event."""
    return (
        event.tenant_id,
        event.provider_id,
        event.category,
        type(event).__struct_config__.tag,
        event.dedup_key,
        entity,
        _utc(event.event_time_ms),
        _utc(event.received_time_ms),
        _text(event, "event_id"),
        _text(event, "line_id", "market_id", "round_id"),
        _text(event, "selection_id", "bet_id", "transaction_id"),
        _text(event, "status", "change", "state", "kind", "decision", "outcome"),
        getattr(event, "best_back_odds", None),
        getattr(event, "best_lay_odds", None),
        getattr(event, "last_traded_odds", None),
        list(getattr(event, "winners", ())),
        EVENT_ENCODER.encode(event).decode(),
        event.source.topic,
        event.source.partition,
        event.source.offset,
        event.event_time_ms,
    )
