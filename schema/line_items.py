"""Line items: one (customer, solution) of a report, with the figures of its reference day."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

import strawberry

from schema import ids
from schema.channel import Customer, Solution
from schema.context import Context
from schema.enums import AdjustmentReason, AggregationRule
from schema.node import Node
from workflow.core.credits import format_credits
from workflow.reads.views import DailyUsageView, EvidenceView, LineView


@strawberry.type(description="One day's usage record of a line's customer and solution.")
class DailyUsage:
    day: date
    provisioned_units: int
    used_units: int
    allocated_credits: str = strawberry.field(description='A decimal with 4 places, e.g. "12.5000".')

    @classmethod
    def from_view(cls, view: DailyUsageView) -> DailyUsage:
        return cls(
            day=view.day,
            provisioned_units=view.provisioned_units,
            used_units=view.used_units,
            allocated_credits=format_credits(view.credits_e4),
        )


@strawberry.type(description="One customer's use of one solution in a report.")
class LineItem(Node):
    customer: Customer
    solution: Solution
    name: str = strawberry.field(description="The solution's name when the report was generated.")
    billing_unit: str
    provisioned_units: int
    used_units: int
    over_provisioned_units: int = strawberry.field(description="max(provisioned − used, 0)")
    chargeable_units: int = strawberry.field(description="What will be billed: the used units, or fewer.")
    allocated_credits: str = strawberry.field(description='A decimal with 4 places, e.g. "12.5000".')
    comment: str | None = strawberry.field(description="The Tier 2 partner's reason for lowering.")
    adjustment_reason: AdjustmentReason | None = strawberry.field(
        description="Why the line is lowered; null unless chargeable units are below the used units."
    )
    reference_day: date | None = strawberry.field(
        description="The day whose figures the line shows; null for DAILY_SUM solutions (period sums)."
    )
    view: strawberry.Private[LineView]

    # The evidence fields return the request's batch loader's future, not a coroutine: when
    # graphql-core abandons a list's completion (an error elsewhere), a future left unawaited
    # is harmless, where a coroutine per field and line would be "never awaited".
    @strawberry.field(description="The period's usage records of the line's customer and solution, oldest day first.")
    def daily_usage(self, info: strawberry.Info[Context, None]) -> list[DailyUsage]:
        return _evidence(info, self.view, lambda e: [DailyUsage.from_view(day) for day in e.daily_usage])

    @strawberry.field(description="The rule that chose the line's figures.")
    def aggregation_rule(self, info: strawberry.Info[Context, None]) -> AggregationRule:
        return _evidence(info, self.view, lambda e: e.aggregation_rule)

    @strawberry.field(description="One sentence saying how the rule chose the figures from dailyUsage.")
    def explanation(self, info: strawberry.Info[Context, None]) -> str:
        return _evidence(info, self.view, lambda e: e.explanation)

    @strawberry.field(
        description="True when the usage recorded now would give the line other figures than it shows (late usage)."
    )
    def usage_changed(self, info: strawberry.Info[Context, None]) -> bool:
        return _evidence(info, self.view, lambda e: e.usage_changed)

    @classmethod
    def from_view(cls, view: LineView) -> LineItem:
        return cls(
            id=strawberry.ID(ids.encode(ids.LINE_ITEM, view.id)),
            customer=Customer(id=strawberry.ID(ids.encode(ids.CUSTOMER, view.customer_id)), name=view.customer_name),
            solution=Solution(
                code=view.solution_code,
                name=view.solution_name,
                billing_unit=view.solution_billing_unit,
                aggregation_rule=view.aggregation_rule,
            ),
            name=view.name,
            billing_unit=view.billing_unit,
            provisioned_units=view.provisioned_units,
            used_units=view.used_units,
            over_provisioned_units=view.over_provisioned_units,
            chargeable_units=view.chargeable_units,
            allocated_credits=format_credits(view.credits_e4),
            comment=view.comment,
            adjustment_reason=view.adjustment_reason,
            reference_day=view.reference_day,
            view=view,
        )


def _evidence(info: strawberry.Info[Context, None], line: LineView, pick: Callable[[EvidenceView], Any]) -> Any:
    """A future of ``pick`` of the line's evidence (loaded for every line of the request at once)."""
    loaded = info.context.loaders.evidence(line)
    picked: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def done(future: asyncio.Future[EvidenceView]) -> None:
        if picked.done():
            return
        if future.cancelled():
            picked.cancel()
        elif (error := future.exception()) is not None:
            picked.set_exception(error)
        else:
            try:
                picked.set_result(pick(future.result()))
            except Exception as failed:  # pragma: no cover - a view's own error
                picked.set_exception(failed)

    loaded.add_done_callback(done)
    return picked
