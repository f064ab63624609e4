"""Send recorded raw feed lines to a raw topic, keyed by the entity that must stay ordered."""

from __future__ import annotations

from pathlib import Path

import msgspec
from confluent_kafka import Producer

from connectors.file_source import read_messages
from connectors.kafka_admin import ensure_topics
from schemas.events import SourceRef
from wagerflow.adapters.base import RawMeta
from wagerflow.adapters.rejection import Rejection
from wagerflow.providers import ADAPTERS, BETFAIR

_NOWHERE = SourceRef(topic="", partition=0, offset=0)


class _KeyProbe(msgspec.Struct):
    mc: list[dict[str, object]] = []


_PROBE = msgspec.json.Decoder(_KeyProbe)


def betfair_key(raw: bytes) -> bytes | None:
    """The market id of a Betfair line (its first market change), or None if it has none."""
    try:
        changes = _PROBE.decode(raw).mc
    except msgspec.DecodeError:
        return None
    market = changes[0].get("id") if changes else None
    return market.encode() if isinstance(market, str) else None


def message_key(provider: str, raw: bytes) -> bytes | None:
    """The partition key of a raw message: the entity whose order must be kept (a Betfair
    market, a UOF line, a round, a bet), as its adapter sees it; None if it does not decode."""
    if provider == BETFAIR:
        return betfair_key(raw)
    decoded = ADAPTERS[provider](raw, RawMeta("", _NOWHERE, None))
    if isinstance(decoded, Rejection) or not decoded:
        return None
    return decoded[0].entity.encode()


def produce_files(bootstrap: str, topic: str, provider: str, files: list[Path]) -> int:
    ensure_topics(bootstrap, [topic])
    producer = Producer(
        {"bootstrap.servers": bootstrap, "linger.ms": 20, "enable.idempotence": True}
    )
    count = 0
    for path in files:
        for _, message in read_messages(path):
            while True:
                try:
                    producer.produce(topic, message, message_key(provider, message))
                    break
                except BufferError:
                    producer.poll(0.1)
            count += 1
    if producer.flush(30) > 0:
        msg = f"{topic}: some messages were not delivered within 30 s"
        raise RuntimeError(msg)
    return count
