"""When the database fails a request: a clear **503**, never a hang or an "Unexpected error.".

Two faults, each answered in the usual error shape with ``Retry-After: 1``:

- ``DATABASE_UNAVAILABLE``: PostgreSQL could not be reached, or a connection died while
  the request used it (a restart, a failover, a network cut). The pool reconnects by
  itself on a later request (``server.postgres_pool``): no restart is needed.
- ``SERVICE_BUSY``: every connection of this worker's pool stayed in use for
  ``BILLING_REPORTS_POOL_TIMEOUT_SECONDS``; the request gave up waiting, before its
  transaction could begin.

The message says what became of the request's business action (one transaction),
from what the pool saw of its COMMIT (``note_commit``): none sent — nothing was kept
(a transaction whose connection died is rolled back by PostgreSQL, which never saw a
COMMIT); sent but unconfirmed — it may or may not have been applied; confirmed — it was
applied and only the answer is missing. In the last two cases the client refetches
before retrying (a blind retry of a report action gets ``VERSION_CONFLICT``, never a
second application; the ``Idempotency-Key`` of an answer that failed is released, so
it does not replay).

The pool reports faults where they happen (``note_fault``), into a slot that
``FaultWatch`` — which ``server.front_door`` opens around the app — holds for each HTTP request.
A fault inside a resolver does not escape Strawberry (it becomes a masked error in a
200 answer), so the watch checks the slot when the answer starts: a JSON answer
with errors from a request that met a fault becomes the 503. A fault that escapes the
app (the token check runs before GraphQL) becomes the 503 directly. A request that met a
fault and still answered without errors (the fault hit after its last query) keeps its
answer. Streamed answers (CSV exports) that already started cannot change.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass

import orjson
from starlette.types import Message, Send

from server import metrics

DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
SERVICE_BUSY = "SERVICE_BUSY"

logger = logging.getLogger("billing_reports.database")


class DatabaseFault(Exception):
    """The database failed this request; ``code`` says how (the ``extensions.code`` of the 503)."""

    code = DATABASE_UNAVAILABLE


class DatabaseUnavailable(DatabaseFault):
    code = DATABASE_UNAVAILABLE


class PoolExhausted(DatabaseFault):
    code = SERVICE_BUSY


@dataclass
class _Slot:
    fault: DatabaseFault | None = None
    commit: str = ""  # "" none yet; "sent": a COMMIT sent, not confirmed; "done": confirmed


# One slot per HTTP request; child tasks (resolvers run concurrently) share the object.
_current: ContextVar[_Slot | None] = ContextVar("database_fault", default=None)


def note_fault(fault: DatabaseFault) -> None:
    """Remember that the database failed the current request (no-op outside one: the CLI)."""
    slot = _current.get()
    if slot is not None and slot.fault is None:
        slot.fault = fault


def current_fault() -> DatabaseFault | None:
    """The fault noted for the current request so far, if any (``server.metrics``' outcome)."""
    slot = _current.get()
    return None if slot is None else slot.fault


def note_commit(confirmed: bool) -> None:
    """Remember that the current request sent a COMMIT (and whether it was confirmed).

    The 503 must not say "nothing was done" of a request whose business action committed
    before the fault (its answer's reads came after), nor of one cut during its COMMIT.
    """
    slot = _current.get()
    if slot is not None and slot.commit != "done":
        slot.commit = "done" if confirmed else "sent"


def is_connection_failure(error: BaseException) -> bool:
    """True for the errors of a database that cannot be reached or whose connection died."""
    import asyncpg  # PostgreSQL deployments only

    return isinstance(
        error,
        (
            DatabaseFault,
            ConnectionError,  # refused, reset, broken pipe
            asyncpg.PostgresConnectionError,  # incl. "the database system is starting up"
            asyncpg.ConnectionDoesNotExistError,  # "connection was closed in the middle of operation"
            asyncpg.exceptions.OperatorInterventionError,  # 57P01 admin shutdown, 57P02, 57P03 cannot connect now
        ),
    )


_CAUSES = {
    DATABASE_UNAVAILABLE: "the database is unavailable",
    SERVICE_BUSY: "the server is busy: no database connection of this worker came free in time",
}
_OUTCOMES = {
    "": "nothing this request did was kept; try again shortly",
    "sent": "the connection was lost during a commit, which may or may not have been applied: "
    "refetch before trying again",
    "done": "its change was committed, but the answer could not be completed: refetch",
}


def fault_response_body(fault: DatabaseFault, commit: str = "") -> bytes:
    message = f"{_CAUSES[fault.code]}; {_OUTCOMES[commit]}"
    return orjson.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": fault.code}}]})


class FaultWatch:
    """One HTTP request's watch for database faults (``server.front_door`` opens it).

    ``send`` holds back a 200 JSON answer of a request that met a fault until its body
    shows whether it carries errors; ``failed`` answers the 503 for an error that escaped
    the app, if it is a fault and nothing was sent yet (else the caller re-raises).
    """

    def __init__(self, send: Send) -> None:
        self._send = send
        self.slot = _Slot()
        self.started = False
        self._held: list[Message] = []  # the answer, held back while it may still become a 503
        self._token = _current.set(self.slot)

    def close(self) -> None:
        _current.reset(self._token)

    async def send(self, message: Message) -> None:
        held, slot = self._held, self.slot
        if held or (
            message["type"] == "http.response.start"
            and slot.fault is not None
            and message["status"] == 200
            and _is_json(message)
        ):
            held.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                await _answer_held(held, slot, self._send)
            return
        self.started = self.started or message["type"] == "http.response.start"
        await self._send(message)

    @property
    def answering(self) -> bool:
        """Whether an answer has begun (sent, or held back)."""
        return self.started or bool(self._held)

    async def failed(self, error: Exception) -> bool:
        """Answer the 503 for ``error`` if it is the database's fault and nothing was sent; else False."""
        fault = self.slot.fault or (_as_fault(error) if is_connection_failure(error) else None)
        if fault is None or self.answering:
            return False
        logger.warning("answered 503 %s: %s: %s", fault.code, type(error).__name__, error)
        await _send_fault(fault, self.slot.commit, self._send)
        return True


def _as_fault(error: BaseException) -> DatabaseFault:
    return error if isinstance(error, DatabaseFault) else DatabaseUnavailable(str(error))


def _is_json(start: Message) -> bool:
    return any(
        name == b"content-type" and value.startswith(b"application/json") for name, value in start.get("headers", [])
    )


async def _answer_held(held: list[Message], slot: _Slot, send: Send) -> None:
    body = b"".join(m.get("body", b"") for m in held[1:])
    try:
        has_errors = bool(orjson.loads(body).get("errors"))
    except (orjson.JSONDecodeError, AttributeError):
        has_errors = True
    if slot.fault is not None and has_errors:
        logger.warning("answered 503 %s instead of an error answer: %s", slot.fault.code, slot.fault)
        await _send_fault(slot.fault, slot.commit, send)
        return
    for message in held:
        await send(message)


async def _send_fault(fault: DatabaseFault, commit: str, send: Send) -> None:
    metrics.count_database_fault(fault.code)
    body = fault_response_body(fault, commit)
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
