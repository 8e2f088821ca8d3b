"""Mutation payloads: each has ``errors`` (empty on success); report mutations also the report.

``report`` is the report as it stands after the mutation, also when the mutation was
refused (so a client with a stale version sees the current one), and null when the
caller may not see it (another tenant's, or no ``reports:read`` scope).
"""

from __future__ import annotations

import strawberry

from schema.corrections import Correction
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


@strawberry.type(description="One report of a bulk approval: approved if `errors` is empty.")
class ApproveReportsResult:
    report_id: strawberry.ID = strawberry.field(description="The report's ID as the client sent it.")
    report: BillingReport | None
    errors: list[UserError]


@strawberry.type
class ApproveReportsPayload:
    approved_count: int
    results: list[ApproveReportsResult] = strawberry.field(description="One per input report, in input order.")
    errors: list[UserError] = strawberry.field(
        description="Refusals of the whole request (an empty list, or more than 100): then nothing is approved."
    )


@strawberry.type
class RequestCorrectionPayload:
    report: BillingReport | None
    correction: Correction | None
    errors: list[UserError]


@strawberry.type
class ApproveCorrectionPayload:
    report: BillingReport | None
    correction: Correction | None
    errors: list[UserError]


@strawberry.type
class RejectCorrectionPayload:
    report: BillingReport | None
    correction: Correction | None
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
