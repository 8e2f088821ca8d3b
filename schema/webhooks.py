"""Webhook endpoints, their deliveries and attempts (docs/contract.md §13).

An endpoint's deliveries and a delivery's event come through the request's loaders, so a
page of endpoints with their deliveries costs the same few queries as one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from schema import ids
from schema.context import Context
from schema.enums import ReportEventAction, WebhookDeliveryStatus
from schema.errors import UserError
from schema.history import ReportEvent
from schema.pagination import Connection, connection, decode_cursor, encode_cursor, key_id, page_size
from workflow.reads.views import WebhookAttemptView, WebhookDeliveryView, WebhookEndpointView

DELIVERY_CURSOR = "webhook-delivery"
ENDPOINT_CURSOR = "webhook-endpoint"


@strawberry.type(description="One attempt to send a delivery.")
class WebhookAttempt:
    attempted_at: datetime
    response_status: int | None = strawberry.field(description="The HTTP status; null when none came.")
    duration_ms: int
    error: str | None = strawberry.field(description="Why no answer came (timeout, refused address, ...).")

    @classmethod
    def from_view(cls, view: WebhookAttemptView) -> WebhookAttempt:
        return cls(
            attempted_at=view.attempted_at,
            response_status=view.response_status,
            duration_ms=view.duration_ms,
            error=view.error,
        )


@strawberry.type(description="One event sent to one endpoint, with every attempt.")
class WebhookDelivery:
    id: strawberry.ID
    event_type: str = strawberry.field(description='The body\'s type, e.g. "report.approved", or "ping".')
    status: WebhookDeliveryStatus
    attempts: list[WebhookAttempt]
    next_attempt_at: datetime | None = strawberry.field(description="Null once SUCCEEDED or FAILED.")
    view: strawberry.Private[WebhookDeliveryView]

    @strawberry.field(description="The report event sent; null for a test ping.")
    async def event(self, info: strawberry.Info[Context, None]) -> ReportEvent | None:
        if self.view.entry_id is None:
            return None
        found = await info.context.loaders.events.load(self.view.entry_id)
        return None if found is None else ReportEvent.from_view(found)

    @classmethod
    def from_view(cls, view: WebhookDeliveryView) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(ids.encode(ids.WEBHOOK_DELIVERY, view.id)),
            event_type=view.event_type,
            status=view.status,
            attempts=[WebhookAttempt.from_view(a) for a in view.attempts],
            next_attempt_at=view.next_attempt_at,
            view=view,
        )


@strawberry.type(description="Where an organization receives the report events it may see, signed.")
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    event_types: list[ReportEventAction] = strawberry.field(description="What it receives; empty: every action.")
    description: str
    enabled: bool
    created_at: datetime
    view: strawberry.Private[WebhookEndpointView]

    @strawberry.field(description="Its deliveries, newest first.")
    async def deliveries(
        self,
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        status: WebhookDeliveryStatus | None = None,
    ) -> Connection[WebhookDelivery]:
        size, after_id = delivery_page_arguments(first, after)
        page = await info.context.loaders.delivery_pages.load((self.view.id, size, after_id, status))
        return connection(
            page.items,
            total_count=page.total_count,
            has_next_page=page.has_next_page,
            after=after,
            cursor_of=delivery_cursor,
            node_of=WebhookDelivery.from_view,
        )

    @classmethod
    def from_view(cls, view: WebhookEndpointView) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(ids.encode(ids.WEBHOOK_ENDPOINT, view.id)),
            url=view.url,
            event_types=list(view.event_types),
            description=view.description,
            enabled=view.enabled,
            created_at=view.created_at,
            view=view,
        )


def delivery_cursor(view: WebhookDeliveryView) -> str:
    return encode_cursor(DELIVERY_CURSOR, [view.id])


def endpoint_cursor(view: WebhookEndpointView) -> str:
    return encode_cursor(ENDPOINT_CURSOR, [view.id])


def delivery_page_arguments(first: int | None, after: str | None) -> tuple[int, int | None]:
    """``deliveries``' arguments as (page size, after delivery id), for both query paths."""
    return page_size(first), decode_cursor(DELIVERY_CURSOR, after, _delivery_key)


def endpoint_page_arguments(first: int | None, after: str | None) -> tuple[int, int | None]:
    return page_size(first), decode_cursor(ENDPOINT_CURSOR, after, key_id)


def _delivery_key(value: object) -> int:
    if type(value) is not int or not 1 <= value <= 2**63 - 1:
        raise ValueError("not an id")
    return value


# --- mutations' inputs and payloads ---------------------------------------------------


@strawberry.input
class CreateWebhookEndpointInput:
    url: str = strawberry.field(description="https:// and a public address (docs/contract.md §13).")
    event_types: list[ReportEventAction] = strawberry.field(default_factory=list, description="Empty: every action.")
    description: str = ""


@strawberry.input
class UpdateWebhookEndpointInput:
    endpoint_id: strawberry.ID
    url: str | None = None
    event_types: list[ReportEventAction] | None = None
    description: str | None = None
    enabled: bool | None = None


@strawberry.input
class DeleteWebhookEndpointInput:
    endpoint_id: strawberry.ID


@strawberry.input
class RotateWebhookSecretInput:
    endpoint_id: strawberry.ID


@strawberry.input
class SendTestWebhookInput:
    endpoint_id: strawberry.ID


@strawberry.input
class RedeliverWebhookInput:
    delivery_id: strawberry.ID


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None
    errors: list[UserError]


@strawberry.type
class WebhookSecretPayload:
    endpoint: WebhookEndpoint | None
    secret: str | None = strawberry.field(
        description="whsec_ + base64 of 32 random bytes: shown this once, never again."
    )
    errors: list[UserError]


@strawberry.type
class DeleteWebhookEndpointPayload:
    deleted_endpoint_id: strawberry.ID | None
    errors: list[UserError]


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None
    errors: list[UserError]


EndpointIdArgument = Annotated[strawberry.ID, strawberry.argument(description="A webhook endpoint's ID.")]
