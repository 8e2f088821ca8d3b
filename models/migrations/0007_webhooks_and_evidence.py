"""Webhooks (docs/contract.md §13): endpoints, their deliveries and each delivery's attempts.

The evidence of lines (§12) needs no schema change: it is read from ``daily_usage``.
The scope ``webhooks:manage`` joins the tiers' default scopes in code only: tokens
issued before keep the scopes they were given.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from vocabulary.enums import WebhookDeliveryStatus


class Migration(migrations.Migration):
    dependencies = [("models", "0006_identity")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebhookEndpoint",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_endpoints",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("url", fields.CharField(max_length=2048)),
                ("event_types", fields.CharField(default="", max_length=512)),
                ("description", fields.CharField(default="", max_length=500)),
                ("enabled", fields.BooleanField(default=True)),
                ("secret_encrypted", fields.TextField(unique=False)),
                ("previous_secret_encrypted", fields.TextField(null=True, unique=False)),
                ("previous_secret_expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "webhook_endpoint", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("message_id", fields.CharField(max_length=64)),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "models.WebhookEndpoint",
                        source_field="endpoint_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "entry",
                    fields.ForeignKeyField(
                        "models.HistoryEntry",
                        source_field="entry_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("event_type", fields.CharField(max_length=64)),
                (
                    "status",
                    fields.CharEnumField(
                        default=WebhookDeliveryStatus.PENDING,
                        description="PENDING: PENDING\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED",
                        enum_type=WebhookDeliveryStatus,
                        max_length=16,
                    ),
                ),
                ("attempt_count", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_delivery",
                "app": "models",
                "indexes": [Index(fields=["status", "next_attempt_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookAttempt",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "delivery",
                    fields.ForeignKeyField(
                        "models.WebhookDelivery",
                        source_field="delivery_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attempts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("attempted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("response_status", fields.IntField(null=True)),
                ("duration_ms", fields.IntField()),
                ("error", fields.CharField(null=True, max_length=500)),
            ],
            options={"table": "webhook_attempt", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
