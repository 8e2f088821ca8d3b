"""A Tier 1 partner's settings for its partners' reports: the deadline window and auto-approval.

``partnerSettings`` reads them (``reports:read``); ``updatePartnerSettings`` changes them
(a Tier 1 token with ``reports:review``, its own only). The rules are
``workflow.reports.settings``'s.
"""

from __future__ import annotations

import strawberry

from schema.channel import Organization
from schema.enums import AdjustmentReason
from schema.errors import UserError
from workflow.core.corrections import MAX_CORRECTION_WINDOW_DAYS, MIN_CORRECTION_WINDOW_DAYS
from workflow.core.deadlines import MAX_DEADLINE_DAYS, MIN_DEADLINE_DAYS
from workflow.reads.views import PartnerSettings as PartnerSettingsView


@strawberry.type(description="How a Tier 1 partner's Tier 2 partners' reports are due and reviewed.")
class PartnerSettings:
    partner: Organization = strawberry.field(description="The Tier 1 partner whose settings these are.")
    submission_deadline_days: int = strawberry.field(
        description="N: a report is due at the end (UTC) of day N of the month after its period, or of "
        "the N-day window from its first generation, whichever is later. 5 unless the partner set it."
    )
    auto_approve: bool = strawberry.field(
        description="Whether submitted reports without adjustments (or whose lowered lines all carry a reason "
        "of autoApproveReasons) are approved by the system (AUTO_APPROVED), unless this partner rejected them "
        "before, or requires a purchase order they lack."
    )
    auto_approve_reasons: list[AdjustmentReason] = strawberry.field(
        description="The reasons auto-approval trusts on lowered lines (default: none)."
    )
    require_purchase_order: bool = strawberry.field(
        description="Whether an approval needs a purchase order (PURCHASE_ORDER_REQUIRED without one)."
    )
    correction_window_days: int = strawberry.field(
        description="N: a correction may be requested until the end (UTC) of the Nth day after the day of "
        "approval (0: no corrections). 90 unless the partner set it."
    )

    @classmethod
    def from_view(cls, view: PartnerSettingsView) -> PartnerSettings:
        return cls(
            partner=Organization.from_view(view.partner),
            submission_deadline_days=view.deadline_days,
            auto_approve=view.auto_approve,
            auto_approve_reasons=list(view.auto_approve_reasons),
            require_purchase_order=view.require_purchase_order,
            correction_window_days=view.correction_window_days,
        )


@strawberry.input(description="The settings to change; a field left out (or null) stays as it is.")
class UpdatePartnerSettingsInput:
    submission_deadline_days: int | None = strawberry.field(
        default=None,
        description=f"{MIN_DEADLINE_DAYS} to {MAX_DEADLINE_DAYS}. Moves the deadlines of the partners' "
        "reports that are still editable (PREPARING, REJECTED); others keep theirs.",
    )
    auto_approve: bool | None = None
    auto_approve_reasons: list[AdjustmentReason] | None = strawberry.field(
        default=None, description="Replaces the list (an empty list trusts none)."
    )
    require_purchase_order: bool | None = None
    correction_window_days: int | None = strawberry.field(
        default=None, description=f"{MIN_CORRECTION_WINDOW_DAYS} to {MAX_CORRECTION_WINDOW_DAYS}."
    )


@strawberry.type
class UpdatePartnerSettingsPayload:
    settings: PartnerSettings | None = strawberry.field(
        description="The settings as they now stand (also after a refusal); null if the caller may not read them."
    )
    rescheduled_report_count: int = strawberry.field(
        description="Editable reports whose submission deadline moved with this change."
    )
    errors: list[UserError]
