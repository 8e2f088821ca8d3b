"""Submission deadlines (docs/contract.md §6).

A report is due at the end (23:59:59 UTC) of day N of the month after its period, and a
report generated late still gets a window of N days counting the day it was generated;
the later of the two wins. N is 5 unless the Tier 1 partner set its own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from workflow.core.deadlines import end_of_day, period_deadline, report_deadline
from workflow.core.periods import Month

OCTOBER = Month(2026, 10)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_deadline_is_the_end_of_the_day_in_utc() -> None:
    assert end_of_day(date(2026, 11, 5)) == utc(2026, 11, 5, 23, 59, 59)


def test_a_period_is_due_at_the_end_of_the_fifth_of_the_next_month() -> None:
    assert period_deadline(OCTOBER) == utc(2026, 11, 5, 23, 59, 59)


def test_a_report_generated_on_the_first_of_the_next_month_is_due_at_the_end_of_the_fifth() -> None:
    assert report_deadline(OCTOBER, date(2026, 11, 1)) == utc(2026, 11, 5, 23, 59, 59)


def test_a_report_generated_early_is_still_due_at_the_end_of_the_fifth() -> None:
    assert report_deadline(OCTOBER, date(2026, 10, 20)) == utc(2026, 11, 5, 23, 59, 59)


@pytest.mark.parametrize(
    ("generated_on", "due_on"),
    [
        (date(2026, 11, 2), date(2026, 11, 6)),  # one day late: one day more
        (date(2026, 11, 20), date(2026, 11, 24)),  # 20, 21, 22, 23, 24: five days
        (date(2026, 12, 30), date(2027, 1, 3)),  # across the year
    ],
)
def test_a_report_generated_late_gets_its_full_window_of_five_days(generated_on: date, due_on: date) -> None:
    assert report_deadline(OCTOBER, generated_on) == end_of_day(due_on)


def test_a_tier_1_partner_may_give_its_partners_more_days() -> None:
    assert report_deadline(OCTOBER, date(2026, 11, 1), days=10) == utc(2026, 11, 10, 23, 59, 59)
    assert report_deadline(OCTOBER, date(2026, 11, 20), days=10) == utc(2026, 11, 29, 23, 59, 59)


def test_a_tier_1_partner_may_give_its_partners_a_single_day() -> None:
    assert report_deadline(OCTOBER, date(2026, 11, 1), days=1) == utc(2026, 11, 1, 23, 59, 59)
    assert report_deadline(OCTOBER, date(2026, 11, 3), days=1) == utc(2026, 11, 3, 23, 59, 59)


def test_december_is_due_in_january_of_the_next_year() -> None:
    assert period_deadline(Month(2026, 12)) == utc(2027, 1, 5, 23, 59, 59)
    assert report_deadline(Month(2026, 12), date(2027, 1, 1)) == utc(2027, 1, 5, 23, 59, 59)


def test_a_deadline_in_a_short_month_rolls_into_the_next() -> None:
    # 31 days counted from 1 February (28 days long in 2026) end on 3 March.
    assert period_deadline(Month(2026, 1), days=31) == utc(2026, 3, 3, 23, 59, 59)
