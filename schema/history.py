"""History entries (``ReportEvent``): one step of a report, who took it, and the lines it changed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema import ids
from schema.channel import Organization, Principal
from schema.context import Context
from schema.enums import AdjustmentReason, ReportEventAction, ReportStatus
from schema.node import Node
from workflow.reads.views import ChangeView, EventView

if TYPE_CHECKING:
    from schema.reports import BillingReport


@strawberry.type(description="One line's chargeable units, comment and reason before and after a step.")
class LineItemChange:
    line_item_id: strawberry.ID
    old_chargeable_units: int
    new_chargeable_units: int
    old_comment: str | None
    new_comment: str | None
    old_reason: AdjustmentReason | None
    new_reason: AdjustmentReason | None

    @classmethod
    def from_view(cls, view: ChangeView) -> LineItemChange:
        return cls(
            line_item_id=strawberry.ID(ids.encode(ids.LINE_ITEM, view.line_item_id)),
            old_chargeable_units=view.old_chargeable_units,
            new_chargeable_units=view.new_chargeable_units,
            old_comment=view.old_comment,
            new_comment=view.new_comment,
            old_reason=view.old_reason,
            new_reason=view.new_reason,
        )


@strawberry.type(description="One step in a report's history (oldest first), as dashboards receive it.")
class ReportEvent(Node):
    action: ReportEventAction
    from_status: ReportStatus | None = strawberry.field(description="Null for the first generation.")
    to_status: ReportStatus
    version: int = strawberry.field(description="The report's version after this step.")
    occurred_at: datetime
    actor: Principal | None = strawberry.field(description="Who acted; null when the system did.")
    comment: str | None = strawberry.field(description="The comment or reason given with the step.")
    changes: list[LineItemChange] = strawberry.field(
        description="The lines this step changed (saves, submits, corrections requested and approved)."
    )
    purchase_order: str | None = strawberry.field(
        description="The purchase order this step set (a save, submit or approval), else null."
    )
    report_id: strawberry.Private[int]
    # The report it was read through, if any (typed loosely: schema.reports imports this module).
    known_report: strawberry.Private[Any] = None
    # A live event's results shared by its subscribers (resolvers.event_sharing); None otherwise.
    shared_results: strawberry.Private[Any] = None

    @strawberry.field(description="The report as it stands now.")
    async def report(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[BillingReport, strawberry.lazy("schema.reports")]:
        if self.known_report is not None:
            return self.known_report
        from schema.reports import BillingReport

        view = await info.context.loaders.reports.load(self.report_id)
        if view is None:  # the event was read through its visible report: never expected
            raise LookupError(f"report {self.report_id} of a visible event is not visible")
        return BillingReport.from_view(view)

    @classmethod
    def from_view(cls, view: EventView, report: BillingReport | None = None) -> ReportEvent:
        actor = None
        if view.organization is not None:
            actor = Principal(name=view.principal_name or "", organization=Organization.from_view(view.organization))
        return cls(
            id=strawberry.ID(ids.encode(ids.REPORT_EVENT, view.id)),
            action=view.action,
            from_status=view.from_status,
            to_status=view.to_status,
            version=view.version,
            occurred_at=view.occurred_at,
            actor=actor,
            comment=view.comment,
            changes=[LineItemChange.from_view(c) for c in view.changes],
            purchase_order=view.purchase_order,
            report_id=view.report_id,
            known_report=report,
        )
