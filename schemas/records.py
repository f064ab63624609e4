"""The shapes that cross the boundary between connectors and flows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class RawBatch:
    """A run of raw messages of one provider read from one partition (or one file), in order.

    One object per consumed batch instead of one per message: a per-message wrapper costs more
    than decoding the message (DESIGN §6). ``timestamps`` are the broker/producer times in epoch
    ms, or ``None`` for a file, where the provider's own time stands in for the received time.
    """

    provider: str
    topic: str
    partition: int
    offsets: list[int]
    values: list[bytes]
    timestamps: list[int] | None = None
    headers: list[list[tuple[str, bytes | None]] | None] | None = None
    """Per-message Kafka headers, or None when no message of the batch had any."""


@dataclass(frozen=True, slots=True)
class OutRecord:
    """One message for a topic (or, offline, for the file named after that topic)."""

    topic: str
    key: bytes | None
    value: bytes
