"""The sweep's SQL picks exactly the reports the auto-approval rule approves.

``workflow.core.auto_approval.may_auto_approve`` is the rule; the deadline sweep restates
it in SQL to find candidates without loading every report. Every combination of what the
rule reads — status, the Tier 1 partner's setting and trusted reasons, the reasons of the
lowered lines, an earlier rejection, a required and a present purchase order — is set on
a real report, and the SQL's answer compared with the rule's.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from models import BillingReport, HistoryEntry, LineItem, Organization
from tests.integration.scenarios import given_generated_reports, report_of
from tests.world import World
from vocabulary.enums import AdjustmentReason, ReportEventAction, ReportStatus
from workflow.core.auto_approval import ApprovalCandidate, decode_reasons, encode_reasons, may_auto_approve
from workflow.database.sql import connection, fetch
from workflow.reports import deadline_sweep

TRIAL, CUSTOMER_TERMINATED, OTHER = (
    AdjustmentReason.TRIAL,
    AdjustmentReason.CUSTOMER_TERMINATED,
    AdjustmentReason.OTHER,
)
# The reasons of the report's lowered lines, one per lowered line (None: a line lowered
# without a reason, as no write since reasons exist leaves one).
LOWERED: tuple[tuple[AdjustmentReason | None, ...], ...] = (
    (),
    (TRIAL,),
    (CUSTOMER_TERMINATED,),  # an underscore: LIKE's wildcard, escaped in the SQL
    (TRIAL, OTHER),
    (None,),
)
TRUSTED: tuple[frozenset[AdjustmentReason], ...] = (
    frozenset(),
    frozenset({TRIAL}),
    frozenset({TRIAL, CUSTOMER_TERMINATED, OTHER}),
)

Combination = tuple[
    ReportStatus, bool, tuple[AdjustmentReason | None, ...], frozenset[AdjustmentReason], bool, bool, bool
]
COMBINATIONS: list[Combination] = list(
    itertools.product(ReportStatus, (False, True), LOWERED, TRUSTED, (False, True), (False, True), (False, True))
)


async def given(report: BillingReport, tier1_id: int, combination: Combination) -> None:
    status, auto_approve, lowered, trusted, rejected_before, require_po, has_po = combination
    await BillingReport.filter(id=report.id).update(status=status, purchase_order="PO-1" if has_po else None)
    await Organization.filter(id=tier1_id).update(
        auto_approve=auto_approve, auto_approve_reasons=encode_reasons(trusted), require_purchase_order=require_po
    )
    lines = await LineItem.filter(report_id=report.id).order_by("id")
    for index, line in enumerate(lines):
        if index < len(lowered):
            await LineItem.filter(id=line.id).update(
                chargeable_units=line.used_units - 1, comment="lowered", adjustment_reason=lowered[index]
            )
        else:
            await LineItem.filter(id=line.id).update(
                chargeable_units=line.used_units, comment=None, adjustment_reason=None
            )
    await HistoryEntry.filter(report_id=report.id, action=ReportEventAction.REJECTED).delete()
    if rejected_before:
        await HistoryEntry.create(
            report_id=report.id,
            action=ReportEventAction.REJECTED,
            from_status=ReportStatus.UNDER_REVIEW,
            to_status=ReportStatus.REJECTED,
            version=report.version,
            occurred_at=datetime.now(UTC),
        )


async def candidate(report_id: int, tier1_id: int) -> ApprovalCandidate:
    """What the rule reads, read plainly through the ORM."""
    report = await BillingReport.get(id=report_id)
    lines = await LineItem.filter(report_id=report_id).order_by("id")
    tier1 = await Organization.get(id=tier1_id)
    return ApprovalCandidate(
        status=report.status,
        auto_approve=tier1.auto_approve,
        lowered_reasons=tuple(line.adjustment_reason for line in lines if line.chargeable_units < line.used_units),
        rejected_before=await HistoryEntry.filter(report_id=report_id, action=ReportEventAction.REJECTED).exists(),
        trusted_reasons=decode_reasons(tier1.auto_approve_reasons),
        purchase_order_missing=tier1.require_purchase_order and report.purchase_order is None,
    )


async def sql_picks(report_id: int) -> bool:
    rows = await fetch(connection(), deadline_sweep._APPROVABLE, after=0, limit=100, **deadline_sweep._approvable())
    return report_id in {row["id"] for row in rows}


async def test_the_sweeps_sql_agrees_with_the_rule_on_every_combination(world: World) -> None:
    await given_generated_reports(world)
    report = await report_of(world.tier2_a1)
    assert await LineItem.filter(report_id=report.id).count() >= 2
    tier1_id = world.tier1_a.organization.id

    approved = 0
    for combination in COMBINATIONS:
        await given(report, tier1_id, combination)
        read = await candidate(report.id, tier1_id)
        # What the sweep reads under the lock is what the rule reads, and its page agrees.
        assert await deadline_sweep._candidate(connection(), report.id) == read, combination
        expected = may_auto_approve(read)
        assert await sql_picks(report.id) == expected, combination
        approved += expected
    # Not vacuous: under review, enabled, never rejected, its purchase order in order (3 of
    # 4), and the lowered lines trusted: no lowered line (3 lists), TRIAL (2), CUSTOMER_TERMINATED
    # (1), TRIAL and OTHER (1), a line without a reason (never).
    assert approved == 3 * (3 + 2 + 1 + 1)


@pytest.mark.parametrize(
    "combination",
    [
        c
        for c in COMBINATIONS
        if c[0] is ReportStatus.UNDER_REVIEW and c[1] and c[3] == TRUSTED[1] and not c[4] and c[5] != c[6]
    ],
)
async def test_a_page_of_candidates_is_the_reports_the_rule_approves(world: World, combination: Combination) -> None:
    await given_generated_reports(world)
    alpha = await report_of(world.tier2_a1)
    await given(alpha, world.tier1_a.organization.id, combination)
    await BillingReport.filter(id__not=alpha.id).update(status=ReportStatus.UNDER_REVIEW)

    rows = await fetch(connection(), deadline_sweep._APPROVABLE, after=0, limit=100, **deadline_sweep._approvable())

    reports = await BillingReport.all().select_related("partner").order_by("id")
    expected = [r.id for r in reports if may_auto_approve(await candidate(r.id, r.partner.parent_id))]  # type: ignore[arg-type]
    assert [row["id"] for row in rows] == expected
