"""Which submitted reports the system approves on its Tier 1 partner's behalf.

A report is approved automatically when all of these hold:

- it is ``UNDER_REVIEW`` (submitted, by its partner or at the deadline);
- its Tier 1 partner has turned auto-approval on;
- every lowered line (chargeable below used units) carries a reason the Tier 1 partner
  trusts (``autoApproveReasons``, docs/contract.md §10) — so a report without lowered
  lines qualifies whatever the list, as before: it repeats the metered figures and has
  nothing to review; a lowered line without a reason (never written since reasons
  exist) is not trusted;
- its Tier 1 partner has never rejected it: the partner has shown that it wants to look
  at this one;
- it has a purchase order, if its Tier 1 partner requires one: the system cannot supply
  one, so such a report waits for a person.

The deadline sweep finds candidates with SQL (``workflow.reports.deadline_sweep._APPROVABLE``),
which ``tests/integration/test_auto_approval_rule.py`` holds to this function.
"""

from __future__ import annotations

from dataclasses import dataclass

from vocabulary.enums import AdjustmentReason, ReportStatus

# How the trusted reasons are kept in one column: their names, comma-separated, in the enum's order.
_SEPARATOR = ","


@dataclass(frozen=True, slots=True)
class ApprovalCandidate:
    """What the rule needs to know of a report and its Tier 1 partner."""

    status: ReportStatus
    auto_approve: bool  # the Tier 1 partner's setting
    lowered_reasons: tuple[AdjustmentReason | None, ...]  # one per line below its used units
    rejected_before: bool  # a REJECTED entry in its history
    trusted_reasons: frozenset[AdjustmentReason] = frozenset()  # the Tier 1's autoApproveReasons
    purchase_order_missing: bool = False  # the Tier 1 requires one and the report has none


def may_auto_approve(report: ApprovalCandidate) -> bool:
    return (
        report.status is ReportStatus.UNDER_REVIEW
        and report.auto_approve
        and all(reason in report.trusted_reasons for reason in report.lowered_reasons)
        and not report.rejected_before
        and not report.purchase_order_missing
    )


def encode_reasons(reasons: frozenset[AdjustmentReason] | set[AdjustmentReason]) -> str:
    """The stored form of a set of reasons: canonical, so equal sets are equal text."""
    return _SEPARATOR.join(r.value for r in AdjustmentReason if r in reasons)


def decode_reasons(stored: str | None) -> frozenset[AdjustmentReason]:
    return frozenset(AdjustmentReason(name) for name in (stored or "").split(_SEPARATOR) if name)
