"""``/graphql`` over WebSocket: subscriptions only, ``graphql-transport-ws`` only.

How a connection goes (Strawberry 0.341's protocol handler, with these settings):

- the handshake must offer the ``graphql-transport-ws`` subprotocol (anything else is
  closed with 4406); a browser page of another origin is refused unless listed in
  ``BILLING_REPORTS_ALLOWED_ORIGINS`` (Strawberry's origin check);
- ``connection_init`` within 10 s (else close **4408**), its payload carrying the token:
  ``{"Authorization": "Bearer <token>"}``. No token, or a malformed, unknown, expired or
  revoked one: close **4403** (``on_ws_connect``);
- then at most 20 operations at a time; a 21st gets an ``error`` message;
- only subscriptions: a query or mutation gets an ``error`` message (they go over POST,
  where the body limit and ``Idempotency-Key`` apply);
- the connection's next message is handled only once a subscription is registered (or
  refused): so a ``pong`` to a ``ping`` sent after ``subscribe`` means the subscription
  hears every event committed from then on — a dashboard subscribes, pings, and
  refetches after the pong, and misses nothing in between;
- an identity provider's JWT (``workflow.access.oidc``) is accepted as over HTTP, and the
  socket is closed with 4403 when it expires (a JWT cannot be revoked);
- the token is checked again every minute while the socket is open, and at once when
  this worker hears that it was revoked (``server.events.revocations``: any worker, the
  CLI) or when its LISTEN connection comes back: once it is revoked or expired, the
  socket is closed with 4403.

The context is a ``ConnectionContext``: it lives as long as the socket, carries the
worker's event hub, and its actor is set once the token is accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from resolvers.loaders import Loaders
from schema.context import Context
from server.auth import bearer_token
from server.events import hub
from server.events.revocations import TokenRevocations
from workflow.access import tokens
from workflow.access.oidc import OidcVerifier, looks_like_jwt
from workflow.core.actors import Actor

CONNECTION_INIT_TIMEOUT = timedelta(seconds=10)
MAX_SUBSCRIPTIONS_PER_CONNECTION = 20
TOKEN_RECHECK_SECONDS = 60.0
# How long the connection's next message may wait for a subscription to register.
REGISTRATION_WAIT_SECONDS = 5.0
FORBIDDEN = 4403

# Before connection_init: no principal, no organization, no scope — sees nothing. (Not
# SYSTEM, which would see everything; subscriptions cannot run before the ack anyway.)
NOBODY = Actor(principal_id=0, principal_name="", organization_id=None, tier=None, scopes=frozenset())


def websocket_options(allowed_origins: tuple[str, ...] = ()) -> dict[str, Any]:
    """Strawberry view settings for WebSocket connections."""
    return {
        "subscription_protocols": (GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        "connection_init_wait_timeout": CONNECTION_INIT_TIMEOUT,
        "max_subscriptions_per_connection": MAX_SUBSCRIPTIONS_PER_CONNECTION,
        "allowed_origins": allowed_origins,
    }


@dataclass
class ConnectionContext(Context):
    """The context of one WebSocket connection."""

    connection_params: dict[str, Any] | None = None  # the connection_init payload (set by Strawberry)
    token_recheck_seconds: float = TOKEN_RECHECK_SECONDS
    token_watch: asyncio.Task[None] | None = field(default=None, repr=False)
    revocations: TokenRevocations | None = field(default=None, repr=False)
    # Set when the worker hears the token may have been revoked (registered before it is checked).
    token_wake: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    token_hash: str | None = field(default=None, repr=False)
    oidc: OidcVerifier | None = field(default=None, repr=False)

    def watch_token(self, token: str | None) -> None:
        if self.revocations is not None and token:
            self.token_hash = tokens.hash_token(token)
            self.token_wake = self.revocations.watch(self.token_hash)

    def stop(self) -> None:
        if self.token_watch is not None:
            self.token_watch.cancel()
        if self.revocations is not None and self.token_hash is not None:
            self.revocations.unwatch(self.token_hash, self.token_wake)
            self.token_hash = None


async def serve_websocket(view: Any, scope: Scope, receive: Receive, send: Send) -> None:
    """One connection, start to end (``view`` is the ``GraphQLView``)."""
    websocket = WebSocket(scope, receive=receive, send=send)
    context = ConnectionContext(
        actor=NOBODY,
        make_loaders=Loaders,
        request=websocket,
        events=view.events,
        token_recheck_seconds=getattr(view, "token_recheck_seconds", TOKEN_RECHECK_SECONDS),
        revocations=getattr(view, "revocations", None),
        oidc=getattr(view, "oidc", None),
    )
    try:
        await view.run(websocket, context=context)
    finally:
        context.stop()


async def accept_connection(context: ConnectionContext) -> None:
    """``on_ws_connect``: the token of the ``connection_init`` payload, or close 4403."""
    params = context.connection_params or {}
    authorization = params.get("Authorization", params.get("authorization"))
    token = bearer_token(authorization) if isinstance(authorization, str) else None
    if context.oidc is not None and looks_like_jwt(token):
        await _accept_jwt(context, context.oidc, token)
        return
    context.watch_token(token)  # first: a revocation heard while checking it is not missed
    if context.revocations is not None:  # the worker's token cache
        actor = await context.revocations.cache.authenticate(token)
    else:
        actor = await tokens.authenticate(token)
    if actor is None:
        context.stop()
        raise ConnectionRejectionError({"message": "a valid API token is needed: Authorization: Bearer <token>"})
    context.actor = actor
    context.renew_loaders()
    context.token_watch = asyncio.create_task(_watch_token(context, token or ""), name="websocket token watch")


async def _accept_jwt(context: ConnectionContext, oidc: OidcVerifier, token: str | None) -> None:
    """An identity provider's token: accepted as over HTTP; the socket closes (4403) when it expires."""
    verified = await oidc.authenticate(token)
    if verified is None:
        raise ConnectionRejectionError({"message": "a valid API token is needed: Authorization: Bearer <token>"})
    context.actor = verified.actor
    context.renew_loaders()
    context.token_watch = asyncio.create_task(_watch_expiry(context, oidc, verified.expires_at), name="websocket jwt")


async def _watch_expiry(context: ConnectionContext, oidc: OidcVerifier, expires_at: datetime) -> None:
    """Close the socket (4403) once its JWT is no longer accepted (``exp`` and the clock skew)."""
    while not oidc.expired(expires_at):
        remaining = expires_at.timestamp() + oidc.clock_skew_seconds - datetime.now(UTC).timestamp()
        await asyncio.sleep(max(remaining, 0.01))
    await _close_forbidden(context.request)


async def _watch_token(context: ConnectionContext, token: str) -> None:
    """Close the socket (4403) once its token no longer authenticates (revoked, expired).

    Checked every ``token_recheck_seconds``, and at once when the worker hears the token
    may have been revoked; always against the database, never the token cache.
    """
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(context.token_wake.wait(), context.token_recheck_seconds)
        context.token_wake.clear()
        if await tokens.authenticate(token) is None:
            await _close_forbidden(context.request)
            return


async def _close_forbidden(websocket: WebSocket) -> None:
    if websocket.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, OSError):
            await websocket.close(code=FORBIDDEN, reason="the token is no longer valid")


class _SubscriptionsOnly:
    """The schema as the WebSocket handler sees it: ``stream`` runs subscriptions only."""

    def __init__(self, schema: Any) -> None:
        self._schema = schema

    async def stream(self, query: str | None, **kwargs: Any) -> Any:
        return await self._schema.subscribe(query, **kwargs)


class SubscriptionsOnlyHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler, refusing queries and mutations."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = _SubscriptionsOnly(self.schema)  # type: ignore[assignment]  # same stream(), narrower

    async def handle_subscribe(self, message: Any) -> None:
        operation_id = message.get("id") if isinstance(message, dict) else None
        if not isinstance(operation_id, str):
            await super().handle_subscribe(message)  # malformed: Strawberry refuses it
            return
        before = self.operations.get(operation_id)
        signal = asyncio.Event()
        token = hub.registered.set(signal)  # the operation's task starts with it in its context
        try:
            await super().handle_subscribe(message)
        finally:
            hub.registered.reset(token)
        operation = self.operations.get(operation_id)
        if operation is None or operation is before or operation.task is None:
            return  # refused (limit, duplicate id), or the socket was closed
        waiting = asyncio.ensure_future(signal.wait())
        try:
            await asyncio.wait(
                {operation.task, waiting}, timeout=REGISTRATION_WAIT_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiting.cancel()
