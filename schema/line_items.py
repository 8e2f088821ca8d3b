"""Line items: one (customer, solution) of a report, with the figures of its reference day."""

from __future__ import annotations

from datetime import date

import strawberry

from schema import ids
from schema.channel import Customer, Solution
from schema.enums import AdjustmentReason
from schema.node import Node
from workflow.core.credits import format_credits
from workflow.reads.views import LineView


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
        )
