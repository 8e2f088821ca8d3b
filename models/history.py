from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from vocabulary.enums import AdjustmentReason, ReportEventAction, ReportStatus

if TYPE_CHECKING:  # the annotations only; Tortoise resolves "models.X" itself
    from models.organization import Organization
    from models.principal import Principal
    from models.report import BillingReport, LineItem


class HistoryEntry(Model):
    """One step in the append-only history of a report, and the event dashboards receive.

    ``principal`` and ``organization`` are null when the system acted. ``from_status`` is
    null for the first generation.
    """

    id = fields.BigIntField(primary_key=True)
    report: fields.ForeignKeyRelation["BillingReport"] = fields.ForeignKeyField(
        "models.BillingReport", related_name="history", on_delete=fields.CASCADE
    )
    action = fields.CharEnumField(ReportEventAction, max_length=24)
    from_status = fields.CharEnumField(ReportStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(ReportStatus, max_length=16)
    # The report's version after this step.
    version = fields.IntField()
    occurred_at = fields.DatetimeField()
    principal: fields.ForeignKeyNullableRelation["Principal"] = fields.ForeignKeyField(
        "models.Principal", related_name="history", null=True, on_delete=fields.RESTRICT
    )
    organization: fields.ForeignKeyNullableRelation["Organization"] = fields.ForeignKeyField(
        "models.Organization", related_name="history", null=True, on_delete=fields.RESTRICT
    )
    comment = fields.TextField(null=True)
    # The purchase order this step set (save, submit, approval), else null.
    purchase_order = fields.CharField(max_length=64, null=True)

    report_id: int
    principal_id: int | None
    organization_id: int | None

    class Meta:
        table = "history_entry"
        indexes = (("report_id", "id"),)


class HistoryLineChange(Model):
    """The chargeable units, comment and reason of a line before and after one history step."""

    id = fields.BigIntField(primary_key=True)
    entry: fields.ForeignKeyRelation["HistoryEntry"] = fields.ForeignKeyField(
        "models.HistoryEntry", related_name="changes", on_delete=fields.CASCADE
    )
    line_item: fields.ForeignKeyRelation["LineItem"] = fields.ForeignKeyField(
        "models.LineItem", related_name="changes", on_delete=fields.CASCADE
    )
    old_chargeable_units = fields.BigIntField()
    new_chargeable_units = fields.BigIntField()
    old_comment = fields.TextField(null=True)
    new_comment = fields.TextField(null=True)
    old_reason = fields.CharEnumField(AdjustmentReason, max_length=24, null=True)
    new_reason = fields.CharEnumField(AdjustmentReason, max_length=24, null=True)

    entry_id: int
    line_item_id: int

    class Meta:
        table = "history_line_change"
