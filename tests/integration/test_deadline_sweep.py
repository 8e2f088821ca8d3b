"""The deadline sweep on the real database (docs/contract.md §6): auto-submit at the deadline, auto-approve.

The world's reports are generated on 1 November 2026 for October, so they are due at the
end of 5 November (23:59:59 UTC) unless their Tier 1 partner set its own number of days.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from tortoise.transactions import in_transaction

from models import BillingReport, Customer, HistoryEntry, Organization
from tests.integration.scenarios import given_generated_reports, history_of, lines_of, report_of, snapshot, usage
from tests.world import PERIOD, Party, World
from vocabulary.enums import ReportEventAction, ReportStatus, Tier
from workflow.core.adjustments import Adjustment
from workflow.generation.generate import generate_reports
from workflow.reports.actions import approve_report, reject_report, save_report_draft, submit_report
from workflow.reports.deadline_sweep import auto_approve_ready, auto_submit_due, run_deadline_sweep
from workflow.reports.settings import update_partner_settings

GENERATED = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 5, 23, 59, 59, tzinfo=UTC)
AFTER_DUE = DUE + timedelta(seconds=1)
SWEPT = datetime(2026, 11, 6, 0, 10, tzinfo=UTC)  # when the sweep runs: it stamps its steps


async def given_reports_generated_on_the_first(world: World) -> None:
    await world.add_month_of_usage(3)
    result = await generate_reports(world.platform.actor, PERIOD, now=GENERATED)
    assert result.created_count == 4


async def given_auto_approval(tier1: Party, enabled: bool = True) -> None:
    await update_partner_settings(tier1.actor, auto_approve=enabled)


async def status_of(party: Party) -> ReportStatus:
    return (await report_of(party)).status


async def entries(report_id: int, action: ReportEventAction) -> list[HistoryEntry]:
    return await HistoryEntry.filter(report_id=report_id, action=action).order_by("id")


# --- auto-submit -------------------------------------------------------------------------


async def test_no_report_is_auto_submitted_until_the_clock_is_strictly_after_its_deadline(world: World) -> None:
    await given_reports_generated_on_the_first(world)
    before = await snapshot((await report_of(world.tier2_a1)).id)

    assert await auto_submit_due(DUE, now=SWEPT) == 0

    assert await snapshot((await report_of(world.tier2_a1)).id) == before
    assert {await status_of(p) for p in world.tier2s} == {ReportStatus.PREPARING}


async def test_a_report_past_its_deadline_is_submitted_by_the_system_with_its_saved_values(world: World) -> None:
    await given_reports_generated_on_the_first(world)
    report = await report_of(world.tier2_a1)
    line = (await lines_of(report.id))[0]
    await save_report_draft(
        world.tier2_a1.actor, report.id, 1, [Adjustment(line.id, line.used_units - 1, "one seat was a trial")]
    )
    lines_before = [(li.id, li.chargeable_units, li.comment) for li in await lines_of(report.id)]

    assert await auto_submit_due(AFTER_DUE, now=SWEPT) == 4

    stored = await BillingReport.get(id=report.id)
    assert (stored.status, stored.version, stored.submitted_at, stored.reviewed_at) == (
        ReportStatus.UNDER_REVIEW,
        3,
        SWEPT,
        None,
    )
    assert [(li.id, li.chargeable_units, li.comment) for li in await lines_of(report.id)] == lines_before
    entry = (await history_of(report.id))[-1]
    assert (entry.action, entry.from_status, entry.to_status, entry.version) == (
        ReportEventAction.AUTO_SUBMITTED,
        ReportStatus.PREPARING,
        ReportStatus.UNDER_REVIEW,
        3,
    )
    assert (entry.principal_id, entry.organization_id, entry.occurred_at) == (None, None, SWEPT)
    assert "2026-11-05T23:59:59Z" in (entry.comment or "")
    assert list(entry.changes) == []  # the saved values stand: the sweep changes no line


async def test_a_rejected_report_past_its_deadline_is_auto_submitted_too(world: World) -> None:
    await given_reports_generated_on_the_first(world)
    report = await report_of(world.tier2_a1)
    await submit_report(world.tier2_a1.actor, report.id, 1)
    await reject_report(world.tier1_a.actor, report.id, 2, "line 2 looks too high")

    await auto_submit_due(AFTER_DUE, now=SWEPT)

    entry = (await history_of(report.id))[-1]
    assert (entry.action, entry.from_status, entry.to_status) == (
        ReportEventAction.AUTO_SUBMITTED,
        ReportStatus.REJECTED,
        ReportStatus.UNDER_REVIEW,
    )
    assert (await BillingReport.get(id=report.id)).version == 4


async def test_reports_under_review_or_approved_are_left_as_they_are(world: World) -> None:
    await given_reports_generated_on_the_first(world)
    a1, a2 = await report_of(world.tier2_a1), await report_of(world.tier2_a2)
    await submit_report(world.tier2_a1.actor, a1.id, 1)
    await submit_report(world.tier2_a2.actor, a2.id, 1)
    await approve_report(world.tier1_a.actor, a2.id, 2)
    under_review, approved = await snapshot(a1.id), await snapshot(a2.id)

    assert await auto_submit_due(AFTER_DUE, now=SWEPT) == 2  # the two of South Distribution

    assert (await snapshot(a1.id), await snapshot(a2.id)) == (under_review, approved)


async def test_a_second_sweep_finds_nothing_left_to_do(world: World) -> None:
    await given_reports_generated_on_the_first(world)

    first = await run_deadline_sweep(AFTER_DUE, now=SWEPT)
    second = await run_deadline_sweep(AFTER_DUE, now=SWEPT + timedelta(minutes=5))

    assert (first.auto_submitted, second.auto_submitted, second.auto_approved) == (4, 0, 0)
    for party in world.tier2s:
        report = await report_of(party)
        assert len(await entries(report.id, ReportEventAction.AUTO_SUBMITTED)) == 1
        assert report.version == 2


async def test_a_naive_as_of_is_read_as_utc(world: World) -> None:
    await given_reports_generated_on_the_first(world)

    assert await auto_submit_due(DUE.replace(tzinfo=None), now=SWEPT) == 0
    assert await auto_submit_due(AFTER_DUE.replace(tzinfo=None), now=SWEPT) == 4


async def test_an_as_of_in_another_time_zone_is_the_same_instant(world: World) -> None:
    await given_reports_generated_on_the_first(world)
    tokyo = AFTER_DUE.astimezone(timezone(timedelta(hours=9)))  # 2026-11-06T09:00:00+09:00

    assert await auto_submit_due(tokyo - timedelta(seconds=1), now=SWEPT) == 0
    assert await auto_submit_due(tokyo, now=SWEPT) == 4


# --- a Tier 1 partner's own number of days --------------------------------------------------


async def test_a_tier1_partners_own_days_decide_when_its_partners_reports_are_due(world: World) -> None:
    await update_partner_settings(world.tier1_a.actor, deadline_days=10)
    await given_reports_generated_on_the_first(world)
    north_due = datetime(2026, 11, 10, 23, 59, 59, tzinfo=UTC)
    assert (await report_of(world.tier2_a1)).submission_deadline == north_due
    assert (await report_of(world.tier2_b1)).submission_deadline == DUE

    assert await auto_submit_due(datetime(2026, 11, 8, tzinfo=UTC), now=SWEPT) == 2

    assert [await status_of(p) for p in world.tier2s] == [
        ReportStatus.PREPARING,
        ReportStatus.PREPARING,
        ReportStatus.UNDER_REVIEW,
        ReportStatus.UNDER_REVIEW,
    ]
    assert await auto_submit_due(north_due + timedelta(seconds=1), now=SWEPT) == 2


async def test_new_days_move_the_deadlines_of_editable_reports_and_keep_their_versions(world: World) -> None:
    await given_reports_generated_on_the_first(world)
    a1, a2 = await report_of(world.tier2_a1), await report_of(world.tier2_a2)
    await submit_report(world.tier2_a1.actor, a1.id, 1)
    history_before = await history_of(a2.id)

    update = await update_partner_settings(world.tier1_a.actor, deadline_days=2)

    assert update.rescheduled_count == 1  # a2 only: a1 is under review and keeps its deadline
    assert (await BillingReport.get(id=a1.id)).submission_deadline == DUE
    moved = await BillingReport.get(id=a2.id)
    assert moved.submission_deadline == datetime(2026, 11, 2, 23, 59, 59, tzinfo=UTC)
    assert moved.version == 1 and len(await history_of(a2.id)) == len(history_before)
    assert (await report_of(world.tier2_b1)).submission_deadline == DUE  # another Tier 1's partner
    assert await auto_submit_due(datetime(2026, 11, 3, tzinfo=UTC), now=SWEPT) == 1


async def test_a_late_report_keeps_its_own_window_when_the_days_change(world: World) -> None:
    await world.add_month_of_usage(3)
    await generate_reports(world.platform.actor, PERIOD, now=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))

    await update_partner_settings(world.tier1_a.actor, deadline_days=3)

    # Generated on the 20th: days 20, 21 and 22, later than the 3rd of November.
    assert (await report_of(world.tier2_a1)).submission_deadline == datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC)


# --- auto-approve ----------------------------------------------------------------------------


async def test_submitted_reports_without_adjustments_are_auto_approved_when_the_tier1_enabled_it(
    world: World,
) -> None:
    await given_reports_generated_on_the_first(world)
    await given_auto_approval(world.tier1_a)
    a1, a2, b1 = [await report_of(p) for p in (world.tier2_a1, world.tier2_a2, world.tier2_b1)]
    a1_line, a2_line = (await lines_of(a1.id))[0], (await lines_of(a2.id))[0]
    # A comment on a line left at its used units is no adjustment.
    await submit_report(world.tier2_a1.actor, a1.id, 1, [Adjustment(a1_line.id, a1_line.used_units, "checked")])
    await submit_report(world.tier2_a2.actor, a2.id, 1, [Adjustment(a2_line.id, 0, "not billable")])
    await submit_report(world.tier2_b1.actor, b1.id, 1)  # South Distribution did not enable it

    assert await auto_approve_ready(now=SWEPT) == 1

    approved = await BillingReport.get(id=a1.id)
    assert (approved.status, approved.version, approved.reviewed_at) == (ReportStatus.APPROVED, 3, SWEPT)
    entry = (await history_of(a1.id))[-1]
    assert (entry.action, entry.from_status, entry.to_status) == (
        ReportEventAction.AUTO_APPROVED,
        ReportStatus.UNDER_REVIEW,
        ReportStatus.APPROVED,
    )
    assert (entry.principal_id, entry.organization_id) == (None, None)
    assert await status_of(world.tier2_a2) == ReportStatus.UNDER_REVIEW
    assert await status_of(world.tier2_b1) == ReportStatus.UNDER_REVIEW


async def test_a_report_auto_submitted_without_adjustments_is_auto_approved_in_the_same_sweep(
    world: World,
) -> None:
    await given_reports_generated_on_the_first(world)
    await given_auto_approval(world.tier1_a)
    a2 = await report_of(world.tier2_a2)
    line = (await lines_of(a2.id))[0]
    await save_report_draft(world.tier2_a2.actor, a2.id, 1, [Adjustment(line.id, 0, "not billable")])

    result = await run_deadline_sweep(AFTER_DUE, now=SWEPT)

    assert (result.auto_submitted, result.auto_approved) == (4, 1)
    assert [await status_of(p) for p in world.tier2s] == [
        ReportStatus.APPROVED,
        ReportStatus.UNDER_REVIEW,
        ReportStatus.UNDER_REVIEW,
        ReportStatus.UNDER_REVIEW,
    ]
    actions = [e.action for e in await history_of((await report_of(world.tier2_a1)).id)]
    assert actions == [ReportEventAction.GENERATED, ReportEventAction.AUTO_SUBMITTED, ReportEventAction.AUTO_APPROVED]


async def test_a_report_its_tier1_rejected_before_is_left_for_a_person(world: World) -> None:
    await given_reports_generated_on_the_first(world)
    await given_auto_approval(world.tier1_a)
    a1 = await report_of(world.tier2_a1)
    await submit_report(world.tier2_a1.actor, a1.id, 1)
    await reject_report(world.tier1_a.actor, a1.id, 2, "please check the backup servers")
    await submit_report(world.tier2_a1.actor, a1.id, 3)  # again, without adjustments

    assert await auto_approve_ready(now=SWEPT) == 0
    assert await status_of(world.tier2_a1) == ReportStatus.UNDER_REVIEW


async def test_turning_auto_approval_off_stops_it(world: World) -> None:
    await given_reports_generated_on_the_first(world)
    await given_auto_approval(world.tier1_a)
    await given_auto_approval(world.tier1_a, enabled=False)
    a1 = await report_of(world.tier2_a1)
    await submit_report(world.tier2_a1.actor, a1.id, 1)

    assert await auto_approve_ready(now=SWEPT) == 0


# --- several sweeps at once (PostgreSQL: row locks) -------------------------------------------


async def given_many_partners(world: World, count: int) -> None:
    """``count`` more Tier 2 partners (half under each Tier 1), each with one customer's usage."""
    records = []
    for n in range(count):
        parent = world.tier1_a if n % 2 == 0 else world.tier1_b
        partner = await Organization.create(name=f"Extra MSP {n}", tier=Tier.TIER2, parent=parent.organization)
        customer = await Customer.create(name=f"Extra customer {n}", partner=partner)
        records += [usage(customer.id, "EPP", day, 5 + n) for day in (1, 2)]
    await world.add_usage(records)


@pytest.mark.postgres_only
async def test_concurrent_sweeps_auto_submit_and_approve_each_report_exactly_once(world: World) -> None:
    await given_many_partners(world, 36)
    await world.add_month_of_usage(3)
    await generate_reports(world.platform.actor, PERIOD, now=GENERATED)
    await given_auto_approval(world.tier1_a)
    reports = await BillingReport.all()
    assert len(reports) == 40

    results = await asyncio.gather(*(run_deadline_sweep(AFTER_DUE, now=SWEPT) for _ in range(4)))

    assert sum(r.auto_submitted for r in results) == 40
    north = await BillingReport.filter(partner__parent_id=world.tier1_a.organization.id).count()
    assert sum(r.auto_approved for r in results) == north
    for report in await BillingReport.all():
        assert len(await entries(report.id, ReportEventAction.AUTO_SUBMITTED)) == 1
        approvals = await entries(report.id, ReportEventAction.AUTO_APPROVED)
        assert len(approvals) == (1 if report.status is ReportStatus.APPROVED else 0)
        assert report.version == (3 if report.status is ReportStatus.APPROVED else 2)


@pytest.mark.postgres_only
async def test_a_report_locked_by_another_transaction_is_skipped_not_waited_for(world: World) -> None:
    await given_reports_generated_on_the_first(world)
    held = await report_of(world.tier2_a1)
    locked, release = asyncio.Event(), asyncio.Event()

    async def hold_the_lock() -> None:  # e.g. the partner saving it right now
        async with in_transaction() as conn:
            await BillingReport.filter(id=held.id).using_db(conn).select_for_update().first()
            locked.set()
            await release.wait()

    holder = asyncio.create_task(hold_the_lock())
    await locked.wait()
    try:
        first = await asyncio.wait_for(auto_submit_due(AFTER_DUE, now=SWEPT), timeout=30)
    finally:
        release.set()
        await holder

    assert first == 3
    assert await status_of(world.tier2_a1) == ReportStatus.PREPARING
    assert await auto_submit_due(AFTER_DUE, now=SWEPT) == 1  # the next run takes it


async def test_reports_generated_by_the_shared_scenario_are_not_due_yet(world: World) -> None:
    """Generated now (no fixed clock), a report is due days from now: a sweep of now leaves it."""
    await given_generated_reports(world)

    assert (await run_deadline_sweep()).auto_submitted == 0
