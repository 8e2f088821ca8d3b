"""The app served for real, in-process: uvicorn on a free loopback port, on the test database.

``served_app`` runs ``create_app(register_orm=False)`` under ``uvicorn.Server`` in the
test's event loop, so the app uses the test's Tortoise context (SQLite in memory, or
the test's throwaway PostgreSQL database) and its lifespan runs as in production
(the event hub is fed by the in-process delivery on SQLite, by a LISTEN connection on
PostgreSQL). Tests talk to it over real HTTP and real WebSockets.

``serving(settings)`` does the same with other settings (e.g. ``allowed_origins`` for a
browser page served elsewhere), for a fixture that asks for the ``db`` fixture first.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio
import uvicorn
from starlette.applications import Starlette
from tortoise.context import TortoiseContext

from server.app import create_app
from server.events import EventHub
from server.settings import Settings


@dataclass
class ServedApp:
    app: Starlette
    port: int
    http: httpx.AsyncClient

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def hub(self) -> EventHub:
        return self.app.state.events  # type: ignore[no-any-return]

    async def subscribers(self, count: int, timeout: float = 10.0) -> None:
        """Wait until the hub holds ``count`` subscriptions (registration is asynchronous)."""
        async with asyncio.timeout(timeout):
            while self.hub.subscriber_count != count:
                await asyncio.sleep(0.01)


@pytest_asyncio.fixture
async def served_app(db: TortoiseContext) -> AsyncIterator[ServedApp]:
    async with serving(Settings(debug=False)) as served:
        yield served


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[ServedApp]:
    """The app with ``settings``, served on a free loopback port (the test database must be set up)."""
    app = create_app(settings=settings, register_orm=False)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="on", log_level="warning", ws="websockets-sansio")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(15):
            while not server.started:
                if task.done():
                    task.result()  # raises what stopped it
                await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            yield ServedApp(app, port, http)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
        sock.close()
