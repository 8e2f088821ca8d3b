"""The bench's hand-written baseline answers each measured query with the service's own JSON.

``python -m bench.queries screen|list|history`` compares the two before timing them; this
keeps the comparison honest between bench runs, in a few seconds: the report screen on a
small report and another tenant's, and every parity case of the reports list and of the
history (bench/shapes.py), byte for byte. The baseline talks asyncpg directly, so this
needs PostgreSQL.
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
from bench.shapes import SHAPES
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


@pytest.mark.parametrize("shape_name", ["list", "history"])
async def test_the_baseline_answers_every_case_of_the_list_and_the_history_with_the_services_bytes(
    shape_name: str, bench_world: BenchWorld, baseline: httpx.AsyncClient, service: httpx.AsyncClient
) -> None:
    shape = SHAPES[shape_name]
    cases = shape.cases(bench_world, 50)
    assert len(cases) >= 2

    for case in cases:
        headers = {"Authorization": f"Bearer {case.token}", "Content-Type": "application/json"}
        expected = await baseline.post(shape.baseline_path, content=case.body, headers=headers)
        actual = await service.post("/graphql", content=case.body, headers=headers)

        assert expected.status_code == actual.status_code == 200, (case.label, expected.text, actual.text)
        assert case.expect(expected.json()), (case.label, expected.text)
        assert differences(expected.json(), actual.json()) == [], case.label
        assert expected.content == actual.content, case.label


async def test_the_list_and_history_cases_cover_a_next_page_and_six_entries_with_changes(
    bench_world: BenchWorld, baseline: httpx.AsyncClient
) -> None:
    headers = {"Authorization": f"Bearer {bench_world.tier1_token}", "Content-Type": "application/json"}
    listed = (
        await baseline.post("/graphql/reports", content=SHAPES["list"].cases(bench_world, 50)[0].body, headers=headers)
    ).json()
    history_case = SHAPES["history"].cases(bench_world, 50)[0]
    history = (await baseline.post("/graphql/history", content=history_case.body, headers=headers)).json()

    reports = listed["data"]["reports"]
    assert reports["totalCount"] == 25 and reports["pageInfo"]["hasNextPage"] is True
    assert {edge["node"]["status"] for edge in reports["edges"]} >= {"UNDER_REVIEW", "APPROVED", "PREPARING"}
    entries = history["data"]["report"]["history"]
    assert [e["action"] for e in entries] == ["GENERATED", "SAVED", "SUBMITTED", "REJECTED", "SUBMITTED", "APPROVED"]
    assert [len(e["changes"]) for e in entries] == [0, 2, 1, 0, 1, 0]
    assert entries[0]["actor"] is not None and entries[3]["actor"]["organization"]["name"] == "North Distribution"
