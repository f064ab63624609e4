"""Betfair Exchange Stream API market change messages (``op: "mcm"``), as received.

Modelled on Betfair's public ESASwaggerSchema (MarketChangeMessage, MarketChange, RunnerChange,
MarketDefinition). Unknown fields are tolerated (Betfair adds fields over time); the fields we
use are typed strictly. Prices and sizes decode as ``Decimal`` so no float ever touches money.
"""

from decimal import Decimal
from typing import Literal

import msgspec

PriceSize = tuple[Decimal, Decimal]
LevelPriceSize = tuple[int, Decimal, Decimal]

MarketStatus = Literal["INACTIVE", "OPEN", "SUSPENDED", "CLOSED"]
RunnerStatus = Literal["ACTIVE", "WINNER", "LOSER", "REMOVED", "REMOVED_VACANT", "HIDDEN", "PLACED"]


class RunnerDefinition(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    status: RunnerStatus
    sortPriority: int | None = None
    bsp: Decimal | None = None
    adjustmentFactor: Decimal | None = None
    hc: Decimal | None = None
    name: str | None = None
    removalDate: str | None = None
    """ISO-8601 UTC time the runner was removed (REMOVED / REMOVED_VACANT runners)."""


class MarketDefinition(msgspec.Struct, frozen=True, kw_only=True):
    status: MarketStatus
    inPlay: bool = False
    eventId: str | None = None
    eventTypeId: str | None = None
    competitionId: str | None = None
    marketType: str | None = None
    bettingType: str | None = None
    numberOfWinners: int | None = None
    eachWayDivisor: Decimal | None = None
    marketBaseRate: Decimal | None = None
    marketTime: str | None = None
    settledTime: str | None = None
    version: int | None = None
    runners: list[RunnerDefinition] = []


class RunnerChange(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    hc: Decimal | None = None
    con: bool | None = None
    img: bool | None = None
    ltp: Decimal | None = None
    tv: Decimal | None = None
    spn: Decimal | None = None
    spf: Decimal | None = None
    atb: list[PriceSize] | None = None
    atl: list[PriceSize] | None = None
    trd: list[PriceSize] | None = None
    spb: list[PriceSize] | None = None
    spl: list[PriceSize] | None = None
    batb: list[LevelPriceSize] | None = None
    batl: list[LevelPriceSize] | None = None
    bdatb: list[LevelPriceSize] | None = None
    bdatl: list[LevelPriceSize] | None = None


class MarketChange(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    img: bool = False
    con: bool | None = None
    tv: Decimal | None = None
    marketDefinition: MarketDefinition | None = None
    rc: list[RunnerChange] = []


class MarketChangeMessage(msgspec.Struct, frozen=True, kw_only=True):
    op: Literal["mcm"]
    pt: int
    clk: str | None = None
    id: int | None = None
    ct: Literal["SUB_IMAGE", "RESUB_DELTA", "HEARTBEAT"] | None = None
    status: int | None = None
    mc: list[MarketChange] = []


MCM_DECODER = msgspec.json.Decoder(MarketChangeMessage)
