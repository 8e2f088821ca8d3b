"""The bench's hand-written baseline answers the report query with the service's own JSON.

``python -m bench.report_query`` compares the two before timing them; this keeps the
comparison honest between bench runs, on a small report, in about a second. The
baseline talks asyncpg directly, so this needs PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from tortoise import connections
from tortoise.context import TortoiseContext

from bench import baseline_app
from bench.parity import differences
from bench.report_detail import request_body
from bench.seed import BenchWorld, fill
from server.app import create_app
from server.settings import Settings

pytestmark = pytest.mark.postgres_only


@pytest_asyncio.fixture
async def bench_world(db: TortoiseContext) -> BenchWorld:
    conn = connections.get("default")
    credentials = conn.user + (f":{conn.password}" if conn.password else "")
    return await fill(f"postgres://{credentials}@{conn.host}:{conn.port}/{conn.database}")


@pytest_asyncio.fixture
async def baseline(bench_world: BenchWorld) -> AsyncIterator[httpx.AsyncClient]:
    app = baseline_app.create_app(bench_world.db_url)
    async with app.router.lifespan_context(app), _client(app) as client:
        yield client


@pytest_asyncio.fixture
async def service(db: TortoiseContext) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(create_app(settings=Settings(debug=False), register_orm=False)) as client:
        yield client


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench.test")  # type: ignore[arg-type]


async def _both(
    baseline: httpx.AsyncClient, service: httpx.AsyncClient, token: str, report_id: str
) -> tuple[dict, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    answers = []
    for client in (baseline, service):
        response = await client.post("/graphql", content=request_body(report_id), headers=headers)
        assert response.status_code == 200, response.text
        answers.append(response.json())
    return answers[0], answers[1]


async def test_the_baseline_answers_a_small_report_exactly_as_the_service(
    bench_world: BenchWorld, baseline: httpx.AsyncClient, service: httpx.AsyncClient
) -> None:
    expected, actual = await _both(baseline, service, bench_world.tier1_token, bench_world.small_report_id)

    assert len(expected["data"]["report"]["lineItems"]["edges"]) == 3
    assert differences(expected, actual) == []


async def test_the_baseline_hides_another_tenants_report_as_the_service_does(
    bench_world: BenchWorld, baseline: httpx.AsyncClient, service: httpx.AsyncClient
) -> None:
    expected, actual = await _both(baseline, service, bench_world.tier1_token, bench_world.foreign_report_id)

    assert expected == {"data": {"report": None}}
    assert actual == expected
