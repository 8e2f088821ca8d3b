"""A PostgreSQL database that lives for one bench run: created empty, dropped at the end.

The server URL names the cluster (``postgres://postgres@127.0.0.1:5432``); the bench
database gets a random name so two runs, or a run beside the test suite, never meet.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432"


def database_url(server_url: str, name: str) -> str:
    """``server_url`` with its path replaced by ``/name`` (the Tortoise and asyncpg URL form)."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def asyncpg_dsn(url: str) -> str:
    """asyncpg takes ``postgresql://``; Tortoise also accepts ``asyncpg://`` and ``psql://``."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


@asynccontextmanager
async def throwaway_database(server_url: str = DEFAULT_SERVER_URL) -> AsyncIterator[str]:
    """Yield the URL of a new empty database; drop it afterwards, even after a failure."""
    name = f"brbench_{secrets.token_hex(4)}"
    admin_dsn = asyncpg_dsn(database_url(server_url, "postgres"))
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield database_url(server_url, name)
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            # FORCE: a server we failed to stop must not keep the database alive.
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
