from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from vocabulary.enums import AggregationRule, ReportEventAction, ReportStatus, Tier


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="BillingPeriod",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("label", fields.CharField(unique=True, max_length=7)),
                ("starts_on", fields.DateField()),
                ("ends_on", fields.DateField()),
            ],
            options={
                "table": "billing_period",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A calendar month in UTC, created when its reports are first generated.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Organization",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=200)),
                (
                    "tier",
                    fields.CharEnumField(
                        description="PLATFORM: PLATFORM\nTIER1: TIER1\nTIER2: TIER2", enum_type=Tier, max_length=16
                    ),
                ),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="partners",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("deadline_days", fields.IntField(null=True)),
                ("auto_approve", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "organization",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The platform, a Tier 1 distributor, or a Tier 2 partner (whose parent is its Tier 1).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BillingReport",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "period",
                    fields.ForeignKeyField(
                        "models.BillingPeriod",
                        source_field="period_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reports",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="partner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reports",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=ReportStatus.PREPARING,
                        description="PREPARING: PREPARING\nUNDER_REVIEW: UNDER_REVIEW\nREJECTED: REJECTED\nAPPROVED: APPROVED",
                        enum_type=ReportStatus,
                        max_length=16,
                    ),
                ),
                ("version", fields.IntField(default=1)),
                ("generated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("submission_deadline", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("submitted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("reviewed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "billing_report",
                "app": "models",
                "unique_together": (("period", "partner"),),
                "indexes": [Index(fields=["partner_id", "status"])],
                "pk_attr": "id",
                "table_description": "The report of one Tier 2 partner for one period. Its version grows with every change.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Customer",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=200)),
                (
                    "partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="partner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="customers",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={"table": "customer", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Principal",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=200)),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="principals",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "principal",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A person or an integration acting for one organization.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiToken",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "principal",
                    fields.ForeignKeyField(
                        "models.Principal",
                        source_field="principal_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("scopes", fields.CharField(max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A bearer token, kept only as its SHA-256 hash (the token itself is shown once).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="HistoryEntry",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "report",
                    fields.ForeignKeyField(
                        "models.BillingReport",
                        source_field="report_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="history",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "action",
                    fields.CharEnumField(
                        description="GENERATED: GENERATED\nREGENERATED: REGENERATED\nSAVED: SAVED\nSUBMITTED: SUBMITTED\nAUTO_SUBMITTED: AUTO_SUBMITTED\nAPPROVED: APPROVED\nAUTO_APPROVED: AUTO_APPROVED\nREJECTED: REJECTED",
                        enum_type=ReportEventAction,
                        max_length=24,
                    ),
                ),
                (
                    "from_status",
                    fields.CharEnumField(
                        null=True,
                        description="PREPARING: PREPARING\nUNDER_REVIEW: UNDER_REVIEW\nREJECTED: REJECTED\nAPPROVED: APPROVED",
                        enum_type=ReportStatus,
                        max_length=16,
                    ),
                ),
                (
                    "to_status",
                    fields.CharEnumField(
                        description="PREPARING: PREPARING\nUNDER_REVIEW: UNDER_REVIEW\nREJECTED: REJECTED\nAPPROVED: APPROVED",
                        enum_type=ReportStatus,
                        max_length=16,
                    ),
                ),
                ("version", fields.IntField()),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "principal",
                    fields.ForeignKeyField(
                        "models.Principal",
                        source_field="principal_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="history",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="organization_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="history",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("comment", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "history_entry",
                "app": "models",
                "indexes": [Index(fields=["report_id", "id"])],
                "pk_attr": "id",
                "table_description": "One step in the append-only history of a report, and the event dashboards receive.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Solution",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("code", fields.CharField(unique=True, max_length=64)),
                ("name", fields.CharField(max_length=200)),
                ("billing_unit", fields.CharField(max_length=64)),
                (
                    "aggregation_rule",
                    fields.CharEnumField(
                        default=AggregationRule.PEAK_CREDITS_DAY,
                        description="PEAK_CREDITS_DAY: PEAK_CREDITS_DAY\nPERCENTILE_85_DAY: PERCENTILE_85_DAY\nDAILY_SUM: DAILY_SUM",
                        enum_type=AggregationRule,
                        max_length=32,
                    ),
                ),
            ],
            options={"table": "solution", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DailyUsage",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="usage",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "solution",
                    fields.ForeignKeyField(
                        "models.Solution",
                        source_field="solution_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="usage",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("day", fields.DateField()),
                ("provisioned_units", fields.BigIntField()),
                ("used_units", fields.BigIntField()),
                ("credits_e4", fields.BigIntField()),
            ],
            options={
                "table": "daily_usage",
                "app": "models",
                "unique_together": (("customer", "solution", "day"),),
                "indexes": [Index(fields=["day"])],
                "pk_attr": "id",
                "table_description": "One (customer, solution, day): recording it again replaces the values.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LineItem",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "report",
                    fields.ForeignKeyField(
                        "models.BillingReport",
                        source_field="report_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="line_items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="line_items",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "solution",
                    fields.ForeignKeyField(
                        "models.Solution",
                        source_field="solution_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="line_items",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("billing_unit", fields.CharField(max_length=64)),
                ("reference_day", fields.DateField(null=True)),
                ("provisioned_units", fields.BigIntField()),
                ("used_units", fields.BigIntField()),
                ("over_provisioned_units", fields.BigIntField()),
                ("chargeable_units", fields.BigIntField()),
                ("credits_e4", fields.BigIntField()),
                ("comment", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "line_item",
                "app": "models",
                "unique_together": (("report", "customer", "solution"),),
                "pk_attr": "id",
                "table_description": "One (customer, solution) of a report, with the figures of its reference day.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="HistoryLineChange",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "entry",
                    fields.ForeignKeyField(
                        "models.HistoryEntry",
                        source_field="entry_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="changes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "line_item",
                    fields.ForeignKeyField(
                        "models.LineItem",
                        source_field="line_item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="changes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("old_chargeable_units", fields.BigIntField()),
                ("new_chargeable_units", fields.BigIntField()),
                ("old_comment", fields.TextField(null=True, unique=False)),
                ("new_comment", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "history_line_change",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The chargeable units and comment of a line before and after one history step.",
            },
            bases=["Model"],
        ),
    ]
