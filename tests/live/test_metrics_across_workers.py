"""``/metrics`` and ``/ready`` of a real ``billing-reports serve --workers 2`` on PostgreSQL.

Two worker processes behind one port: each request, each scrape, is taken by either. The
metrics are prometheus-client's multi-process ones (``server.metrics``), so whichever
worker answers a scrape reports the sums of both: the counts seen by every scrape are the
same, and ``billing_reports_workers`` is 2.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.api import operations as op
from tests.api.dashboards import Dashboard
from tests.api.test_metrics import parse
from tests.live.deployment import Channel, Deployment, Worker, running_deployment

pytestmark = pytest.mark.postgres_only


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    yield from running_deployment(tmp_path_factory, "metrics", worker_count=0)


@pytest.fixture(scope="module")
def pair(deployment: Deployment) -> Iterator[Worker]:
    worker = deployment.serve("two-workers", workers=2)
    try:
        yield worker
    finally:
        worker.stop()


async def scrape_fresh(url: str) -> dict[str, float]:
    """One scrape on a connection of its own (so the kernel may hand it to either worker)."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        response = await client.get("/metrics")
        assert response.status_code == 200, response.text
        return parse(response.text)


async def until_metric(url: str, sample: str, wanted: float, timeout: float = 15.0) -> dict[str, float]:
    async with asyncio.timeout(timeout):
        while True:
            values = await scrape_fresh(url)
            if values.get(sample) == wanted:
                return values
            await asyncio.sleep(0.2)


async def test_requests_and_errors_are_summed_over_both_workers(pair: Worker, channel: Channel) -> None:
    await until_metric(pair.http_url, "billing_reports_workers", 2)  # both have started
    before = await scrape_fresh(pair.http_url)

    for n in range(20):  # a connection each, spread by the kernel over the two workers
        async with httpx.AsyncClient(base_url=pair.http_url, timeout=10) as client:
            token = channel.north.token if n % 4 else "brt_forged"
            await client.post(
                "/graphql",
                json={"query": "query Who { viewer { name } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
            if n % 5 == 0:
                answer = await client.post(
                    "/graphql",
                    json={"query": op.SUBMIT, "variables": {"input": {"reportId": "nope", "version": 1}}},
                    headers={"Authorization": f"Bearer {channel.alpha.token}"},
                )
                assert answer.json()["data"]["submitReport"]["errors"][0]["code"] == "NOT_FOUND"

    scrapes = [await scrape_fresh(pair.http_url) for _ in range(6)]

    for after in scrapes:  # every scrape, whichever worker answered it, sees all of them
        assert after["billing_reports_workers"] == 2
        ok = 'billing_reports_requests_total{operation="Who",outcome="ok"}'
        rejected = 'billing_reports_requests_total{operation="Who",outcome="rejected"}'
        assert after.get(ok, 0) - before.get(ok, 0) == 15
        assert after.get(rejected, 0) - before.get(rejected, 0) == 5
        not_found = 'billing_reports_user_errors_total{code="NOT_FOUND"}'
        assert after.get(not_found, 0) - before.get(not_found, 0) == 4
        latency = 'billing_reports_request_duration_seconds_count{operation="Who",outcome="ok"}'
        assert after.get(latency, 0) - before.get(latency, 0) == 15


async def test_live_events_and_subscribers_are_summed_over_both_workers(
    pair: Worker, channel: Channel, deployment: Deployment
) -> None:
    before = await scrape_fresh(pair.http_url)
    async with (
        Dashboard.open(pair.ws_url, channel.north.token) as d1,
        Dashboard.open(pair.ws_url, channel.north.token) as d2,
        Dashboard.open(pair.ws_url, channel.north.token) as d3,
    ):
        subscriptions = [await d.subscribe() for d in (d1, d2, d3)]
        await until_metric(pair.http_url, "billing_reports_live_subscribers", 3)

        async with httpx.AsyncClient(base_url=pair.http_url, timeout=10) as client:
            submitted = await client.post(
                "/graphql",
                json={"query": op.SUBMIT, "variables": {"input": {"reportId": channel.reports["Alpha"], "version": 1}}},
                headers={"Authorization": f"Bearer {channel.alpha.token}"},
            )
        assert submitted.json()["data"]["submitReport"]["errors"] == []
        for dashboard, events in zip((d1, d2, d3), subscriptions, strict=True):
            await dashboard.next_event(events)
        after = await scrape_fresh(pair.http_url)

    # Each worker's hub heard the event through its own LISTEN: two receptions.
    assert after["billing_reports_live_events_total"] - before.get("billing_reports_live_events_total", 0) == 2
    await until_metric(pair.http_url, "billing_reports_live_subscribers", 0)


async def test_ready_on_a_migrated_database_with_its_listeners_up(pair: Worker) -> None:
    async with httpx.AsyncClient(base_url=pair.http_url, timeout=10) as client:
        for _ in range(4):
            response = await client.get("/ready")
            assert response.status_code == 200, response.text
            assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "live_events": "ok"}
