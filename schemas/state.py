"""Latest-state records written to Redis (what dashboards and platforms read)."""

import msgspec


class SelectionState(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    selection_id: str
    status: str
    best_back_odds: int | None = None
    best_back_size: int | None = None
    best_lay_odds: int | None = None
    best_lay_size: int | None = None
    last_traded_odds: int | None = None
    bsp_odds: int | None = None


class MarketState(msgspec.Struct, frozen=True, kw_only=True):
    """The latest state of one market. ``version`` is the provider's publish time (ms): a write
    with a lower version never replaces a higher one."""

    tenant_id: str
    provider_id: str
    market_id: str
    event_id: str | None
    status: str
    in_play: bool
    currency: str
    version: int
    winners: list[str]
    selections: list[SelectionState]


STATE_ENCODER = msgspec.json.Encoder()
STATE_DECODER = msgspec.json.Decoder(MarketState)
