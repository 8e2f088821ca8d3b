"""What the HTTP edge enforces around the whole app (docs/api.md, Limits), as pure ASGI middleware.

- ``RequestIds``: every HTTP response carries ``X-Request-ID`` — the client's own if it is
  sane (1 to 128 of ``A-Z a-z 0-9 . _ : -``), else a fresh one. The ID is in
  ``current_request_id`` for the whole request, and ``RequestIdLogFilter`` writes it into
  the log lines of Strawberry's execution logger: an unexpected error is masked for the
  client ("Unexpected error.") and logged with its traceback and this ID, so a client
  that quotes the header leads straight to the log line. An exception that escapes the
  app is logged with the ID too.
- ``read_body`` (for ``server.front_door``): a request body above ``MAX_BODY_BYTES`` (1 MiB) gets **413**
  ``PAYLOAD_TOO_LARGE`` before anything reads it — the token check, the
  ``Idempotency-Key`` step, the GraphQL parser. A declared ``Content-Length`` above the
  limit is refused without reading; otherwise the chunks are counted as they arrive
  (``Content-Length`` may be absent, chunked, or lie). The body is buffered (at most
  1 MiB) and handed to the app whole, so nothing downstream sees a half-read body.
  Bulk usage goes through the CLI (``billing-reports import-usage``), not the API.

The per-request time limit is the GraphQL view's (``server.graphql_view``), since only
there is a timed-out request's work known to roll back; CORS is Starlette's own
``CORSMiddleware`` (``server.app``).
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
REQUEST_ID_HEADER = "X-Request-ID"

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
logger = logging.getLogger(__name__)


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id_of(scope)
        token = current_request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("request %s failed unexpectedly", request_id)
            raise
        finally:
            current_request_id.reset(token)


def _request_id_of(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(text):
                return text
            break  # not sane: a header we cannot trust in a log line gets replaced
    return uuid.uuid4().hex


class RequestIdLogFilter(logging.Filter):
    """Puts the current request's ID into each record (``record.request_id``) and its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id.get()
        record.request_id = request_id
        if request_id is not None:
            # In the message itself, so any formatter shows it.
            record.msg = f"[request {request_id}] {record.getMessage()}"
            record.args = None
        return True


def log_request_ids(logger_name: str) -> None:
    """Add the filter to one logger (filters do not propagate to children); once per logger."""
    target = logging.getLogger(logger_name)
    if not any(isinstance(f, RequestIdLogFilter) for f in target.filters):
        target.addFilter(RequestIdLogFilter())


async def read_body(scope: Scope, receive: Receive, send: Send, max_bytes: int = MAX_BODY_BYTES) -> bytes | None:
    """The whole request body, or None once the request is answered 413 (or the client left).

    A declared ``Content-Length`` above the limit is refused without reading; otherwise the
    chunks are counted as they arrive (``Content-Length`` may be absent, chunked, or lie).
    """
    if _declared_length(scope) > max_bytes:
        await _refuse(send, max_bytes)
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left: nothing to answer
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            await _refuse(send, max_bytes)
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the app: the body read whole, then the client's own messages (a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: http.disconnect, for streaming responses

    return replay


async def _refuse(send: Send, max_bytes: int) -> None:
    message = f"the request body is larger than the limit of {max_bytes} bytes"
    body = orjson.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": PAYLOAD_TOO_LARGE}}]})
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            # The rest of the body is never read, so the connection cannot be reused.
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _declared_length(scope: Scope) -> int:
    """The declared Content-Length; 0 when absent (then only the counted chunks tell)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # a server in front refuses that; counting still holds the limit
    return 0
