"""The GraphQL enums, built from the domain's own (``workflow.core``): one vocabulary, one place.

Strawberry wraps the domain classes themselves, so a resolver returns domain values
as they are and the GraphQL names can never drift from the product's.
"""

from __future__ import annotations

import strawberry

from vocabulary.enums import (
    AdjustmentReason,
    AggregationRule,
    CorrectionStatus,
    ReportAction,
    ReportEventAction,
    ReportStatus,
    Tier,
    WebhookDeliveryStatus,
)
from workflow.core.errors import ErrorCode as UserErrorCode

# strawberry.enum registers each class in place and returns it: the names below are the
# domain's own classes, usable as types, and the GraphQL enums at once.
strawberry.enum(Tier, name="Tier", description="The place of an organization in the channel.")
strawberry.enum(ReportStatus, name="ReportStatus", description="Where a billing report stands in its workflow.")
strawberry.enum(
    ReportAction, name="ReportAction", description="What a principal may ask of a report (`availableActions`)."
)
strawberry.enum(
    ReportEventAction,
    name="ReportEventAction",
    description="What a history entry records, the system's own steps included.",
)
strawberry.enum(
    AggregationRule,
    name="AggregationRule",
    description="How a solution's line picks its reference day (or sums the period).",
)
strawberry.enum(UserErrorCode, name="UserErrorCode", description="Why a mutation, or part of it, was refused.")
strawberry.enum(
    AdjustmentReason,
    name="AdjustmentReason",
    description="Why a line's chargeable units were lowered: TRIAL (trial or evaluation use), DUPLICATE (the "
    "same use metered twice), DECOMMISSIONED (removed but still metered), CUSTOMER_TERMINATED, METERING_ERROR, "
    "PROMOTION, OTHER.",
)
strawberry.enum(
    CorrectionStatus, name="CorrectionStatus", description="Where a correction of an approved report stands."
)
strawberry.enum(
    WebhookDeliveryStatus,
    name="WebhookDeliveryStatus",
    description="PENDING (to be sent, or retried), SUCCEEDED (a 2xx answer), FAILED (retries exhausted, or 410).",
)

__all__ = [
    "AdjustmentReason",
    "AggregationRule",
    "CorrectionStatus",
    "ReportAction",
    "ReportEventAction",
    "ReportStatus",
    "Tier",
    "UserErrorCode",
    "WebhookDeliveryStatus",
]
