"""Send recorded raw feed lines to a raw topic, keyed by the entity that must stay ordered.

Ingress contract for raw topics (what this command does for recordings, and what a live ingress
must do):

- **One entity per message.** A Betfair ``mcm`` line that changes several markets is split into
  one line per market (same ``op``, ``pt`` and ``clk``), so each market's changes stay on one
  partition in order.
- **Key** = the entity whose order matters, as the provider's adapter sees it
  (``wagerflow.adapters.registry.identify``).
- **Timestamp** = when the ingress received the message (the producer's time, as a live ingress
  does). ``--feed-time`` stamps the provider's own time of each message instead, for replaying a
  recording on Kafka (``wagerflow run --stop-at-end``): received time is then the time it
  happened, so no rule fires on the age of the recording.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
from confluent_kafka import Producer

from wagerflow.adapters.registry import BETFAIR, identify
from wagerflow.connectors.file_source import read_messages
from wagerflow.connectors.kafka_admin import ensure_topics


def message_key(provider: str, raw: bytes) -> bytes | None:
    """The partition key of a raw message: the entity whose order must be kept; None if the
    message does not decode."""
    entity = identify(provider, raw).entity
    return None if entity is None else entity.encode()


def one_entity_each(provider: str, raw: bytes) -> list[bytes]:
    """A raw message as messages of one entity each: a Betfair line with several market
    changes becomes one line per market; anything else (or what does not parse) is unchanged."""
    if provider != BETFAIR:
        return [raw]
    try:
        message = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return [raw]
    changes = message.get("mc") if isinstance(message, dict) else None
    if not isinstance(changes, list) or len(changes) < 2:
        return [raw]
    return [msgspec.json.encode({**message, "mc": [change]}) for change in changes]


def _messages(provider: str, files: list[Path]) -> Iterator[bytes]:
    for path in files:
        for _, message in read_messages(path):
            yield from one_entity_each(provider, message)


def produce_files(
    bootstrap: str, topic: str, provider: str, files: list[Path], *, feed_time: bool = False
) -> int:
    ensure_topics(bootstrap, [topic])
    producer = Producer(
        {"bootstrap.servers": bootstrap, "linger.ms": 20, "enable.idempotence": True}
    )
    count = 0
    for message in _messages(provider, files):
        identity = identify(provider, message)
        key = None if identity.entity is None else identity.entity.encode()
        stamp = identity.time_ms if feed_time and identity.time_ms > 0 else 0
        while True:
            try:
                producer.produce(topic, message, key, timestamp=stamp)
                break
            except BufferError:
                producer.poll(0.1)
        count += 1
    if producer.flush(30) > 0:
        msg = f"{topic}: some messages were not delivered within 30 s"
        raise RuntimeError(msg)
    return count
