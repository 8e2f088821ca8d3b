"""The per-request context: who is asking, and the request's batch loaders.

The actor comes from the bearer token (``server.auth``), never from an argument. The
loaders are made per request by the factory the context is given
(``resolvers.loaders.Loaders``), so their caches never outlive one request nor cross
tenants. Over a WebSocket the context lives as long as the connection, so a subscription
renews them for every event (``renew_loaders``); ``events`` is then the worker's live
event feed (``workflow.events.live.EventFeed``).

This module says what the schema's types may ask of the loaders (``Loaders``), not how
they load: the schema depends on the read views and the pure core only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from strawberry.dataloader import DataLoader

from vocabulary.enums import Scope, WebhookDeliveryStatus
from workflow.core.actors import Actor
from workflow.reads.views import (
    CorrectionView,
    EventView,
    EvidenceView,
    LineFilter,
    LineView,
    OrganizationView,
    Page,
    ReportView,
    Totals,
    WebhookDeliveryView,
)

# A line page is asked for with (report id, page size, after line id, filter).
LinePageKey = tuple[int, int, int | None, LineFilter]
# A delivery page with (endpoint id, page size, after delivery id, status).
DeliveryPageKey = tuple[int, int, int | None, WebhookDeliveryStatus | None]


class Loaders(Protocol):
    """What the schema's types load, batched per request."""

    reports: DataLoader[int, ReportView | None]
    line_pages: DataLoader[LinePageKey, Page[LineView]]
    totals: DataLoader[int, Totals]
    histories: DataLoader[int, list[EventView]]
    corrections: DataLoader[int, list[CorrectionView]]
    events: DataLoader[int, EventView | None]  # by history entry id (a webhook delivery's event)
    delivery_pages: DataLoader[DeliveryPageKey, Page[WebhookDeliveryView]]

    async def deadline_days(self) -> int: ...

    def evidence(self, line: LineView) -> asyncio.Future[EvidenceView]: ...

    async def organization(self, organization_id: int) -> OrganizationView | None: ...


@dataclass
class Context:
    actor: Actor
    make_loaders: Callable[[Actor], Loaders]
    request: Any = None  # the Starlette request (or WebSocket, for subscriptions)
    events: Any = None  # the worker's live events (WebSocket connections only)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = self.make_loaders(self.actor)

    def renew_loaders(self) -> None:
        """Forget what this request loaded: after a mutation, or for each subscription event."""
        self.loaders = self.make_loaders(self.actor)

    @property
    def answer_key(self) -> tuple[object, ...]:
        """All that a subscription's answer may depend on about the caller.

        Its organization, tier and scopes — not which of the organization's principals it
        is: no field reachable from ``Subscription`` reads more of the actor (``viewer``,
        which shows the principal's name, is a ``Query`` field). Subscriptions with equal
        keys share one execution per event (``resolvers.event_sharing``); a field that comes
        to depend on more of the actor must add it here.
        """
        actor = self.actor
        return (actor.is_system, actor.organization_id, actor.tier, actor.scopes)

    @property
    def can_read_reports(self) -> bool:
        return self.actor.has(Scope.REPORTS_READ)
