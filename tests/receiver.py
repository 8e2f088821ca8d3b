"""A real HTTP receiver on the loopback for the webhook tests: uvicorn serving a
Starlette app that records every request and answers per path as told
(a status, a sequence of statuses, or never — a hanging receiver).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: datetime


@dataclass
class Receiver:
    port: int
    answers: dict[str, list[int]] = field(default_factory=dict)  # per path; the last repeats
    hanging: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def wait_for(self, path: str, count: int = 1, timeout: float = 10.0) -> list[Received]:
        async with asyncio.timeout(timeout):
            while len(self.at(path)) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.at(path)

    async def wait_for_total(self, count: int, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        body = await request.body()
        self.received.append(Received(path, dict(request.headers), body, datetime.now(UTC)))
        self.arrived.set()
        if path in self.hanging:
            await asyncio.sleep(3600)
        statuses = self.answers.get(path, [204])
        status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        return Response(status_code=status)


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    receiver = Receiver(port=sock.getsockname()[1])
    app = Starlette(routes=[Route("/{path:path}", receiver.handle, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield receiver
    finally:
        # Shut down by uvicorn itself, which unregisters its socket from the loop before
        # closing it (a cancelled server would leave a closed descriptor in the selector).
        server.should_exit = True
        server.force_exit = True  # do not wait for a hanging request
        try:
            await asyncio.wait_for(asyncio.shield(task), 10)
        except TimeoutError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        sock.close()
