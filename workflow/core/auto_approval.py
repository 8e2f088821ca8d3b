"""Which submitted reports the system approves on its Tier 1 partner's behalf.

A report is approved automatically when all of these hold:

- it is ``UNDER_REVIEW`` (submitted, by its partner or at the deadline);
- its Tier 1 partner has turned auto-approval on;
- none of its lines is lowered (chargeable below used units): an unadjusted report
  repeats the metered figures and has nothing to review;
- its Tier 1 partner has never rejected it: the partner has shown that it wants to look
  at this one.

The deadline sweep finds candidates with SQL (``workflow.reports.deadline_sweep._APPROVABLE``),
which ``tests/integration/test_auto_approval_rule.py`` holds to this function.
"""

from __future__ import annotations

from dataclasses import dataclass

from vocabulary.enums import ReportStatus


@dataclass(frozen=True, slots=True)
class ApprovalCandidate:
    """What the rule needs to know of a report and its Tier 1 partner."""

    status: ReportStatus
    auto_approve: bool  # the Tier 1 partner's setting
    lowered_lines: int  # lines whose chargeable units are below their used units
    rejected_before: bool  # a REJECTED entry in its history


def may_auto_approve(report: ApprovalCandidate) -> bool:
    return (
        report.status is ReportStatus.UNDER_REVIEW
        and report.auto_approve
        and report.lowered_lines == 0
        and not report.rejected_before
    )
