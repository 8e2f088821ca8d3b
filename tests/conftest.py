"""Shared fixtures: a fresh real database per test (SQLite, or PostgreSQL with TEST_DATABASE_URL).

SQLite runs in memory. With ``TEST_DATABASE_URL=postgres://user@host:port/name`` every
test gets its own throwaway database named ``name_<random>``: Tortoise's
``tortoise_test_context`` creates it, and the ``db`` fixture drops it afterwards
(Tortoise does not, and thousands of test databases would pile up on the server).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext, tortoise_test_context

# Plain asserts in the scenario helpers explain their failures like the tests' own. Here,
# before any test module is collected: tests of other folders import them too.
pytest.register_assert_rewrite("tests.integration.scenarios")

from models import MODEL_MODULES  # noqa: E402  (after the registration above)
from resolvers.compiled import FALLBACKS  # noqa: E402
from tests.world import World, build_world  # noqa: E402


def test_database_url() -> str:
    """The URL pattern of the test databases; ``{}`` stands for a random part of the name."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        return "sqlite://:memory:"
    if url.startswith(("postgres://", "asyncpg://", "psql://")) and "{}" not in url:
        base, _, query = url.partition("?")
        url = base + "_{}" + (f"?{query}" if query else "")
    return url


def fresh_database_url() -> str:
    """One test's own database URL (the random part filled in)."""
    return test_database_url().replace("{}", uuid.uuid4().hex[:12])


async def drop_postgres_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


ON_POSTGRES = test_database_url().startswith(("postgres://", "asyncpg://", "psql://"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest_asyncio.fixture
async def db() -> AsyncIterator[TortoiseContext]:
    url = fresh_database_url()
    try:
        async with tortoise_test_context(MODEL_MODULES, db_url=url) as ctx:
            yield ctx
    finally:
        if ON_POSTGRES:
            await drop_postgres_database(url)


@pytest_asyncio.fixture
async def world(db: TortoiseContext) -> World:
    """Two Tier 1 partners with two Tier 2 partners each, customers, solutions, tokens."""
    return await build_world()


@pytest.fixture(autouse=True)
def every_query_compiled() -> Iterator[None]:
    """No test's query falls back to Strawberry, except introspection (debug mode).

    The compiled path (``resolvers.compiled``) counts what it hands to Strawberry for
    lack of a plan: a field added to the schema but not to its table would otherwise
    quietly lose its speed and its parity check.
    """
    FALLBACKS.clear()
    yield
    assert set(FALLBACKS) <= {"introspection"}, f"queries answered by Strawberry without a plan: {dict(FALLBACKS)}"
