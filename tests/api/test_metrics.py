"""``/metrics``, ``/ready`` and the JSON log lines of one app in-process (``server.metrics``, ``server.probes``).

The metrics of this process accumulate across tests, so each test reads them before and
after and checks what moved. Several worker processes: ``tests/live/test_metrics_across_workers.py``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest_asyncio
from tortoise.context import TortoiseContext

from schema import ids
from server.app import create_app
from server.logs import JsonFormatter
from server.metrics import MAX_OPERATION_NAMES, OTHER, operation_name_of
from server.settings import Settings
from tests.api import operations as op
from tests.api.client import gql, post
from tests.api.dashboards import Dashboard
from tests.api.served import ServedApp, serving
from tests.world import PERIOD, World
from workflow.generation.generate import generate_reports

SAMPLE = re.compile(r"^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$", re.MULTILINE)


def parse(text: str) -> dict[str, float]:
    """``name{labels}`` → value, for every sample of an exposition."""
    return {name + (labels or ""): float(value) for name, labels, value in SAMPLE.findall(text)}


async def scrape(client: httpx.AsyncClient) -> dict[str, float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def moved(before: dict[str, float], after: dict[str, float], sample: str) -> float:
    return after.get(sample, 0.0) - before.get(sample, 0.0)


@pytest_asyncio.fixture
async def served(db: TortoiseContext) -> AsyncIterator[ServedApp]:
    async with serving(Settings(debug=False)) as app:
        yield app


async def test_requests_are_counted_by_operation_and_outcome_with_their_latency(
    served: ServedApp, world: World
) -> None:
    client = served.http
    before = await scrape(client)

    await gql(client, world.platform.token, "query WhoAmI { viewer { name } }")
    await gql(client, world.platform.token, "query WhoAmI { viewer { name } }")
    invalid = await post(client, world.platform.token, "query Broken { viewer { nope } }")
    unauthenticated = await post(client, "brt_forged", "query WhoAmI { viewer { name } }")
    after = await scrape(client)

    assert invalid.status_code == 200 and invalid.json()["errors"]
    assert unauthenticated.status_code == 401
    ok = 'billing_reports_requests_total{operation="WhoAmI",outcome="ok"}'
    assert moved(before, after, ok) == 2
    assert moved(before, after, 'billing_reports_requests_total{operation="Broken",outcome="graphql_error"}') == 1
    assert moved(before, after, 'billing_reports_requests_total{operation="WhoAmI",outcome="rejected"}') == 1
    histogram = 'billing_reports_request_duration_seconds_count{operation="WhoAmI",outcome="ok"}'
    assert moved(before, after, histogram) == 2
    assert moved(before, after, 'billing_reports_user_errors_total{code="GRAPHQL_VALIDATION"}') == 1


async def test_user_errors_are_counted_by_code_payload_and_top_level(served: ServedApp, world: World) -> None:
    await world.add_month_of_usage(3)
    await generate_reports(world.platform.actor, PERIOD)
    report = ids.encode(ids.BILLING_REPORT, 999_999)
    before = await scrape(served.http)

    payload = await gql(served.http, world.tier2_a1.token, op.SUBMIT, {"input": {"reportId": report, "version": 1}})
    too_many = await post(served.http, world.tier1_a.token, "query Many { reports(first: 1000) { totalCount } }")
    after = await scrape(served.http)

    assert [e["code"] for e in payload["submitReport"]["errors"]] == ["NOT_FOUND"]
    (error,) = too_many.json()["errors"]
    code = error["extensions"]["code"]
    assert moved(before, after, 'billing_reports_user_errors_total{code="NOT_FOUND"}') == 1
    assert moved(before, after, f'billing_reports_user_errors_total{{code="{code}"}}') == 1
    assert moved(before, after, 'billing_reports_requests_total{operation="Submit",outcome="ok"}') == 1


async def test_live_events_and_subscribers_are_counted(served: ServedApp, world: World) -> None:
    await world.add_month_of_usage(3)
    await generate_reports(world.platform.actor, PERIOD)
    report = await gql(served.http, world.tier2_a1.token, op.REPORTS)
    report_id = report["reports"]["edges"][0]["node"]["id"]
    before = await scrape(served.http)

    async with Dashboard.open(served.ws_url, world.tier1_a.token) as north:
        events = await north.subscribe()
        await served.subscribers(1)
        await gql(served.http, world.tier2_a1.token, op.SUBMIT, {"input": {"reportId": report_id, "version": 1}})
        await north.next_event(events)
        served.app.state.metrics_sample()  # the sampler's next tick, now
        during = await scrape(served.http)

    assert during["billing_reports_live_subscribers"] == 1
    assert moved(before, during, "billing_reports_live_events_total") == 1
    assert during["billing_reports_workers"] == 1


async def test_ready_says_what_it_checked_and_refuses_a_database_not_migrated(served: ServedApp) -> None:
    # The test database is made from the models, not by `migrate`: no migration is recorded.
    # (A migrated one answers 200: tests/live/test_metrics_across_workers.py.)
    response = await served.http.get("/ready")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and checks["live_events"] == "ok"
    assert re.fullmatch(r"\d+ pending", checks["migrations"]), checks


async def test_ready_is_503_while_the_live_events_are_down(db: TortoiseContext) -> None:
    app = create_app(settings=Settings(), register_orm=False)  # no lifespan: nobody feeds its hub
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing.test") as client:
        response = await client.get("/ready")

    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert response.json()["checks"]["live_events"] == "down"


async def _metrics_from(app_settings: Settings, client_address: str, headers: dict[str, str] | None = None) -> int:
    app = create_app(settings=app_settings, register_orm=False)
    transport = httpx.ASGITransport(app=app, client=(client_address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://billing.test") as client:
        return (await client.get("/metrics", headers=headers or {})).status_code


async def test_metrics_are_for_loopback_only_by_default(db: TortoiseContext) -> None:
    assert await _metrics_from(Settings(), "127.0.0.1") == 200
    assert await _metrics_from(Settings(), "::1") == 200
    assert await _metrics_from(Settings(), "10.0.0.7") == 403


async def test_a_metrics_token_is_required_from_everywhere_once_set(db: TortoiseContext) -> None:
    settings = Settings(metrics_token="s3cret")

    assert await _metrics_from(settings, "10.0.0.7", {"Authorization": "Bearer s3cret"}) == 200
    assert await _metrics_from(settings, "127.0.0.1", {"Authorization": "Bearer s3cret"}) == 200
    assert await _metrics_from(settings, "127.0.0.1") == 403
    assert await _metrics_from(settings, "10.0.0.7", {"Authorization": "Bearer wrong"}) == 403


def test_operation_names_come_from_the_body_and_are_bounded() -> None:
    assert operation_name_of(b'{"query": "query ReportDetail($id: ID!) { report(id: $id) { id } }"}') == "ReportDetail"
    assert operation_name_of(b'{"query": "query A { a } query B { b }", "operationName": "B"}') == "B"
    assert operation_name_of(b'{"query": "{ viewer { name } }"}') == "_anonymous"
    assert operation_name_of(b'{"query": "query \\"evil\\" { x }"}') == "_anonymous"
    names = {operation_name_of(f'{{"query": "query Op{n} {{ a }}"}}'.encode()) for n in range(MAX_OPERATION_NAMES + 50)}
    assert OTHER in names and len(names) <= MAX_OPERATION_NAMES + 1


def test_json_log_lines_carry_the_request_id() -> None:
    from server.limits import current_request_id

    record = logging.LogRecord("billing_reports.test", logging.WARNING, __file__, 1, "hello %s", ("there",), None)
    token = current_request_id.set("req-123")
    try:
        line = orjson.loads(JsonFormatter().format(record))
    finally:
        current_request_id.reset(token)

    assert line["message"] == "hello there" and line["level"] == "WARNING" and line["request_id"] == "req-123"
    assert line["logger"] == "billing_reports.test" and "time" in line and "pid" in line
