"""The queries ``viewer``, ``billingPeriods``, ``reports``, ``report`` (docs/contract.md §8; ``node``: resolvers.node).

Each reads through ``workflow.reads.reports`` with the caller's actor, so another tenant's
report is absent exactly like one that does not exist. The reading of each field's
arguments (scope, page size, cursor, filter) is a function of plain values here, shared
by Strawberry's resolvers and the compiled query path (``resolvers.compiled``).
"""

from __future__ import annotations

from base64 import urlsafe_b64encode
from collections.abc import Collection
from datetime import date
from typing import Any

import strawberry

from resolvers.filters import partner_pk, period_label
from schema import ids
from schema.context import Context
from schema.inputs import ReportFilter
from schema.pagination import Connection, connection, decode_cursor, encode_cursor, key_id, page_size
from schema.periods import BillingPeriod
from schema.permissions import ensure_reports_read
from schema.reports import BillingReport
from schema.viewer import Viewer
from vocabulary.enums import ReportStatus
from workflow.core.actors import Actor
from workflow.reads import reports as reads
from workflow.reads import views

Info = strawberry.Info[Context, None]
_REPORT_CURSOR = "report"
_PERIOD_CURSOR = "period"


def viewer(info: Info) -> Viewer:
    actor = info.context.actor
    return Viewer(name=actor.principal_name, scopes=viewer_scopes(actor), organization_id=actor.organization_id or 0)


def viewer_scopes(actor: Actor) -> list[str]:
    return sorted(s.value for s in actor.scopes)


async def billing_periods(info: Info, first: int | None = None, after: str | None = None) -> Connection[BillingPeriod]:
    """The periods in which the caller sees at least one report, newest first."""
    page = await period_page(info.context.actor, first, after)
    return connection(
        page.items,
        total_count=page.total_count,
        has_next_page=page.has_next_page,
        after=after,
        cursor_of=period_cursor,
        node_of=BillingPeriod.from_view,
    )


async def period_page(actor: Actor, first: int | None, after: str | None) -> views.Page[views.PeriodView]:
    ensure_reports_read(actor)
    size = page_size(first)
    after_day = decode_cursor(_PERIOD_CURSOR, after, date.fromisoformat)
    return await reads.period_page(actor, size, after_day)


def period_cursor(period: views.PeriodView) -> str:
    return encode_cursor(_PERIOD_CURSOR, [period.starts_on.isoformat()])


async def reports(
    info: Info,
    filter: ReportFilter | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[BillingReport]:
    """The reports the caller sees, newest period first, then in generation order."""
    given = filter or ReportFilter()
    page = await report_page(info.context.actor, given.period, given.statuses, given.partner_id, first, after)
    return connection(
        page.items,
        total_count=page.total_count,
        has_next_page=page.has_next_page,
        after=after,
        cursor_of=report_cursor,
        node_of=BillingReport.from_view,
    )


async def report_page(
    actor: Actor,
    period: str | None,
    statuses: Collection[ReportStatus] | None,
    partner_id: str | None,
    first: int | None,
    after: str | None,
) -> views.Page[views.ReportView]:
    """``reports``' page from its arguments (the filter's fields given one by one)."""
    ensure_reports_read(actor)
    size = page_size(first)
    after_key = decode_cursor(_REPORT_CURSOR, after, _report_key)
    report_filter = views.ReportFilter(
        period=period_label(period),
        statuses=None if statuses is None else frozenset(statuses),
        partner_id=partner_pk(partner_id),
    )
    return await reads.report_page(actor, report_filter, size, after_key)


async def report(info: Info, id: strawberry.ID) -> BillingReport | None:
    """The report, or null if it does not exist for the caller (another tenant's included)."""
    view = await visible_report(info.context.actor, id)
    return None if view is None else BillingReport.from_view(view)


async def visible_report(actor: Actor, global_id: str) -> views.ReportView | None:
    ensure_reports_read(actor)
    pk = ids.decode_as(ids.BILLING_REPORT, global_id)
    return None if pk is None else await reads.visible_report(actor, pk)


def report_cursor(view: views.ReportView) -> str:
    # encode_cursor(_REPORT_CURSOR, [starts_on, id]) without a json.dumps per report (a list
    # writes up to 101): the same bytes, as tests/unit/test_line_cursor.py checks.
    starts_on, report_id = reads.report_key(view)
    return urlsafe_b64encode(b'["c1","report","%s",%d]' % (starts_on.isoformat().encode(), report_id)).decode()


def _report_key(starts_on: Any, report_id: Any) -> reads.ReportKey:
    return (date.fromisoformat(starts_on), key_id(report_id))
