"""Raw SQL that runs on SQLite and on PostgreSQL from one text.

Statements are written with ``:name`` placeholders; ``run``/``fetch`` turn them into
``?`` (SQLite) or ``$n`` (asyncpg) and bind dates the way each driver wants them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Protocol, overload

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

# ":name" or ":name::type" (the cast is kept on PostgreSQL, which cannot infer the type of a
# bare parameter in a SELECT list, and dropped on SQLite).
_PLACEHOLDER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)(::[a-z0-9_]+)?")


def connection() -> BaseDBAsyncClient:
    return connections.get("default")


def dialect(conn: BaseDBAsyncClient | None = None) -> str:
    return (conn or connection()).capabilities.dialect


def is_postgres(conn: BaseDBAsyncClient | None = None) -> bool:
    return dialect(conn) == "postgres"


def prepare(sql: str, params: Mapping[str, Any], dialect_name: str) -> tuple[str, list[Any]]:
    text, names = _template(sql, dialect_name)
    return text, [params[name] for name in names]


@lru_cache(maxsize=1024)
def _template(sql: str, dialect_name: str) -> tuple[str, tuple[str, ...]]:
    """The driver's text of ``sql`` and the parameter names in binding order (cached: the
    hot reads run the same few texts on every request, and the regex is not free)."""
    names: list[str] = []
    positions: dict[str, int] = {}

    def bind(match: re.Match[str]) -> str:
        name, cast = match[1], match[2] or ""
        if dialect_name == "postgres":
            if name not in positions:
                names.append(name)
                positions[name] = len(names)
            return f"${positions[name]}{cast}"
        # Dates and datetimes go as they are: Tortoise registers the sqlite3 adapters
        # that store them as the same ISO text the ORM writes.
        names.append(name)
        return "?"

    return _PLACEHOLDER.sub(bind, sql), tuple(names)


async def run(conn: BaseDBAsyncClient, sql: str, **params: Any) -> int:
    text, values = prepare(sql, params, dialect(conn))
    count, _ = await conn.execute_query(text, values)
    return count


async def fetch(conn: BaseDBAsyncClient, sql: str, **params: Any) -> list[dict[str, Any]]:
    text, values = prepare(sql, params, dialect(conn))
    return await conn.execute_query_dict(text, values)


async def read(conn: BaseDBAsyncClient, sql: str, **params: Any) -> Sequence[Row]:
    """``fetch`` for the hot reads of the API: the rows as the driver gives them, not copied.

    asyncpg ``Record`` objects on PostgreSQL, ``sqlite3.Row`` on SQLite: read-only, by
    column name or by position, without a dict per row; errors are the driver's own, not
    Tortoise's. Use ``fetch`` where a caller needs dicts or Tortoise's exception types.
    Inside ``sharing_one_connection`` the reads on the pool's client take turns on one
    checked-out connection.
    """
    name = dialect(conn)
    text, values = prepare(sql, params, name)
    if name != "postgres":
        _, rows = await conn.execute_query(text, values)
        return rows
    shared = _shared.get()
    if shared is not None and shared.client is conn:
        return await (await shared.driver()).fetch(text, *values)
    async with conn.acquire_connection() as driver:
        return await driver.fetch(text, *values)


class _SharedConnection:
    """A pooled connection checked out at the first read, for the reads that follow."""

    def __init__(self, client: BaseDBAsyncClient) -> None:
        self.client = client
        self._checkout: Any = None
        self._driver: Any = None
        self.checking_out = False  # its own checkout goes to the pool (see ``shared_connection``)

    async def driver(self) -> Any:
        if self._driver is None:
            self.checking_out = True  # before asking: the client must hand out a connection of the pool
            try:
                checkout = self.client.acquire_connection()
                self._driver = await checkout.__aenter__()
            finally:
                self.checking_out = False
            self._checkout = checkout
        return self._driver

    async def release(self, error: BaseException | None) -> None:
        if self._checkout is not None:
            await self._checkout.__aexit__(type(error) if error else None, error, None)


_shared: ContextVar[_SharedConnection | None] = ContextVar("shared_connection", default=None)


def shared_connection(client: BaseDBAsyncClient) -> _SharedConnection | None:
    """The connection a ``sharing_one_connection`` block shares on ``client``, for its ORM queries too.

    The pooled client's ``acquire_connection`` (``server.postgres_pool``) hands it out
    inside the block: a request that held its shared connection while an ORM read waited
    for a second one would deadlock once every request of a busy worker did the same.
    """
    shared = _shared.get()
    if shared is None or shared.client is not client or shared.checking_out:
        return None
    return shared


@asynccontextmanager
async def sharing_one_connection() -> AsyncIterator[None]:
    """Let the ``read`` calls inside share one pooled connection, checked out once (PostgreSQL).

    For short, sequential read-only work such as a request's token check and report query:
    each checkout of the pool costs a reset round trip on release, so three reads on one
    connection cost about half of three on three. The ORM's queries inside take the same
    connection (``shared_connection``; the pool client of ``server.postgres_pool`` asks).
    Nothing inside may open a transaction or run reads concurrently: it would wait for a
    second connection while holding one. Transactions' own reads are not affected (they
    run on the transaction's connection).
    """
    if _shared.get() is not None or not is_postgres():
        yield
        return
    shared = _SharedConnection(connection())
    token = _shared.set(shared)
    error: BaseException | None = None
    try:
        yield
    except BaseException as raised:
        error = raised
        raise
    finally:
        _shared.reset(token)
        await shared.release(error)


class Row(Protocol):
    """A row as the driver gives it (asyncpg ``Record``, ``sqlite3.Row``): by name or position."""

    def __getitem__(self, key: Any, /) -> Any: ...


@overload
def as_date(value: date | str) -> date: ...
@overload
def as_date(value: None) -> None: ...
def as_date(value: date | str | None) -> date | None:
    """SQLite returns dates from raw SQL as text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


@overload
def as_datetime(value: datetime | str) -> datetime: ...
@overload
def as_datetime(value: None) -> None: ...
def as_datetime(value: datetime | str | None) -> datetime | None:
    """SQLite returns datetimes from raw SQL as the ISO text Tortoise wrote (UTC)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
