"""First generation of a period (docs/contract.md §4, §6): one report per Tier 2 partner with usage."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models import BillingPeriod, BillingReport, HistoryEntry, LineItem, Organization
from tests.integration.scenarios import actor_with, usage
from tests.world import PERIOD, World
from vocabulary.enums import ReportEventAction, ReportStatus, Scope
from workflow.core.actors import SYSTEM
from workflow.core.credits import MAX_CREDITS
from workflow.core.errors import Forbidden
from workflow.core.periods import PeriodError
from workflow.generation.generate import generate_reports

ON_TIME = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)


async def test_each_tier_2_partner_with_usage_gets_one_report_and_the_others_none(world: World) -> None:
    a1, b1 = world.tier2_a1, world.tier2_b1
    await world.add_usage([usage(a1.customers[0].id, "EPP", 3, 10), usage(b1.customers[1].id, "MAIL", 7, 4)])

    result = await generate_reports(world.platform.actor, PERIOD, now=ON_TIME)

    assert (result.period, result.created_count, result.regenerated_count) == (PERIOD, 2, 0)
    partners = await BillingReport.all().values_list("partner_id", flat=True)
    assert sorted(partners) == sorted([a1.organization.id, b1.organization.id])


async def test_a_new_report_is_preparing_at_version_1_with_its_deadline(world: World) -> None:
    await world.add_usage([usage(world.tier2_a1.customers[0].id, "EPP", 3, 10)])

    await generate_reports(world.platform.actor, PERIOD, now=ON_TIME)

    report = await BillingReport.get(partner_id=world.tier2_a1.organization.id)
    assert (report.status, report.version) == (ReportStatus.PREPARING, 1)
    assert report.generated_at == ON_TIME
    assert report.submission_deadline == datetime(2026, 11, 5, 23, 59, 59, tzinfo=UTC)
    assert (report.submitted_at, report.reviewed_at) == (None, None)


async def test_a_tier_1_partner_s_own_number_of_days_sets_its_partners_deadlines(world: World) -> None:
    await Organization.filter(id=world.tier1_a.organization.id).update(deadline_days=10)
    await world.add_usage([usage(p.customers[0].id, "EPP", 3, 10) for p in (world.tier2_a1, world.tier2_b1)])

    await generate_reports(world.platform.actor, PERIOD, now=ON_TIME)

    deadlines = dict(await BillingReport.all().values_list("partner_id", "submission_deadline"))
    assert deadlines[world.tier2_a1.organization.id] == datetime(2026, 11, 10, 23, 59, 59, tzinfo=UTC)
    assert deadlines[world.tier2_b1.organization.id] == datetime(2026, 11, 5, 23, 59, 59, tzinfo=UTC)


async def test_a_report_generated_late_gets_a_full_window(world: World) -> None:
    await world.add_usage([usage(world.tier2_a1.customers[0].id, "EPP", 3, 10)])

    await generate_reports(world.platform.actor, PERIOD, now=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))

    report = await BillingReport.get(partner_id=world.tier2_a1.organization.id)
    assert report.submission_deadline == datetime(2026, 11, 24, 23, 59, 59, tzinfo=UTC)


async def test_each_new_report_has_one_generated_entry_by_whoever_generated_it(world: World) -> None:
    await world.add_usage([usage(p.customers[0].id, "EPP", 3, 10) for p in world.tier2s])

    await generate_reports(world.platform.actor, PERIOD, now=ON_TIME)

    entries = await HistoryEntry.all().prefetch_related("changes")
    assert len(entries) == 4
    assert {e.report_id for e in entries} == set(await BillingReport.all().values_list("id", flat=True))
    for entry in entries:
        assert (entry.action, entry.from_status, entry.to_status, entry.version) == (
            ReportEventAction.GENERATED,
            None,
            ReportStatus.PREPARING,
            1,
        )
        assert entry.occurred_at == ON_TIME
        assert (entry.principal_id, entry.organization_id) == (
            world.platform.actor.principal_id,
            world.platform.organization.id,
        )
        assert list(entry.changes) == []


async def test_the_system_may_generate_and_is_recorded_as_nobody(world: World) -> None:
    await world.add_usage([usage(world.tier2_a1.customers[0].id, "EPP", 3, 10)])

    await generate_reports(SYSTEM, PERIOD, now=ON_TIME)

    entry = await HistoryEntry.get()
    assert (entry.principal_id, entry.organization_id) == (None, None)


async def test_one_line_per_customer_and_solution_with_usage_starting_at_used_units(world: World) -> None:
    c1, c2 = world.tier2_a1.customers
    await world.add_usage(
        [
            usage(c1.id, "EPP", 1, 10, "2", provisioned=12),
            usage(c1.id, "EPP", 2, 11, "1"),
            usage(c1.id, "MAIL", 1, 3),
            usage(c2.id, "BACKUP", 30, 0, "0"),
        ]
    )

    await generate_reports(world.platform.actor, PERIOD, now=ON_TIME)

    lines = await LineItem.all().order_by("customer_id", "solution_id")
    assert [(li.customer_id, li.name, li.billing_unit) for li in lines] == [
        (c1.id, "Endpoint Security Pro", "endpoint"),
        (c1.id, "Mail Protection", "mailbox"),
        (c2.id, "Cloud Backup", "server"),
    ]
    epp = lines[0]
    assert (epp.reference_day, epp.provisioned_units, epp.used_units, epp.over_provisioned_units) == (
        date(2026, 10, 1),
        12,
        10,
        2,
    )
    assert (epp.credits_e4, epp.chargeable_units, epp.comment) == (20_000, 10, None)
    assert all(li.chargeable_units == li.used_units for li in lines)


async def test_usage_outside_the_period_is_ignored(world: World) -> None:
    inside, outside_only = world.tier2_a1.customers[0], world.tier2_b1.customers[0]
    await world.add_usage(
        [
            usage(inside.id, "EPP", 15, 5, "1"),
            usage(inside.id, "EPP", date(2026, 9, 30), 99, "9999"),  # the day before
            usage(inside.id, "EPP", date(2026, 11, 1), 99, "9999"),  # the day after
            usage(inside.id, "MAIL", date(2026, 11, 1), 99, "9999"),  # a solution used only after
            usage(outside_only.id, "EPP", date(2026, 9, 30), 7),
        ]
    )

    result = await generate_reports(world.platform.actor, PERIOD, now=ON_TIME)

    assert result.created_count == 1
    (line,) = await LineItem.all()
    assert (line.reference_day, line.used_units, line.credits_e4) == (date(2026, 10, 15), 5, 10_000)


async def test_the_period_is_recorded_with_its_first_and_last_day(world: World) -> None:
    await world.add_usage([usage(world.tier2_a1.customers[0].id, "EPP", 3, 10)])

    await generate_reports(world.platform.actor, PERIOD, now=ON_TIME)

    period = await BillingPeriod.get(label=PERIOD)
    assert (period.starts_on, period.ends_on) == (date(2026, 10, 1), date(2026, 10, 31))


async def test_generating_again_without_new_usage_changes_nothing(world: World) -> None:
    await world.add_month_of_usage(days=4)
    await generate_reports(world.platform.actor, PERIOD, now=ON_TIME)
    versions = dict(await BillingReport.all().values_list("id", "version"))

    result = await generate_reports(world.platform.actor, PERIOD)

    assert (result.created_count, result.regenerated_count) == (0, 0)
    assert dict(await BillingReport.all().values_list("id", "version")) == versions
    assert await HistoryEntry.all().count() == 4


async def test_a_month_without_usage_generates_no_report(world: World) -> None:
    await world.add_month_of_usage(days=2)

    result = await generate_reports(world.platform.actor, "2026-12", now=ON_TIME)

    assert (result.created_count, result.regenerated_count) == (0, 0)
    assert await BillingReport.all().count() == 0


async def test_generating_needs_the_reports_generate_scope(world: World) -> None:
    await world.add_month_of_usage(days=2)
    reader = await actor_with(world, world.platform, [Scope.REPORTS_READ, Scope.USAGE_WRITE])

    for actor in (reader, world.tier2_a1.actor, world.tier1_a.actor):
        with pytest.raises(Forbidden):
            await generate_reports(actor, PERIOD)

    assert await BillingReport.all().count() == 0


@pytest.mark.parametrize("label", ["2026-13", "2026-1", "October", ""])
async def test_a_period_that_is_not_yyyy_mm_is_refused(world: World, label: str) -> None:
    with pytest.raises(PeriodError):
        await generate_reports(world.platform.actor, label)


async def test_a_daily_sum_line_of_a_month_of_the_largest_credits_fits(world: World) -> None:
    customer = world.tier2_a1.customers[0]
    await world.add_usage([usage(customer.id, "MAIL", d, 1, str(MAX_CREDITS)) for d in range(1, 32)])

    await generate_reports(world.platform.actor, PERIOD, now=ON_TIME)

    (line,) = await LineItem.all()
    assert line.credits_e4 == 31 * int(MAX_CREDITS) * 10_000
