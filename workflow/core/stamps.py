"""Which of a report's timestamps a step sets, besides its status and version.

    into UNDER_REVIEW (submit, auto-submit)        submittedAt = now, reviewedAt cleared
    into APPROVED or REJECTED (a review, by a       reviewedAt = now
    person or the system)
    a step that keeps the status (save, regenerate) nothing

The report step writer (``workflow.reports.steps.finish_step``) is the only caller.
"""

from __future__ import annotations

from datetime import datetime

from vocabulary.enums import ReportStatus

REVIEWED = frozenset({ReportStatus.APPROVED, ReportStatus.REJECTED})


def step_stamps(from_status: ReportStatus, to_status: ReportStatus, now: datetime) -> dict[str, datetime | None]:
    """The report fields a step from ``from_status`` to ``to_status`` sets at ``now``."""
    if to_status == from_status:
        return {}
    if to_status is ReportStatus.UNDER_REVIEW:
        return {"submitted_at": now, "reviewed_at": None}
    if to_status in REVIEWED:
        return {"reviewed_at": now}
    return {}
