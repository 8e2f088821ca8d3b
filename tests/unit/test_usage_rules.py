"""The rules of one usage record (``workflow.core.usage_rules``), shared by recordUsage and the CSV import.

The fast paths (plain credits, plain figures of a CSV row) must give exactly what the
general checks give, so both ways in store the same numbers.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.core.credits import CreditsError, parse_credits, to_e4
from workflow.core.usage_rules import (
    MAX_UNITS,
    UsageRuleError,
    check_day,
    check_units,
    credits_e4,
    plain_figures,
    units_from_text,
)


def general_credits(text: str) -> int | None:
    try:
        return to_e4(parse_credits(text))
    except CreditsError:
        return None


def checked_credits(text: str) -> int | None:
    try:
        return credits_e4(text)
    except UsageRuleError:
        return None


def checked_units(text: str) -> int | None:
    try:
        return units_from_text("units", text)
    except UsageRuleError:
        return None


plain_decimals = st.builds(
    lambda whole, fraction: whole + (f".{fraction}" if fraction else ""),
    st.from_regex(r"[0-9]{1,16}", fullmatch=True),
    st.one_of(st.none(), st.from_regex(r"[0-9]{1,6}", fullmatch=True)),
)
unit_texts = st.one_of(
    st.from_regex(r"[0-9]{1,10}", fullmatch=True),
    st.sampled_from(["", "-1", "+1", " 1", "1 ", "1.0", "1e3", "٣", "0x10", "1_000", str(MAX_UNITS + 1)]),
)


@given(plain_decimals)
def test_plain_credits_are_read_exactly_as_the_decimal_rules_read_them(text: str) -> None:
    assert checked_credits(text) == general_credits(text)


@given(st.one_of(st.text(max_size=12), st.decimals(allow_nan=True).map(str), plain_decimals))
def test_any_credits_text_is_accepted_or_refused_as_the_decimal_rules_say(text: str) -> None:
    assert checked_credits(text) == general_credits(text)


@given(unit_texts, unit_texts, st.one_of(plain_decimals, st.sampled_from(["1e2", " 1", "-0", "NaN", "1.23450"])))
def test_the_plain_figures_of_a_row_are_what_each_check_gives(provisioned: str, used: str, credits: str) -> None:
    figures = plain_figures(provisioned, used, credits)
    separately = (checked_units(provisioned), checked_units(used), checked_credits(credits))
    if figures is not None:
        assert figures == separately
    # None only sends the row to the checks one by one, which decide


@pytest.mark.parametrize("text", ["2026-10-31", "2000-01-01", "2999-12-31"])
def test_a_day_is_an_extended_iso_date_in_range(text: str) -> None:
    assert check_day(text) == date.fromisoformat(text)


@pytest.mark.parametrize(
    "text", ["20261031", "2026-W44-6", "2026-10-31T00:00", "2026-02-30", "26-10-31", " 2026-10-31", "", "yesterday"]
)
def test_a_day_in_another_form_is_refused(text: str) -> None:
    with pytest.raises(UsageRuleError, match="ISO date"):
        check_day(text)


@pytest.mark.parametrize("day", [date(1999, 12, 31), date(3000, 1, 1), date(1, 1, 1)])
def test_a_day_outside_the_sane_range_is_refused(day: date) -> None:
    with pytest.raises(UsageRuleError, match="between"):
        check_day(day)


@pytest.mark.parametrize("value", [-1, MAX_UNITS + 1, True, 1.0, "3"])
def test_units_are_whole_numbers_within_range(value: object) -> None:
    with pytest.raises(UsageRuleError, match="whole number"):
        check_units("usedUnits", value)  # type: ignore[arg-type]  # the wrong type, on purpose


@pytest.mark.parametrize("text", ["", "-1", "+1", " 1", "1.0", "1e3", "٣", "1_000", "9" * 30])
def test_units_written_as_text_are_digits_only(text: str) -> None:
    assert checked_units(text) is None


def test_units_at_the_limits_are_accepted() -> None:
    assert (checked_units("0"), checked_units(str(MAX_UNITS)), checked_units("007")) == (0, MAX_UNITS, 7)


def test_a_plainly_written_row_takes_the_fast_path() -> None:
    assert plain_figures("12", "10", "12.5") == (12, 10, 125_000)
    assert plain_figures(str(MAX_UNITS), "0", "10000000000000.0000") == (MAX_UNITS, 0, 10**17)
    assert plain_figures("12", "10", "1e1") is None  # not plain: the Decimal path reads it
