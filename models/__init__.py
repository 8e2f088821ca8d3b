"""Tortoise models: persistence only, no GraphQL and no workflow rules.

``MODEL_MODULES`` is what Tortoise loads; the migrations live in ``models.migrations``.
"""

from models.catalog import Customer, DailyUsage, Solution
from models.history import HistoryEntry, HistoryLineChange
from models.idempotency import IdempotencyKey
from models.organization import Organization
from models.principal import ApiToken, Principal
from models.report import BillingPeriod, BillingReport, Correction, LineItem
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

MODEL_MODULES = [
    "models.organization",
    "models.principal",
    "models.catalog",
    "models.report",
    "models.history",
    "models.idempotency",
    "models.webhooks",
]

__all__ = [
    "MODEL_MODULES",
    "ApiToken",
    "BillingPeriod",
    "BillingReport",
    "Correction",
    "Customer",
    "DailyUsage",
    "HistoryEntry",
    "HistoryLineChange",
    "IdempotencyKey",
    "LineItem",
    "Organization",
    "Principal",
    "Solution",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
