"""Billing periods: calendar months in UTC, named YYYY-MM."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from schema import ids
from schema.context import Context
from schema.node import Node
from workflow.core.deadlines import period_deadline
from workflow.core.periods import Month
from workflow.reads.views import PeriodView


@strawberry.type(description="A calendar month in UTC whose reports have been generated.")
class BillingPeriod(Node):
    label: str = strawberry.field(description='"YYYY-MM"')
    starts_on: date
    ends_on: date
    view: strawberry.Private[PeriodView]

    @strawberry.field(
        description="When reports generated on time are due, with the caller's channel's window "
        "(its Tier 1 partner's setting, else 5 days). A report generated late has a later "
        "deadline: see `BillingReport.submissionDeadline`."
    )
    async def submission_deadline(self, info: strawberry.Info[Context, None]) -> datetime:
        days = await info.context.loaders.deadline_days()
        return period_deadline(Month.of(self.starts_on), days)

    @classmethod
    def from_view(cls, view: PeriodView) -> BillingPeriod:
        return cls(
            id=strawberry.ID(ids.encode(ids.BILLING_PERIOD, view.id)),
            label=view.label,
            starts_on=view.starts_on,
            ends_on=view.ends_on,
            view=view,
        )
