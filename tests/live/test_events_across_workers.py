"""Live events in a real deployment: two ``billing-reports serve`` processes on one PostgreSQL.

Each worker holds its own LISTEN connection; a step committed through one worker (or by
the command line, in yet another process) reaches the dashboards connected to every
worker. Real processes, real sockets, a real migrated database — and faults made for
real: a commit that fails after the NOTIFY was queued (a deferred trigger), and a
worker's LISTEN connection killed with ``pg_terminate_backend``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.api import operations as op
from tests.api.dashboards import Dashboard, error_codes
from tests.live.deployment import FAIL_AT_COMMIT, Channel, Deployment, Party, Worker, running_deployment

pytestmark = pytest.mark.postgres_only


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    yield from running_deployment(tmp_path_factory, "live")


@pytest_asyncio.fixture
async def clients(deployment: Deployment) -> AsyncIterator[list[httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(base_url=deployment.workers[0].http_url, timeout=15) as first,
        httpx.AsyncClient(base_url=deployment.workers[1].http_url, timeout=15) as second,
    ):
        yield [first, second]


async def send(client: httpx.AsyncClient, party: Party, operation: str, **input: Any) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": operation, "variables": {"input": input}},
        headers={"Authorization": f"Bearer {party.token}"},
    )
    body = response.json()
    assert response.status_code == 200, body
    return body


async def act(client: httpx.AsyncClient, party: Party, operation: str, **input: Any) -> dict[str, Any]:
    body = await send(client, party, operation, **input)
    assert not body.get("errors"), body
    (payload,) = body["data"].values()
    assert payload["errors"] == [], payload
    return payload  # type: ignore[no-any-return]


async def test_an_approval_through_one_worker_reaches_dashboards_on_both(
    deployment: Deployment, channel: Channel, clients: list[httpx.AsyncClient]
) -> None:
    first, second = deployment.workers
    alpha = channel.reports["Alpha"]
    async with (
        Dashboard.open(second.ws_url, channel.north.token) as on_second,
        Dashboard.open(first.ws_url, channel.north.token) as on_first,
    ):
        there = await on_second.subscribe({"filter": {"period": channel.period}})
        here = await on_first.subscribe()

        await act(clients[0], channel.alpha, op.SUBMIT, reportId=alpha, version=1)
        await act(clients[0], channel.north, op.APPROVE, reportId=alpha, version=2, comment="ok")

        for dashboard, events in ((on_second, there), (on_first, here)):
            submitted, approved = await dashboard.next_event(events), await dashboard.next_event(events)
            assert [(e["action"], e["version"]) for e in (submitted, approved)] == [("SUBMITTED", 2), ("APPROVED", 3)]
            assert approved["report"]["id"] == alpha and approved["report"]["status"] == "APPROVED"
            assert approved["actor"]["organization"]["id"] == channel.north.id


async def test_a_refused_and_a_rolled_back_approval_emit_nothing(
    deployment: Deployment, channel: Channel, clients: list[httpx.AsyncClient]
) -> None:
    _, second = deployment.workers
    alpha = channel.reports["Alpha"]
    await act(clients[0], channel.alpha, op.SUBMIT, reportId=alpha, version=1)
    async with Dashboard.open(second.ws_url, channel.north.token) as north:
        events = await north.subscribe()

        stale = await send(clients[0], channel.north, op.APPROVE, reportId=alpha, version=1)
        assert [e["code"] for e in stale["data"]["approveReport"]["errors"]] == ["VERSION_CONFLICT"]
        # The worker runs the whole step and its NOTIFY; the COMMIT then fails (deferred trigger).
        failed = await send(clients[0], channel.north, op.APPROVE, reportId=alpha, version=2, comment=FAIL_AT_COMMIT)
        assert failed["errors"][0]["message"] == "Unexpected error.", failed
        await north.expect_nothing(events, 1.0)
        await act(clients[0], channel.north, op.APPROVE, reportId=alpha, version=2)  # still version 2

        approved = await north.next_event(events)
        assert (approved["action"], approved["version"], approved["comment"]) == ("APPROVED", 3, None)
        await north.expect_nothing(events, 0.5)


async def test_a_dashboard_of_another_tenant_hears_nothing(
    deployment: Deployment, channel: Channel, clients: list[httpx.AsyncClient]
) -> None:
    first, second = deployment.workers
    async with (
        Dashboard.open(second.ws_url, channel.south.token) as south,
        Dashboard.open(first.ws_url, channel.beta.token) as beta,
    ):
        south_events = await south.subscribe()
        naming_alpha = await south.subscribe({"filter": {"partnerId": channel.alpha.id}})
        beta_events = await beta.subscribe()

        await act(clients[0], channel.alpha, op.SUBMIT, reportId=channel.reports["Alpha"], version=1)
        await act(clients[1], channel.north, op.APPROVE, reportId=channel.reports["Alpha"], version=2)
        await act(clients[0], channel.gamma, op.SAVE_DRAFT, reportId=channel.reports["Gamma"], version=1)

        heard = await south.next_event(south_events)  # commit order: Alpha's would have come first
        assert (heard["report"]["id"], heard["action"]) == (channel.reports["Gamma"], "SAVED")
        await south.expect_nothing(naming_alpha, 0.5)
        await beta.expect_nothing(beta_events, 0.1)  # a sibling of Alpha under the same Tier 1


async def test_after_its_listen_connection_is_killed_a_worker_hears_events_again_within_seconds(
    deployment: Deployment, channel: Channel, clients: list[httpx.AsyncClient]
) -> None:
    _, second = deployment.workers
    async with Dashboard.open(second.ws_url, channel.north.token) as north:
        before = await north.subscribe()
        assert await deployment.kill_listener(second) == 1
        killed_at = time.monotonic()

        # The subscription that may have missed events is ended: refetch, subscribe again.
        ended = await north.next_message(before, timeout=10)
        assert ended["type"] == "next" and error_codes(ended) == ["EVENTS_MISSED"], ended
        again = await resubscribe(north, deadline=killed_at + 15)
        recovered_in = time.monotonic() - killed_at
        assert second.listener_name in await deployment.listeners()

        await act(clients[0], channel.alpha, op.SAVE_DRAFT, reportId=channel.reports["Alpha"], version=1)
        heard = await north.next_event(again)
        assert (heard["action"], heard["version"]) == ("SAVED", 2)
    assert recovered_in < 10, f"the worker listened again only after {recovered_in:.1f} s"


async def resubscribe(dashboard: Dashboard, deadline: float) -> str:
    """Subscribe until the worker accepts (it refuses while it is reconnecting)."""
    while True:
        operation = await dashboard.subscribe()  # returns once registered or refused
        refused = dashboard.received(operation)
        if refused is None:
            return operation
        assert refused["type"] == "error" and error_codes(refused) == ["EVENTS_UNAVAILABLE"], refused
        assert time.monotonic() < deadline, "the worker did not listen again in time"
        await asyncio.sleep(0.2)


async def test_the_command_line_in_another_process_is_heard_too(deployment: Deployment, channel: Channel) -> None:
    first, _ = deployment.workers
    async with Dashboard.open(first.ws_url, channel.north.token) as north:
        events = await north.subscribe({"filter": {"period": channel.period}})

        await asyncio.to_thread(deployment.cli, "auto-submit", "--as-of", "2099-01-01T00:00:00Z")

        heard = [await north.next_event(events) for _ in range(2)]  # Alpha's and Beta's, overdue
        assert {(e["action"], e["toStatus"], e["actor"]) for e in heard} == {("AUTO_SUBMITTED", "UNDER_REVIEW", None)}
        assert {e["report"]["id"] for e in heard} == {channel.reports["Alpha"], channel.reports["Beta"]}


async def test_close_codes_and_the_limits_on_a_served_worker(deployment: Deployment, channel: Channel) -> None:
    worker: Worker = deployment.workers[0]
    async with Dashboard.connect(worker.ws_url) as no_token:
        await no_token.init({})
        assert await no_token.close_code() == 4403
    async with Dashboard.connect(worker.ws_url) as bad_token:
        await bad_token.init({"Authorization": "Bearer brt_forged"})
        assert await bad_token.close_code() == 4403
    async with Dashboard.open(worker.ws_url, channel.north.token) as north:
        for _ in range(20):
            assert north.received(await north.subscribe()) is None
        refused = await north.next_message(await north.subscribe())
        assert refused["type"] == "error" and refused["payload"][0]["message"] == "Subscription limit reached"
    async with Dashboard.open(worker.ws_url, channel.north.token) as oversized:
        await oversized.subscribe({"filter": {"period": "x" * (1024 * 1024)}}, live=False)
        assert await oversized.close_code() == 1009  # "message too big": bounded like a POST body
    async with Dashboard.connect(worker.ws_url) as silent:
        started = time.monotonic()
        assert await silent.close_code(timeout=20) == 4408
        assert 9 <= time.monotonic() - started <= 15


async def test_serve_runs_several_workers_on_postgresql_each_listening(
    deployment: Deployment, channel: Channel, clients: list[httpx.AsyncClient]
) -> None:
    before = await deployment.listeners()
    pair = await asyncio.to_thread(deployment.serve, "two-workers", 2)
    try:
        async with asyncio.timeout(30):
            while len(await deployment.listeners()) < len(before) + 2:
                await asyncio.sleep(0.2)
        async with (
            Dashboard.open(pair.ws_url, channel.north.token) as d1,
            Dashboard.open(pair.ws_url, channel.north.token) as d2,
            Dashboard.open(pair.ws_url, channel.north.token) as d3,
            Dashboard.open(pair.ws_url, channel.north.token) as d4,
        ):
            dashboards = [d1, d2, d3, d4]  # spread by the kernel over the two workers
            subscriptions = [await d.subscribe() for d in dashboards]

            await act(clients[0], channel.beta, op.SUBMIT, reportId=channel.reports["Beta"], version=1)

            for dashboard, events in zip(dashboards, subscriptions, strict=True):
                heard = await dashboard.next_event(events)
                assert (heard["report"]["id"], heard["action"]) == (channel.reports["Beta"], "SUBMITTED")
    finally:
        await asyncio.to_thread(pair.stop)


async def test_a_stopping_worker_closes_its_dashboards_with_1012_and_exits_promptly(
    deployment: Deployment, channel: Channel
) -> None:
    leaving = await asyncio.to_thread(deployment.serve, "leaving", 1)
    try:
        async with Dashboard.open(leaving.ws_url, channel.north.token) as north:
            await north.subscribe()
            started = time.monotonic()
            leaving.process.terminate()  # SIGTERM, as a deploy does

            assert await north.close_code(timeout=10) == 1012  # "service restart": reconnect, refetch
            await asyncio.to_thread(leaving.process.wait, 15)  # uvicorn ends by re-raising SIGTERM
            assert time.monotonic() - started < 10
        assert "Application shutdown complete." in leaving.log_tail()  # the lifespan ran to its end
    finally:
        await asyncio.to_thread(leaving.stop)
