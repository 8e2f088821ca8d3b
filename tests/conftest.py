"""Shared fixtures: a fresh real database per test (SQLite, or PostgreSQL with TEST_DATABASE_URL).

SQLite runs in memory. With ``TEST_DATABASE_URL=postgres://user@host:port/name`` every
test gets its own throwaway database named ``name_<random>``, created and dropped by
Tortoise's ``tortoise_test_context``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext, tortoise_test_context

from models import MODEL_MODULES
from tests.world import World, build_world


def test_database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        return "sqlite://:memory:"
    if url.startswith(("postgres://", "asyncpg://", "psql://")) and "{}" not in url:
        base, _, query = url.partition("?")
        url = base + "_{}" + (f"?{query}" if query else "")
    return url


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
    async with tortoise_test_context(MODEL_MODULES, db_url=test_database_url()) as ctx:
        yield ctx


@pytest_asyncio.fixture
async def world(db: TortoiseContext) -> World:
    """Two Tier 1 partners with two Tier 2 partners each, customers, solutions, tokens."""
    return await build_world()
