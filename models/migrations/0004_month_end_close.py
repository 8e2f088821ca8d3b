"""The month-end close (docs/contract.md §10–§11): reason codes, purchase orders, corrections.

- ``line_item.adjustment_reason`` and the history's ``old_reason`` / ``new_reason``; a
  line lowered before this migration gets ``OTHER`` (the reason of a lowered line given
  none), so auto-approval by reason and the exports read every lowered line the same way.
- ``billing_report.purchase_order`` and ``history_entry.purchase_order``.
- The Tier 1 settings ``auto_approve_reasons``, ``require_purchase_order`` (with database
  defaults, so existing organizations get them) and ``correction_window_days`` (null: 90).
- The ``correction`` table.

``history_entry.action`` gains three values; its column (VARCHAR(24)) holds them already,
so that change is recorded in the migration state only (``EnumValuesAdded``): Tortoise's
``AlterField`` would rebuild the whole table on SQLite for a new description, and drop its
index with it.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from vocabulary.enums import AdjustmentReason, CorrectionStatus, ReportEventAction

_LOWERED_WITHOUT_REASON = (
    "UPDATE line_item SET adjustment_reason = 'OTHER' WHERE chargeable_units < used_units AND adjustment_reason IS NULL"
)


class EnumValuesAdded(ops.AlterField):
    """An enum field's new values: the migration state changes, the column does not."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None


async def reason_lowered_lines(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(_LOWERED_WITHOUT_REASON)


async def nothing(apps, schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [("models", "0003_line_item_references")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Correction",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "report",
                    fields.ForeignKeyField(
                        "models.BillingReport",
                        source_field="report_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="corrections",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=CorrectionStatus.PENDING,
                        description="PENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED",
                        enum_type=CorrectionStatus,
                        max_length=16,
                    ),
                ),
                (
                    "request_entry",
                    fields.ForeignKeyField(
                        "models.HistoryEntry",
                        source_field="request_entry_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="correction_requests",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("requested_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "requested_by",
                    fields.ForeignKeyField(
                        "models.Principal",
                        source_field="requested_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="requested_corrections",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "requested_by_organization",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="requested_by_organization_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="requested_corrections",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("comment", fields.TextField(unique=False)),
                ("reviewed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "reviewed_by",
                    fields.ForeignKeyField(
                        "models.Principal",
                        source_field="reviewed_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reviewed_corrections",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "reviewed_by_organization",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="reviewed_by_organization_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reviewed_corrections",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("review_comment", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "correction",
                "app": "models",
                "indexes": [Index(fields=["report_id", "status"])],
                "pk_attr": "id",
                "table_description": "A request to change the figures of an approved report, and its review (docs/contract.md §11).",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="BillingReport",
            name="purchase_order",
            field=fields.CharField(null=True, max_length=64),
        ),
        EnumValuesAdded(
            model_name="HistoryEntry",
            name="action",
            field=fields.CharEnumField(
                description="GENERATED: GENERATED\nREGENERATED: REGENERATED\nSAVED: SAVED\nSUBMITTED: SUBMITTED\nAUTO_SUBMITTED: AUTO_SUBMITTED\nAPPROVED: APPROVED\nAUTO_APPROVED: AUTO_APPROVED\nREJECTED: REJECTED\nCORRECTION_REQUESTED: CORRECTION_REQUESTED\nCORRECTION_APPROVED: CORRECTION_APPROVED\nCORRECTION_REJECTED: CORRECTION_REJECTED",
                enum_type=ReportEventAction,
                max_length=24,
            ),
        ),
        ops.AddField(
            model_name="HistoryEntry",
            name="purchase_order",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AlterModelOptions(
            name="HistoryLineChange",
            options={
                "table": "history_line_change",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The chargeable units, comment and reason of a line before and after one history step.",
            },
        ),
        ops.AddField(
            model_name="HistoryLineChange",
            name="new_reason",
            field=fields.CharEnumField(
                null=True,
                description="TRIAL: TRIAL\nDUPLICATE: DUPLICATE\nDECOMMISSIONED: DECOMMISSIONED\nCUSTOMER_TERMINATED: CUSTOMER_TERMINATED\nMETERING_ERROR: METERING_ERROR\nPROMOTION: PROMOTION\nOTHER: OTHER",
                enum_type=AdjustmentReason,
                max_length=24,
            ),
        ),
        ops.AddField(
            model_name="HistoryLineChange",
            name="old_reason",
            field=fields.CharEnumField(
                null=True,
                description="TRIAL: TRIAL\nDUPLICATE: DUPLICATE\nDECOMMISSIONED: DECOMMISSIONED\nCUSTOMER_TERMINATED: CUSTOMER_TERMINATED\nMETERING_ERROR: METERING_ERROR\nPROMOTION: PROMOTION\nOTHER: OTHER",
                enum_type=AdjustmentReason,
                max_length=24,
            ),
        ),
        ops.AddField(
            model_name="LineItem",
            name="adjustment_reason",
            field=fields.CharEnumField(
                null=True,
                description="TRIAL: TRIAL\nDUPLICATE: DUPLICATE\nDECOMMISSIONED: DECOMMISSIONED\nCUSTOMER_TERMINATED: CUSTOMER_TERMINATED\nMETERING_ERROR: METERING_ERROR\nPROMOTION: PROMOTION\nOTHER: OTHER",
                enum_type=AdjustmentReason,
                max_length=24,
            ),
        ),
        ops.AddField(
            model_name="Organization",
            name="auto_approve_reasons",
            field=fields.CharField(default="", db_default="", max_length=128),
        ),
        ops.AddField(
            model_name="Organization",
            name="correction_window_days",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Organization",
            name="require_purchase_order",
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.RunPython(reason_lowered_lines, nothing),
    ]
