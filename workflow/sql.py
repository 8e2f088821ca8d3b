"""Raw SQL that runs on SQLite and on PostgreSQL from one text.

Statements are written with ``:name`` placeholders; ``run``/``fetch`` turn them into
``?`` (SQLite) or ``$n`` (asyncpg) and bind dates the way each driver wants them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

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
    values: list[Any] = []
    positions: dict[str, int] = {}

    def bind(match: re.Match[str]) -> str:
        name, cast = match[1], match[2] or ""
        if dialect_name == "postgres":
            if name not in positions:
                values.append(params[name])
                positions[name] = len(values)
            return f"${positions[name]}{cast}"
        # Dates and datetimes go as they are: Tortoise registers the sqlite3 adapters
        # that store them as the same ISO text the ORM writes.
        values.append(params[name])
        return "?"

    return _PLACEHOLDER.sub(bind, sql), values


async def run(conn: BaseDBAsyncClient, sql: str, **params: Any) -> int:
    text, values = prepare(sql, params, dialect(conn))
    count, _ = await conn.execute_query(text, values)
    return count


async def fetch(conn: BaseDBAsyncClient, sql: str, **params: Any) -> list[dict[str, Any]]:
    text, values = prepare(sql, params, dialect(conn))
    return await conn.execute_query_dict(text, values)


def as_date(value: date | str | None) -> date | None:
    """SQLite returns dates from raw SQL as text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
