"""The ASGI application: ``uvicorn --factory server.app:create_app``.

    POST /graphql   queries and mutations (SPEC §8), Bearer token on every request
    GET  /health    liveness, no token, no database

The database is registered in the lifespan with Tortoise's ``RegisterTortoise``
(global fallback on, so request tasks see the connections). The schema is never
created here: ``billing-reports migrate`` does that. Tests build the app with
``register_orm=False`` over a Tortoise context they already opened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise.contrib.starlette import RegisterTortoise

from resolvers.root import make_schema, schema
from server.database import tortoise_config
from server.graphql_view import GraphQLView
from server.settings import Settings


def create_app(
    db_url: str | None = None, *, settings: Settings | None = None, register_orm: bool = True
) -> Starlette:
    settings = settings or Settings.from_env()
    view = GraphQLView(make_schema(debug=True) if settings.debug else schema, debug=settings.debug)
    routes = [
        Route("/graphql", view),
        Route("/health", _health, methods=["GET"]),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not register_orm:
            yield
            return
        async with RegisterTortoise(
            app, config=tortoise_config(db_url), generate_schemas=False, _enable_global_fallback=True
        ):
            yield

    return Starlette(routes=routes, lifespan=lifespan)


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})
