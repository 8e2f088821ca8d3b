"""The worker's token cache over HTTP and WebSocket: a repeated token costs no query, and a
revocation takes effect on the very next request, and closes the token's sockets at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from tortoise import connections
from tortoise.context import TortoiseContext

from server.app import create_app
from server.settings import Settings
from tests.api import operations as op
from tests.api.dashboards import Dashboard
from tests.api.served import ServedApp, serving
from tests.api.test_query_count import QueryCounter, counter  # noqa: F401 - the fixture
from tests.world import World
from workflow.access import tokens
from workflow.database.sql import is_postgres


@pytest_asyncio.fixture
async def app(db: TortoiseContext) -> AsyncIterator[Starlette]:
    """The app with its lifespan running (the cache is trusted only while revocations are heard)."""
    app = create_app(settings=Settings(debug=False, token_cache_seconds=300), register_orm=False)
    async with app.router.lifespan_context(app):
        yield app


@pytest_asyncio.fixture
async def api(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing.test") as client:
        yield client


async def viewer(api: httpx.AsyncClient, token: str) -> int:
    response = await api.post("/graphql", json={"query": op.VIEWER}, headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def token_queries(statements: list[str]) -> list[str]:
    return [s for s in statements if "api_token" in s]


async def test_a_repeated_token_is_served_without_a_database_query(
    api: httpx.AsyncClient, world: World, counter: QueryCounter
) -> None:
    async with counter.counting() as statements:
        assert await viewer(api, world.tier1_a.token) == 200
        assert len(token_queries(statements)) == 1
        assert await viewer(api, world.tier1_a.token) == 200
        assert await viewer(api, world.tier1_a.token) == 200
        assert len(token_queries(statements)) == 1


async def test_a_revoked_token_is_refused_on_the_very_next_request(
    api: httpx.AsyncClient, world: World, counter: QueryCounter
) -> None:
    assert await viewer(api, world.tier1_a.token) == 200  # now cached, for 300 s
    async with counter.counting() as statements:
        assert await viewer(api, world.tier1_a.token) == 200
        assert token_queries(statements) == []  # served from the cache
    assert await tokens.revoke_token(world.tier1_a.token)
    assert await viewer(api, world.tier1_a.token) == 401
    assert await viewer(api, world.tier1_b.token) == 200  # the others are unaffected


async def test_an_expired_token_is_never_served_from_the_cache(api: httpx.AsyncClient, world: World) -> None:
    expires_at = datetime.now(UTC) + timedelta(seconds=1)
    issued = await tokens.issue_token(world.tier1_a.organization, "short-lived", expires_at=expires_at)
    assert await viewer(api, issued.token) == 200  # cached for 300 s, but it expires in 1
    await asyncio.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()) + 0.05)
    assert await viewer(api, issued.token) == 401


async def test_without_its_lifespan_the_app_does_not_cache(db: TortoiseContext, world: World) -> None:
    app = create_app(settings=Settings(debug=False, token_cache_seconds=300), register_orm=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing.test") as api:
        assert await viewer(api, world.tier1_a.token) == 200
        assert len(app.state.token_cache) == 0


@pytest_asyncio.fixture
async def served(db: TortoiseContext) -> AsyncIterator[ServedApp]:
    async with serving(Settings(debug=False, token_cache_seconds=300)) as served:
        yield served


async def test_a_socket_of_a_revoked_token_is_closed_with_4403_within_a_second(world: World, served: ServedApp) -> None:
    assert getattr(served.app.state.graphql, "token_recheck_seconds", 60) == 60  # not the minute's recheck
    async with (
        Dashboard.open(served.ws_url, world.tier1_a.token) as revoked,
        Dashboard.open(served.ws_url, world.tier1_b.token) as other,
    ):
        await revoked.subscribe()
        await other.subscribe()
        await served.subscribers(2)
        assert await tokens.revoke_token(world.tier1_a.token)
        assert await revoked.close_code(timeout=1) == 4403
        await served.subscribers(1)
        assert served.app.state.revocations.watched_sockets == 1  # the other one's


async def test_on_a_sqlite_file_the_cache_is_off(
    db: TortoiseContext, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line, another process, revokes in the same file: the server would not hear it."""
    client = connections.get("default")
    if is_postgres(client):
        pytest.skip("SQLite only")
    monkeypatch.setattr(client, "filename", "billing_reports.sqlite3")
    app = create_app(settings=Settings(debug=False, token_cache_seconds=300), register_orm=False)
    async with app.router.lifespan_context(app):
        assert not app.state.token_cache.trusted
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing.test") as api:
            assert await viewer(api, world.tier1_a.token) == 200
        assert len(app.state.token_cache) == 0
