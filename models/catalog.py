from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from vocabulary.enums import AggregationRule

if TYPE_CHECKING:  # the annotations only; Tortoise resolves "models.X" itself
    from models.organization import Organization


class Customer(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    partner: fields.ForeignKeyRelation["Organization"] = fields.ForeignKeyField(
        "models.Organization", related_name="customers", on_delete=fields.RESTRICT
    )

    partner_id: int

    class Meta:
        table = "customer"


class Solution(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    billing_unit = fields.CharField(max_length=64)
    aggregation_rule = fields.CharEnumField(AggregationRule, max_length=32, default=AggregationRule.PEAK_CREDITS_DAY)

    class Meta:
        table = "solution"


class DailyUsage(Model):
    """One (customer, solution, day): recording it again replaces the values."""

    id = fields.BigIntField(primary_key=True)
    customer: fields.ForeignKeyRelation["Customer"] = fields.ForeignKeyField(
        "models.Customer", related_name="usage", on_delete=fields.RESTRICT
    )
    solution: fields.ForeignKeyRelation["Solution"] = fields.ForeignKeyField(
        "models.Solution", related_name="usage", on_delete=fields.RESTRICT
    )
    day = fields.DateField()
    provisioned_units = fields.BigIntField()
    used_units = fields.BigIntField()
    # Allocated credits in ten-thousandths (see workflow.core.credits).
    credits_e4 = fields.BigIntField()

    customer_id: int
    solution_id: int

    class Meta:
        table = "daily_usage"
        unique_together = (("customer", "solution", "day"),)
        indexes = (("day",),)
