"""Generated bets on exchange markets, placed at the prices of a Betfair stream.

``exchange_bets(lines, seed, count)`` reads a Betfair stream (a recording from ../shared/data or
``wagerflow.samples.betfair.market_lines``) through the Betfair adapter and returns ``count``
generic-feed ``BetPlaced`` messages (``schemas.generic``), one JSON line each, in time order:
each bet backs a runner at its best back price while its market is OPEN (before the stream's
first SUSPENDED or CLOSED status), one millisecond after that price was published; a stream
without ladders (a BASIC-tier file: last traded prices only) is backed at its last traded price.
Runners and moments are drawn weighted by the size available at the price (the traded volume's
proxy in the stream; a last traded price weighs as 1.00), so busy prices get more bets. The
bet's event is the market definition's event id (the market id when the stream names none) and
its line the market id, as the Betfair adapter's results name them. Deterministic for a seed;
stakes are GBP, as the recordings' currency.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import msgspec

from wagerflow.money import returns_at_odds, scaled_to_odds
from wagerflow.pipeline.context import NormalizeContext
from wagerflow.pipeline.decode import decode_batch
from wagerflow.pipeline.normalize_state import AcceptedEvent, NormalizeShardState
from wagerflow.schemas.events import MarketStatusChanged, OddsChanged
from wagerflow.schemas.records import RawBatch

_LTP_WEIGHT = 100
_STAKES_MINOR = [100, 250, 500, 1_000, 2_500, 5_000, 10_000]


@dataclass(frozen=True)
class Quote:
    """A runner's best back price at a moment of an open market, with the size offered."""

    time_ms: int
    event_id: str
    market_id: str
    selection_id: str
    odds: int
    size: int


def open_quotes(lines: list[bytes]) -> list[Quote]:
    """Every best back price published while its market was OPEN, in stream order."""
    ctx = NormalizeContext("samples", "GBP")
    work, _, _ = decode_batch(RawBatch("betfair", "feed", 0, list(range(len(lines))), lines), ctx)
    events = [
        o.event
        for o in NormalizeShardState(ctx).apply([w for _, w in work])
        if isinstance(o, AcceptedEvent)
    ]
    event_of: dict[str, str] = {}
    closed: set[str] = set()
    quotes: list[Quote] = []
    for event in events:
        if isinstance(event, MarketStatusChanged):
            event_of.setdefault(event.market_id, event.event_id or event.market_id)
            if event.status != "OPEN":
                closed.add(event.market_id)
        elif isinstance(event, OddsChanged) and event.market_id not in closed:
            odds, size = event.best_back_odds, event.best_back_size
            if not (odds and size) and event.best_back_odds is None:
                odds, size = event.last_traded_odds, _LTP_WEIGHT
            if odds and size:
                quotes.append(
                    Quote(
                        event.event_time_ms,
                        event_of.get(event.market_id, event.event_id or event.market_id),
                        event.market_id,
                        event.selection_id,
                        odds,
                        size,
                    )
                )
    return quotes


def exchange_bets(lines: list[bytes], seed: int, count: int) -> list[bytes]:
    """``count`` generic ``BetPlaced`` lines backing the stream's open prices (module doc)."""
    quotes = open_quotes(lines)
    if not quotes:
        return []
    rnd = random.Random(seed)  # noqa: S311  sample data, not cryptography
    picked = sorted(rnd.choices(range(len(quotes)), weights=[q.size for q in quotes], k=count))
    out = []
    for n, index in enumerate(picked):
        q = quotes[index]
        stake = rnd.choice(_STAKES_MINOR)
        message = {
            "type": "BetPlaced",
            "timestamp": q.time_ms + 1,
            "betId": f"x-{q.market_id}-{seed}-{n}",
            "eventId": q.event_id,
            "marketId": q.market_id,
            "selectionId": q.selection_id,
            "stake": {"amount": _major(stake), "currency": "GBP"},
            "acceptedOdds": str(scaled_to_odds(q.odds)),
            "potentialPayout": _major(returns_at_odds(stake, q.odds)),
            "playerId": f"p{rnd.randint(1, 200):04d}",
        }
        out.append(msgspec.json.encode(message))
    return out


def _major(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"
