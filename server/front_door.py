"""One ASGI layer for what every HTTP request needs inside CORS (docs/api.md, Limits; docs/operations.md, Faults).

In order, for each HTTP request:

1. the body, read whole and at most ``MAX_BODY_BYTES`` (**413** ``PAYLOAD_TOO_LARGE``
   before anything reads it: ``server.limits.read_body``);
2. the database-fault watch (``server.database_faults.FaultWatch``): **503**
   ``DATABASE_UNAVAILABLE`` / ``SERVICE_BUSY`` for a request the database failed;
3. the shutdown answer (``server.shutdown``): **503** ``SHUTTING_DOWN`` for a request the
   server's own shutdown cancelled before its answer started.

They were three middlewares; each layer cost a coroutine, a ``send`` wrapper and a
``try`` per request (~25 µs together), so they are one. Request IDs stay outermost and
CORS (Starlette's) around this, so that the 413 and the 503s carry their headers.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from server.database_faults import FaultWatch
from server.limits import MAX_BODY_BYTES, read_body, replaying
from server.shutdown import answer_shutdown


class FrontDoor:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await read_body(scope, receive, send, self.max_bytes)
        if body is None:
            return  # refused (413), or the client left
        watch = FaultWatch(send)
        try:
            await self.app(scope, replaying(body, receive), watch.send)
        except asyncio.CancelledError:
            if not watch.answering:
                await answer_shutdown(send)
            raise
        except Exception as error:
            if not await watch.failed(error):
                raise
        finally:
            watch.close()
