"""Mutation payloads: each has ``errors`` (empty on success); report mutations also the report.

``report`` is the report as it stands after the mutation, also when the mutation was
refused (so a client with a stale version sees the current one), and null when the
caller may not see it (another tenant's, or no ``reports:read`` scope).
"""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.reports import BillingReport


@strawberry.type
class SaveReportDraftPayload:
    report: BillingReport | None
    errors: list[UserError]


@strawberry.type
class SubmitReportPayload:
    report: BillingReport | None
    errors: list[UserError]


@strawberry.type
class ApproveReportPayload:
    report: BillingReport | None
    errors: list[UserError]


@strawberry.type
class RejectReportPayload:
    report: BillingReport | None
    errors: list[UserError]


@strawberry.type
class RecordUsagePayload:
    accepted_count: int = strawberry.field(
        description="Input records stored, counting one that replaces an earlier record (even of this call)."
    )
    errors: list[UserError] = strawberry.field(description="One per refused record; `index` is its position.")


@strawberry.type
class GenerateReportsPayload:
    created_count: int = strawberry.field(description="Reports generated for the first time.")
    regenerated_count: int = strawberry.field(description="Editable reports whose figures changed.")
    errors: list[UserError]
