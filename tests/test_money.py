from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagerflow.money import currency_exponent, odds_to_scaled, scaled_to_odds, to_minor


@given(st.integers(min_value=0, max_value=10**12))
def test_minor_units_round_trip_exactly(minor: int) -> None:
    assert to_minor(Decimal(minor).scaleb(-2), "GBP") == minor


@given(st.integers(min_value=10_100, max_value=10_000_000))
def test_odds_round_trip_exactly(scaled: int) -> None:
    assert odds_to_scaled(scaled_to_odds(scaled)) == scaled


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("18.62", "GBP", 1862),
        ("0.005", "GBP", 0),  # half to even: 0.5 -> 0
        ("0.015", "GBP", 2),  # half to even: 1.5 -> 2
        ("1000", "JPY", 1000),
        ("1.2345", "KWD", 1234),  # 1234.5 -> 1234 (even)
    ],
)
def test_rounding_rule_is_half_even_at_the_currency_exponent(
    amount: str, currency: str, minor: int
) -> None:
    assert to_minor(Decimal(amount), currency) == minor


def test_exponents() -> None:
    assert (currency_exponent("EUR"), currency_exponent("jpy"), currency_exponent("BHD")) == (
        2,
        0,
        3,
    )
