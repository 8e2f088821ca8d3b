"""A step stamps the report with when it was submitted and when it was reviewed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vocabulary.enums import ReportStatus
from workflow.core.machine import TRANSITIONS
from workflow.core.stamps import step_stamps

P, U, R, A = ReportStatus.PREPARING, ReportStatus.UNDER_REVIEW, ReportStatus.REJECTED, ReportStatus.APPROVED
NOW = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("source", [P, R])
def test_a_submission_stamps_submitted_at_and_clears_the_last_review(source: ReportStatus) -> None:
    assert step_stamps(source, U, NOW) == {"submitted_at": NOW, "reviewed_at": None}


@pytest.mark.parametrize("target", [A, R])
def test_a_review_stamps_reviewed_at_and_keeps_the_submission(target: ReportStatus) -> None:
    assert step_stamps(U, target, NOW) == {"reviewed_at": NOW}


@pytest.mark.parametrize("status", [P, R, U, A])
def test_a_step_that_keeps_the_status_stamps_nothing(status: ReportStatus) -> None:
    assert step_stamps(status, status, NOW) == {}


@pytest.mark.parametrize(("trigger", "sources", "target"), [(t, s, d) for t, (s, d) in TRANSITIONS.items()])
def test_every_transition_of_the_machine_has_its_stamps_defined(
    trigger: str, sources: list[ReportStatus], target: ReportStatus | None
) -> None:
    for source in sources:
        stamps = step_stamps(source, target or source, NOW)
        assert set(stamps) <= {"submitted_at", "reviewed_at"}, trigger
        assert (target in (U, A, R) and target != source) == bool(stamps), trigger
