from tortoise import fields
from tortoise.models import Model

from vocabulary.enums import Tier


class Organization(Model):
    """The platform, a Tier 1 distributor, or a Tier 2 partner (whose parent is its Tier 1)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    tier = fields.CharEnumField(Tier, max_length=16)
    parent: fields.ForeignKeyNullableRelation["Organization"] = fields.ForeignKeyField(
        "models.Organization", related_name="partners", null=True, on_delete=fields.RESTRICT
    )
    # Tier 1 settings for its partners' reports (docs/contract.md §6): null means the default of 5 days.
    deadline_days = fields.IntField(null=True)
    auto_approve = fields.BooleanField(default=False)
    # §10: the adjustment reasons auto-approval trusts, comma-separated in the enum's order
    # ("" for none); whether an approval needs a purchase order; §11: the correction window
    # in days after approval (null: the default of 90).
    auto_approve_reasons = fields.CharField(max_length=128, default="", db_default="")
    require_purchase_order = fields.BooleanField(default=False, db_default=False)
    correction_window_days = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    parent_id: int | None

    class Meta:
        table = "organization"
