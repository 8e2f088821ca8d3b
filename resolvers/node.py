"""``node(id)``: any object by its global ID, if the caller may see it; else null.

Each type is looked up with the caller's visibility: a report, line item or history
entry of a report it sees; a period in which it sees a report; itself, the partners it
sees (and a Tier 2 partner's own Tier 1); the customers of the partners it sees.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from schema import ids
from schema.channel import Customer, Organization
from schema.context import Context
from schema.history import ReportEvent
from schema.line_items import LineItem
from schema.node import Node
from schema.periods import BillingPeriod
from schema.permissions import require_reports_read
from schema.reports import BillingReport
from workflow.core.actors import Actor
from workflow.reads import contents as report_contents
from workflow.reads import reports as reads

Info = strawberry.Info[Context, None]


async def _report(info: Info, actor: Actor, pk: int) -> Node | None:
    view = await info.context.loaders.reports.load(pk)
    return None if view is None else BillingReport.from_view(view)


async def _line_item(info: Info, actor: Actor, pk: int) -> Node | None:
    view = await report_contents.visible_line_item(actor, pk)
    return None if view is None else LineItem.from_view(view)


async def _event(info: Info, actor: Actor, pk: int) -> Node | None:
    view = await report_contents.visible_event(actor, pk)
    return None if view is None else ReportEvent.from_view(view)


async def _period(info: Info, actor: Actor, pk: int) -> Node | None:
    view = await reads.visible_period(actor, pk)
    return None if view is None else BillingPeriod.from_view(view)


async def _organization(info: Info, actor: Actor, pk: int) -> Node | None:
    view = await reads.visible_organization(actor, pk)
    return None if view is None else Organization.from_view(view)


async def _customer(info: Info, actor: Actor, pk: int) -> Node | None:
    view = await reads.visible_customer(actor, pk)
    return None if view is None else Customer.from_view(view)


_LOOKUPS: dict[str, Callable[[Info, Actor, int], Awaitable[Node | None]]] = {
    ids.BILLING_REPORT: _report,
    ids.LINE_ITEM: _line_item,
    ids.REPORT_EVENT: _event,
    ids.BILLING_PERIOD: _period,
    ids.ORGANIZATION: _organization,
    ids.CUSTOMER: _customer,
}


async def node(info: Info, id: strawberry.ID) -> Node | None:
    require_reports_read(info)
    decoded = ids.decode(id)
    if decoded is None or decoded[0] not in _LOOKUPS:
        return None
    type_name, pk = decoded
    return await _LOOKUPS[type_name](info, info.context.actor, pk)
