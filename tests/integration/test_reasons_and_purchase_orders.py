"""Reason codes and purchase orders on the real database (docs/contract.md §10).

A lowered line carries its reason in the line, the history's changes and the event;
a purchase order set on save, submit or approval is stored with the report and named by
the entry that set it; a Tier 1 partner that requires one refuses an approval without it,
and its sweep passes such reports by. Refusals change nothing (``refused``).
"""

from __future__ import annotations

import pytest

from models import BillingReport, HistoryEntry, LineItem
from tests.integration.scenarios import given_generated_reports, history_of, lines_of, refused, report_of
from tests.world import World
from vocabulary.enums import AdjustmentReason, ReportEventAction, ReportStatus
from workflow.core.adjustments import Adjustment
from workflow.core.errors import ErrorCode
from workflow.reports.actions import approve_report, save_report_draft, submit_report
from workflow.reports.deadline_sweep import auto_approve_ready
from workflow.reports.settings import update_partner_settings

TRIAL, OTHER = AdjustmentReason.TRIAL, AdjustmentReason.OTHER


@pytest.fixture
async def alpha(world: World) -> BillingReport:
    await given_generated_reports(world)
    return await report_of(world.tier2_a1)


async def test_a_lowered_line_keeps_its_reason_and_the_history_says_old_and_new(
    world: World, alpha: BillingReport
) -> None:
    line, other = (await lines_of(alpha.id))[:2]
    await save_report_draft(
        world.tier2_a1.actor,
        alpha.id,
        1,
        [Adjustment(line.id, line.used_units - 1, "trial seats", TRIAL), Adjustment(other.id, 0, "gone")],
    )

    stored = {li.id: li.adjustment_reason for li in await lines_of(alpha.id)}
    assert (stored[line.id], stored[other.id]) == (TRIAL, OTHER)  # none given: OTHER
    saved = (await history_of(alpha.id))[-1]
    assert {(c.line_item_id, c.old_reason, c.new_reason) for c in saved.changes} == {
        (line.id, None, TRIAL),
        (other.id, None, OTHER),
    }


async def test_setting_a_line_back_to_its_used_units_clears_its_reason(world: World, alpha: BillingReport) -> None:
    line = (await lines_of(alpha.id))[0]
    await save_report_draft(world.tier2_a1.actor, alpha.id, 1, [Adjustment(line.id, 0, "trial", TRIAL)])
    await save_report_draft(world.tier2_a1.actor, alpha.id, 2, [Adjustment(line.id, line.used_units)])

    assert (await LineItem.get(id=line.id)).adjustment_reason is None


async def test_a_purchase_order_set_on_save_is_stored_and_named_by_its_entry(
    world: World, alpha: BillingReport
) -> None:
    await save_report_draft(world.tier2_a1.actor, alpha.id, 1, [], purchase_order="  PO-2026-0042 ")

    assert (await BillingReport.get(id=alpha.id)).purchase_order == "PO-2026-0042"
    assert (await history_of(alpha.id))[-1].purchase_order == "PO-2026-0042"


async def test_a_step_that_does_not_set_a_purchase_order_keeps_it_and_names_none(
    world: World, alpha: BillingReport
) -> None:
    await save_report_draft(world.tier2_a1.actor, alpha.id, 1, [], purchase_order="PO-1")
    await submit_report(world.tier2_a1.actor, alpha.id, 2)

    assert (await BillingReport.get(id=alpha.id)).purchase_order == "PO-1"
    assert (await history_of(alpha.id))[-1].purchase_order is None


async def test_an_empty_purchase_order_clears_it(world: World, alpha: BillingReport) -> None:
    await save_report_draft(world.tier2_a1.actor, alpha.id, 1, [], purchase_order="PO-1")
    await submit_report(world.tier2_a1.actor, alpha.id, 2, purchase_order="")

    assert (await BillingReport.get(id=alpha.id)).purchase_order is None


# "PO-1\x1f": a unit separator is a control character, not white space that may surround it.
@pytest.mark.parametrize("bad", ["x" * 65, "PO\n1", "PO\x001", "PO-1\x1f"])
async def test_a_purchase_order_too_long_or_with_control_characters_changes_nothing(
    world: World, alpha: BillingReport, bad: str
) -> None:
    await refused(
        save_report_draft(world.tier2_a1.actor, alpha.id, 1, [], purchase_order=bad), ErrorCode.INVALID_INPUT, alpha.id
    )
    assert (await BillingReport.get(id=alpha.id)).purchase_order is None


async def test_the_tier1_sets_or_replaces_the_purchase_order_on_approval(world: World, alpha: BillingReport) -> None:
    await submit_report(world.tier2_a1.actor, alpha.id, 1, purchase_order="PO-OWNER")
    await approve_report(world.tier1_a.actor, alpha.id, 2, purchase_order="PO-TIER1")

    assert (await BillingReport.get(id=alpha.id)).purchase_order == "PO-TIER1"
    assert (await history_of(alpha.id))[-1].purchase_order == "PO-TIER1"


async def test_an_approval_without_the_purchase_order_the_tier1_requires_is_refused(
    world: World, alpha: BillingReport
) -> None:
    await update_partner_settings(world.tier1_a.actor, require_purchase_order=True)
    await submit_report(world.tier2_a1.actor, alpha.id, 1)

    await refused(approve_report(world.tier1_a.actor, alpha.id, 2), ErrorCode.PURCHASE_ORDER_REQUIRED, alpha.id)
    await approve_report(world.tier1_a.actor, alpha.id, 2, purchase_order="PO-9")
    assert (await BillingReport.get(id=alpha.id)).status is ReportStatus.APPROVED


async def test_an_approval_that_clears_a_required_purchase_order_is_refused(world: World, alpha: BillingReport) -> None:
    await update_partner_settings(world.tier1_a.actor, require_purchase_order=True)
    await submit_report(world.tier2_a1.actor, alpha.id, 1, purchase_order="PO-1")

    await refused(
        approve_report(world.tier1_a.actor, alpha.id, 2, purchase_order=""), ErrorCode.PURCHASE_ORDER_REQUIRED, alpha.id
    )


async def test_the_sweep_approves_reports_whose_lowered_lines_all_carry_a_trusted_reason(
    world: World, alpha: BillingReport
) -> None:
    await update_partner_settings(world.tier1_a.actor, auto_approve=True, auto_approve_reasons=[TRIAL])
    beta = await report_of(world.tier2_a2)
    alpha_line = (await lines_of(alpha.id))[0]
    beta_line = (await lines_of(beta.id))[0]
    await submit_report(world.tier2_a1.actor, alpha.id, 1, [Adjustment(alpha_line.id, 0, "trial", TRIAL)])
    await submit_report(world.tier2_a2.actor, beta.id, 1, [Adjustment(beta_line.id, 0, "why not")])

    assert await auto_approve_ready() == 1
    assert (await BillingReport.get(id=alpha.id)).status is ReportStatus.APPROVED
    assert (await BillingReport.get(id=beta.id)).status is ReportStatus.UNDER_REVIEW  # OTHER is not trusted
    entry = await HistoryEntry.get(report_id=alpha.id, action=ReportEventAction.AUTO_APPROVED)
    assert "TRIAL" in (entry.comment or "")


async def test_the_sweep_passes_by_a_report_without_the_purchase_order_its_tier1_requires(
    world: World, alpha: BillingReport
) -> None:
    await update_partner_settings(world.tier1_a.actor, auto_approve=True, require_purchase_order=True)
    beta = await report_of(world.tier2_a2)
    await submit_report(world.tier2_a1.actor, alpha.id, 1)
    await submit_report(world.tier2_a2.actor, beta.id, 1, purchase_order="PO-BETA")

    assert await auto_approve_ready() == 1
    assert (await BillingReport.get(id=alpha.id)).status is ReportStatus.UNDER_REVIEW
    assert (await BillingReport.get(id=beta.id)).status is ReportStatus.APPROVED
