"""The GraphQL enums, built from the domain's own (``workflow.core``): one vocabulary, one place.

Strawberry wraps the domain classes themselves, so a resolver returns domain values
as they are and the GraphQL names can never drift from the product's.
"""

from __future__ import annotations

import strawberry

from vocabulary import enums
from workflow.core.errors import ErrorCode

Tier = strawberry.enum(enums.Tier, name="Tier", description="The place of an organization in the channel.")
ReportStatus = strawberry.enum(
    enums.ReportStatus, name="ReportStatus", description="Where a billing report stands in its workflow."
)
ReportAction = strawberry.enum(
    enums.ReportAction, name="ReportAction", description="What a principal may ask of a report (`availableActions`)."
)
ReportEventAction = strawberry.enum(
    enums.ReportEventAction,
    name="ReportEventAction",
    description="What a history entry records, the system's own steps included.",
)
AggregationRule = strawberry.enum(
    enums.AggregationRule,
    name="AggregationRule",
    description="How a solution's line picks its reference day (or sums the period).",
)
UserErrorCode = strawberry.enum(
    ErrorCode, name="UserErrorCode", description="Why a mutation, or part of it, was refused."
)
