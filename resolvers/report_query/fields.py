"""The fields the report query path answers, per GraphQL type, as the schema's types do.

Each object type is answered from one read view (``workflow.reads.reports`` and
``workflow.reads.contents``), the same views ``schema.reports`` and
``schema.line_items`` build their objects from; a value is written as Strawberry and
graphql-core serialize it (enums by name, dates and datetimes by ``isoformat()``, IDs by
``schema.ids``). A field missing here sends its whole query through Strawberry.

``SCALARS[type][field]`` is ``(source, loaded) -> JSON value``, or the path of the
source's attribute that is already the JSON value; ``OBJECTS[type][field]`` is
``(getter, child type)``, the child answered from ``getter(source, loaded)`` (or the
attribute path, or None: the same source); ``LISTS`` the same for a list of children.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from schema import ids
from schema.reports import line_cursor  # the same cursors as the resolvers
from workflow.core.actors import Actor
from workflow.core.credits import format_credits
from workflow.core.machine import available_actions
from workflow.reads.views import LineView, Page, ReportView, Totals


class Fallback(Exception):
    """This request is not for the purpose-built path: answer it through Strawberry."""


@dataclass(slots=True)
class Loaded:
    """What one request read: the caller, and the report's totals and line page if selected."""

    actor: Actor
    totals: Totals | None = None
    lines: Page[LineView] | None = None
    after: str | None = None  # the line page's cursor argument, for hasPreviousPage


Scalar = Callable[[Any, Loaded], Any] | str
# (getter, attribute path, or None for the same source; child type)
Child = tuple[Callable[[Any, Loaded], Any] | str | None, str]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def int32(value: int) -> int:
    # GraphQL's Int is 32 bits: a larger sum is an error in Strawberry's answer, so let it give it.
    if not _INT_MIN <= value <= _INT_MAX:
        raise Fallback
    return value


def iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _actions(report: ReportView, loaded: Loaded) -> list[str]:
    return [action.name for action in available_actions(report.status, report.ownership, loaded.actor)]


def _totals(report: ReportView, loaded: Loaded) -> Totals:
    assert loaded.totals is not None  # the plan asked for them
    return loaded.totals


def _line_page(report: ReportView, loaded: Loaded) -> Loaded:
    assert loaded.lines is not None  # the plan asked for it
    return loaded


def _start_cursor(page: Loaded) -> str | None:
    items = page.lines.items  # type: ignore[union-attr]  # PageInfo is only under lineItems
    return line_cursor(items[0]) if items else None


def _end_cursor(page: Loaded) -> str | None:
    items = page.lines.items  # type: ignore[union-attr]  # edges are only under lineItems
    return line_cursor(items[-1]) if items else None


SCALARS: dict[str, dict[str, Scalar]] = {
    "BillingReport": {
        "id": lambda r, _: ids.encode(ids.BILLING_REPORT, r.id),
        "status": lambda r, _: r.status.name,
        "version": "version",
        "generatedAt": lambda r, _: r.generated_at.isoformat(),
        "submissionDeadline": lambda r, _: r.submission_deadline.isoformat(),
        "submittedAt": lambda r, _: iso(r.submitted_at),
        "reviewedAt": lambda r, _: iso(r.reviewed_at),
        "availableActions": _actions,
    },
    "BillingPeriod": {
        "id": lambda p, _: ids.encode(ids.BILLING_PERIOD, p.id),
        "label": "label",
        "startsOn": lambda p, _: p.starts_on.isoformat(),
        "endsOn": lambda p, _: p.ends_on.isoformat(),
    },
    "Organization": {
        "id": lambda o, _: ids.encode(ids.ORGANIZATION, o.id),
        "name": "name",
        "tier": lambda o, _: o.tier.name,
    },
    "ReportTotals": {
        "lineCount": lambda t, _: int32(t.line_count),
        "provisionedUnits": lambda t, _: int32(t.provisioned_units),
        "usedUnits": lambda t, _: int32(t.used_units),
        "overProvisionedUnits": lambda t, _: int32(t.over_provisioned_units),
        "chargeableUnits": lambda t, _: int32(t.chargeable_units),
        "allocatedCredits": lambda t, _: format_credits(t.credits_e4),
    },
    "LineItemConnection": {
        "totalCount": "lines.total_count",
    },
    "PageInfo": {
        "hasNextPage": "lines.has_next_page",
        "hasPreviousPage": lambda c, _: c.after is not None,
        "startCursor": lambda c, _: _start_cursor(c),
        "endCursor": lambda c, _: _end_cursor(c),
    },
    "LineItemEdge": {
        "cursor": lambda line, _: line_cursor(line),
    },
    "LineItem": {
        "id": lambda line, _: ids.encode(ids.LINE_ITEM, line.id),
        "name": "name",
        "billingUnit": "billing_unit",
        "provisionedUnits": lambda line, _: int32(line.provisioned_units),
        "usedUnits": lambda line, _: int32(line.used_units),
        "overProvisionedUnits": lambda line, _: int32(line.over_provisioned_units),
        "chargeableUnits": lambda line, _: int32(line.chargeable_units),
        "allocatedCredits": lambda line, _: format_credits(line.credits_e4),
        "comment": "comment",
        "referenceDay": lambda line, _: iso(line.reference_day),
    },
    "Customer": {
        "id": lambda line, _: ids.encode(ids.CUSTOMER, line.customer_id),
        "name": "customer_name",
    },
    "Solution": {
        "code": "solution_code",
        "name": "solution_name",
        "billingUnit": "solution_billing_unit",
        "aggregationRule": lambda line, _: line.aggregation_rule.name,
    },
}

OBJECTS: dict[str, dict[str, Child]] = {
    "BillingReport": {
        "period": ("period", "BillingPeriod"),
        "partner": ("partner", "Organization"),
        "totals": (_totals, "ReportTotals"),
        "lineItems": (_line_page, "LineItemConnection"),
    },
    "LineItemConnection": {"pageInfo": (None, "PageInfo")},
    "LineItemEdge": {"node": (None, "LineItem")},
    "LineItem": {"customer": (None, "Customer"), "solution": (None, "Solution")},
}

LISTS: dict[str, dict[str, Child]] = {
    "LineItemConnection": {"edges": ("lines.items", "LineItemEdge")},
}
