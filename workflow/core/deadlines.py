"""Submission deadlines (docs/contract.md §6).

A report is due at the end (UTC) of day N of the month after its period, or at the end
of a window of N days starting the day it was first generated, whichever is later; N is
5 unless the Tier 1 partner set its own. So a report generated on the 1st is due at the
end of the 5th, as docs/contract.md §6 says, and one generated late on the 20th gets the same five
days (20th..24th). "End of day" is 23:59:59 UTC: the deadline has passed once the clock
is strictly after it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from workflow.core.periods import Month

DEFAULT_DEADLINE_DAYS = 5
# The range a Tier 1 partner may set. Day 28 exists in every month, so the deadline of a
# report generated on time always falls in the month after its period.
MIN_DEADLINE_DAYS = 1
MAX_DEADLINE_DAYS = 28
_END_OF_DAY = time(23, 59, 59, tzinfo=UTC)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, _END_OF_DAY)


def period_deadline(period: Month, days: int = DEFAULT_DEADLINE_DAYS) -> datetime:
    """The deadline of a report generated on time: end of day ``days`` of the next month."""
    return end_of_day(period.next().starts_on + timedelta(days=days - 1))


def report_deadline(period: Month, first_generated_on: date, days: int = DEFAULT_DEADLINE_DAYS) -> datetime:
    # The generation day counts as the window's first day, as the 1st does for an on-time report.
    late_window = end_of_day(first_generated_on + timedelta(days=days - 1))
    return max(period_deadline(period, days), late_window)
