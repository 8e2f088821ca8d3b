"""``node(id)``: any object by its global ID, if the caller may see it; else null.

Each type is looked up with the caller's visibility: a report, line item or history
entry of a report it sees; a period in which it sees a report; itself, the partners it
sees (and a Tier 2 partner's own Tier 1); the customers of the partners it sees.
``visible_node`` finds the read view, for Strawberry's resolver and the compiled query
path alike; ``NODE_TYPES`` says which GraphQL type each view is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from schema import ids
from schema.channel import Customer, Organization
from schema.context import Context
from schema.history import ReportEvent
from schema.line_items import LineItem
from schema.node import Node
from schema.periods import BillingPeriod
from schema.permissions import ensure_reports_read
from schema.reports import BillingReport
from workflow.core.actors import Actor
from workflow.reads import contents as report_contents
from workflow.reads import reports as reads
from workflow.reads import views

Info = strawberry.Info[Context, None]

_LOOKUPS: dict[str, Callable[[Actor, int], Awaitable[Any]]] = {
    ids.BILLING_REPORT: reads.visible_report,
    ids.LINE_ITEM: report_contents.visible_line_item,
    ids.REPORT_EVENT: report_contents.visible_event,
    ids.BILLING_PERIOD: reads.visible_period,
    ids.ORGANIZATION: reads.visible_organization,
    ids.CUSTOMER: reads.visible_customer,
}

# The GraphQL type of each view ``visible_node`` returns (and how Strawberry builds it).
NODE_TYPES: dict[type, type[Any]] = {
    views.ReportView: BillingReport,
    views.LineView: LineItem,
    views.EventView: ReportEvent,
    views.PeriodView: BillingPeriod,
    views.OrganizationView: Organization,
    views.CustomerView: Customer,
}


async def node(info: Info, id: strawberry.ID) -> Node | None:
    view = await visible_node(info.context.actor, id)
    return None if view is None else NODE_TYPES[type(view)].from_view(view)


async def visible_node(actor: Actor, global_id: str) -> Any:
    """The read view of the object ``global_id`` names, or None if the caller may not see it."""
    ensure_reports_read(actor)
    decoded = ids.decode(global_id)
    if decoded is None or decoded[0] not in _LOOKUPS:
        return None
    type_name, pk = decoded
    return await _LOOKUPS[type_name](actor, pk)
