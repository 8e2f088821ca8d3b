"""A request cut off by the server's own shutdown gets **503** ``SHUTTING_DOWN``, not a bare 500.

On SIGTERM, ``billing-reports serve`` stops listening at once and lets the requests in
flight finish for ``BILLING_REPORTS_SHUTDOWN_GRACE_SECONDS`` (``server.cli``); then
uvicorn cancels those still running. The cancellation rolls their transactions back
(Tortoise rolls back on it), and uvicorn would answer a plain-text 500. This middleware
answers in the usual error shape instead, with ``Retry-After: 1`` — another worker, or
this one restarted, takes the retry — and lets the cancellation go on.

Nothing else cancels a request task: the per-request time limit is a timeout inside the
GraphQL view (its own 503 ``TIMEOUT``), and uvicorn does not cancel on a client's leaving.
"""

from __future__ import annotations

import asyncio

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SHUTTING_DOWN = "SHUTTING_DOWN"

_BODY = orjson.dumps(
    {
        "data": None,
        "errors": [
            {
                "message": "the server stopped before this request finished; try again (a mutation cut off "
                "so was rolled back, unless it had already been committed)",
                "extensions": {"code": SHUTTING_DOWN},
            }
        ],
    }
)


class ShutdownAnswers:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except asyncio.CancelledError:
            if not started:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 503,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(_BODY)).encode()),
                            (b"retry-after", b"1"),
                            (b"connection", b"close"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": _BODY})
            raise
