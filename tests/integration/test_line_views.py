"""Line views are built from the line query's columns by position: the two must agree."""

from __future__ import annotations

from dataclasses import fields

from models import BillingReport, LineItem
from tests.integration.scenarios import given_generated_reports
from tests.world import World
from workflow.database.sql import connection, read
from workflow.reads.contents import _LINES, line_pages, visible_line_item
from workflow.reads.views import LineFilter, LineView


async def test_the_line_query_s_columns_are_the_line_view_s_fields_in_order(world: World) -> None:
    await given_generated_reports(world)
    report = await BillingReport.filter(partner_id=world.tier2_a1.organization.id).first()
    assert report is not None
    rows = await read(connection(), _LINES.format(report_ids=":r0", conditions=""), r0=report.id, after=0, limit=1)

    columns = list(rows[0].keys())
    assert columns[: len(fields(LineView))] == [f.name for f in fields(LineView)]


async def test_a_line_view_carries_its_line_s_stored_figures(world: World) -> None:
    await given_generated_reports(world)
    stored = await LineItem.filter(report__partner_id=world.tier2_a1.organization.id).order_by("id").first()
    assert stored is not None

    page = (await line_pages([stored.report_id], LineFilter(), first=1))[stored.report_id]
    single = await visible_line_item(world.tier2_a1.actor, stored.id)

    for view in (page.items[0], single):
        assert view is not None
        assert (
            view.id,
            view.report_id,
            view.customer_id,
            view.name,
            view.billing_unit,
            view.reference_day,
            view.provisioned_units,
            view.used_units,
            view.over_provisioned_units,
            view.chargeable_units,
            view.credits_e4,
            view.comment,
        ) == (
            stored.id,
            stored.report_id,
            stored.customer_id,
            stored.name,
            stored.billing_unit,
            stored.reference_day,
            stored.provisioned_units,
            stored.used_units,
            stored.over_provisioned_units,
            stored.chargeable_units,
            stored.credits_e4,
            stored.comment,
        )
