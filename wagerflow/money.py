"""Exact money and odds: every rounding rule of the project lives here.

- Money is an integer count of minor units of an ISO-4217 currency (``exponent`` digits).
- Decimal odds are an integer scaled by ``ODDS_SCALE`` (1.01 -> 10100).
- Provider numbers are decoded as ``Decimal`` (never ``float``), so a value that fits the scale is
  converted exactly. A value with more digits than the scale keeps (a Betfair BSP such as 4.37651,
  a traded size of 0.005) is rounded **half to even** at the scale; that is the only rounding done.
"""

from decimal import ROUND_HALF_EVEN, Decimal

ODDS_SCALE_DIGITS = 4
ODDS_SCALE = 10**ODDS_SCALE_DIGITS

# ISO-4217 minor-unit exponents; currencies not listed use 2.
_EXPONENTS: dict[str, int] = {
    "BHD": 3,
    "CLP": 0,
    "IQD": 3,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "PYG": 0,
    "TND": 3,
    "UGX": 0,
    "VND": 0,
    "XAF": 0,
    "XOF": 0,
}


def currency_exponent(currency: str) -> int:
    """Number of minor-unit digits of an ISO-4217 currency code."""
    return _EXPONENTS.get(currency.upper(), 2)


def _scaled(value: Decimal, digits: int) -> int:
    return int(value.scaleb(digits).to_integral_value(rounding=ROUND_HALF_EVEN))


def to_minor(amount: Decimal, currency: str) -> int:
    """A decimal amount in major units -> integer minor units (half-even beyond the exponent)."""
    return _scaled(amount, currency_exponent(currency))


def odds_to_scaled(odds: Decimal) -> int:
    """Decimal odds -> integer odds x ``ODDS_SCALE`` (half-even beyond four decimals)."""
    return _scaled(odds, ODDS_SCALE_DIGITS)


def scaled_to_odds(scaled: int) -> Decimal:
    """Inverse of ``odds_to_scaled`` for display."""
    return Decimal(scaled).scaleb(-ODDS_SCALE_DIGITS).normalize()
