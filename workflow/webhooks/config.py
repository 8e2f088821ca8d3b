"""The operator's webhook settings, from the environment (docs/operations.md, "Webhooks").

- ``BILLING_REPORTS_WEBHOOK_SECRET_KEYS``: Fernet keys, comma-separated; the first
  encrypts the endpoints' signing secrets, every one decrypts (so a key can be rotated).
  Without it no endpoint can be created nor signed for.
- ``BILLING_REPORTS_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=1``: admit ``http://`` and internal
  addresses (a receiver inside the operator's network; tests).
- ``BILLING_REPORTS_WEBHOOKS_CONCURRENCY`` (default 16): attempts in flight per process.
- ``BILLING_REPORTS_WEBHOOKS_POLL_SECONDS`` (default 0.5): how often a dispatcher looks
  for due deliveries that another process wrote (its own commits wake it at once).

Read when first needed, so that a test may set them before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

SECRET_KEYS = "BILLING_REPORTS_WEBHOOK_SECRET_KEYS"
ALLOW_PRIVATE = "BILLING_REPORTS_WEBHOOKS_ALLOW_PRIVATE_NETWORKS"
CONCURRENCY = "BILLING_REPORTS_WEBHOOKS_CONCURRENCY"
POLL_SECONDS = "BILLING_REPORTS_WEBHOOKS_POLL_SECONDS"


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    secret_keys: tuple[str, ...]
    allow_private_networks: bool
    concurrency: int
    poll_seconds: float


def current() -> WebhookConfig:
    keys = tuple(k.strip() for k in os.environ.get(SECRET_KEYS, "").split(",") if k.strip())
    return WebhookConfig(
        secret_keys=keys,
        allow_private_networks=os.environ.get(ALLOW_PRIVATE, "") in ("1", "true", "yes"),
        concurrency=max(1, int(os.environ.get(CONCURRENCY, "16"))),
        poll_seconds=max(0.05, float(os.environ.get(POLL_SECONDS, "0.5"))),
    )
