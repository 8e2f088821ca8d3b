"""A billing-reports webhook receiver: verify, deduplicate, answer fast (docs/integrations.md, "Webhooks").

Serve it with ``uvicorn webhook_receiver:app`` beside your connector, with the endpoint's
secret (``whsec_…``, shown once by createWebhookEndpoint) in BILLING_REPORTS_WEBHOOK_SECRET.
"""

from __future__ import annotations

import os
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

seen: set[str] = set()  # keep these in your database: webhook-id is one per event and endpoint
received: list[dict[str, Any]] = []  # stands for your own queue of work


async def billing_reports(request: Request) -> Response:
    # During a secret's rotation the service signs with both secrets: either verifies.
    webhook = Webhook(os.environ["BILLING_REPORTS_WEBHOOK_SECRET"])
    body = await request.body()  # the raw bytes: verify before parsing
    try:
        event = webhook.verify(body, dict(request.headers))  # signature, and a timestamp within 5 minutes
    except WebhookVerificationError:
        return Response(status_code=400)
    message_id = request.headers["webhook-id"]  # the same on every retry and redelivery
    if message_id not in seen:
        seen.add(message_id)
        received.append(event)  # queue the work; answer within 15 s, or it is retried
    return Response(status_code=204)


app = Starlette(routes=[Route("/billing-reports", billing_reports, methods=["POST"])])
