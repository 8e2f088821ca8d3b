"""Corrections after approval on the real database (docs/contract.md §11).

A request within the Tier 1 partner's window leaves the figures as they are until the
Tier 1 partner approves it; then the lines change, the report stays APPROVED and its
version grows; every step is in the history. One pending at a time; refusals change
nothing (``refused``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from models import BillingReport, Correction, HistoryEntry, LineItem
from tests.integration.scenarios import given_generated_reports, history_of, lines_of, refused, report_of, usage
from tests.world import PERIOD, World
from vocabulary.enums import AdjustmentReason, CorrectionStatus, ReportEventAction, ReportStatus
from workflow.core.adjustments import Adjustment
from workflow.core.errors import DomainError, ErrorCode
from workflow.generation.generate import generate_reports
from workflow.reads.corrections import corrections_by_report
from workflow.reads.reports import visible_report
from workflow.reports.actions import approve_report, submit_report
from workflow.reports.corrections import approve_correction, reject_correction, request_correction
from workflow.reports.settings import update_partner_settings


@pytest.fixture
async def approved(world: World) -> BillingReport:
    """Alpha MSP's report, submitted and approved (version 3)."""
    await given_generated_reports(world)
    report = await report_of(world.tier2_a1)
    await submit_report(world.tier2_a1.actor, report.id, 1)
    await approve_report(world.tier1_a.actor, report.id, 2)
    return await report_of(world.tier2_a1)


async def lowering(report: BillingReport) -> list[Adjustment]:
    line = (await lines_of(report.id))[0]
    return [Adjustment(line.id, line.used_units - 2, "two seats metered twice", AdjustmentReason.METERING_ERROR)]


async def test_a_requested_correction_changes_no_figure_until_it_is_approved(
    world: World, approved: BillingReport
) -> None:
    before = [(li.chargeable_units, li.comment) for li in await lines_of(approved.id)]
    outcome = await request_correction(
        world.tier2_a1.actor, approved.id, 3, await lowering(approved), "metering error found"
    )

    assert [(li.chargeable_units, li.comment) for li in await lines_of(approved.id)] == before
    stored = await BillingReport.get(id=approved.id)
    assert (stored.status, stored.version) == (ReportStatus.APPROVED, 4)
    entry = (await history_of(approved.id))[-1]
    assert (entry.action, entry.from_status, entry.to_status, entry.comment) == (
        ReportEventAction.CORRECTION_REQUESTED,
        ReportStatus.APPROVED,
        ReportStatus.APPROVED,
        "metering error found",
    )
    assert [(c.new_reason, c.new_comment) for c in entry.changes] == [
        (AdjustmentReason.METERING_ERROR, "two seats metered twice")
    ]
    (correction,) = (await corrections_by_report([approved.id]))[approved.id]
    assert (correction.id, correction.status, correction.comment) == (
        outcome.correction_id,
        CorrectionStatus.PENDING,
        "metering error found",
    )
    assert correction.requested_by is not None and correction.requested_by.organization.name == "Alpha MSP"
    view = await visible_report(world.tier1_a.actor, approved.id)
    assert view is not None and view.pending_correction_id == outcome.correction_id


async def test_an_approved_correction_changes_the_lines_and_the_report_stays_approved(
    world: World, approved: BillingReport
) -> None:
    adjustments = await lowering(approved)
    outcome = await request_correction(world.tier2_a1.actor, approved.id, 3, adjustments, "metering error")
    reviewed_at = (await BillingReport.get(id=approved.id)).reviewed_at

    await approve_correction(world.tier1_a.actor, outcome.correction_id, 4, "agreed")

    line = await LineItem.get(id=adjustments[0].line_item_id)
    assert (line.chargeable_units, line.adjustment_reason) == (
        adjustments[0].chargeable_units,
        AdjustmentReason.METERING_ERROR,
    )
    stored = await BillingReport.get(id=approved.id)
    assert (stored.status, stored.version, stored.reviewed_at) == (ReportStatus.APPROVED, 5, reviewed_at)
    entry = (await history_of(approved.id))[-1]
    assert (entry.action, entry.comment, len(entry.changes)) == (ReportEventAction.CORRECTION_APPROVED, "agreed", 1)
    correction = await Correction.get(id=outcome.correction_id)
    assert (correction.status, correction.review_comment) == (CorrectionStatus.APPROVED, "agreed")
    assert correction.reviewed_by_organization_id == world.tier1_a.organization.id


async def test_a_rejected_correction_keeps_the_figures_and_needs_a_reason(
    world: World, approved: BillingReport
) -> None:
    outcome = await request_correction(world.tier2_a1.actor, approved.id, 3, await lowering(approved), "please")
    before = [li.chargeable_units for li in await lines_of(approved.id)]

    await refused(
        reject_correction(world.tier1_a.actor, outcome.correction_id, 4, " "), ErrorCode.REASON_REQUIRED, approved.id
    )
    await reject_correction(world.tier1_a.actor, outcome.correction_id, 4, "the usage is right")

    assert [li.chargeable_units for li in await lines_of(approved.id)] == before
    correction = await Correction.get(id=outcome.correction_id)
    assert (correction.status, correction.review_comment) == (CorrectionStatus.REJECTED, "the usage is right")
    assert (await history_of(approved.id))[-1].action is ReportEventAction.CORRECTION_REJECTED


async def test_a_correction_may_raise_a_line_back_to_its_used_units(world: World) -> None:
    await given_generated_reports(world)
    report = await report_of(world.tier2_a1)
    line = (await lines_of(report.id))[0]
    await submit_report(world.tier2_a1.actor, report.id, 1, [Adjustment(line.id, 0, "trial", AdjustmentReason.TRIAL)])
    await approve_report(world.tier1_a.actor, report.id, 2)

    outcome = await request_correction(
        world.tier2_a1.actor, report.id, 3, [Adjustment(line.id, line.used_units)], "the trial ended on the 1st"
    )
    await approve_correction(world.tier1_a.actor, outcome.correction_id, 4)

    stored = await LineItem.get(id=line.id)
    assert (stored.chargeable_units, stored.adjustment_reason) == (line.used_units, None)


async def test_only_one_correction_is_pending_at_a_time(world: World, approved: BillingReport) -> None:
    await request_correction(world.tier2_a1.actor, approved.id, 3, await lowering(approved), "first")

    await refused(
        request_correction(world.tier2_a1.actor, approved.id, 4, await lowering(approved), "second"),
        ErrorCode.CORRECTION_PENDING,
        approved.id,
    )


async def test_a_correction_needs_a_comment_and_a_change(world: World, approved: BillingReport) -> None:
    await refused(
        request_correction(world.tier2_a1.actor, approved.id, 3, await lowering(approved), None),
        ErrorCode.COMMENT_REQUIRED,
        approved.id,
    )
    line = (await lines_of(approved.id))[0]
    await refused(
        request_correction(world.tier2_a1.actor, approved.id, 3, [Adjustment(line.id, line.used_units)], "no change"),
        ErrorCode.NO_CHANGE,
        approved.id,
    )
    await refused(
        request_correction(world.tier2_a1.actor, approved.id, 3, [Adjustment(line.id, line.used_units + 1, "x")], "up"),
        ErrorCode.CHARGEABLE_OUT_OF_RANGE,
        approved.id,
    )


async def test_a_correction_after_the_window_is_refused(world: World, approved: BillingReport) -> None:
    reviewed_at = (await BillingReport.get(id=approved.id)).reviewed_at
    assert reviewed_at is not None
    approved_on = reviewed_at.astimezone(UTC).date()
    window_end = datetime.combine(approved_on + timedelta(days=91), datetime.min.time(), tzinfo=UTC)

    await refused(
        request_correction(world.tier2_a1.actor, approved.id, 3, await lowering(approved), "late", now=window_end),
        ErrorCode.CORRECTION_WINDOW_CLOSED,
        approved.id,
    )
    await request_correction(
        world.tier2_a1.actor,
        approved.id,
        3,
        await lowering(approved),
        "just in time",
        now=window_end - timedelta(seconds=1),
    )


async def test_a_window_of_zero_days_allows_no_correction(world: World, approved: BillingReport) -> None:
    await update_partner_settings(world.tier1_a.actor, correction_window_days=0)

    await refused(
        request_correction(world.tier2_a1.actor, approved.id, 3, await lowering(approved), "now"),
        ErrorCode.CORRECTION_WINDOW_CLOSED,
        approved.id,
    )


async def test_a_report_not_yet_approved_cannot_be_corrected(world: World) -> None:
    await given_generated_reports(world)
    report = await report_of(world.tier2_a1)
    await refused(
        request_correction(world.tier2_a1.actor, report.id, 1, await lowering(report), "early"),
        ErrorCode.INVALID_TRANSITION,
        report.id,
    )


async def test_only_the_parent_decides_and_only_the_owner_requests(world: World, approved: BillingReport) -> None:
    await refused(
        request_correction(world.tier1_a.actor, approved.id, 3, await lowering(approved), "parent"),
        ErrorCode.FORBIDDEN,
        approved.id,
    )
    outcome = await request_correction(world.tier2_a1.actor, approved.id, 3, await lowering(approved), "owner")
    await refused(approve_correction(world.tier2_a1.actor, outcome.correction_id, 4), ErrorCode.FORBIDDEN, approved.id)
    await refused(approve_correction(world.tier1_b.actor, outcome.correction_id, 4), ErrorCode.NOT_FOUND, approved.id)
    await refused(
        approve_correction(world.tier1_a.actor, outcome.correction_id, 3), ErrorCode.VERSION_CONFLICT, approved.id
    )


async def test_a_decided_correction_cannot_be_decided_again(world: World, approved: BillingReport) -> None:
    outcome = await request_correction(world.tier2_a1.actor, approved.id, 3, await lowering(approved), "fix")
    await reject_correction(world.tier1_a.actor, outcome.correction_id, 4, "no")

    await refused(
        approve_correction(world.tier1_a.actor, outcome.correction_id, 5), ErrorCode.INVALID_TRANSITION, approved.id
    )


@pytest.mark.postgres_only
async def test_two_reviewers_deciding_one_correction_at_once_exactly_one_wins(
    world: World, approved: BillingReport
) -> None:
    outcome = await request_correction(world.tier2_a1.actor, approved.id, 3, await lowering(approved), "fix")

    results = await asyncio.gather(
        approve_correction(world.tier1_a.actor, outcome.correction_id, 4, "yes"),
        reject_correction(world.tier1_a.actor, outcome.correction_id, 4, "no"),
        return_exceptions=True,
    )

    refusals = [r for r in results if isinstance(r, BaseException)]
    assert len(refusals) == 1 and isinstance(refusals[0], DomainError), results
    assert refusals[0].problems[0].code is ErrorCode.VERSION_CONFLICT
    stored = await BillingReport.get(id=approved.id)
    assert stored.version == 5
    decided = await HistoryEntry.filter(
        report_id=approved.id,
        action__in=[ReportEventAction.CORRECTION_APPROVED, ReportEventAction.CORRECTION_REJECTED],
    ).count()
    assert decided == 1
    assert (await Correction.get(id=outcome.correction_id)).status is not CorrectionStatus.PENDING


@pytest.mark.postgres_only
async def test_a_correction_request_racing_a_regeneration_both_succeed_and_the_approved_figures_stay(
    world: World, approved: BillingReport
) -> None:
    customer = world.tier2_a1.customers[0]
    await world.add_usage([usage(customer.id, "EPP", 20, 999, "99")])  # late usage for the approved report
    before = [(li.used_units, li.chargeable_units) for li in await lines_of(approved.id)]

    requested, regenerated = await asyncio.gather(
        request_correction(world.tier2_a1.actor, approved.id, 3, await lowering(approved), "fix"),
        generate_reports(world.platform.actor, PERIOD),
    )

    assert requested.correction_id > 0
    assert [(li.used_units, li.chargeable_units) for li in await lines_of(approved.id)] == before
    stored = await BillingReport.get(id=approved.id)
    assert (stored.status, stored.version) == (ReportStatus.APPROVED, 4)
    assert regenerated.regenerated_count == 0  # the others are unchanged, Alpha's is approved
