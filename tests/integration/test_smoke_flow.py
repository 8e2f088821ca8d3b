"""The whole report flow through the workflow services, on the real database."""

from models import BillingReport, HistoryEntry, LineItem
from tests.world import PERIOD, World
from vocabulary.enums import ReportStatus
from workflow.core.adjustments import Adjustment
from workflow.generation.generate import generate_reports
from workflow.reports.actions import approve_report, reject_report, save_report_draft, submit_report


async def test_a_report_goes_from_generation_to_approval_through_a_rejection(world: World) -> None:
    await world.add_month_of_usage()
    result = await generate_reports(world.platform.actor, PERIOD)
    assert result.created_count == 4

    report = await BillingReport.get(partner_id=world.tier2_a1.organization.id)
    line = await LineItem.filter(report_id=report.id).first()
    assert line is not None
    owner, parent = world.tier2_a1.actor, world.tier1_a.actor

    report = await save_report_draft(
        owner, report.id, 1, [Adjustment(line.id, line.used_units - 1, "one endpoint decommissioned")]
    )
    report = await submit_report(owner, report.id, report.version)
    report = await reject_report(parent, report.id, report.version, "please explain")
    report = await submit_report(owner, report.id, report.version)
    report = await approve_report(parent, report.id, report.version)

    assert report.status is ReportStatus.APPROVED
    assert report.version == 6
    actions = await HistoryEntry.filter(report_id=report.id).order_by("id").values_list("action", flat=True)
    assert [a.value for a in actions] == ["GENERATED", "SAVED", "SUBMITTED", "REJECTED", "SUBMITTED", "APPROVED"]
