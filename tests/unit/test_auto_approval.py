"""The rule of auto-approval (``workflow.core.auto_approval``), case by case."""

from __future__ import annotations

import pytest

from vocabulary.enums import ReportStatus
from workflow.core.auto_approval import ApprovalCandidate, may_auto_approve

READY = ApprovalCandidate(ReportStatus.UNDER_REVIEW, auto_approve=True, lowered_lines=0, rejected_before=False)


def test_a_submitted_unadjusted_report_of_a_tier1_that_enabled_it_is_approved() -> None:
    assert may_auto_approve(READY)


@pytest.mark.parametrize("status", [ReportStatus.PREPARING, ReportStatus.REJECTED, ReportStatus.APPROVED])
def test_only_a_submitted_report_is_approved(status: ReportStatus) -> None:
    assert not may_auto_approve(ApprovalCandidate(status, True, 0, False))


def test_nothing_is_approved_while_the_tier1_has_auto_approval_off() -> None:
    assert not may_auto_approve(ApprovalCandidate(ReportStatus.UNDER_REVIEW, False, 0, False))


def test_a_report_with_a_lowered_line_is_left_for_a_person() -> None:
    assert not may_auto_approve(ApprovalCandidate(ReportStatus.UNDER_REVIEW, True, 1, False))


def test_a_report_its_tier1_rejected_before_is_left_for_a_person() -> None:
    assert not may_auto_approve(ApprovalCandidate(ReportStatus.UNDER_REVIEW, True, 0, True))
