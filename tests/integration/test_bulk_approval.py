"""Bulk approval (docs/contract.md §10): each report on its own, answered in input order."""

from __future__ import annotations

from models import BillingReport, HistoryEntry
from tests.integration.scenarios import given_generated_reports, refused, report_of
from tests.world import World
from vocabulary.enums import ReportEventAction, ReportStatus
from workflow.core.errors import ErrorCode
from workflow.reports.actions import submit_report
from workflow.reports.bulk_approval import MAX_BULK_APPROVAL, BulkItem, approve_reports


async def test_one_refused_report_does_not_stop_the_others_and_results_keep_the_input_order(world: World) -> None:
    await given_generated_reports(world)
    alpha, beta, gamma = [await report_of(p) for p in (world.tier2_a1, world.tier2_a2, world.tier2_b1)]
    await submit_report(world.tier2_a1.actor, alpha.id, 1)
    await submit_report(world.tier2_a2.actor, beta.id, 1)

    outcomes = await approve_reports(
        world.tier1_a.actor,
        [BulkItem(beta.id, 2), BulkItem(alpha.id, 1), BulkItem(gamma.id, 1), BulkItem(None, 1), BulkItem(alpha.id, 2)],
        comment="month end",
        purchase_order="PO-BULK",
    )

    assert [(o.report_id, [p.code for p in o.problems], [p.index for p in o.problems]) for o in outcomes] == [
        (beta.id, [], []),
        (alpha.id, [ErrorCode.VERSION_CONFLICT], [1]),  # a stale version: refused on its own
        (gamma.id, [ErrorCode.NOT_FOUND], [2]),  # another channel's report does not exist for North
        (None, [ErrorCode.NOT_FOUND], [3]),
        (alpha.id, [], []),
    ]
    for report in (alpha, beta):
        stored = await BillingReport.get(id=report.id)
        assert (stored.status, stored.purchase_order) == (ReportStatus.APPROVED, "PO-BULK")
        assert await HistoryEntry.filter(report_id=report.id, action=ReportEventAction.APPROVED).count() == 1


async def test_an_empty_list_or_more_than_100_reports_is_refused_and_approves_nothing(world: World) -> None:
    await given_generated_reports(world)
    alpha = await report_of(world.tier2_a1)
    await submit_report(world.tier2_a1.actor, alpha.id, 1)

    await refused(approve_reports(world.tier1_a.actor, []), ErrorCode.INVALID_INPUT, alpha.id)
    too_many = [BulkItem(alpha.id, 2)] * (MAX_BULK_APPROVAL + 1)
    await refused(approve_reports(world.tier1_a.actor, too_many), ErrorCode.INVALID_INPUT, alpha.id)
