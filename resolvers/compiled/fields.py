"""Where each field's value comes from on the compiled path: one entry per field of every
type a query reaches.

The schema (``resolvers.root``) says what a field is: its type, nullability, arguments
and their defaults, its serializer (``ID``, enums, ``Date``, ``DateTime``, the 32-bit
``Int``). This table says only where the value is, from the object it is a field of
(its *source*: a read view of ``workflow.reads.views``, the actor, or a page):

- a string: the source's attribute (a dotted path is followed);
- a function ``(source, request) -> value``, no reads: computed from the source (the
  rules it applies are the ones Strawberry's types apply, imported from their homes);
- ``SAME``: an object field answered from the same source (a line's ``customer``);
- a ``Fetch``: a read for *all* the sources of this field at once, given the field's
  coerced arguments — one call per field of the document, whatever the number of
  sources, which keeps the SQL per request constant.

The argument handling, permission checks and reads are the functions Strawberry's
resolvers call (``resolvers.queries``, ``resolvers.node``, ``schema.reports``,
``resolvers.settings_mutations``), so both paths apply the same rules; the hypothesis
test ``tests/api/test_compiled_parity.py`` holds their answers to the same bytes, and
``tests/unit/test_compiled_fields.py`` fails for a field of the schema missing here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from resolvers import queries, token_mutations, webhook_mutations
from resolvers.node import NODE_TYPES, visible_node
from resolvers.settings_mutations import partner_settings_view
from schema import ids
from schema.permissions import ensure_reports_read
from schema.reports import line_cursor, line_page_arguments
from schema.webhooks import delivery_cursor, delivery_page_arguments, endpoint_cursor
from workflow.core.actors import Actor, role_of
from workflow.core.credits import format_credits
from workflow.core.deadlines import period_deadline
from workflow.core.machine import available_actions
from workflow.core.periods import Month
from workflow.reads import contents as report_contents
from workflow.reads import corrections as report_corrections
from workflow.reads import evidence as line_evidence
from workflow.reads import reports as reads
from workflow.reads.views import ActorView, EventView, EvidenceView, LineView, Page, PeriodView, ReportView, Totals
from workflow.webhooks import reads as webhook_reads


class Request:
    """One request on the compiled path: the caller, and what its fetches read."""

    __slots__ = (
        "actions",
        "actor",
        "evidence",
        "fetched",
        "known_histories",
        "known_reports",
        "known_totals",
        "now",
        "variables",
    )

    def __init__(self, actor: Actor, variables: Any) -> None:
        self.actor = actor
        self.variables = variables  # graphql-core's coerced VariableValues
        self.fetched: list[Any] = []  # per fetching field of the plan: {id(source): value}, or a failure
        # Reports whose history was read: an entry's ``report`` is then known (as in schema.history).
        self.known_reports: dict[int, ReportView] = {}
        # Histories read with their report (a history screen): not read again.
        self.known_histories: dict[int, list[EventView]] = {}
        # Totals read with their report (the report screen): not read again.
        self.known_totals: dict[int, Totals] = {}
        # availableActions by what they depend on (status, ownership, corrections): a list repeats them.
        self.actions: dict[tuple[Any, ...], list[Any]] = {}
        self.now = datetime.now(UTC)  # the instant the request's correction windows are read at
        # Lines' evidence by line id: read once for all the lines of a position, whichever of
        # its four fields the document selects.
        self.evidence: dict[int, EvidenceView] = {}


@dataclass(frozen=True, slots=True)
class PageSource:
    """A connection's source: the page, the ``after`` it was asked with, and its cursors."""

    page: Page[Any]
    after: str | None
    cursor_of: Callable[[Any], str]


Selected = frozenset[str]  # the names of the fields selected below a field (its object type's)


@dataclass(frozen=True)
class Fetch:
    """``read(request, sources, arguments, selected)``: one value per source, in order.

    ``selected`` lets a read take what the document asks below it in the same query
    (a report with its totals).
    """

    read: Callable[[Request, Sequence[Any], dict[str, Any], Selected], Awaitable[Sequence[Any]]]


class Same:
    def __repr__(self) -> str:
        return "SAME"


@dataclass(frozen=True)
class Formatted:
    """``format(source.attribute)`` (or ``format(source)`` without an attribute): a value the
    schema's rule writes from one attribute, called without a wrapper per field."""

    format: Callable[[Any], Any]
    attribute: str | None = None

    def __call__(self, source: Any, request: Request) -> Any:
        return self.format(source if self.attribute is None else getattr(source, self.attribute))


SAME = Same()
Source = str | Callable[[Any, Request], Any] | Same | Fetch  # or a GlobalId or Formatted (callables)


# --- fetches: Query -----------------------------------------------------------


async def _billing_periods(
    request: Request, sources: Sequence[Any], args: dict[str, Any], selected: Selected
) -> list[PageSource]:
    page = await queries.period_page(request.actor, args.get("first"), args.get("after"))
    return [PageSource(page, args.get("after"), queries.period_cursor)]


async def _reports(
    request: Request, sources: Sequence[Any], args: dict[str, Any], selected: Selected
) -> list[PageSource]:
    given = args.get("filter") or {}
    page = await queries.report_page(
        request.actor,
        given.get("period"),
        given.get("statuses"),
        given.get("partnerId"),
        args.get("first"),
        args.get("after"),
    )
    return [PageSource(page, args.get("after"), queries.report_cursor)]


async def _report(
    request: Request, sources: Sequence[Any], args: dict[str, Any], selected: Selected
) -> list[ReportView | None]:
    # The report screen and a history screen read the report with what they show, in one query.
    if "totals" in selected:
        read, known = report_contents.visible_report_with_totals, request.known_totals
    elif "history" in selected:
        read, known = report_contents.visible_report_with_history, request.known_histories  # type: ignore[assignment]
    else:
        return [await queries.visible_report(request.actor, args["id"])]
    ensure_reports_read(request.actor)
    pk = ids.decode_as(ids.BILLING_REPORT, args["id"])
    found = None if pk is None else await read(request.actor, pk)
    if found is None:
        return [None]
    report, known[report.id] = found
    return [report]


async def _node(request: Request, sources: Sequence[Any], args: dict[str, Any], selected: Selected) -> list[Any]:
    return [await visible_node(request.actor, args["id"])]


async def _partner_settings(
    request: Request, sources: Sequence[Any], args: dict[str, Any], selected: Selected
) -> list[Any]:
    return [await partner_settings_view(request.actor, args.get("partnerId"))]


async def _api_tokens(
    request: Request, sources: Sequence[Any], args: dict[str, Any], selected: Selected
) -> list[PageSource]:
    page = await token_mutations.api_token_page(request.actor, args.get("first"), args.get("after"))
    return [PageSource(page, args.get("after"), token_mutations.api_token_cursor)]


async def _viewer_organization(
    request: Request, sources: Sequence[Actor], args: dict[str, Any], selected: Selected
) -> list[Any]:
    view = await reads.visible_organization(request.actor, request.actor.organization_id or 0)
    if view is None:  # a principal always sees its own organization (schema.viewer)
        raise LookupError("the caller's organization is missing")
    return [view for _ in sources]


async def _webhook_endpoints(
    request: Request, sources: Sequence[Any], args: dict[str, Any], selected: Selected
) -> list[PageSource]:
    page = await webhook_mutations.endpoint_page(request.actor, args.get("first"), args.get("after"))
    return [PageSource(page, args.get("after"), endpoint_cursor)]


async def _webhook_deliveries(
    request: Request, sources: Sequence[Any], args: dict[str, Any], selected: Selected
) -> list[PageSource]:
    size, after_id = delivery_page_arguments(args.get("first"), args.get("after"))
    pages = await webhook_reads.delivery_pages([e.id for e in sources], size, after_id, args.get("status"))
    return [PageSource(pages[e.id], args.get("after"), delivery_cursor) for e in sources]


async def _delivery_events(
    request: Request, sources: Sequence[Any], args: dict[str, Any], selected: Selected
) -> list[EventView | None]:
    entry_ids = [d.entry_id for d in sources if d.entry_id is not None]
    found = await report_contents.events_by_id(entry_ids) if entry_ids else {}
    return [None if d.entry_id is None else found.get(d.entry_id) for d in sources]


# --- fetches: what hangs off a report ---------------------------------------------


async def _line_items(
    request: Request, sources: Sequence[ReportView], args: dict[str, Any], selected: Selected
) -> list[PageSource]:
    given = args.get("filter") or {}
    size, after_id, line_filter = line_page_arguments(
        args.get("first"), args.get("after"), given.get("customerId"), given.get("solutionCode"), given.get("adjusted")
    )
    pages = await report_contents.line_pages([r.id for r in sources], line_filter, size, after_id)
    after = args.get("after")
    return [PageSource(pages[r.id], after, line_cursor) for r in sources]


async def _totals(
    request: Request, sources: Sequence[ReportView], args: dict[str, Any], selected: Selected
) -> list[Any]:
    found = dict(request.known_totals)
    unknown = [r.id for r in sources if r.id not in found]
    if unknown:
        found.update(await report_contents.totals(unknown))
    return [found[r.id] for r in sources]


async def _history(
    request: Request, sources: Sequence[ReportView], args: dict[str, Any], selected: Selected
) -> list[list[EventView]]:
    found = dict(request.known_histories)
    unknown = [r.id for r in sources if r.id not in found]
    if unknown:
        found.update(await report_contents.histories(unknown))
    request.known_reports.update((r.id, r) for r in sources)
    return [found[r.id] for r in sources]


async def _event_report(
    request: Request, sources: Sequence[EventView], args: dict[str, Any], selected: Selected
) -> list[ReportView]:
    found = dict(request.known_reports)
    unknown = [e.report_id for e in sources if e.report_id not in found]
    if unknown:
        found.update(await reads.visible_reports_by_id(request.actor, unknown))
    missing = [e.report_id for e in sources if e.report_id not in found]
    if missing:  # an event is read through its visible report: never expected (schema.history)
        raise LookupError(f"report {missing[0]} of a visible event is not visible")
    return [found[e.report_id] for e in sources]


async def _corrections(
    request: Request, sources: Sequence[ReportView], args: dict[str, Any], selected: Selected
) -> list[Any]:
    found = await report_corrections.corrections_by_report(r.id for r in sources)
    return [found[r.id] for r in sources]


async def _pending_correction(
    request: Request, sources: Sequence[ReportView], args: dict[str, Any], selected: Selected
) -> list[Any]:
    pending = [r for r in sources if r.pending_correction_id is not None]
    found = await report_corrections.corrections_by_report(r.id for r in pending) if pending else {}
    by_id = {c.id: c for corrections in found.values() for c in corrections}
    return [None if r.pending_correction_id is None else by_id.get(r.pending_correction_id) for r in sources]


async def _period_deadlines(
    request: Request, sources: Sequence[PeriodView], args: dict[str, Any], selected: Selected
) -> list[Any]:
    days = await reads.deadline_days(request.actor)
    return [period_deadline(Month.of(p.starts_on), days) for p in sources]


async def _evidence(request: Request, lines: Sequence[LineView]) -> list[EvidenceView]:
    unknown = [line for line in lines if line.id not in request.evidence]
    if unknown:
        request.evidence.update(await line_evidence.evidence_of_lines(unknown))
    return [request.evidence[line.id] for line in lines]


def _evidence_field(attribute: str) -> Fetch:
    async def read(
        request: Request, sources: Sequence[LineView], args: dict[str, Any], selected: Selected
    ) -> list[Any]:
        return [getattr(found, attribute) for found in await _evidence(request, sources)]

    return Fetch(read)


# --- the table ------------------------------------------------------------------------


@dataclass(frozen=True)
class GlobalId:
    """The global ID (``schema.ids``) of ``type_name`` whose key is the source's ``attribute``."""

    type_name: str
    attribute: str = "id"

    def __call__(self, source: Any, request: Request) -> str:
        return ids.encode(self.type_name, getattr(source, self.attribute))


def _connection(cursor_of: Callable[[Any], str]) -> tuple[dict[str, Source], dict[str, Source]]:
    """A connection type's fields, and its edge type's (sources: a ``PageSource``, an item)."""
    connection: dict[str, Source] = {
        "edges": "page.items",
        "pageInfo": SAME,
        "totalCount": "page.total_count",
    }
    edge: dict[str, Source] = {"cursor": Formatted(cursor_of), "node": SAME}
    return connection, edge


def _start_cursor(c: PageSource, request: Request) -> str | None:
    items = c.page.items
    return c.cursor_of(items[0]) if items else None


def _end_cursor(c: PageSource, request: Request) -> str | None:
    items = c.page.items
    return c.cursor_of(items[-1]) if items else None


def _actions(report: ReportView, request: Request) -> list[Any]:
    ownership = report.ownership
    corrections = report.corrections_at(request.now)
    # All the rule reads of the report, for one caller: its status, the caller's role in it
    # (machine.is_permitted reads only that of the ownership) and the correction state.
    key = (report.status, role_of(request.actor, ownership), corrections)
    found = request.actions.get(key)
    if found is None:
        found = request.actions[key] = available_actions(report.status, ownership, request.actor, corrections)
    return found


def _principal(event: EventView, request: Request) -> ActorView | None:
    # A history entry's actor as a correction's is: a name and an organization (schema.history).
    return None if event.organization is None else ActorView(event.principal_name or "", event.organization)


_line_connection, _line_edge = _connection(line_cursor)
_report_connection, _report_edge = _connection(queries.report_cursor)
_period_connection, _period_edge = _connection(queries.period_cursor)
_api_token_connection, _api_token_edge = _connection(token_mutations.api_token_cursor)
_webhook_endpoint_connection, _webhook_endpoint_edge = _connection(endpoint_cursor)
_webhook_delivery_connection, _webhook_delivery_edge = _connection(delivery_cursor)

FIELDS: dict[str, dict[str, Source]] = {
    "Query": {
        "viewer": lambda _, request: request.actor,
        "billingPeriods": Fetch(_billing_periods),
        "reports": Fetch(_reports),
        "report": Fetch(_report),
        "node": Fetch(_node),
        "partnerSettings": Fetch(_partner_settings),
        "apiTokens": Fetch(_api_tokens),
        "webhookEndpoints": Fetch(_webhook_endpoints),
    },
    "WebhookEndpoint": {
        "id": GlobalId("WebhookEndpoint"),
        "url": "url",
        "eventTypes": "event_types",
        "description": "description",
        "enabled": "enabled",
        "createdAt": "created_at",
        "deliveries": Fetch(_webhook_deliveries),
    },
    "WebhookDelivery": {
        "id": GlobalId("WebhookDelivery"),
        "eventType": "event_type",
        "event": Fetch(_delivery_events),
        "status": "status",
        "attempts": "attempts",
        "nextAttemptAt": "next_attempt_at",
    },
    "WebhookAttempt": {
        "attemptedAt": "attempted_at",
        "responseStatus": "response_status",
        "durationMs": "duration_ms",
        "error": "error",
    },
    "WebhookEndpointConnection": _webhook_endpoint_connection,
    "WebhookEndpointEdge": _webhook_endpoint_edge,
    "WebhookDeliveryConnection": _webhook_delivery_connection,
    "WebhookDeliveryEdge": _webhook_delivery_edge,
    "Viewer": {
        "name": "principal_name",
        "scopes": lambda actor, _: queries.viewer_scopes(actor),
        "organization": Fetch(_viewer_organization),
    },
    "Organization": {"id": GlobalId("Organization"), "name": "name", "tier": "tier"},
    # A customer is read from a line (``customer_*``) or, through ``node``, from a CustomerView
    # (which names its fields the same way).
    "Customer": {"id": GlobalId("Customer", "customer_id"), "name": "customer_name"},
    "Solution": {
        "code": "solution_code",
        "name": "solution_name",
        "billingUnit": "solution_billing_unit",
        "aggregationRule": "aggregation_rule",
    },
    "BillingPeriod": {
        "id": GlobalId("BillingPeriod"),
        "label": "label",
        "startsOn": "starts_on",
        "endsOn": "ends_on",
        "submissionDeadline": Fetch(_period_deadlines),
    },
    "BillingReport": {
        "id": GlobalId("BillingReport"),
        "period": "period",
        "partner": "partner",
        "status": "status",
        "version": "version",
        "generatedAt": "generated_at",
        "submissionDeadline": "submission_deadline",
        "submittedAt": "submitted_at",
        "reviewedAt": "reviewed_at",
        "lineItems": Fetch(_line_items),
        "totals": Fetch(_totals),
        "history": Fetch(_history),
        "availableActions": _actions,
        "purchaseOrder": "purchase_order",
        "corrections": Fetch(_corrections),
        "pendingCorrection": Fetch(_pending_correction),
    },
    "ReportTotals": {
        "lineCount": "line_count",
        "provisionedUnits": "provisioned_units",
        "usedUnits": "used_units",
        "overProvisionedUnits": "over_provisioned_units",
        "chargeableUnits": "chargeable_units",
        "allocatedCredits": Formatted(format_credits, "credits_e4"),
    },
    "LineItem": {
        "id": GlobalId("LineItem"),
        "customer": SAME,
        "solution": SAME,
        "name": "name",
        "billingUnit": "billing_unit",
        "provisionedUnits": "provisioned_units",
        "usedUnits": "used_units",
        "overProvisionedUnits": "over_provisioned_units",
        "chargeableUnits": "chargeable_units",
        "allocatedCredits": Formatted(format_credits, "credits_e4"),
        "comment": "comment",
        "referenceDay": "reference_day",
        "adjustmentReason": "adjustment_reason",
        "dailyUsage": _evidence_field("daily_usage"),
        "aggregationRule": _evidence_field("aggregation_rule"),
        "explanation": _evidence_field("explanation"),
        "usageChanged": _evidence_field("usage_changed"),
    },
    "DailyUsage": {
        "day": "day",
        "provisionedUnits": "provisioned_units",
        "usedUnits": "used_units",
        "allocatedCredits": Formatted(format_credits, "credits_e4"),
    },
    "ReportEvent": {
        "id": GlobalId("ReportEvent"),
        "action": "action",
        "fromStatus": "from_status",
        "toStatus": "to_status",
        "version": "version",
        "occurredAt": "occurred_at",
        "actor": _principal,
        "comment": "comment",
        "changes": "changes",
        "report": Fetch(_event_report),
        "purchaseOrder": "purchase_order",
    },
    "Principal": {"name": "name", "organization": "organization"},
    "LineItemChange": {
        "lineItemId": GlobalId("LineItem", "line_item_id"),
        "oldChargeableUnits": "old_chargeable_units",
        "newChargeableUnits": "new_chargeable_units",
        "oldComment": "old_comment",
        "newComment": "new_comment",
        "oldReason": "old_reason",
        "newReason": "new_reason",
    },
    "Correction": {
        "id": GlobalId("Correction"),
        "status": "status",
        "requestedAt": "requested_at",
        "requestedBy": "requested_by",
        "comment": "comment",
        "changes": "changes",
        "reviewedAt": "reviewed_at",
        "reviewedBy": "reviewed_by",
        "reviewComment": "review_comment",
    },
    "PartnerSettings": {
        "partner": "partner",
        "submissionDeadlineDays": "deadline_days",
        "autoApprove": "auto_approve",
        "autoApproveReasons": lambda settings, _: list(settings.auto_approve_reasons),
        "requirePurchaseOrder": "require_purchase_order",
        "correctionWindowDays": "correction_window_days",
    },
    "ApiToken": {
        "id": GlobalId("ApiToken"),
        "name": "name",
        "scopes": lambda token, _: list(token.scopes),
        "createdAt": "created_at",
        "expiresAt": "expires_at",
        "lastUsedAt": "last_used_at",
        "revokedAt": "revoked_at",
    },
    "ApiTokenConnection": _api_token_connection,
    "ApiTokenEdge": _api_token_edge,
    "LineItemConnection": _line_connection,
    "LineItemEdge": _line_edge,
    "BillingReportConnection": _report_connection,
    "BillingReportEdge": _report_edge,
    "BillingPeriodConnection": _period_connection,
    "BillingPeriodEdge": _period_edge,
    "PageInfo": {
        "hasNextPage": "page.has_next_page",
        "hasPreviousPage": lambda c, _: c.after is not None,
        "startCursor": _start_cursor,
        "endCursor": _end_cursor,
    },
}

# For abstract types (``node``'s ``Node``): the GraphQL type of a source, by its class.
TYPE_OF: dict[type, str] = {view: strawberry_type.__name__ for view, strawberry_type in NODE_TYPES.items()}
# A line read as a node is a ``LineItem``; that holds for the view classes of NODE_TYPES.
assert TYPE_OF[LineView] == "LineItem"
