"""What the board shows, read from Redis: plain data, no HTML.

Every read is bounded (the top of the liability ranking, the newest members of each feed, the
current suspensions), so one read costs a handful of commands in one pipeline whatever the
size of the book. An event's lines and a selection's players are read on demand by a ``SCAN``
of the event's hash-tagged keys.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import msgspec
import redis.asyncio as aioredis

from wagerflow.connectors.redis_exposure import ranking_key
from wagerflow.connectors.redis_feeds import feed_key, health_key
from wagerflow.connectors.redis_suspensions import suspended_key
from wagerflow.schemas.events import EVENT_DECODER, ProviderHealth
from wagerflow.schemas.risk import (
    RISK_DECODER,
    EventExposure,
    LimitBreach,
    LineExposure,
    MarketSuspend,
    PlayerExposure,
    RoundExposure,
)
from wagerflow.schemas.settlement import BetSettlement

FEED_ROWS = 15
_SETTLEMENT = msgspec.json.Decoder(BetSettlement)
_GLOB = re.compile(r"([*?\[\]\\])")


@dataclass(frozen=True)
class Ranked:
    """One member of the liability ranking, with its record (None if its hash expired)."""

    key: str
    worst_case: int
    record: LineExposure | RoundExposure | None


@dataclass(frozen=True)
class Health:
    provider: str
    producer: str
    state: str
    detail: str | None
    event_time_ms: int
    lag_ms: int
    """How late the producer's last health message arrived (received minus event time)."""


@dataclass(frozen=True)
class Snapshot:
    lines: list[Ranked]
    rounds: list[Ranked]
    suspensions: list[MarketSuspend]
    breaches: list[LimitBreach]
    settlements: list[BetSettlement]
    health: list[Health]
    health_events: list[ProviderHealth]


@dataclass
class EventSheet:
    event_id: str
    lines: dict[str, list[LineExposure]] = field(default_factory=lambda: defaultdict(list))
    """By book (``PRE_MATCH``, ``IN_PLAY``), largest worst case first."""
    totals: list[EventExposure] = field(default_factory=list)
    players: list[PlayerExposure] = field(default_factory=list)


def _decode_ranked(key: bytes, score: float, state: bytes | None) -> Ranked:
    record = RISK_DECODER.decode(state) if state else None
    if not isinstance(record, LineExposure | RoundExposure):
        record = None
    return Ranked(key.decode(), int(score), record)


async def read_snapshot(client: aioredis.Redis[bytes], tenant: str, top: int = 20) -> Snapshot:
    """The board's live figures in two pipelined round trips."""
    pipe = client.pipeline(transaction=False)
    pipe.zrevrange(ranking_key(tenant), 0, top * 10 - 1, withscores=True)
    pipe.hgetall(suspended_key(tenant))
    for feed in ("breaches", "settlements", "health"):
        pipe.zrevrange(feed_key(tenant, feed), 0, FEED_ROWS - 1)
    pipe.hgetall(health_key(tenant))
    ranked, suspended, breaches, settlements, health_events, health = await pipe.execute()
    line_keys = [(k, s) for k, s in ranked if b":line:" in k][:top]
    round_keys = [(k, s) for k, s in ranked if b":round:" in k][:top]
    pipe = client.pipeline(transaction=False)
    for key, _ in line_keys + round_keys:
        pipe.hget(key, "state")
    states = await pipe.execute() if line_keys or round_keys else []
    decoded = [
        _decode_ranked(k, s, st) for (k, s), st in zip(line_keys + round_keys, states, strict=True)
    ]
    suspensions = [
        c
        for c in (RISK_DECODER.decode(v) for v in suspended.values())
        if isinstance(c, MarketSuspend)
    ]
    suspensions.sort(key=lambda c: (-c.as_of_ms, c.command_id))
    latest = [EVENT_DECODER.decode(v) for v in health.values()]
    return Snapshot(
        lines=decoded[: len(line_keys)],
        rounds=decoded[len(line_keys) :],
        suspensions=suspensions,
        breaches=[b for b in map(RISK_DECODER.decode, breaches) if isinstance(b, LimitBreach)],
        settlements=[_SETTLEMENT.decode(s) for s in settlements],
        health=sorted(
            (
                Health(
                    h.provider_id,
                    h.producer,
                    h.state,
                    h.detail,
                    h.event_time_ms,
                    h.received_time_ms - h.event_time_ms,
                )
                for h in latest
                if isinstance(h, ProviderHealth)
            ),
            key=lambda h: (h.provider, h.producer),
        ),
        health_events=[
            h for h in map(EVENT_DECODER.decode, health_events) if isinstance(h, ProviderHealth)
        ],
    )


def _event_pattern(tenant: str, event_id: str) -> str:
    return _GLOB.sub(r"\\\1", f"wf:exposure:{{{tenant}:{event_id}}}:") + "*"


async def read_event(client: aioredis.Redis[bytes], tenant: str, event_id: str) -> EventSheet:
    """Every open line of one event, its totals per book and currency, and the players'
    positions on its selections."""
    keys = [k async for k in client.scan_iter(match=_event_pattern(tenant, event_id), count=500)]
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.hget(key, "state")
    sheet = EventSheet(event_id)
    for raw in await pipe.execute() if keys else []:
        if not raw:
            continue
        record: Any = RISK_DECODER.decode(raw)
        if record.open_stake == 0:
            continue
        if isinstance(record, LineExposure):
            sheet.lines[record.book].append(record)
        elif isinstance(record, EventExposure):
            sheet.totals.append(record)
        elif isinstance(record, PlayerExposure):
            sheet.players.append(record)
    for lines in sheet.lines.values():
        lines.sort(key=lambda x: (-x.worst_case, x.line_id))
    sheet.totals.sort(key=lambda x: (x.book, x.currency))
    sheet.players.sort(key=lambda p: (-p.potential_return, p.player_id))
    return sheet
