"""The correction window (docs/contract.md §11), ``workflow.core.corrections``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflow.core.corrections import correction_window_ends, correction_window_open

APPROVED_AT = datetime(2026, 11, 3, 9, 15, tzinfo=UTC)


def test_the_window_ends_with_the_nth_day_after_the_day_of_approval() -> None:
    assert correction_window_ends(APPROVED_AT, 90) == datetime(2027, 2, 2, tzinfo=UTC)


def test_a_request_in_the_last_second_of_the_window_is_inside_it() -> None:
    ends = datetime(2027, 2, 2, tzinfo=UTC)
    assert correction_window_open(APPROVED_AT, 90, ends - timedelta(microseconds=1))
    assert not correction_window_open(APPROVED_AT, 90, ends)


def test_the_day_of_approval_counts_in_utc() -> None:
    # 23:30 in UTC-5 on Nov 2 is Nov 3 in UTC: the window counts from Nov 3.
    from zoneinfo import ZoneInfo

    late = datetime(2026, 11, 2, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert correction_window_ends(late, 1) == datetime(2026, 11, 5, tzinfo=UTC)


def test_a_window_of_zero_days_allows_no_correction_at_all() -> None:
    assert correction_window_ends(APPROVED_AT, 0) is None
    assert not correction_window_open(APPROVED_AT, 0, APPROVED_AT)


def test_a_report_never_approved_has_no_window() -> None:
    assert not correction_window_open(None, 90, APPROVED_AT)


@pytest.mark.parametrize("days", [1, 90, 365])
def test_the_window_is_open_right_after_approval(days: int) -> None:
    assert correction_window_open(APPROVED_AT, days, APPROVED_AT + timedelta(seconds=1))
