"""A unit of work's report events: published with its transaction, whatever opened it.

``publish_entries(conn, where, ...)`` is called by ``workflow.history.record_step`` (so
every history entry is published, whoever writes it) and by generation for its
set-based GENERATED entries. ``conn`` is the transaction the action runs in — any
Tortoise ``in_transaction()``; callers do nothing more:

- **PostgreSQL**: ``pg_notify`` runs right away, inside the transaction. PostgreSQL
  delivers the notifications on commit and drops them on rollback (a savepoint rolled
  back drops its own), to every worker that LISTENs.
- **SQLite**: the messages wait on the transaction, and are handed to the in-process
  listeners (``workflow.events.deliver_locally``) only after its commit succeeded.
  Tortoise has no on-commit hook, so the first publication in a transaction wraps that
  transaction object's own ``commit``/``rollback`` (a savepoint's
  ``release_savepoint``/``savepoint_rollback``: its messages join the enclosing
  transaction's, or are dropped). ``tests/integration/test_event_publication.py``
  holds these to Tortoise's behaviour.

Outside a transaction (autocommit), the row is already committed: the event goes at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient

from workflow import events
from workflow.events import ReportEventMessage
from workflow.sql import fetch, is_postgres

# The attribute of a transaction object that holds its messages waiting for the commit.
_PENDING = "_report_events_pending"


async def publish_entries(conn: BaseDBAsyncClient, where: str, **params: Any) -> None:
    """Publish the events of the history entries matching ``where`` (see ``workflow.events``)."""
    if is_postgres(conn):
        await fetch(conn, events.notify_sql(where), **params)
        return
    rows = await fetch(conn, events.message_rows_sql(where), **params)
    messages = [ReportEventMessage.from_row(row) for row in rows]
    pending = _pending_of(conn)
    if pending is None:
        events.deliver_locally(messages)
    else:
        pending.extend(messages)


def _pending_of(conn: BaseDBAsyncClient) -> list[ReportEventMessage] | None:
    """The messages waiting for ``conn``'s transaction (hooked on first use); None outside one."""
    if not isinstance(conn, TransactionalDBClient):
        return None
    pending: list[ReportEventMessage] | None = conn.__dict__.get(_PENDING)
    if pending is not None:
        return pending
    pending = []
    setattr(conn, _PENDING, pending)
    enclosing = getattr(conn, "_parent", None)
    if isinstance(enclosing, TransactionalDBClient):
        # A savepoint (a nested in_transaction()): its messages follow its fate.
        def join_enclosing() -> None:
            outer = _pending_of(enclosing)
            assert outer is not None
            outer.extend(pending)
            pending.clear()

        _after(conn, "release_savepoint", join_enclosing)
        _after(conn, "savepoint_rollback", pending.clear)
    else:
        def deliver() -> None:
            committed = list(pending)
            pending.clear()
            events.deliver_locally(committed)

        _after(conn, "commit", deliver)
        _after(conn, "rollback", pending.clear)
    return pending


def _after(conn: BaseDBAsyncClient, method: str, then: Callable[[], None]) -> None:
    """Make ``conn.<method>()`` run ``then`` once it has returned (not if it raised)."""
    original: Callable[[], Awaitable[None]] = getattr(conn, method)

    async def hooked() -> None:
        await original()
        then()

    setattr(conn, method, hooked)
