"""A Tier 1 partner's settings for its partners' reports: the deadline window and auto-approval.

``partnerSettings`` reads them (``reports:read``); ``updatePartnerSettings`` changes them
(a Tier 1 token with ``reports:review``, its own only). The rules are
``workflow.reports.settings``'s.
"""

from __future__ import annotations

import strawberry

from schema.channel import Organization
from schema.errors import UserError
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
        description="Whether submitted reports without adjustments are approved by the system "
        "(AUTO_APPROVED), unless this partner rejected them before."
    )

    @classmethod
    def from_view(cls, view: PartnerSettingsView) -> PartnerSettings:
        return cls(
            partner=Organization.from_view(view.partner),
            submission_deadline_days=view.deadline_days,
            auto_approve=view.auto_approve,
        )


@strawberry.input(description="The settings to change; a field left out (or null) stays as it is.")
class UpdatePartnerSettingsInput:
    submission_deadline_days: int | None = strawberry.field(
        default=None,
        description=f"{MIN_DEADLINE_DAYS} to {MAX_DEADLINE_DAYS}. Moves the deadlines of the partners' "
        "reports that are still editable (PREPARING, REJECTED); others keep theirs.",
    )
    auto_approve: bool | None = None


@strawberry.type
class UpdatePartnerSettingsPayload:
    settings: PartnerSettings | None = strawberry.field(
        description="The settings as they now stand (also after a refusal); null if the caller may not read them."
    )
    rescheduled_report_count: int = strawberry.field(
        description="Editable reports whose submission deadline moved with this change."
    )
    errors: list[UserError]
