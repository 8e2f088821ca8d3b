"""The product's vocabularies. The GraphQL enums are built from these, so the names are the contract."""

from enum import Enum


class Tier(str, Enum):
    PLATFORM = "PLATFORM"
    TIER1 = "TIER1"
    TIER2 = "TIER2"


class ReportStatus(str, Enum):
    PREPARING = "PREPARING"
    UNDER_REVIEW = "UNDER_REVIEW"
    REJECTED = "REJECTED"
    APPROVED = "APPROVED"


EDITABLE_STATUSES = frozenset({ReportStatus.PREPARING, ReportStatus.REJECTED})


class ReportAction(str, Enum):
    """What a principal may ask of a report (``availableActions``)."""

    SAVE_DRAFT = "SAVE_DRAFT"
    SUBMIT = "SUBMIT"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    REQUEST_CORRECTION = "REQUEST_CORRECTION"
    APPROVE_CORRECTION = "APPROVE_CORRECTION"
    REJECT_CORRECTION = "REJECT_CORRECTION"


class ReportEventAction(str, Enum):
    """What a history entry records. Includes the system's own steps."""

    GENERATED = "GENERATED"
    REGENERATED = "REGENERATED"
    SAVED = "SAVED"
    SUBMITTED = "SUBMITTED"
    AUTO_SUBMITTED = "AUTO_SUBMITTED"
    APPROVED = "APPROVED"
    AUTO_APPROVED = "AUTO_APPROVED"
    REJECTED = "REJECTED"
    CORRECTION_REQUESTED = "CORRECTION_REQUESTED"
    CORRECTION_APPROVED = "CORRECTION_APPROVED"
    CORRECTION_REJECTED = "CORRECTION_REJECTED"


class AdjustmentReason(str, Enum):
    """Why a line's chargeable units were lowered (docs/contract.md §10)."""

    TRIAL = "TRIAL"
    DUPLICATE = "DUPLICATE"
    DECOMMISSIONED = "DECOMMISSIONED"
    CUSTOMER_TERMINATED = "CUSTOMER_TERMINATED"
    METERING_ERROR = "METERING_ERROR"
    PROMOTION = "PROMOTION"
    OTHER = "OTHER"


class CorrectionStatus(str, Enum):
    """Where a correction request of an approved report stands (docs/contract.md §11)."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class AggregationRule(str, Enum):
    PEAK_CREDITS_DAY = "PEAK_CREDITS_DAY"
    PERCENTILE_85_DAY = "PERCENTILE_85_DAY"
    DAILY_SUM = "DAILY_SUM"


class Scope(str, Enum):
    REPORTS_READ = "reports:read"
    REPORTS_WRITE = "reports:write"
    REPORTS_REVIEW = "reports:review"
    USAGE_WRITE = "usage:write"
    REPORTS_GENERATE = "reports:generate"
    TOKENS_MANAGE = "tokens:manage"  # its own organization's API tokens (docs/contract.md §14)
    WEBHOOKS_MANAGE = "webhooks:manage"


# The scopes a fresh token of each tier gets (demo, `token create` without --scope).
DEFAULT_SCOPES: dict[Tier, tuple[Scope, ...]] = {
    Tier.PLATFORM: (Scope.REPORTS_READ, Scope.USAGE_WRITE, Scope.REPORTS_GENERATE, Scope.WEBHOOKS_MANAGE),
    Tier.TIER1: (Scope.REPORTS_READ, Scope.REPORTS_REVIEW, Scope.TOKENS_MANAGE, Scope.WEBHOOKS_MANAGE),
    Tier.TIER2: (Scope.REPORTS_READ, Scope.REPORTS_WRITE, Scope.TOKENS_MANAGE, Scope.WEBHOOKS_MANAGE),
}


class WebhookDeliveryStatus(str, Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
