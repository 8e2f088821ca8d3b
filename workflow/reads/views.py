"""What the read side hands out: plain dataclasses, no model instances, no queries.

Every read of ``workflow.reads`` (and of the partner settings) returns these, built from
rows; so a caller can never issue a query per row by accident, and the GraphQL schema
(``schema/``) depends on this module and the pure core only, never on a service or the
database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

from vocabulary.enums import (
    AdjustmentReason,
    AggregationRule,
    CorrectionStatus,
    ReportEventAction,
    ReportStatus,
    Tier,
    WebhookDeliveryStatus,
)
from workflow.core.actors import ReportOwnership
from workflow.core.corrections import DEFAULT_CORRECTION_WINDOW_DAYS, CorrectionState


@dataclass(frozen=True, slots=True)
class OrganizationView:
    id: int
    name: str
    tier: Tier


@dataclass(frozen=True, slots=True)
class PeriodView:
    id: int
    label: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class ReportView:
    id: int
    period: PeriodView
    partner: OrganizationView
    parent_id: int | None  # the partner's Tier 1
    status: ReportStatus
    version: int
    generated_at: datetime
    submission_deadline: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    purchase_order: str | None = None
    pending_correction_id: int | None = None  # the correction awaiting review, if any (§11)
    # The first instant after its correction window (Tier 1's current setting); None: no
    # window (not approved, or a window of 0 days).
    correction_window_ends_at: datetime | None = None

    @property
    def ownership(self) -> ReportOwnership:
        return ReportOwnership(partner_id=self.partner.id, parent_id=self.parent_id or 0)

    def corrections_at(self, now: datetime) -> CorrectionState:
        """What the correction triggers' guards read, at ``now`` (``available_actions``)."""
        ends = self.correction_window_ends_at
        return CorrectionState(
            window_open=ends is not None and now < ends, pending=self.pending_correction_id is not None
        )


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: int
    name: str
    partner_id: int

    # Named as a line names its customer's fields (LineView.customer_id, .customer_name), so
    # that a customer reads the same from either (resolvers.compiled.fields, "Customer").
    @property
    def customer_id(self) -> int:
        return self.id

    @property
    def customer_name(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """``period`` is a label "YYYY-MM" (already checked by the caller); None means any."""

    period: str | None = None
    statuses: frozenset[ReportStatus] | None = None
    partner_id: int | None = None


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total_count: int
    has_next_page: bool


# Read-only like every view, but not ``frozen``: a frozen dataclass sets each field through
# object.__setattr__ (~9x the cost of a plain one), and a line page builds up to 100.
@dataclass(slots=True)
class LineView:
    id: int
    report_id: int
    customer_id: int
    customer_name: str
    solution_code: str
    solution_name: str
    solution_billing_unit: str
    aggregation_rule: AggregationRule
    name: str
    billing_unit: str
    reference_day: date | None
    provisioned_units: int
    used_units: int
    over_provisioned_units: int
    chargeable_units: int
    credits_e4: int
    comment: str | None
    adjustment_reason: AdjustmentReason | None = None  # null unless lowered (§10)


@dataclass(frozen=True, slots=True)
class DailyUsageView:
    day: date
    provisioned_units: int
    used_units: int
    credits_e4: int


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """Why a line's figures are what they are (docs/contract.md §12)."""

    daily_usage: list[DailyUsageView]  # oldest day first
    aggregation_rule: AggregationRule
    explanation: str
    usage_changed: bool  # the usage recorded now would give other figures


@dataclass(frozen=True, slots=True)
class LineFilter:
    """Narrows a report's lines; every given condition must hold.

    ``adjusted``: True keeps the lines whose chargeable units were lowered below the
    used units, False the others.
    """

    customer_id: int | None = None
    solution_code: str | None = None
    adjusted: bool | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums over all lines of a report, whatever filter a line page used."""

    line_count: int = 0
    provisioned_units: int = 0
    used_units: int = 0
    over_provisioned_units: int = 0
    chargeable_units: int = 0
    credits_e4: int = 0


@dataclass(frozen=True, slots=True)
class ChangeView:
    line_item_id: int
    old_chargeable_units: int
    new_chargeable_units: int
    old_comment: str | None
    new_comment: str | None
    old_reason: AdjustmentReason | None = None
    new_reason: AdjustmentReason | None = None


@dataclass(frozen=True, slots=True)
class EventView:
    id: int
    report_id: int
    action: ReportEventAction
    from_status: ReportStatus | None
    to_status: ReportStatus
    version: int
    occurred_at: datetime
    principal_name: str | None  # None: the system acted
    organization: OrganizationView | None
    comment: str | None
    changes: list[ChangeView] = field(default_factory=list)
    purchase_order: str | None = None  # the purchase order this step set, if any (§10)


@dataclass(frozen=True, slots=True)
class PartnerSettings:
    partner: OrganizationView  # the Tier 1 partner
    deadline_days: int  # in effect: its own setting, else the default
    auto_approve: bool
    auto_approve_reasons: tuple[AdjustmentReason, ...] = ()  # in the enum's order
    require_purchase_order: bool = False
    correction_window_days: int = DEFAULT_CORRECTION_WINDOW_DAYS  # in effect: its own setting, else the default


@dataclass(frozen=True, slots=True)
class ActorView:
    """Who took a step: a principal's name and organization (the system is None where it may act)."""

    name: str
    organization: OrganizationView


@dataclass(frozen=True, slots=True)
class CorrectionView:
    """A correction request of an approved report and its review (§11)."""

    id: int
    report_id: int
    status: CorrectionStatus
    requested_at: datetime
    requested_by: ActorView | None
    comment: str
    changes: list[ChangeView]
    reviewed_at: datetime | None
    reviewed_by: ActorView | None
    review_comment: str | None


@dataclass(frozen=True, slots=True)
class ApiTokenView:
    """An API token as its organization's ``tokens:manage`` callers see it (never the token itself)."""

    id: int
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class WebhookEndpointView:
    id: int
    organization_id: int
    url: str
    event_types: list[ReportEventAction]  # empty: every action
    description: str
    enabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WebhookAttemptView:
    attempted_at: datetime
    response_status: int | None
    duration_ms: int
    error: str | None


@dataclass(frozen=True, slots=True)
class WebhookDeliveryView:
    id: int
    endpoint_id: int
    message_id: str  # the webhook-id header
    event_type: str  # the body's type: "report.approved", "ping"
    entry_id: int | None  # the history entry (None: a ping)
    status: WebhookDeliveryStatus
    next_attempt_at: datetime | None
    created_at: datetime
    attempts: list[WebhookAttemptView] = field(default_factory=list)
