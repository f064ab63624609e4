"""Dead-letter entries: a rejection is data, never an exception in a flow."""

from enum import StrEnum

import msgspec

from wagerflow.schemas.events import SourceRef


class Reason(StrEnum):
    """Why a raw message was rejected. Stable codes: dashboards and alerts key on them."""

    MALFORMED = "MALFORMED"
    """The bytes do not parse as the provider's format (JSON, XML, a form): garbage,
    truncation, wrong encoding."""
    SCHEMA_MISMATCH = "SCHEMA_MISMATCH"
    """Valid JSON, but a field we use is missing or of the wrong type."""
    UNSUPPORTED_MESSAGE = "UNSUPPORTED_MESSAGE"
    """A well-formed message of a kind this adapter does not handle (e.g. Betfair ``ocm``)."""
    INVALID_VALUE = "INVALID_VALUE"
    """Well-typed, but a value is out of its domain (e.g. a negative price)."""
    CONFLICT = "CONFLICT"
    """A dedup key seen before with different content (the provider reused an id)."""
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    """A signed feed's signature (or Pragmatic hash) is missing or does not match."""
    STALE = "STALE"
    """A signed message's timestamp is outside the accepted skew of its received time."""
    REPLAY = "REPLAY"
    """A signed message's nonce was already used."""


class DlqEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One rejected raw message with its original bytes (base64 in JSON) and where it came from.

    An original too large for the DLQ topic is kept by reference instead: ``raw`` is empty and
    ``raw_size`` and ``raw_sha256`` name the bytes still at ``source`` on the raw topic."""

    reason: Reason
    detail: str
    provider_id: str
    tenant_id: str
    source: SourceRef
    raw: bytes
    raw_size: int | None = None
    raw_sha256: str | None = None


DLQ_ENCODER = msgspec.json.Encoder()
DLQ_DECODER = msgspec.json.Decoder(DlqEntry)
