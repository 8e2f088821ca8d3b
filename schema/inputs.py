"""Input types. Their names are part of the contract (docs/contract.md §8): clients write them in operations.

IDs are global IDs as the API returns them. Optional text that a rule may require
(a comment when lowering, a reason when rejecting) is nullable here, so that leaving
it out gets the rule's own error code (``COMMENT_REQUIRED``, ``REASON_REQUIRED``)
in the payload rather than a schema error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from schema.enums import AdjustmentReason, ReportStatus


@strawberry.input(description="Narrows `reports`; every given condition must hold.")
class ReportFilter:
    period: str | None = strawberry.field(default=None, description='A period label, "YYYY-MM".')
    statuses: list[ReportStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    partner_id: strawberry.ID | None = strawberry.field(default=None, description="One Tier 2 partner's reports.")


@strawberry.input(description="Narrows a report's `lineItems`; every given condition must hold.")
class LineItemFilter:
    customer_id: strawberry.ID | None = strawberry.field(default=None, description="One customer's lines.")
    solution_code: str | None = strawberry.field(default=None, description="One solution's lines.")
    adjusted: bool | None = strawberry.field(
        default=None,
        description="true: only lines whose chargeable units were lowered below the used units; "
        "false: only the others.",
    )


@strawberry.input(description="For the `reportEvents` subscription: every given condition must hold.")
class ReportEventFilter:
    period: str | None = strawberry.field(default=None, description='A period label, "YYYY-MM".')
    partner_id: strawberry.ID | None = strawberry.field(default=None, description="One Tier 2 partner's reports.")


@strawberry.input(description="The chargeable units of one line, and the reason when they are lowered.")
class AdjustmentInput:
    line_item_id: strawberry.ID
    chargeable_units: int = strawberry.field(description="0 to the line's used units.")
    comment: str | None = strawberry.field(
        default=None, description="Needed (1 to 1,000 characters) when chargeable units are below the used units."
    )
    reason: AdjustmentReason | None = strawberry.field(
        default=None,
        description="Why the line is lowered; a lowered line given none gets OTHER. Not kept on a line at its "
        "used units.",
    )


@strawberry.input
class SaveReportDraftInput:
    report_id: strawberry.ID
    version: int = strawberry.field(description="The report's version the client last saw.")
    adjustments: list[AdjustmentInput] = strawberry.field(default_factory=list)
    purchase_order: str | None = strawberry.field(
        default=None,
        description="The report's purchase order: 1 to 64 characters without control characters; an empty "
        "string clears it; left out (or null), it stays as it is.",
    )


@strawberry.input(description="Applies the adjustments and submits, atomically.")
class SubmitReportInput:
    report_id: strawberry.ID
    version: int = strawberry.field(description="The report's version the client last saw.")
    adjustments: list[AdjustmentInput] = strawberry.field(default_factory=list)
    purchase_order: str | None = strawberry.field(
        default=None,
        description="The report's purchase order: 1 to 64 characters without control characters; an empty "
        "string clears it; left out (or null), it stays as it is.",
    )


@strawberry.input
class ApproveReportInput:
    report_id: strawberry.ID
    version: int = strawberry.field(description="The report's version the client last saw.")
    comment: str | None = None
    purchase_order: str | None = strawberry.field(
        default=None,
        description="Sets or replaces the report's purchase order (an empty string clears it). Required, "
        "if the report has none, when the Tier 1 partner requires one (PURCHASE_ORDER_REQUIRED).",
    )


@strawberry.input(description="A report and the version the client last saw of it.")
class ReportVersionInput:
    report_id: strawberry.ID
    version: int


@strawberry.input(description="Approves each report on its own, as approveReport would.")
class ApproveReportsInput:
    reports: list[ReportVersionInput] = strawberry.field(description="1 to 100 reports.")
    comment: str | None = None
    purchase_order: str | None = strawberry.field(
        default=None, description="Sets or replaces each report's purchase order, as in approveReport."
    )


@strawberry.input(description="A correction of an approved report's lines (within the Tier 1 partner's window).")
class RequestCorrectionInput:
    report_id: strawberry.ID
    version: int = strawberry.field(description="The report's version the client last saw.")
    adjustments: list[AdjustmentInput] = strawberry.field(
        description="The lines to change: 0 to the used units (so a line may also be raised back); a "
        "lowered line needs a comment. At least one line must change."
    )
    comment: str | None = strawberry.field(
        default=None, description="Required: why the report needs correcting (1 to 1,000 characters)."
    )


@strawberry.input
class ApproveCorrectionInput:
    correction_id: strawberry.ID
    version: int = strawberry.field(description="The report's version the client last saw.")
    comment: str | None = None


@strawberry.input
class RejectCorrectionInput:
    correction_id: strawberry.ID
    version: int = strawberry.field(description="The report's version the client last saw.")
    reason: str | None = strawberry.field(
        default=None, description="Required: why the figures stay (1 to 1,000 characters)."
    )


@strawberry.input
class RejectReportInput:
    report_id: strawberry.ID
    version: int = strawberry.field(description="The report's version the client last saw.")
    reason: str | None = strawberry.field(
        default=None, description="Required: why the report goes back (1 to 1,000 characters)."
    )


@strawberry.input(description="One day of one customer's use of one solution.")
class UsageRecordInput:
    customer_id: strawberry.ID
    solution_code: str
    day: str = strawberry.field(description='An ISO date, "YYYY-MM-DD" (UTC calendar day).')
    provisioned_units: int
    used_units: int
    allocated_credits: str = strawberry.field(description='A decimal string with at most 4 places, e.g. "12.5".')


@strawberry.input
class RecordUsageInput:
    records: list[UsageRecordInput] = strawberry.field(
        description="At most 5,000. Each is checked on its own: valid ones are stored, invalid ones reported."
    )


def _record_usage_input(cls: type[RecordUsageInput], value: Mapping[str, Any], context: object) -> RecordUsageInput:
    """Builds ``RecordUsageInput`` straight from the input graphql-core has already checked.

    Strawberry's generic conversion resolves the type of every field of every record:
    for 5,000 records that was half the time of a ``recordUsage`` call. Every field of a
    record is a non-null scalar, so the checked values are the Python values.
    """
    return cls(
        records=[
            UsageRecordInput(
                customer_id=r["customerId"],
                solution_code=r["solutionCode"],
                day=r["day"],
                provisioned_units=r["provisionedUnits"],
                used_units=r["usedUnits"],
                allocated_credits=r["allocatedCredits"],
            )
            for r in value["records"]
        ]
    )


# Strawberry's hook for types that build their own value (see StrawberryObjectDefinition.from_input).
RecordUsageInput.__strawberry_definition__.from_input = _record_usage_input  # type: ignore[attr-defined]  # set by strawberry.input at runtime


@strawberry.input
class GenerateReportsInput:
    period: str = strawberry.field(description='"YYYY-MM"')
