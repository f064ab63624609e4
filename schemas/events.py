"""The normalized contract: what every downstream consumer codes against.

Rules (see also docs in the README):
- ``SCHEMA_VERSION`` is carried by every event; adding an optional field keeps the version,
  removing or retyping a field bumps it.
- Money is integer minor units with its ISO-4217 currency; odds are integers scaled by
  ``wagerflow.money.ODDS_SCALE`` (decimal odds x 10,000). No floats.
- Times are UTC epoch milliseconds.
- ``dedup_key`` is built only from provider identifiers (never arrival order or wall clock), so a
  resent message produces the same key.
- ``source`` records where the raw bytes were read (topic/partition/offset, or file/line).
"""

from typing import Literal

import msgspec

SCHEMA_VERSION = 1

Category = Literal["sport", "slot", "live"]
SelectionResultCode = Literal["WINNER", "LOSER", "REMOVED", "PLACED"]


class SourceRef(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Where raw bytes came from: a Kafka coordinate, or a file (topic) and line (offset)."""

    topic: str
    partition: int
    offset: int


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    schema_version: int = SCHEMA_VERSION
    tenant_id: str
    provider_id: str
    category: Category
    event_time_ms: int
    received_time_ms: int
    dedup_key: str
    source: SourceRef


class MarketStatusChanged(_Event, tag="market.status", frozen=True, kw_only=True):
    """A market's trading status changed (or was first seen)."""

    event_id: str | None
    market_id: str
    status: str
    in_play: bool
    previous_status: str | None


class OddsChanged(_Event, tag="odds.change", frozen=True, kw_only=True):
    """Top of the book of one selection changed: best back, best lay, last traded."""

    event_id: str | None
    market_id: str
    selection_id: str
    currency: str
    best_back_odds: int | None
    best_back_size: int | None
    best_lay_odds: int | None
    best_lay_size: int | None
    last_traded_odds: int | None


class SelectionResult(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    selection_id: str
    result: SelectionResultCode
    bsp_odds: int | None = None


class MarketSettled(_Event, tag="market.result", frozen=True, kw_only=True):
    """The provider's result for every selection of a market (Betfair: CLOSED definition)."""

    event_id: str | None
    market_id: str
    results: list[SelectionResult]

    @property
    def winners(self) -> list[str]:
        return [r.selection_id for r in self.results if r.result == "WINNER"]


NormalizedEvent = MarketStatusChanged | OddsChanged | MarketSettled

EVENT_ENCODER = msgspec.json.Encoder()
EVENT_DECODER: msgspec.json.Decoder[NormalizedEvent] = msgspec.json.Decoder(NormalizedEvent)
