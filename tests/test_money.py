from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagerflow.money import (
    InexactAmount,
    currency_exponent,
    exact_minor,
    odds_to_scaled,
    scaled_to_odds,
    to_minor,
)


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


@pytest.mark.parametrize(
    "amount",
    [
        "5.001",
        "-1",
        "NaN",
        "Infinity",
        "1E-999999999",
        "1E+999999999",
        "abc",
        "100000000000000.00000000000001",
    ],
)
def test_inexact_or_absurd_amounts_are_refused_never_rounded(amount: str) -> None:
    with pytest.raises(InexactAmount):
        exact_minor(amount, "EUR")


@given(st.integers(min_value=0, max_value=10**17), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_exact_minor_round_trips(minor: int, currency: str) -> None:
    text = str(Decimal(minor).scaleb(-currency_exponent(currency)))
    assert exact_minor(text, currency) == minor
