"""``BillingReport``: one Tier 2 partner's report for one period, its lines, totals and history.

A report object is built from a ``ReportView`` the caller was allowed to read; its lines,
totals and history come through the request's batch loaders (keyed by report id), so
a page of reports costs the same few queries as one report.
"""

from __future__ import annotations

from binascii import b2a_base64
from datetime import UTC, datetime

import strawberry

from schema import ids
from schema.channel import Organization
from schema.context import Context
from schema.corrections import Correction
from schema.enums import ReportAction, ReportStatus
from schema.history import ReportEvent
from schema.inputs import LineItemFilter
from schema.line_items import LineItem
from schema.node import Node
from schema.pagination import Connection, connection, decode_cursor, key_id, page_size
from schema.periods import BillingPeriod
from workflow.core.credits import format_credits
from workflow.core.machine import available_actions
from workflow.reads.views import LineFilter, LineView, ReportView, Totals

LINE_CURSOR = "line"  # the kind of a line page cursor


@strawberry.type(description="Sums over all lines of a report, whatever filter a line page uses.")
class ReportTotals:
    line_count: int
    provisioned_units: int
    used_units: int
    over_provisioned_units: int
    chargeable_units: int
    allocated_credits: str = strawberry.field(description='A decimal with 4 places, e.g. "1234.5000".')

    @classmethod
    def from_view(cls, totals: Totals) -> ReportTotals:
        return cls(
            line_count=totals.line_count,
            provisioned_units=totals.provisioned_units,
            used_units=totals.used_units,
            over_provisioned_units=totals.over_provisioned_units,
            chargeable_units=totals.chargeable_units,
            allocated_credits=format_credits(totals.credits_e4),
        )


@strawberry.type(description="The billing report of one Tier 2 partner for one period.")
class BillingReport(Node):
    period: BillingPeriod
    partner: Organization = strawberry.field(description="The Tier 2 partner whose report it is.")
    status: ReportStatus
    version: int = strawberry.field(description="Grows with every change; every mutation carries it.")
    generated_at: datetime = strawberry.field(description="When the report was first generated.")
    submission_deadline: datetime = strawberry.field(
        description="When the report is submitted automatically if the partner has not submitted it."
    )
    submitted_at: datetime | None
    reviewed_at: datetime | None
    purchase_order: str | None = strawberry.field(
        description="Set by the Tier 2 partner on save or submit, or by the Tier 1 partner on approval."
    )
    view: strawberry.Private[ReportView]

    @strawberry.field(description="The report's lines, in generation order.")
    async def line_items(
        self,
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        filter: LineItemFilter | None = None,
    ) -> Connection[LineItem]:
        given = filter or LineItemFilter()
        size, after_id, line_filter = line_page_arguments(
            first, after, given.customer_id, given.solution_code, given.adjusted
        )
        page = await info.context.loaders.line_pages.load((self.view.id, size, after_id, line_filter))
        return connection(
            page.items,
            total_count=page.total_count,
            has_next_page=page.has_next_page,
            after=after,
            cursor_of=line_cursor,
            node_of=LineItem.from_view,
        )

    @strawberry.field
    async def totals(self, info: strawberry.Info[Context, None]) -> ReportTotals:
        return ReportTotals.from_view(await info.context.loaders.totals.load(self.view.id))

    @strawberry.field(description="Every step of the report, oldest first.")
    async def history(self, info: strawberry.Info[Context, None]) -> list[ReportEvent]:
        events = await info.context.loaders.histories.load(self.view.id)
        return [ReportEvent.from_view(event, report=self) for event in events]

    @strawberry.field(description="Its corrections after approval, oldest first.")
    async def corrections(self, info: strawberry.Info[Context, None]) -> list[Correction]:
        return [Correction.from_view(c) for c in await info.context.loaders.corrections.load(self.view.id)]

    @strawberry.field(description="The correction awaiting the Tier 1 partner's decision, or null.")
    async def pending_correction(self, info: strawberry.Info[Context, None]) -> Correction | None:
        if self.view.pending_correction_id is None:
            return None
        for correction in await info.context.loaders.corrections.load(self.view.id):
            if correction.id == self.view.pending_correction_id:
                return Correction.from_view(correction)
        return None

    @strawberry.field(description="What the caller may do with the report now; a front end offers only these.")
    def available_actions(self, info: strawberry.Info[Context, None]) -> list[ReportAction]:
        view = self.view
        return available_actions(
            view.status, view.ownership, info.context.actor, view.corrections_at(datetime.now(UTC))
        )

    @classmethod
    def from_view(cls, view: ReportView) -> BillingReport:
        return cls(
            id=strawberry.ID(ids.encode(ids.BILLING_REPORT, view.id)),
            period=BillingPeriod.from_view(view.period),
            partner=Organization.from_view(view.partner),
            status=view.status,
            version=view.version,
            generated_at=view.generated_at,
            submission_deadline=view.submission_deadline,
            submitted_at=view.submitted_at,
            reviewed_at=view.reviewed_at,
            purchase_order=view.purchase_order,
            view=view,
        )


def line_cursor(line: LineView) -> str:
    # encode_cursor(LINE_CURSOR, [line.id]) without a json.dumps per line (a page has up to
    # 100): the same bytes, as tests/unit/test_line_cursor.py checks.
    return b2a_base64(b'["c1","line",%d]' % line.id, newline=False).translate(_URLSAFE).decode()


_URLSAFE = bytes.maketrans(b"+/", b"-_")  # base64's urlsafe alphabet (base64.urlsafe_b64encode, inlined)


def line_page_arguments(
    first: int | None, after: str | None, customer_id: str | None, solution_code: str | None, adjusted: bool | None
) -> tuple[int, int | None, LineFilter]:
    """``lineItems``' arguments (the filter's fields one by one) as (page size, after line id, filter).

    Shared by the resolver above and the compiled query path (``resolvers.compiled``).
    """
    size = page_size(first)
    after_id = decode_cursor(LINE_CURSOR, after, key_id)
    # An ID that is not a customer's matches no line (ids are positive).
    customer_pk = None if customer_id is None else ids.decode_as(ids.CUSTOMER, customer_id) or -1
    if solution_code is not None and "\x00" in solution_code:
        # No code holds a NUL character (PostgreSQL's text cannot, nor be asked for one).
        return size, after_id, LineFilter(customer_id=-1)  # matches no line
    return size, after_id, LineFilter(customer_id=customer_pk, solution_code=solution_code, adjusted=adjusted)
