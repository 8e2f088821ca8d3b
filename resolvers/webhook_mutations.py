"""Webhooks through GraphQL (docs/contract.md §13): the query ``webhookEndpoints`` and the
mutations that manage endpoints, rotate secrets, send a test ping and redeliver.

Thin: arguments read, one ``workflow.webhooks`` call, its refusals mapped to ``errors``.
"""

from __future__ import annotations

import strawberry

from resolvers.outcome import attempt
from schema import ids
from schema.context import Context
from schema.errors import user_errors
from schema.pagination import Connection, connection
from schema.permissions import ensure_webhooks_manage
from schema.webhooks import (
    CreateWebhookEndpointInput,
    DeleteWebhookEndpointInput,
    DeleteWebhookEndpointPayload,
    RedeliverWebhookInput,
    RotateWebhookSecretInput,
    SendTestWebhookInput,
    UpdateWebhookEndpointInput,
    WebhookDelivery,
    WebhookDeliveryPayload,
    WebhookEndpoint,
    WebhookEndpointPayload,
    WebhookSecretPayload,
    endpoint_cursor,
    endpoint_page_arguments,
)
from workflow.core.actors import Actor
from workflow.core.errors import Problem
from workflow.reads.views import Page, WebhookDeliveryView, WebhookEndpointView
from workflow.webhooks import endpoints
from workflow.webhooks import reads as webhook_reads

Info = strawberry.Info[Context, None]


async def webhook_endpoints(
    info: Info, first: int | None = None, after: str | None = None
) -> Connection[WebhookEndpoint]:
    page = await endpoint_page(info.context.actor, first, after)
    return connection(
        page.items,
        total_count=page.total_count,
        has_next_page=page.has_next_page,
        after=after,
        cursor_of=endpoint_cursor,
        node_of=WebhookEndpoint.from_view,
    )


async def endpoint_page(actor: Actor, first: int | None, after: str | None) -> Page[WebhookEndpointView]:
    """``webhookEndpoints``' answer from its arguments (also for the compiled query path)."""
    ensure_webhooks_manage(actor)
    size, after_id = endpoint_page_arguments(first, after)
    return await webhook_reads.endpoint_page(actor, size, after_id)


def _endpoint_pk(global_id: str) -> int | None:
    return ids.decode_as(ids.WEBHOOK_ENDPOINT, global_id)


async def create_webhook_endpoint(info: Info, input: CreateWebhookEndpointInput) -> WebhookSecretPayload:
    actor = info.context.actor
    created, problems = await attempt(
        lambda: endpoints.create_endpoint(actor, input.url, input.event_types, input.description)
    )
    return WebhookSecretPayload(
        endpoint=None if created is None else WebhookEndpoint.from_view(created.endpoint),
        secret=None if created is None else created.secret,
        errors=user_errors(problems),
    )


async def update_webhook_endpoint(info: Info, input: UpdateWebhookEndpointInput) -> WebhookEndpointPayload:
    actor = info.context.actor
    updated, problems = await attempt(
        lambda: endpoints.update_endpoint(
            actor,
            _endpoint_pk(input.endpoint_id),
            url=input.url,
            event_types=input.event_types,
            description=input.description,
            enabled=input.enabled,
        )
    )
    return WebhookEndpointPayload(
        endpoint=None if updated is None else WebhookEndpoint.from_view(updated), errors=user_errors(problems)
    )


async def delete_webhook_endpoint(info: Info, input: DeleteWebhookEndpointInput) -> DeleteWebhookEndpointPayload:
    actor = info.context.actor
    _, problems = await attempt(lambda: endpoints.delete_endpoint(actor, _endpoint_pk(input.endpoint_id)))
    return DeleteWebhookEndpointPayload(
        deleted_endpoint_id=None if problems else input.endpoint_id, errors=user_errors(problems)
    )


async def rotate_webhook_secret(info: Info, input: RotateWebhookSecretInput) -> WebhookSecretPayload:
    actor = info.context.actor
    rotated, problems = await attempt(lambda: endpoints.rotate_secret(actor, _endpoint_pk(input.endpoint_id)))
    return WebhookSecretPayload(
        endpoint=None if rotated is None else WebhookEndpoint.from_view(rotated.endpoint),
        secret=None if rotated is None else rotated.secret,
        errors=user_errors(problems),
    )


async def send_test_webhook(info: Info, input: SendTestWebhookInput) -> WebhookDeliveryPayload:
    actor = info.context.actor
    delivery_id, problems = await attempt(lambda: endpoints.send_test(actor, _endpoint_pk(input.endpoint_id)))
    return await _delivery_payload(actor, delivery_id, problems)


async def redeliver_webhook(info: Info, input: RedeliverWebhookInput) -> WebhookDeliveryPayload:
    actor = info.context.actor
    pk = ids.decode_as(ids.WEBHOOK_DELIVERY, input.delivery_id)
    delivery_id, problems = await attempt(lambda: endpoints.redeliver(actor, pk))
    return await _delivery_payload(actor, delivery_id, problems)


async def _delivery_payload(actor: Actor, delivery_id: int | None, problems: list[Problem]) -> WebhookDeliveryPayload:
    view: WebhookDeliveryView | None = None
    if delivery_id is not None:
        view = await webhook_reads.own_delivery(actor, delivery_id)
    return WebhookDeliveryPayload(
        delivery=None if view is None else WebhookDelivery.from_view(view), errors=user_errors(problems)
    )
