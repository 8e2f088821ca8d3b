"""Tortoise's asyncpg backend with a pool that never makes a request wait forever.

Tortoise acquires pool connections with no timeout (``pool.acquire()``): when every
connection is in use, a request waits until one is free — however long that is, while
its client waits too. Here (the engine ``server.postgres_pool``, set by
``server.database`` for PostgreSQL URLs) a request waits at most
``BILLING_REPORTS_POOL_TIMEOUT_SECONDS``:

- all ``BILLING_REPORTS_POOL_SIZE`` connections still in use → ``PoolExhausted``
  (``SERVICE_BUSY``): the request gives up before the transaction it waits for begins;
- PostgreSQL cannot be reached (refused, or no answer within the wait) →
  ``DatabaseUnavailable``.

A connection that died while a request held it (PostgreSQL restarted, the network cut)
is noted for that request's 503 when it comes back to the pool, and so is each COMMIT
sent and confirmed, for the 503's message (``server.database_faults``).
asyncpg's pool replaces a dead connection by a new one on the next acquire, so the
worker recovers by itself once PostgreSQL answers again; nothing here caches a dead
connection.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Generator
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionContext, TransactionContextPooled

from server import metrics
from server.database_faults import (
    DatabaseUnavailable,
    PoolExhausted,
    is_connection_failure,
    note_commit,
    note_fault,
)
from server.settings import DEFAULT_POOL_TIMEOUT
from workflow.database.sql import shared_connection


class BoundedPool(asyncpg.Pool):
    """asyncpg's pool whose ``acquire`` waits at most ``acquire_timeout`` for a busy pool."""

    def __init__(self, *args: Any, acquire_timeout: float | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_timeout = acquire_timeout

    def acquire(self, *, timeout: float | None = None) -> _BoundedAcquire:
        # Only a busy pool gets the timer: when a slot is free it is taken without waiting
        # (asyncio.wait_for costs ~15 µs a call), and connecting it, if it must, is bounded
        # by the connect timeout.
        if timeout is None and self.in_use() >= self.get_max_size():
            timeout = self.acquire_timeout
            metrics.count_pool_wait()
        return _BoundedAcquire(super().acquire(timeout=timeout), self)

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:
        # A connection that died while in use is closed, or already detached from its
        # proxy (asyncpg's cleanup on close: the proxy then refuses every call), by the
        # time it comes back.
        try:
            lost = connection.is_closed()
        except asyncpg.InterfaceError:
            lost = True
        if lost:
            note_fault(DatabaseUnavailable("the database connection was lost while in use"))
        await super().release(connection, timeout=timeout)

    def in_use(self) -> int:
        return self.get_size() - self.get_idle_size()

    def fault(self, error: BaseException) -> DatabaseUnavailable | PoolExhausted | None:
        """What a failed acquire means for the client's 503, or None for anything else."""
        fault: DatabaseUnavailable | PoolExhausted
        if isinstance(error, TimeoutError):
            if self.in_use() >= self.get_max_size():
                fault = PoolExhausted(
                    f"all {self.get_max_size()} database connections stayed in use for {self.acquire_timeout:g} s"
                )
            else:  # a slot was free: connecting to PostgreSQL took the whole wait
                fault = DatabaseUnavailable(f"no connection to PostgreSQL within {self.acquire_timeout:g} s")
        elif isinstance(error, OSError) or is_connection_failure(error):  # OSError: while connecting
            fault = DatabaseUnavailable(f"cannot connect to PostgreSQL: {type(error).__name__}: {error}")
        else:
            return None
        note_fault(fault)
        return fault


async def keep_session(connection: asyncpg.Connection) -> None:
    """A connection's reset on its way back to the pool: nothing beyond asyncpg's own ROLLBACK.

    asyncpg's default sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL`` on every release: a round trip per request (the third of a report screen's
    statements) to undo session state the service never creates. It changes settings only
    with ``SET LOCAL``, takes only transaction-scoped advisory locks, holds cursors only
    inside transactions, and LISTENs on a connection of its own (``server.events``);
    tests/unit/test_session_state.py fails for code that does otherwise. asyncpg still
    rolls back a transaction left open (``Pool(reset=...)``: its documented hook).
    """


class _BoundedAcquire:
    """asyncpg's acquire context (``await`` or ``async with``), its failures turned into faults."""

    def __init__(self, inner: Any, pool: BoundedPool) -> None:
        self.inner = inner
        self.pool = pool

    def __await__(self) -> Generator[Any, None, Any]:
        return self._translated(self.inner).__await__()

    async def __aenter__(self) -> Any:
        return await self._translated(self.inner.__aenter__())

    async def _translated(self, acquiring: Awaitable[Any]) -> Any:
        try:
            return await acquiring
        except Exception as error:
            fault = self.pool.fault(error)
            if fault is None:
                raise
            raise fault from (None if isinstance(error, TimeoutError) else error)

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.inner.__aexit__(*exc_info)


class BoundedPoolClient(AsyncpgDBClient):
    def __init__(self, *, acquire_timeout: float | str = DEFAULT_POOL_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # everything else goes on to asyncpg, so this one is taken first
        self.acquire_timeout = float(acquire_timeout)

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        # What asyncpg.create_pool does, with our pool class. A new connection's own
        # connect timeout (asyncpg's default: 60 s) is bounded by the same wait.
        if self.acquire_timeout:
            kwargs.setdefault("timeout", self.acquire_timeout)
        kwargs.setdefault("reset", keep_session)
        for name, parameter in inspect.signature(asyncpg.create_pool).parameters.items():
            if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is not parameter.empty:
                kwargs.setdefault(name, parameter.default)  # Pool() itself has no defaults
        return await BoundedPool(None, acquire_timeout=self.acquire_timeout or None, **kwargs)

    def acquire_connection(self) -> Any:
        # Inside workflow.database.sql.sharing_one_connection, the ORM's queries take turns
        # on the request's shared connection instead of a second one from the pool.
        shared = shared_connection(self)
        if shared is None:
            return super().acquire_connection()
        return _Borrowed(shared)

    def _in_transaction(self) -> TransactionContext:
        # Tortoise's hook for a backend's transactions (an abstract method of its clients,
        # with no public alternative); tests/unit/test_library_contracts.py pins it.
        return TransactionContextPooled(_NotedTransaction(self), self._pool_init_lock)


class _Borrowed:
    """The shared connection as an ``acquire_connection`` context: checked out once, kept after."""

    def __init__(self, shared: Any) -> None:
        self.shared = shared

    async def __aenter__(self) -> Any:
        return await self.shared.driver()

    async def __aexit__(self, *exc_info: Any) -> None:
        return None  # released when the sharing block ends


class _NotedTransaction(TransactionWrapper):
    """A transaction that tells the request's 503 whether its COMMIT went out (``note_commit``)."""

    async def commit(self) -> None:
        note_commit(confirmed=False)
        await super().commit()
        note_commit(confirmed=True)


client_class = BoundedPoolClient  # what Tortoise looks for in an engine module
