"""What the generated seamless-wallet callback streams (``hub88``, ``evolution``,
``pragmatic``) share: seeded randomness, stakes and wins, and provider retries.

Each generator plays ``rounds`` game rounds of a few players and returns the callbacks in the
order a provider sends them, framed as the bridge's ingress writes them (``<path> <body>``, see
``schemas.wallet``). Realistic, not exhaustive. About one callback in forty is delivered twice,
byte for byte (a provider retry after a timeout). Deterministic for a seed: the same arguments
always give the same bytes.
"""

from __future__ import annotations

import random
import uuid
from decimal import Decimal

import msgspec

from wagerflow.money import currency_exponent

RETRY_RATE = 1 / 40

JSON = msgspec.json.Encoder(decimal_format="number")
_STAKES = ("0.20", "0.50", "1.00", "2.00", "2.50", "5.00", "10.00", "25.00")
_JPY_STAKES = ("20", "50", "100", "200", "500", "1000")
_MULTIPLIERS = ("0", "0", "0", "0.5", "1", "1.5", "2", "3", "5", "10", "50")


def seeded_rng(name: str, seed: int) -> random.Random:
    # sample data, not cryptography: a seeded PRNG is exactly what is wanted
    return random.Random(f"{name}:{seed}")  # noqa: S311


def random_uuid(rnd: random.Random) -> str:
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def random_hex(rnd: random.Random, digits: int) -> str:
    return f"{rnd.getrandbits(4 * digits):0{digits}x}"


def random_stake(rnd: random.Random, currency: str) -> Decimal:
    return Decimal(rnd.choice(_JPY_STAKES if currency_exponent(currency) == 0 else _STAKES))


def random_win(rnd: random.Random, stake: Decimal, currency: str) -> Decimal:
    """A payout that is a whole number of minor units of ``currency``."""
    raw = stake * Decimal(rnd.choice(_MULTIPLIERS))
    return raw.quantize(Decimal(1).scaleb(-currency_exponent(currency)))


def emit(out: list[bytes], rnd: random.Random, line: bytes) -> None:
    out.append(line)
    if rnd.random() < RETRY_RATE:
        out.append(line)
