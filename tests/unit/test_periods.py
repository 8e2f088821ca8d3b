"""Billing periods: calendar months in UTC, named YYYY-MM."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.core.periods import Month, PeriodError


def test_a_period_is_named_year_dash_month() -> None:
    assert Month.parse("2026-10") == Month(2026, 10)
    assert Month(2026, 3).label == "2026-03"


def test_surrounding_white_space_in_a_period_name_is_ignored() -> None:
    assert Month.parse(" 2026-10\n") == Month(2026, 10)


@pytest.mark.parametrize(
    "label", ["2026-13", "2026-00", "2026-1", "26-10", "2026/10", "2026-10-01", "", "October 2026", "２０２６-10"]
)
def test_anything_else_is_not_a_period(label: str) -> None:
    with pytest.raises(PeriodError):
        Month.parse(label)


def test_periods_before_2000_do_not_exist() -> None:
    with pytest.raises(PeriodError):
        Month.parse("1999-12")


def test_a_period_name_must_be_text() -> None:
    with pytest.raises(PeriodError):
        Month.parse(202610)  # type: ignore[arg-type]  # the wrong type, on purpose


@pytest.mark.parametrize(
    ("label", "starts_on", "ends_on"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 10, 31)),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),  # leap year
        ("2000-02", date(2000, 2, 1), date(2000, 2, 29)),  # divisible by 400: leap
    ],
)
def test_a_period_runs_from_the_first_to_the_last_day_of_its_month(label: str, starts_on: date, ends_on: date) -> None:
    month = Month.parse(label)
    assert (month.starts_on, month.ends_on) == (starts_on, ends_on)


def test_december_is_followed_by_january_of_the_next_year() -> None:
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2027, 1).previous() == Month(2026, 12)


def test_next_and_previous_within_a_year() -> None:
    assert Month(2026, 10).next() == Month(2026, 11)
    assert Month(2026, 10).previous() == Month(2026, 9)


def test_the_period_of_a_day_is_its_calendar_month() -> None:
    assert Month.of(date(2026, 10, 31)) == Month(2026, 10)
    assert Month.of(date(2026, 11, 1)) == Month(2026, 11)
