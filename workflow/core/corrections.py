"""Corrections after approval (docs/contract.md §11): the window, as a pure rule.

The Tier 2 owner may request a correction of an approved report until the end (UTC) of
the Nth day after the day of its approval, N being its Tier 1 partner's
``correctionWindowDays`` when the request is made (default 90, 0 to 365; 0: no
corrections at all). Approved at 2026-11-03T09:15Z with N = 90: open until
2027-02-02T00:00Z (the end of 2027-02-01), exclusive.

What the machine needs of a report's corrections is ``CorrectionState``: whether the
window is open now, and whether a request is pending (at most one at a time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

DEFAULT_CORRECTION_WINDOW_DAYS = 90
MIN_CORRECTION_WINDOW_DAYS = 0
MAX_CORRECTION_WINDOW_DAYS = 365


@dataclass(frozen=True, slots=True)
class CorrectionState:
    """A report's corrections, as the machine's guards read them."""

    window_open: bool = False
    pending: bool = False


NO_CORRECTIONS = CorrectionState()


def correction_window_ends(approved_at: datetime | None, days: int) -> datetime | None:
    """The first instant after the window; None if there is no window (not approved, or N = 0)."""
    if approved_at is None or days <= 0:
        return None
    approved_on = approved_at.astimezone(UTC).date()
    return datetime.combine(approved_on + timedelta(days=days + 1), time(0), tzinfo=UTC)


def correction_window_open(approved_at: datetime | None, days: int, now: datetime) -> bool:
    ends = correction_window_ends(approved_at, days)
    return ends is not None and now < ends
