"""The ASGI application: ``uvicorn --factory server.app:create_app``.

    POST /graphql   queries and mutations (docs/contract.md §8), Bearer token on every request
    WS   /graphql   subscriptions (graphql-transport-ws; server.graphql_ws), live events
                    fed by server.events (started in the lifespan)
    GET  /health    liveness, no token, no database
    GET  /exports/reports/{reportId}.csv, /exports/periods/{YYYY-MM}.csv
                    CSV exports, streamed, same token and visibility (server.exports)

Around every HTTP request (outermost first): ``server.limits.RequestIds`` (the
``X-Request-ID`` header, and the ID in the log lines of masked errors), Starlette's
``CORSMiddleware`` (CORS headers only for ``BILLING_REPORTS_ALLOWED_ORIGINS``, the same
list the WebSocket checks), ``server.front_door.FrontDoor`` (413 above 1 MiB, before
anything reads the body; 503 ``DATABASE_UNAVAILABLE`` / ``SERVICE_BUSY`` for a request the
database failed; 503 ``SHUTTING_DOWN`` for a request the shutdown cut off: one layer).
The GraphQL view has the per-request time limit.

The lifespan also runs the deadline sweep every AUTO_SUBMIT_INTERVAL_SECONDS
(server.deadline_job; off when 0), and this process's webhook dispatcher
(server.webhook_job; BILLING_REPORTS_WEBHOOKS_DISPATCH=0 turns it off).

Each worker keeps authenticated tokens for BILLING_REPORTS_TOKEN_CACHE_SECONDS
(``workflow.access.token_cache``); the lifespan's ``live_events`` feeds it the token
revocations, and it serves nothing outside the lifespan.

The database is registered in the lifespan with Tortoise's ``RegisterTortoise``
(global fallback on, so request tasks see the connections). The schema is never
created here: ``billing-reports migrate`` does that. Tests build the app with
``register_orm=False`` over a Tortoise context they already opened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from tortoise.contrib.starlette import RegisterTortoise

from resolvers.root import make_schema, schema
from server.database import tortoise_config
from server.deadline_job import deadline_sweeps
from server.events import EventHub, TokenRevocations, live_events
from server.exports import export_routes
from server.front_door import FrontDoor
from server.graphql_view import GraphQLView
from server.idempotency import HEADER as IDEMPOTENCY_KEY
from server.idempotency import REPLAYED_HEADER
from server.limits import REQUEST_ID_HEADER, RequestIds, log_request_ids
from server.settings import Settings
from server.webhook_job import webhook_dispatcher
from workflow.access.token_cache import TokenCache


def create_app(db_url: str | None = None, *, settings: Settings | None = None, register_orm: bool = True) -> Starlette:
    settings = settings or Settings.from_env()
    events = EventHub()  # this worker's live report events
    # This worker's authenticated tokens, trusted only while it hears revocations (lifespan).
    revocations = TokenRevocations(TokenCache(settings.token_cache_seconds))
    view = GraphQLView(
        make_schema(debug=True) if settings.debug else schema,
        debug=settings.debug,
        events=events,
        allowed_origins=settings.allowed_origins,
        time_limit=settings.request_time_limit_seconds,
        revocations=revocations,
    )
    routes = [
        Route("/graphql", view),
        WebSocketRoute("/graphql", view),
        Route("/health", _health, methods=["GET"]),
        *export_routes(),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not register_orm:
            async with (
                live_events(events, revocations),
                deadline_sweeps(settings.auto_submit_interval_seconds),
                webhook_dispatcher(settings.dispatch_webhooks),
            ):
                yield
            return
        async with (
            RegisterTortoise(app, config=tortoise_config(db_url), generate_schemas=False, _enable_global_fallback=True),
            live_events(events, revocations),
            deadline_sweeps(settings.auto_submit_interval_seconds),
            webhook_dispatcher(settings.dispatch_webhooks),
        ):
            yield

    middleware = [
        Middleware(RequestIds),
        # Bearer tokens, not cookies: no credentials mode. Error responses carry the
        # headers too, so a page can read a 413 or a 503.
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.allowed_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", IDEMPOTENCY_KEY, REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER, REPLAYED_HEADER, "Retry-After"],
            max_age=600,
        ),
        # Inside CORS and RequestIds: its 413 and 503s carry those headers too.
        Middleware(FrontDoor),
    ]
    log_request_ids("strawberry.execution")  # where Strawberry logs each error, masked ones too
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.events = events  # for tests and the bench: the hub of this app
    app.state.graphql = view
    app.state.revocations = revocations
    app.state.token_cache = revocations.cache  # server.auth.actor_of
    return app


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})
