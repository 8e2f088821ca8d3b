"""Regenerating a period when late usage arrived (docs/contract.md §4).

Alpha MSP's report is generated from three days of Endpoint Security Pro (peak-credits
rule, so each test chooses the new reference day by giving it the most credits), then
adjusted; late usage arrives and the period is generated again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models import BillingReport, LineItem
from tests.integration.scenarios import history_of, lines_of, refused, report_of, snapshot, usage
from tests.world import PERIOD, World
from vocabulary.enums import ReportEventAction, ReportStatus
from workflow.core.adjustments import Adjustment
from workflow.core.errors import ErrorCode
from workflow.database.sql import run
from workflow.generation import generate as generation
from workflow.generation.generate import generate_reports
from workflow.reports.actions import approve_report, reject_report, save_report_draft, submit_report


async def given_alpha_adjusted(world: World) -> tuple[BillingReport, LineItem, LineItem]:
    """Alpha's two EPP lines (used 20 and 30 on the peak day), lowered to 15 and 25."""
    c1, c2 = world.tier2_a1.customers
    await world.add_usage(
        [
            usage(c1.id, "EPP", 1, 20, "5"),
            usage(c1.id, "EPP", 2, 22, "1"),
            usage(c2.id, "EPP", 1, 30, "5"),
            usage(c2.id, "EPP", 2, 31, "1"),
        ]
    )
    await generate_reports(world.platform.actor, PERIOD)
    report = await report_of(world.tier2_a1)
    first, second = await LineItem.filter(report_id=report.id).order_by("customer_id")
    report = await save_report_draft(
        world.tier2_a1.actor,
        report.id,
        1,
        [
            Adjustment(first.id, 15, "five endpoints retired"),
            Adjustment(second.id, 25, "five laptops lost"),
        ],
    )
    return report, first, second


async def test_an_adjustment_still_within_the_new_used_units_survives(world: World) -> None:
    _, first, _ = await given_alpha_adjusted(world)
    await world.add_usage([usage(first.customer_id, "EPP", 9, 18, "8", provisioned=19)])  # new peak: used 18 >= 15

    result = await generate_reports(world.platform.actor, PERIOD)

    assert result.regenerated_count == 1
    line = await LineItem.get(id=first.id)
    assert (line.reference_day, line.provisioned_units, line.used_units, line.over_provisioned_units) == (
        date(2026, 10, 9),
        19,
        18,
        1,
    )
    assert (line.credits_e4, line.chargeable_units, line.comment) == (80_000, 15, "five endpoints retired")


async def test_an_adjustment_equal_to_the_new_used_units_survives(world: World) -> None:
    _, first, _ = await given_alpha_adjusted(world)
    await world.add_usage([usage(first.customer_id, "EPP", 9, 15, "8")])

    await generate_reports(world.platform.actor, PERIOD)

    line = await LineItem.get(id=first.id)
    assert (line.used_units, line.chargeable_units, line.comment) == (15, 15, "five endpoints retired")


async def test_a_line_not_lowered_follows_the_new_used_units_and_keeps_its_comment(world: World) -> None:
    report, first, _ = await given_alpha_adjusted(world)
    report = await save_report_draft(
        world.tier2_a1.actor,
        report.id,
        report.version,
        [
            Adjustment(first.id, 20, "checked: all 20 in use"),  # back to used, with a note
        ],
    )
    await world.add_usage([usage(first.customer_id, "EPP", 9, 24, "8")])

    await generate_reports(world.platform.actor, PERIOD)

    line = await LineItem.get(id=first.id)
    assert (line.used_units, line.chargeable_units, line.comment) == (24, 24, "checked: all 20 in use")


async def test_an_adjustment_above_the_new_used_units_is_dropped_and_said_so_in_the_history(world: World) -> None:
    report, first, second = await given_alpha_adjusted(world)
    await world.add_usage(
        [
            usage(first.customer_id, "EPP", 9, 12, "8"),  # new used 12 < chargeable 15: dropped
            usage(second.customer_id, "EPP", 9, 26, "8"),  # new used 26 >= chargeable 25: kept
        ]
    )

    await generate_reports(world.platform.actor, PERIOD)

    dropped = await LineItem.get(id=first.id)
    assert (dropped.used_units, dropped.chargeable_units, dropped.comment) == (12, 12, None)
    kept = await LineItem.get(id=second.id)
    assert (kept.used_units, kept.chargeable_units, kept.comment) == (26, 25, "five laptops lost")
    entry = (await history_of(report.id))[-1]
    assert (entry.action, entry.from_status, entry.to_status, entry.version) == (
        ReportEventAction.REGENERATED,
        ReportStatus.PREPARING,
        ReportStatus.PREPARING,
        report.version + 1,
    )
    assert [
        (c.line_item_id, c.old_chargeable_units, c.new_chargeable_units, c.old_comment, c.new_comment)
        for c in entry.changes
    ] == [(first.id, 15, 12, "five endpoints retired", None)]
    assert "1 adjustment(s) dropped" in entry.comment


async def test_regeneration_moves_the_version_so_an_open_edit_must_reload(world: World) -> None:
    report, first, _ = await given_alpha_adjusted(world)
    await world.add_usage([usage(first.customer_id, "EPP", 9, 40, "8")])

    await generate_reports(world.platform.actor, PERIOD)

    assert (await BillingReport.get(id=report.id)).version == report.version + 1
    await refused(
        save_report_draft(world.tier2_a1.actor, report.id, report.version, [Adjustment(first.id, 1, "x")]),
        ErrorCode.VERSION_CONFLICT,
        report.id,
    )


async def test_new_customer_and_solution_pairs_become_new_lines(world: World) -> None:
    report, first, _ = await given_alpha_adjusted(world)
    await world.add_usage([usage(first.customer_id, "MAIL", 4, 7), usage(first.customer_id, "MAIL", 5, 3)])

    await generate_reports(world.platform.actor, PERIOD)

    lines = await LineItem.filter(report_id=report.id, solution__code="MAIL")
    assert [(li.used_units, li.chargeable_units, li.reference_day) for li in lines] == [(10, 10, None)]
    entry = (await history_of(report.id))[-1]
    assert entry.action is ReportEventAction.REGENERATED
    assert entry.comment == "0 line(s) recomputed, 1 added"


async def test_a_report_whose_figures_did_not_change_keeps_its_version(world: World) -> None:
    report, first, _ = await given_alpha_adjusted(world)
    before = await snapshot(report.id)
    # The feed resends a day with the same values, and adds a day that is not the peak.
    await world.add_usage([usage(first.customer_id, "EPP", 1, 20, "5"), usage(first.customer_id, "EPP", 3, 99, "0.5")])

    result = await generate_reports(world.platform.actor, PERIOD)

    assert result.regenerated_count == 0
    assert await snapshot(report.id) == before


async def test_only_the_reports_with_new_figures_are_regenerated(world: World) -> None:
    await world.add_month_of_usage(days=3)
    await generate_reports(world.platform.actor, PERIOD)
    beta = await report_of(world.tier2_a2)
    untouched = await snapshot(beta.id)
    customer = world.tier2_a1.customers[0]

    await world.add_usage([usage(customer.id, "MAIL", 20, 1)])  # a DAILY_SUM line grows
    result = await generate_reports(world.platform.actor, PERIOD)

    assert (result.created_count, result.regenerated_count) == (0, 1)
    assert await snapshot(beta.id) == untouched


async def test_only_the_lines_that_change_are_read_into_python(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-running a vendor's month must not carry its unchanged lines into Python: SQL
    pre-filters the changed ones (``sql._changed_lines_of_editable_reports``)."""
    await world.add_month_of_usage(days=3)
    await generate_reports(world.platform.actor, PERIOD)
    customer = world.tier2_a1.customers[0]
    mail = await LineItem.get(customer_id=customer.id, solution_id=world.solutions["MAIL"].id)
    read: list[int] = []
    real_filter = LineItem.filter

    def filter_and_note(*args: Any, **kwargs: Any) -> Any:
        read.extend(kwargs.get("id__in", []))
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(generation.LineItem, "filter", filter_and_note)

    assert (await generate_reports(world.platform.actor, PERIOD)).regenerated_count == 0
    assert read == []  # nothing new: no line read

    await world.add_usage([usage(customer.id, "MAIL", 20, 1)])  # one DAILY_SUM line grows
    assert (await generate_reports(world.platform.actor, PERIOD)).regenerated_count == 1
    assert read == [mail.id]  # that line, not the other lines of its report


async def test_a_rejected_report_is_regenerated_too(world: World) -> None:
    report, first, _ = await given_alpha_adjusted(world)
    report = await submit_report(world.tier2_a1.actor, report.id, report.version)
    report = await reject_report(world.tier1_a.actor, report.id, report.version, "check the laptops")
    await world.add_usage([usage(first.customer_id, "EPP", 9, 12, "8")])

    assert (await generate_reports(world.platform.actor, PERIOD)).regenerated_count == 1

    after = await BillingReport.get(id=report.id)
    assert (after.status, after.version) == (ReportStatus.REJECTED, report.version + 1)
    assert (await LineItem.get(id=first.id)).used_units == 12
    entry = (await history_of(report.id))[-1]
    assert (entry.action, entry.from_status, entry.to_status) == (
        ReportEventAction.REGENERATED,
        ReportStatus.REJECTED,
        ReportStatus.REJECTED,
    )


async def test_reports_under_review_or_approved_are_never_changed(world: World) -> None:
    await world.add_month_of_usage(days=3)
    await generate_reports(world.platform.actor, PERIOD)
    beta = await report_of(world.tier2_a2)
    gamma = await report_of(world.tier2_b1)
    await submit_report(world.tier2_a2.actor, beta.id, beta.version)
    gamma = await submit_report(world.tier2_b1.actor, gamma.id, gamma.version)
    await approve_report(world.tier1_b.actor, gamma.id, gamma.version)
    frozen = {r.id: await snapshot(r.id) for r in (beta, gamma)}
    late = []
    for party in (world.tier2_a2, world.tier2_b1):
        for customer in party.customers:
            late += [usage(customer.id, code, 9, 500, "900") for code in world.solutions]
            late.append(usage(customer.id, "EPP", 10, 1))
    await world.add_usage(late)

    result = await generate_reports(world.platform.actor, PERIOD)

    assert (result.created_count, result.regenerated_count) == (0, 0)
    assert {r_id: await snapshot(r_id) for r_id in frozen} == frozen


async def test_a_partner_whose_first_usage_arrives_late_gets_its_report_then(world: World) -> None:
    await world.add_usage([usage(world.tier2_a1.customers[0].id, "EPP", 3, 10)])
    await generate_reports(world.platform.actor, PERIOD)
    await world.add_usage([usage(world.tier2_b2.customers[1].id, "BACKUP", 30, 4)])

    result = await generate_reports(world.platform.actor, PERIOD)

    assert (result.created_count, result.regenerated_count) == (1, 0)
    report = await report_of(world.tier2_b2)
    assert (report.status, report.version) == (ReportStatus.PREPARING, 1)
    assert [e.action for e in await history_of(report.id)] == [ReportEventAction.GENERATED]


async def test_a_report_that_moved_after_it_was_read_is_left_as_it_stands(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regeneration compare-and-sets the version like every step: if another writer
    submitted the report between regeneration's read and its write, its lines stay."""
    await world.add_month_of_usage(days=3)
    await generate_reports(world.platform.actor, PERIOD)
    alpha, beta = await report_of(world.tier2_a1), await report_of(world.tier2_a2)
    await world.add_usage([usage(p.customers[0].id, "MAIL", 20, 50) for p in (world.tier2_a1, world.tier2_a2)])
    real_fetch = generation.fetch

    async def fetch_then_alpha_is_submitted(conn: Any, sql: str, **params: Any) -> list[dict]:
        rows = await real_fetch(conn, sql, **params)
        if sql in (generation.q.CHANGED_LINES_OF_EDITABLE_REPORTS, generation.q.CHANGED_LINES_FROM_PERIOD_FIGURES):
            await run(
                conn,
                "UPDATE billing_report SET status = 'UNDER_REVIEW', version = version + 1 WHERE id = :id",
                id=alpha.id,
            )
        return rows

    monkeypatch.setattr(generation, "fetch", fetch_then_alpha_is_submitted)
    alpha_lines = [(li.id, li.used_units) for li in await lines_of(alpha.id)]

    result = await generate_reports(world.platform.actor, PERIOD)

    assert result.regenerated_count == 1  # Beta only
    assert [(li.id, li.used_units) for li in await lines_of(alpha.id)] == alpha_lines
    assert [e.action for e in await history_of(alpha.id)] == [ReportEventAction.GENERATED]
    assert (await BillingReport.get(id=alpha.id)).version == 2  # the other writer's step only
    assert (await BillingReport.get(id=beta.id)).version == 2
