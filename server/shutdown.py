"""A request cut off by the server's own shutdown gets **503** ``SHUTTING_DOWN``, not a bare 500.

On SIGTERM, ``billing-reports serve`` stops listening at once and lets the requests in
flight finish for ``BILLING_REPORTS_SHUTDOWN_GRACE_SECONDS`` (``server.cli``); then
uvicorn cancels those still running. The cancellation rolls their transactions back
(Tortoise rolls back on it), and uvicorn would answer a plain-text 500. ``server.front_door``
answers in the usual error shape instead, with ``Retry-After: 1`` — another worker, or
this one restarted, takes the retry — and lets the cancellation go on.

Nothing else cancels a request task: the per-request time limit is a timeout inside the
GraphQL view (its own 503 ``TIMEOUT``), and uvicorn does not cancel on a client's leaving.
"""

from __future__ import annotations

import orjson
from starlette.types import Send

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


async def answer_shutdown(send: Send) -> None:
    """The 503 of a request the shutdown cut off before its answer started (``server.front_door``)."""
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
