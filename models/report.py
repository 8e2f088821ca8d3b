from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from vocabulary.enums import ReportStatus

if TYPE_CHECKING:  # the annotations only; Tortoise resolves "models.X" itself
    from models.catalog import Customer, Solution
    from models.organization import Organization


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

    report_id: int
    customer_id: int
    solution_id: int

    class Meta:
        table = "line_item"
        unique_together = (("report", "customer", "solution"),)
