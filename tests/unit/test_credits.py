"""Allocated credits: decimals with at most 4 places, stored as whole ten-thousandths."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.core.credits import MAX_CREDITS, CreditsError, format_credits, from_e4, parse_credits, to_e4


def stored(text: str) -> int:
    return to_e4(parse_credits(text))


@pytest.mark.parametrize(
    ("text", "e4"),
    [
        ("12.5", 125_000),
        ("0", 0),
        ("0.0001", 1),
        ("1234.5678", 12_345_678),
        ("1.23450", 12_345),  # a trailing zero is not a fifth decimal place
        ("007.5", 75_000),  # leading zeros are still plain digits
    ],
)
def test_a_decimal_with_at_most_four_places_is_stored_exactly(text: str, e4: int) -> None:
    assert stored(text) == e4


@pytest.mark.parametrize(
    "text",
    [
        "1e3",
        "1E-4",
        "1e2",  # exponents
        "-0",
        "-1",
        "+1",
        "-0.0001",  # signs, even of zero
        " 1",
        "1 ",
        "  12.5\n",
        "1 000",  # spaces around or inside
        "1_000",
        "1,5",
        "1,000.5",  # separators
        "١٢",
        "١٢.٥",
        "１２",
        "১২",  # Arabic-Indic, full-width, Bengali digits
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "inf",
        "-inf",  # not numbers
        ".5",
        "5.",
        "",
        "   ",
        "abc",
        "12.5.1",
        "0x10",
        "½",  # not digits, point, digits
    ],
)
def test_only_plain_decimal_notation_is_accepted(text: str) -> None:
    with pytest.raises(CreditsError, match="plain decimal number"):
        parse_credits(text)


@pytest.mark.parametrize("value", [Decimal("-1"), Decimal("-0"), Decimal("NaN"), Decimal("Infinity")])
def test_a_decimal_that_is_negative_or_not_finite_is_refused(value: Decimal) -> None:
    with pytest.raises(CreditsError, match="finite, non-negative"):
        parse_credits(value)


@pytest.mark.parametrize("text", ["0.00001", "12.34567", "0.1000000000000000055511151231257827"])
def test_a_fifth_decimal_place_is_refused_not_rounded(text: str) -> None:
    with pytest.raises(CreditsError, match="4 decimal places"):
        parse_credits(text)


@pytest.mark.parametrize("text", [str(MAX_CREDITS + Decimal("0.0001")), "9" * 40, "1" + "0" * 100_000])
def test_huge_credits_are_refused(text: str) -> None:
    with pytest.raises(CreditsError, match="too large"):
        parse_credits(text)


def test_the_largest_amount_is_accepted_and_fits_a_64_bit_integer() -> None:
    assert stored(str(MAX_CREDITS)) == int(MAX_CREDITS) * 10_000 < 2**63


def test_a_month_of_the_largest_daily_amount_still_fits_a_64_bit_integer() -> None:
    # A DAILY_SUM line adds up to 31 days; the database stores the sum in a BIGINT.
    assert 31 * stored(str(MAX_CREDITS)) < 2**63


def test_a_decimal_is_taken_as_it_is() -> None:
    assert parse_credits(Decimal("3.25")) == Decimal("3.25")


def test_the_api_shows_credits_with_four_places() -> None:
    assert format_credits(125_000) == "12.5000"
    assert format_credits(1) == "0.0001"
    assert format_credits(0) == "0.0000"


def test_stored_credits_come_back_as_decimals_never_floats() -> None:
    assert isinstance(from_e4(3), Decimal)
    assert from_e4(1) + from_e4(2) == Decimal("0.0003")  # 0.1 + 0.2 style errors cannot happen


@given(st.integers(0, int(MAX_CREDITS) * 10_000))
def test_what_the_api_shows_parses_back_to_the_same_stored_value(e4: int) -> None:
    assert stored(format_credits(e4)) == e4


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_credits_are_written_as_the_decimal_they_are(scaled: int) -> None:
    # format_credits is whole-number arithmetic for speed; Decimal is what it must equal.
    assert format_credits(scaled) == str(from_e4(scaled))
