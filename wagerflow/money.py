"""Exact money and odds: every rounding rule of the project lives here.

- Money is an integer count of minor units of an ISO-4217 currency (``exponent`` digits).
- Decimal odds are an integer scaled by ``ODDS_SCALE`` (1.01 -> 10100).
- Provider numbers are decoded as ``Decimal`` (never ``float``), so a value that fits the scale is
  converted exactly. A value with more digits than the scale keeps (a Betfair BSP such as 4.37651,
  a traded size of 0.005) is rounded **half to even** at the scale; that is the only rounding done.
"""

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

ODDS_SCALE_DIGITS = 4
ODDS_SCALE: int = 10**ODDS_SCALE_DIGITS

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


MAX_DIGITS = 18


class InexactAmount(ValueError):
    """An amount has more digits than its currency's minor unit: refused, never rounded."""


def exact_minor(amount: Decimal | str, currency: str) -> int:
    """A decimal amount (``Decimal`` or text such as ``"5.00"``) -> integer minor units, exactly.

    Wallet and bet amounts are money that moved: an amount that does not fit the currency's
    minor unit (``"5.001"`` GBP), is not a finite number, is negative, is 10^18 or more, or is
    written with more than 18 decimals
    raises ``InexactAmount`` instead of being rounded.
    """
    with localcontext() as ctx:
        ctx.prec = 60  # exact for every amount below the limit, whatever its decimals
        try:
            value = Decimal(amount)
        except ArithmeticError as exc:
            msg = f"{amount!r} is not a decimal amount"
            raise InexactAmount(msg) from exc
        if (
            not value.is_finite()
            or value < 0
            or (value and value.adjusted() >= MAX_DIGITS)
            or int(value.as_tuple().exponent) < -MAX_DIGITS
        ):
            msg = f"{amount!r} is not a non-negative finite amount below 10^{MAX_DIGITS}"
            raise InexactAmount(msg)
        scaled = value.scaleb(currency_exponent(currency))
        if scaled != scaled.to_integral_value():
            msg = f"{amount!r} has more digits than {currency} minor units"
            raise InexactAmount(msg)
        return int(scaled)


FACTOR_SCALE = ODDS_SCALE


def factor_to_scaled(factor: Decimal) -> int:
    """A void or dead-heat factor (0..1) -> integer x ``FACTOR_SCALE`` (half-even beyond)."""
    return _scaled(factor, ODDS_SCALE_DIGITS)


def odds_to_scaled(odds: Decimal) -> int:
    """Decimal odds -> integer odds x ``ODDS_SCALE`` (half-even beyond four decimals)."""
    return _scaled(odds, ODDS_SCALE_DIGITS)


def returns_at_odds(stake: int, odds: int) -> int:
    """What a stake returns at scaled decimal odds, stake included: floored to the minor unit
    (the house's side of the rounding)."""
    return stake * odds // ODDS_SCALE


def scaled_to_odds(scaled: int) -> Decimal:
    """Inverse of ``odds_to_scaled`` for display."""
    return Decimal(scaled).scaleb(-ODDS_SCALE_DIGITS).normalize()
