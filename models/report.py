from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from vocabulary.enums import AdjustmentReason, CorrectionStatus, ReportStatus

if TYPE_CHECKING:  # the annotations only; Tortoise resolves "models.X" itself
    from models.catalog import Customer, Solution
    from models.history import HistoryEntry
    from models.organization import Organization
    from models.principal import Principal


class BillingPeriod(Model):
    """A calendar month in UTC, created when its reports are first generated."""

    id = fields.IntField(primary_key=True)
    label = fields.CharField(max_length=7, unique=True)  # "YYYY-MM"
    starts_on = fields.DateField()
    ends_on = fields.DateField()

    class Meta:
        table = "billing_period"


class BillingReport(Model):
    """The report of one Tier 2 partner for one period. Its version grows with every change."""

    id = fields.IntField(primary_key=True)
    period: fields.ForeignKeyRelation["BillingPeriod"] = fields.ForeignKeyField(
        "models.BillingPeriod", related_name="reports", on_delete=fields.RESTRICT
    )
    partner: fields.ForeignKeyRelation["Organization"] = fields.ForeignKeyField(
        "models.Organization", related_name="reports", on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(ReportStatus, max_length=16, default=ReportStatus.PREPARING)
    version = fields.IntField(default=1)
    generated_at = fields.DatetimeField()
    submission_deadline = fields.DatetimeField()
    submitted_at = fields.DatetimeField(null=True)
    reviewed_at = fields.DatetimeField(null=True)
    # Set by the Tier 2 owner on save or submit, set or replaced by the Tier 1 on approval.
    purchase_order = fields.CharField(max_length=64, null=True)

    period_id: int
    partner_id: int

    class Meta:
        table = "billing_report"
        unique_together = (("period", "partner"),)
        indexes = (("partner_id", "status"),)


class LineItem(Model):
    """One (customer, solution) of a report, with the figures of its reference day."""

    id = fields.IntField(primary_key=True)
    report: fields.ForeignKeyRelation["BillingReport"] = fields.ForeignKeyField(
        "models.BillingReport", related_name="line_items", on_delete=fields.CASCADE
    )
    # No foreign-key constraints on customer and solution (``db_constraint=False``): see
    # docs/decisions.md, "The data model".
    customer: fields.ForeignKeyRelation["Customer"] = fields.ForeignKeyField(
        "models.Customer", related_name="line_items", on_delete=fields.NO_ACTION, db_constraint=False
    )
    solution: fields.ForeignKeyRelation["Solution"] = fields.ForeignKeyField(
        "models.Solution", related_name="line_items", on_delete=fields.NO_ACTION, db_constraint=False
    )
    # Copied from the solution at generation, so a renamed solution does not rewrite a report.
    name = fields.CharField(max_length=200)
    billing_unit = fields.CharField(max_length=64)
    reference_day = fields.DateField(null=True)
    provisioned_units = fields.BigIntField()
    used_units = fields.BigIntField()
    over_provisioned_units = fields.BigIntField()
    chargeable_units = fields.BigIntField()
    credits_e4 = fields.BigIntField()
    comment = fields.TextField(null=True)
    # Why the line is lowered; null unless chargeable units are below used units.
    adjustment_reason = fields.CharEnumField(AdjustmentReason, max_length=24, null=True)

    report_id: int
    customer_id: int
    solution_id: int

    class Meta:
        table = "line_item"
        unique_together = (("report", "customer", "solution"),)


class Correction(Model):
    """A request to change the figures of an approved report, and its review (docs/contract.md §11).

    The requested line changes are those of the ``CORRECTION_REQUESTED`` history entry
    (``request_entry``), so they are written once and read as any step's changes.
    """

    id = fields.IntField(primary_key=True)
    report: fields.ForeignKeyRelation["BillingReport"] = fields.ForeignKeyField(
        "models.BillingReport", related_name="corrections", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(CorrectionStatus, max_length=16, default=CorrectionStatus.PENDING)
    request_entry: fields.ForeignKeyRelation["HistoryEntry"] = fields.ForeignKeyField(
        "models.HistoryEntry", related_name="correction_requests", on_delete=fields.CASCADE
    )
    requested_at = fields.DatetimeField()
    requested_by: fields.ForeignKeyNullableRelation["Principal"] = fields.ForeignKeyField(
        "models.Principal", related_name="requested_corrections", null=True, on_delete=fields.RESTRICT
    )
    requested_by_organization: fields.ForeignKeyNullableRelation["Organization"] = fields.ForeignKeyField(
        "models.Organization", related_name="requested_corrections", null=True, on_delete=fields.RESTRICT
    )
    comment = fields.TextField()
    reviewed_at = fields.DatetimeField(null=True)
    reviewed_by: fields.ForeignKeyNullableRelation["Principal"] = fields.ForeignKeyField(
        "models.Principal", related_name="reviewed_corrections", null=True, on_delete=fields.RESTRICT
    )
    reviewed_by_organization: fields.ForeignKeyNullableRelation["Organization"] = fields.ForeignKeyField(
        "models.Organization", related_name="reviewed_corrections", null=True, on_delete=fields.RESTRICT
    )
    review_comment = fields.TextField(null=True)

    report_id: int
    request_entry_id: int
    requested_by_id: int | None
    requested_by_organization_id: int | None
    reviewed_by_id: int | None
    reviewed_by_organization_id: int | None

    class Meta:
        table = "correction"
        indexes = (("report_id", "status"),)
