"""The rule of auto-approval (``workflow.core.auto_approval``), case by case."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocabulary.enums import AdjustmentReason, ReportStatus
from workflow.core.auto_approval import ApprovalCandidate, decode_reasons, encode_reasons, may_auto_approve

TRIAL, DUPLICATE, OTHER = AdjustmentReason.TRIAL, AdjustmentReason.DUPLICATE, AdjustmentReason.OTHER
READY = ApprovalCandidate(ReportStatus.UNDER_REVIEW, auto_approve=True, lowered_reasons=(), rejected_before=False)


def test_a_submitted_unadjusted_report_of_a_tier1_that_enabled_it_is_approved() -> None:
    assert may_auto_approve(READY)


@pytest.mark.parametrize("status", [ReportStatus.PREPARING, ReportStatus.REJECTED, ReportStatus.APPROVED])
def test_only_a_submitted_report_is_approved(status: ReportStatus) -> None:
    assert not may_auto_approve(replace(READY, status=status))


def test_nothing_is_approved_while_the_tier1_has_auto_approval_off() -> None:
    assert not may_auto_approve(replace(READY, auto_approve=False))


def test_a_report_with_a_lowered_line_is_left_for_a_person_when_no_reason_is_trusted() -> None:
    assert not may_auto_approve(replace(READY, lowered_reasons=(TRIAL,)))


def test_a_report_whose_lowered_lines_all_carry_a_trusted_reason_is_approved() -> None:
    assert may_auto_approve(
        replace(READY, lowered_reasons=(TRIAL, DUPLICATE), trusted_reasons=frozenset({TRIAL, DUPLICATE}))
    )


def test_one_lowered_line_with_an_untrusted_reason_leaves_the_report_for_a_person() -> None:
    assert not may_auto_approve(replace(READY, lowered_reasons=(TRIAL, OTHER), trusted_reasons=frozenset({TRIAL})))


def test_a_lowered_line_without_a_reason_is_never_trusted() -> None:
    assert not may_auto_approve(replace(READY, lowered_reasons=(None,), trusted_reasons=frozenset(AdjustmentReason)))


def test_a_report_its_tier1_rejected_before_is_left_for_a_person() -> None:
    assert not may_auto_approve(replace(READY, rejected_before=True))


def test_a_report_without_the_purchase_order_its_tier1_requires_is_passed_by() -> None:
    assert not may_auto_approve(replace(READY, purchase_order_missing=True))


@given(st.sets(st.sampled_from(AdjustmentReason)))
def test_the_stored_reasons_read_back_as_the_same_set(reasons: set[AdjustmentReason]) -> None:
    assert decode_reasons(encode_reasons(reasons)) == reasons


def test_the_stored_reasons_are_in_the_enums_order_whatever_order_they_were_given() -> None:
    assert encode_reasons({OTHER, TRIAL}) == "TRIAL,OTHER"
    assert decode_reasons("") == frozenset()
