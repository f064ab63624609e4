"""What the generated bridge streams (``generic``, ``live``) share: the start time,
currencies and stakes, money as decimal text, message times, and a stream of messages sorted by
time.

Amounts are decimal strings in each currency's minor unit (EUR/GBP/USD two decimals, JPY none,
KWD three); payouts are computed in integer minor units, rounded down.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec

from wagerflow.money import currency_exponent

START_MS = 1_768_050_000_000
"""2026-01-10T13:00:00Z: when every sample stream starts."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PLUS_TWO = timezone(timedelta(hours=2))
CURRENCIES = ["EUR", "GBP", "USD", "JPY", "KWD"]
CURRENCY_WEIGHTS = [50, 25, 15, 6, 4]
STAKES_MAJOR: dict[str, list[str]] = {
    "EUR": ["1", "2", "5", "10", "20", "50", "100"],
    "GBP": ["1", "2.50", "5", "10", "25", "50"],
    "USD": ["1", "5", "10", "25", "100"],
    "JPY": ["100", "500", "1000", "5000"],
    "KWD": ["0.500", "1", "2.250", "5"],
}
RED = frozenset({1, 3, 5, 7, 9, 12, 14, 16, 18, 19, 21, 23, 25, 27, 30, 32, 34, 36})


def _encode(message: dict[str, Any]) -> bytes:
    return msgspec.json.encode(message)


def money_text(minor: int, currency: str) -> str:
    """Integer minor units -> the exact decimal text of major units (``1050`` EUR -> ``10.50``)."""
    return format(Decimal(minor).scaleb(-currency_exponent(currency)), "f")


def minor_units(major: str, currency: str) -> int:
    return int(Decimal(major).scaleb(currency_exponent(currency)))


def stamp(rnd: random.Random, ms: int) -> int | str:
    """Mostly epoch ms; sometimes the same instant as ISO-8601 in UTC or at +02:00."""
    draw = rnd.random()
    if draw < 0.75:
        return ms
    instant = _EPOCH + timedelta(milliseconds=ms)
    if draw < 0.95:
        return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return instant.astimezone(_PLUS_TWO).isoformat(timespec="milliseconds")


class Stream:
    """Messages with their times, sorted (stably) by time at the end."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.items: list[tuple[int, int, bytes]] = []

    def add(self, ms: int, kind: str, **fields: Any) -> None:
        message = {"type": kind, "timestamp": stamp(self.rnd, ms), **fields}
        self.items.append((ms, len(self.items), _encode(message)))

    def lines(self) -> list[bytes]:
        return [raw for _, _, raw in sorted(self.items)]
