"""The queries ``viewer``, ``billingPeriods``, ``reports``, ``report`` (docs/contract.md §8; ``node``: resolvers.node).

Each reads through ``workflow.reads.reports`` with the caller's actor, so another tenant's
report is absent exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from resolvers.filters import partner_pk, period_label
from schema import ids
from schema.context import Context
from schema.inputs import ReportFilter
from schema.pagination import Connection, connection, decode_cursor, encode_cursor, key_id, page_size
from schema.periods import BillingPeriod
from schema.permissions import require_reports_read
from schema.reports import BillingReport
from schema.viewer import Viewer
from workflow.reads import reports as reads
from workflow.reads import views

Info = strawberry.Info[Context, None]
_REPORT_CURSOR = "report"
_PERIOD_CURSOR = "period"


def viewer(info: Info) -> Viewer:
    actor = info.context.actor
    return Viewer(
        name=actor.principal_name,
        scopes=sorted(s.value for s in actor.scopes),
        organization_id=actor.organization_id or 0,
    )


async def billing_periods(info: Info, first: int | None = None, after: str | None = None) -> Connection[BillingPeriod]:
    """The periods in which the caller sees at least one report, newest first."""
    require_reports_read(info)
    size = page_size(first)
    after_day = decode_cursor(_PERIOD_CURSOR, after, date.fromisoformat)
    page = await reads.period_page(info.context.actor, size, after_day)
    return connection(
        page.items,
        total_count=page.total_count,
        has_next_page=page.has_next_page,
        after=after,
        cursor_of=lambda p: encode_cursor(_PERIOD_CURSOR, [p.starts_on.isoformat()]),
        node_of=BillingPeriod.from_view,
    )


async def reports(
    info: Info,
    filter: ReportFilter | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[BillingReport]:
    """The reports the caller sees, newest period first, then in generation order."""
    require_reports_read(info)
    size = page_size(first)
    after_key = decode_cursor(_REPORT_CURSOR, after, _report_key)
    page = await reads.report_page(info.context.actor, _report_filter(filter), size, after_key)
    return connection(
        page.items,
        total_count=page.total_count,
        has_next_page=page.has_next_page,
        after=after,
        cursor_of=_report_cursor,
        node_of=BillingReport.from_view,
    )


async def report(info: Info, id: strawberry.ID) -> BillingReport | None:
    """The report, or null if it does not exist for the caller (another tenant's included)."""
    require_reports_read(info)
    pk = ids.decode_as(ids.BILLING_REPORT, id)
    if pk is None:
        return None
    view = await info.context.loaders.reports.load(pk)
    return None if view is None else BillingReport.from_view(view)


def _report_filter(given: ReportFilter | None) -> views.ReportFilter:
    if given is None:
        return views.ReportFilter()
    statuses = None if given.statuses is None else frozenset(given.statuses)
    return views.ReportFilter(
        period=period_label(given.period), statuses=statuses, partner_id=partner_pk(given.partner_id)
    )


def _report_cursor(view: views.ReportView) -> str:
    starts_on, report_id = reads.report_key(view)
    return encode_cursor(_REPORT_CURSOR, [starts_on.isoformat(), report_id])


def _report_key(starts_on: Any, report_id: Any) -> reads.ReportKey:
    return (date.fromisoformat(starts_on), key_id(report_id))
