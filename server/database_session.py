"""Opening the database for one CLI command, and the schema checks around it.

Every command that touches the database runs inside ``open_database``: its own
Tortoise context, closed in ``finally`` (an open aiosqlite connection keeps a thread,
and so the process, alive). ``migrate`` applies Tortoise's built-in migrations from
``models/migrations``; the other commands first check that nothing is pending, so a
fresh database gets "run billing-reports migrate" instead of "no such table".
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import connections
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate
from tortoise.migrations.executor import MigrationExecutor

from server.database import tortoise_config

POSTGRES_SCHEMES = ("postgres://", "asyncpg://", "psql://")


class CommandError(Exception):
    """An expected failure of a command: one line for the user, and the exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def is_postgres_url(url: str) -> bool:
    return url.startswith(POSTGRES_SCHEMES)


@asynccontextmanager
async def open_database(db_url: str) -> AsyncIterator[TortoiseContext]:
    # Leaving the context closes its connections, also when init or the command fails.
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(db_url))
        yield ctx


async def apply_migrations(db_url: str, progress: Callable[[str], Any]) -> int:
    """Create or upgrade the schema; return how many migrations were applied (0: up to date)."""
    if is_postgres_url(db_url):
        await create_postgres_database_if_missing(db_url)
    else:
        _create_sqlite_directory(db_url)
    applied = 0

    def report(event: str, app_label: str, name: str) -> None:
        nonlocal applied
        if event == "apply_done":
            applied += 1
            progress(f"applied {app_label}.{name}")

    async with open_database(db_url):
        await migrate(config=tortoise_config(db_url), progress=report)
    return applied


async def pending_migrations() -> list[str]:
    """The migrations not yet applied to the open database (its default connection)."""
    config = tortoise_config()
    executor = MigrationExecutor(connections.get("default"), config["apps"])
    plan = await executor.plan()
    return [f"{step.migration.app_label}.{step.migration.name}" for step in plan if not step.backward]


async def require_migrated() -> None:
    pending = await pending_migrations()
    if pending:
        raise CommandError(
            f"the database schema is not up to date ({len(pending)} migration(s) pending): "
            "run `billing-reports migrate` first"
        )


async def create_postgres_database_if_missing(db_url: str) -> bool:
    """Create the URL's database (owned by the URL's user) unless it exists; True if created.

    Only when the database is missing does it connect to the server's ``postgres``
    maintenance database, which needs the CREATEDB privilege; an existing database
    needs nothing more than the URL's own rights.
    """
    import asyncpg  # only PostgreSQL deployments need it loaded

    credentials = expand_db_url(db_url)["credentials"]
    server = {
        "host": credentials.get("host"),
        "port": int(credentials.get("port") or 5432),
        "user": credentials.get("user"),
        "password": credentials.get("password"),
    }
    name = credentials["database"]
    try:
        await (await asyncpg.connect(**server, database=name)).close()
        return False
    except asyncpg.InvalidCatalogNameError:
        pass
    conn = await asyncpg.connect(**server, database="postgres")
    try:
        quoted = '"' + name.replace('"', '""') + '"'
        await conn.execute(f"CREATE DATABASE {quoted}")
        return True
    except asyncpg.DuplicateDatabaseError:
        return False  # another host migrating at the same time created it first
    finally:
        await conn.close()


def _create_sqlite_directory(db_url: str) -> None:
    path = expand_db_url(db_url)["credentials"].get("file_path", "")
    directory = os.path.dirname(path)
    if path and path != ":memory:" and directory:
        os.makedirs(directory, exist_ok=True)
