"""The ASGI application: ``uvicorn --factory server.app:create_app``.

    POST /graphql   queries and mutations (docs/contract.md §8), Bearer token on every request
    WS   /graphql   subscriptions (graphql-transport-ws; server.graphql_ws), live events
                    fed by server.events (started in the lifespan)
    GET  /health    liveness, no token, no database
    GET  /ready     readiness: database, migrations, live events (server.probes), no token
    GET  /metrics   Prometheus text format (server.metrics): loopback or a bearer token
    GET  /exports/reports/{reportId}.csv, /exports/periods/{YYYY-MM}.csv
                    CSV exports, streamed, same token and visibility (server.exports)
    GET  /console/  the reference console (``console``, docs/console.md), only when
                    ``Settings.console_enabled`` (debug mode, or BILLING_REPORTS_CONSOLE=1):
                    static files that use the API above like any front end

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
from starlette.routing import Route, WebSocketRoute
from tortoise.contrib.starlette import RegisterTortoise

from console import console_routes
from resolvers.root import make_schema, schema
from schema.errors import user_error_listeners
from server.database import tortoise_config
from server.deadline_job import deadline_sweeps
from server.events import EventHub, TokenRevocations, live_events
from server.exports import export_routes
from server.front_door import FrontDoor
from server.graphql_view import GraphQLView
from server.idempotency import HEADER as IDEMPOTENCY_KEY
from server.idempotency import REPLAYED_HEADER
from server.limits import REQUEST_ID_HEADER, RequestIds, log_request_ids
from server.metrics import Access, count_user_errors, metrics_endpoint, sample_now, worker_metrics
from server.oidc import verifier_of
from server.probes import Readiness, health
from server.settings import Settings
from server.webhook_job import webhook_dispatcher
from workflow.access.token_cache import TokenCache


def create_app(db_url: str | None = None, *, settings: Settings | None = None, register_orm: bool = True) -> Starlette:
    settings = settings or Settings.from_env()
    events = EventHub()  # this worker's live report events
    # This worker's authenticated tokens, trusted only while it hears revocations (lifespan).
    revocations = TokenRevocations(TokenCache(settings.token_cache_seconds))
    # The identity provider's tokens, if one is configured (docs/contract.md §14).
    oidc = verifier_of(settings)
    view = GraphQLView(
        make_schema(debug=True) if settings.debug else schema,
        debug=settings.debug,
        events=events,
        allowed_origins=settings.allowed_origins,
        time_limit=settings.request_time_limit_seconds,
        revocations=revocations,
        oidc=oidc,
    )
    routes = [
        Route("/graphql", view),
        WebSocketRoute("/graphql", view),
        Route("/health", health, methods=["GET"]),
        Route("/ready", Readiness(events).check, methods=["GET"]),
        Route(
            "/metrics",
            metrics_endpoint(Access(settings.metrics_token, settings.metrics_allowed_networks)),
            methods=["GET"],
        ),
        *export_routes(),
    ]
    if settings.console_enabled:
        routes += console_routes(demo_file=settings.console_demo_file)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not register_orm:
            async with (
                live_events(events, revocations),
                worker_metrics(lambda: events.subscriber_count),
                deadline_sweeps(settings.auto_submit_interval_seconds),
                webhook_dispatcher(settings.dispatch_webhooks),
            ):
                yield
            return
        async with (
            RegisterTortoise(app, config=tortoise_config(db_url), generate_schemas=False, _enable_global_fallback=True),
            live_events(events, revocations),
            worker_metrics(lambda: events.subscriber_count),
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
    if count_user_errors not in user_error_listeners:  # payload errors by code (server.metrics)
        user_error_listeners.append(count_user_errors)
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.events = events  # for tests and the bench: the hub of this app
    app.state.graphql = view
    app.state.revocations = revocations
    app.state.token_cache = revocations.cache  # server.auth.actor_of
    app.state.metrics_sample = lambda: sample_now(lambda: events.subscriber_count)  # the sampler's tick, for tests
    app.state.oidc = oidc  # server.auth.actor_of
    return app
