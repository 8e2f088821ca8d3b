"""Webhook endpoints and their deliveries (docs/contract.md §13).

A delivery is one (event, endpoint) — its ``id`` is the ``webhook-id`` every attempt of
it sends — written in the transaction of the history entry it tells of
(``workflow.events.deliveries``); a redelivery is a new row carrying the same
``message_id``. Each attempt is a row of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from vocabulary.enums import WebhookDeliveryStatus

if TYPE_CHECKING:
    from models.history import HistoryEntry
    from models.organization import Organization


class WebhookEndpoint(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="webhook_endpoints", on_delete=fields.RESTRICT
    )
    url = fields.CharField(max_length=2048)
    # ReportEventAction values between commas (",APPROVED,SUBMITTED,"); "" means all.
    event_types = fields.CharField(max_length=512, default="")
    description = fields.CharField(max_length=500, default="")
    enabled = fields.BooleanField(default=True)
    # The secrets, encrypted with the operator's key (workflow.webhooks.secrets): a dump
    # alone does not reveal them. The previous one signs beside the new one until
    # ``previous_secret_expires_at`` (a rotation).
    secret_encrypted = fields.TextField()
    previous_secret_encrypted = fields.TextField(null=True)
    previous_secret_expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    organization_id: int

    class Meta:
        table = "webhook_endpoint"


class WebhookDelivery(Model):
    id = fields.BigIntField(primary_key=True)
    message_id = fields.CharField(max_length=64)  # webhook-id: the same on every retry and redelivery
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    # The history entry the delivery tells of; null for a test ping.
    entry: fields.ForeignKeyNullableRelation[HistoryEntry] = fields.ForeignKeyField(
        "models.HistoryEntry", related_name="webhook_deliveries", null=True, on_delete=fields.CASCADE
    )
    event_type = fields.CharField(max_length=64)  # the body's type: "report.approved", "ping"
    status = fields.CharEnumField(WebhookDeliveryStatus, max_length=16, default=WebhookDeliveryStatus.PENDING)
    attempt_count = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)  # null once SUCCEEDED or FAILED
    created_at = fields.DatetimeField()

    endpoint_id: int
    entry_id: int | None

    class Meta:
        table = "webhook_delivery"
        indexes = (("status", "next_attempt_at"),)


class WebhookAttempt(Model):
    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempts", on_delete=fields.CASCADE
    )
    attempted_at = fields.DatetimeField()
    response_status = fields.IntField(null=True)
    duration_ms = fields.IntField()
    error = fields.CharField(max_length=500, null=True)

    delivery_id: int

    class Meta:
        table = "webhook_attempt"
