"""Tenancy (docs/contract.md §2): who sees which reports and partners. Anything else does not exist."""

from __future__ import annotations

import pytest

from models import BillingReport, Organization
from tests.integration.scenarios import given_generated_reports
from tests.world import World
from workflow.access.visibility import visible_partners, visible_reports
from workflow.core.actors import SYSTEM
from workflow.reads import contents as report_contents
from workflow.reads import reports as reads
from workflow.reads.views import ReportFilter

SEES = {
    "platform": {"tier2_a1", "tier2_a2", "tier2_b1", "tier2_b2"},
    "tier1_a": {"tier2_a1", "tier2_a2"},
    "tier1_b": {"tier2_b1", "tier2_b2"},
    "tier2_a1": {"tier2_a1"},
    "tier2_b2": {"tier2_b2"},
}


def names(world: World, organization_ids: list[int]) -> set[str]:
    by_id = {getattr(world, n).organization.id: n for n in ("tier2_a1", "tier2_a2", "tier2_b1", "tier2_b2")}
    return {by_id[i] for i in organization_ids}


@pytest.mark.parametrize(("who", "partners"), SEES.items())
async def test_each_principal_sees_the_reports_of_its_own_partners_only(
    world: World, who: str, partners: set[str]
) -> None:
    await given_generated_reports(world)
    actor = getattr(world, who).actor

    seen = await BillingReport.filter(visible_reports(actor)).values_list("partner_id", flat=True)

    assert names(world, seen) == partners


@pytest.mark.parametrize(("who", "partners"), SEES.items())
async def test_each_principal_sees_its_own_partners_only(world: World, who: str, partners: set[str]) -> None:
    actor = getattr(world, who).actor

    seen = await Organization.filter(visible_partners(actor)).values_list("id", flat=True)

    assert names(world, seen) == partners


async def test_the_system_sees_every_report(world: World) -> None:
    await given_generated_reports(world)

    assert await BillingReport.filter(visible_reports(SYSTEM)).count() == 4


@pytest.mark.parametrize("who", SEES)
async def test_reading_reports_by_id_applies_the_same_rule_as_the_list_filter(world: World, who: str) -> None:
    # workflow.reads.reports checks by-id reads with can_see in Python; lists filter with visible_reports.
    await given_generated_reports(world)
    actor = getattr(world, who).actor
    every_report = await BillingReport.all().values_list("id", flat=True)

    found = await reads.visible_reports_by_id(actor, every_report)
    with_totals = [rid for rid in every_report if await report_contents.visible_report_with_totals(actor, rid)]
    with_history = {rid: await report_contents.visible_report_with_history(actor, rid) for rid in every_report}

    filtered = await BillingReport.filter(visible_reports(actor)).values_list("id", flat=True)
    assert sorted(found) == sorted(with_totals) == sorted(filtered)
    assert sorted(rid for rid, read in with_history.items() if read is not None) == sorted(filtered)
    # ... and the one-query read of a report with its history reads them as the two reads do.
    histories = await report_contents.histories(filtered)
    for rid in filtered:
        report, history = with_history[rid]  # type: ignore[misc]
        assert (report, history) == (found[rid], histories[rid])


@pytest.mark.parametrize("who", [*SEES, "system"])
async def test_the_report_pages_sql_applies_the_same_rule_as_the_list_filter_and_can_see(
    world: World, who: str
) -> None:
    # workflow.reads.reports.report_page filters with visible_reports_sql (raw SQL): the rule restated.
    await given_generated_reports(world)
    actor = SYSTEM if who == "system" else getattr(world, who).actor
    every_report = await BillingReport.all().values_list("id", flat=True)

    page = await reads.report_page(actor, ReportFilter(), first=100)
    by_can_see = [rid for rid in every_report if await reads.visible_report(actor, rid) is not None]

    filtered = await BillingReport.filter(visible_reports(actor)).values_list("id", flat=True)
    assert sorted(r.id for r in page.items) == sorted(filtered) == sorted(by_can_see)
    assert page.total_count == len(filtered)
