"""The ``/graphql`` HTTP endpoint: Strawberry's ASGI view, authenticated first, JSON everywhere.

What it adds to Strawberry's view:
- the bearer token is checked before the body is even read (``server.auth``): no valid
  token, a 401 with ``UNAUTHENTICATED`` and nothing else;
- the context (``schema.context.Context``) carries the actor and per-request loaders;
- refusals of the transport (non-JSON body, wrong content type, batching, a mutation
  over GET, ...) are GraphQL-shaped JSON with ``extensions.code = "BAD_REQUEST"`` and
  Strawberry's status (400, 404, 405), not plain text;
- orjson encodes and decodes;
- a mutation sent with an ``Idempotency-Key`` acts once per key and token
  (``server.idempotency``);
- a request that runs longer than ``time_limit`` seconds is cancelled: its transaction
  rolls back (Tortoise rolls back on the cancellation), a claimed ``Idempotency-Key`` is
  released, and the client gets **503** ``TIMEOUT``.

The body size limit and request IDs are ``server.limits``' middleware, around the app.

Queries and mutations go over POST only; batching is off (Strawberry's default). A
subscription sent over POST is refused before validation with **400**
``SUBSCRIPTION_OVER_HTTP`` (``resolvers.root.BillingReportsSchema``).
Subscriptions go over WebSocket at the same path (``server.graphql_ws``: the token in
``connection_init``, subscriptions only, limits).
In debug mode, GET with ``Accept: text/html`` serves GraphiQL (the page itself needs no
token; its requests do).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import HTTPException  # what Strawberry 0.34x views raise (cross-web is its dependency)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from resolvers.loaders import Loaders
from resolvers.root import SubscriptionOverHttp, compiled_queries
from schema.context import Context
from server import metrics
from server.auth import actor_of, unauthenticated
from server.events.revocations import TokenRevocations
from server.graphql_ws import (
    ConnectionContext,
    SubscriptionsOnlyHandler,
    accept_connection,
    serve_websocket,
    websocket_options,
)
from server.idempotency import HEADER as IDEMPOTENCY_HEADER
from server.idempotency import respond_once
from workflow.access.oidc import OidcVerifier
from workflow.core.actors import Actor
from workflow.database.sql import sharing_one_connection
from workflow.events.live import EventFeed

BAD_REQUEST = "BAD_REQUEST"
SUBSCRIPTION_OVER_HTTP = "SUBSCRIPTION_OVER_HTTP"
TIMEOUT = "TIMEOUT"


class TextFrames(ASGIWebSocketAdapter):
    """Every WebSocket message as a *text* frame.

    Strawberry sends a socket message as a binary frame whenever ``encode_json`` returns
    bytes, as ours does for HTTP bodies (orjson). The ``graphql-transport-ws`` protocol
    carries JSON text: graphql-ws (Apollo Client, urql), Python ``gql`` and a browser's
    ``JSON.parse(event.data)`` all refuse binary frames.
    """

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = SubscriptionsOnlyHandler
    websocket_adapter_class = TextFrames

    def __init__(
        self,
        schema: BaseSchema,
        *,
        debug: bool = False,
        events: EventFeed | None = None,
        allowed_origins: tuple[str, ...] = (),
        time_limit: float = 0.0,
        revocations: TokenRevocations | None = None,
        oidc: OidcVerifier | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if debug else None,
            allow_queries_via_get=False,
            multipart_uploads_enabled=False,
            **websocket_options(allowed_origins),
        )
        self.events = events  # the worker's live events, for subscriptions
        self.revocations = revocations  # the worker's token cache, and its sockets' token watches
        self.oidc = oidc  # the identity provider's tokens, if one is configured
        # Queries answered without a resolver per field; their errors counted as Strawberry's are.
        self.compiled = compiled_queries(schema, debug=debug, on_errors=metrics.note_graphql_errors)  # type: ignore[arg-type]
        self.time_limit = time_limit  # seconds per HTTP request; 0: none

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # subscriptions: authenticated in on_ws_connect
            await serve_websocket(self, scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        with metrics.timed_request(await request.body()) as timing:  # requests by operation and outcome
            response = await self._respond_in_time(request)
            timing.answered(response.status_code)
        await response(scope, receive, send)

    async def _respond_in_time(self, request: Request) -> Response:
        if not self.time_limit:
            return await self._respond(request)
        try:
            async with asyncio.timeout(self.time_limit) as deadline:
                return await self._respond(request)
        except TimeoutError:
            if not deadline.expired():
                raise  # a timeout of something inside, not ours: an unexpected error
            message = f"the request ran longer than {self.time_limit:g} s and was stopped; nothing it did was kept"
            body = {"data": None, "errors": [{"message": message, "extensions": {"code": TIMEOUT}}]}
            return Response(orjson.dumps(body), status_code=503, media_type="application/json")

    async def _respond(self, request: Request) -> Response:
        if self.graphql_ide and request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return await self.render_graphql_ide(request)
        # The token check and a report query answered directly are a few reads in a row:
        # they share one pooled connection. Mutations and Strawberry's path run after it.
        async with sharing_one_connection():
            actor = await actor_of(request)
            if actor is None:
                return unauthenticated()
            answer = await self._answer_directly(request, actor)
            if answer is not None:
                return answer
        # A mutation sent with an Idempotency-Key acts once per key (server.idempotency).
        return await respond_once(request, lambda: self._execute(request, actor))

    async def _answer_directly(self, request: Request, actor: Actor) -> Response | None:
        """A query answered on the compiled path (``resolvers.compiled``), or None for Strawberry.

        Requests with an ``Idempotency-Key`` go to ``respond_once``, which checks the header
        (and hands a query back to ``_execute``, which tries this path first too).
        """
        if IDEMPOTENCY_HEADER in request.headers:
            return None
        return await self._compiled_answer(request, actor)

    async def _compiled_answer(self, request: Request, actor: Actor) -> Response | None:
        if request.method != "POST" or not _is_json(request.headers.get("content-type")):
            return None
        graphql_request = _graphql_request(await request.body())
        if graphql_request is None:
            return None
        answer = await self.compiled.answer(*graphql_request, actor)
        return None if answer is None else Response(answer, media_type="application/json")

    async def _execute(self, request: Request, actor: Actor) -> Response:
        if IDEMPOTENCY_HEADER in request.headers:
            answer = await self._compiled_answer(request, actor)
            if answer is not None:
                return answer
        try:
            return await self.run(request, context=Context(actor=actor, make_loaders=Loaders, request=request))
        except HTTPException as error:
            return transport_error(error.status_code, error.reason)
        except SubscriptionOverHttp:
            return transport_error(
                400,
                "subscriptions are served over WebSocket at /graphql (graphql-transport-ws), not over HTTP POST",
                SUBSCRIPTION_OVER_HTTP,
            )

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        metrics.note_graphql_errors(result.errors)  # top-level errors by code, and the request's outcome
        return await super().process_result(request, result)

    async def on_ws_connect(self, context: Context) -> UnsetType:
        assert isinstance(context, ConnectionContext)
        await accept_connection(context)  # or close 4403
        return UNSET

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


def _graphql_request(body: bytes) -> tuple[str, str | None, dict[str, Any]] | None:
    """(query, operationName, variables) of a well-formed GraphQL POST body, else None (Strawberry says why)."""
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(request, dict):
        return None
    query, operation_name, variables = request.get("query"), request.get("operationName"), request.get("variables")
    if not isinstance(query, str) or not (operation_name is None or isinstance(operation_name, str)):
        return None
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        return None
    return query, operation_name, variables


def _is_json(content_type: str | None) -> bool:
    return content_type is not None and content_type.partition(";")[0].strip().lower() == "application/json"


def transport_error(status_code: int, reason: str, code: str = BAD_REQUEST) -> Response:
    body = {"data": None, "errors": [{"message": reason, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")
