"""One business action's transaction, and what it publishes when (and only when) it commits.

    async with unit_of_work() as work:
        ...                                   # reads and writes on work.conn
        await work.publish_entries(ONE_ENTRY, entry_id=entry.id)

``unit_of_work()`` opens a Tortoise transaction (a savepoint when one is already open in
this task) and collects the report events of the history entries written in it:

- **PostgreSQL**: ``publish_entries`` runs ``pg_notify`` right away, inside the
  transaction; PostgreSQL delivers the notifications on commit and drops them on
  rollback (a rolled-back savepoint drops its own), to every worker that LISTENs.
- **SQLite** (one process): the messages wait on the unit. When the outermost unit's
  block has ended and its transaction committed, they are handed to the in-process
  listeners (``workflow.events.messages.deliver_locally``); a nested unit hands its messages to
  the enclosing one when its savepoint is released. An exception — the block's, a failed
  commit, a cancellation — leaves the ``async with`` before that code runs: nothing is
  delivered.
- **Token revocations** (``publish_revocation``) travel the same way on their own channel
  (``workflow.events.revocations``): ``pg_notify`` inside the transaction; and, on both
  databases, in-process after the commit, so the revoking process itself never serves the
  token again, not even for the milliseconds the notification takes.

Nothing here patches Tortoise's objects or reads their private attributes: the unit is
the project's own object, and "after the commit" is simply the code after Tortoise's
``in_transaction()`` block, which is reached only once the commit has succeeded. A unit
opened inside a plain ``in_transaction()`` could not know when that one commits, so it
refuses to start (``BareTransaction``): every transaction that writes history is a unit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.transactions import in_transaction

from workflow.database.sql import connection, fetch, is_postgres, run
from workflow.events import deliveries, revocations
from workflow.events import messages as events
from workflow.events.messages import ReportEventMessage


class BareTransaction(RuntimeError):
    """A unit of work opened inside a plain ``in_transaction()``: its events could be
    delivered before that transaction commits. Open the outer one as a unit of work too."""


@dataclass(eq=False)
class UnitOfWork:
    """An open transaction (``conn``) and the events it will publish on commit."""

    conn: BaseDBAsyncClient
    postgres: bool
    _pending: list[ReportEventMessage] = field(default_factory=list)
    _revoked: list[str] = field(default_factory=list)  # token hashes (SQLite: delivered after commit)
    _enqueued: bool = False  # webhook deliveries were written: wake the dispatcher after the commit

    async def publish_entries(self, where: str, **params: Any) -> None:
        """Publish the events of the history entries matching ``where`` (``workflow.events.messages``),
        and write their webhook deliveries in this transaction (``workflow.events.deliveries``)."""
        if await run(self.conn, deliveries.enqueue_sql(where), now=datetime.now(UTC), **params):
            self._enqueued = True
        if self.postgres:
            await fetch(self.conn, events.notify_sql(where), **params)
            return
        rows = await fetch(self.conn, events.message_rows_sql(where), **params)
        self._pending.extend(ReportEventMessage.from_row(row) for row in rows)

    def wake_dispatcher(self) -> None:
        """Deliveries were written by hand (a ping, a redelivery): wake the dispatcher after the commit."""
        self._enqueued = True

    async def publish_revocation(self, token_hash: str) -> None:
        """Publish that the token of ``token_hash`` is revoked (``workflow.events.revocations``)."""
        if self.postgres:  # for every worker (this one too)
            await fetch(self.conn, revocations.NOTIFY_SQL, token_hash=token_hash)
        self._revoked.append(token_hash)  # for this process, right after the commit (both databases)


_current: ContextVar[UnitOfWork | None] = ContextVar("current_unit_of_work", default=None)


@asynccontextmanager
async def unit_of_work() -> AsyncIterator[UnitOfWork]:
    """A transaction (a savepoint inside another unit) whose events follow its fate."""
    enclosing = _current.get()
    if enclosing is None and isinstance(connection(), TransactionalDBClient):
        raise BareTransaction("a unit of work inside a plain in_transaction(): use unit_of_work() for both")
    async with in_transaction() as conn:
        work = UnitOfWork(conn, is_postgres(conn))
        token = _current.set(work)
        try:
            yield work
        finally:
            _current.reset(token)
    # Reached only after a successful commit (or savepoint release).
    if enclosing is not None:
        enclosing._pending.extend(work._pending)
        enclosing._revoked.extend(work._revoked)
        enclosing._enqueued = enclosing._enqueued or work._enqueued
        return
    if work._enqueued:
        deliveries.wake()
    if work._revoked:
        revocations.deliver_locally(work._revoked)
    if work._pending:
        events.deliver_locally(work._pending)
