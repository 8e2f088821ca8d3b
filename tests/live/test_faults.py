"""Faults on PostgreSQL, on real ``billing-reports serve`` processes (docs/operations.md, "Faults"; issue #5 item 3).

- PostgreSQL restarted under traffic: the worker talks to PostgreSQL through a proxy
  (``tests.live.flaky_postgres``) that cuts every connection and refuses new ones, then
  listens again. Requests during the outage get **503** ``DATABASE_UNAVAILABLE`` at once,
  the one cut in flight changes nothing, and the same process answers again by itself.
- A saturated pool: every connection of a worker's pool held by requests waiting on a row
  lock; the next request gets **503** ``SERVICE_BUSY`` within the pool timeout, and runs
  nothing; once the lock is let go, all is normal.
- SIGTERM: the worker stops listening at once, lets the request in flight finish and
  commit, and exits; one that outlasts the grace period is cancelled and rolled back.

Requests are made slow for real: the test holds the report's row lock in PostgreSQL.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from tests.api import operations as op
from tests.live.deployment import Channel, Deployment, Worker, running_deployment
from tests.live.fault_steps import (
    error_codes,
    lock_waiters,
    payload_of,
    post,
    report_state,
    rows_locked,
    serve_worker,
)
from tests.live.flaky_postgres import FlakyPostgres

pytestmark = pytest.mark.postgres_only

POOL_TIMEOUT = 1.0  # seconds; the workers of the pool test wait this long for a connection
RECOVERY_BOUND = 10.0  # seconds from PostgreSQL's return to a correct answer


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    yield from running_deployment(tmp_path_factory, "faults", worker_count=0)


@pytest.fixture
def flaky_postgres(deployment: Deployment) -> Iterator[FlakyPostgres]:
    proxy = FlakyPostgres.in_front_of(deployment.db_url).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest_asyncio.fixture
async def worker_through_proxy(deployment: Deployment, flaky_postgres: FlakyPostgres) -> AsyncIterator[Worker]:
    worker = await asyncio.to_thread(
        serve_worker, deployment, "through-proxy", db_url=flaky_postgres.url_for(deployment.db_url)
    )
    try:
        yield worker
    finally:
        await asyncio.to_thread(worker.stop)


# --- PostgreSQL restarted under traffic ----------------------------------------------------


async def test_after_postgresql_restarts_under_traffic_the_same_worker_answers_again_by_itself(
    deployment: Deployment, channel: Channel, flaky_postgres: FlakyPostgres, worker_through_proxy: Worker
) -> None:
    alpha, beta = channel.reports["Alpha"], channel.reports["Beta"]
    beta_before = await report_state(deployment, beta)
    async with httpx.AsyncClient(base_url=worker_through_proxy.http_url) as client:
        assert payload_of(await post(client, channel.alpha, op.REPORT_SUMMARY, id=alpha))["version"] == 1

        async with rows_locked(deployment, beta) as held:  # Beta's submit is in flight when PostgreSQL goes
            cut_in_flight = asyncio.create_task(
                post(client, channel.beta, op.SUBMIT, input={"reportId": beta, "version": 1})
            )
            await lock_waiters(deployment, 1)
            went_down = time.monotonic()
            assert await asyncio.to_thread(flaky_postgres.go_down) >= 1
            # As in a real restart, PostgreSQL ends every session of the worker (not the test's lock).
            await deployment.execute(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = current_database() AND pid NOT IN "
                f"(pg_backend_pid(), {held.pid})"
            )

            during = await asyncio.gather(
                cut_in_flight,
                post(client, channel.alpha, op.REPORT_SUMMARY, id=alpha),
                post(client, channel.alpha, op.SUBMIT, input={"reportId": alpha, "version": 1}),
                post(client, channel.north, op.REPORTS, filter={"period": channel.period}),
            )
            answered_in = time.monotonic() - went_down
            for response in during:
                assert response.status_code == 503, response.text
                assert error_codes(response) == ["DATABASE_UNAVAILABLE"], response.text
                assert "nothing this request did was kept" in response.json()["errors"][0]["message"]
                assert response.headers["retry-after"] == "1"
                assert response.headers["x-request-id"]
            assert answered_in < 3, f"requests during the outage took {answered_in:.1f} s to be refused"
            await asyncio.sleep(1.0)  # down for a while, as PostgreSQL is while it restarts
            await asyncio.to_thread(flaky_postgres.come_up)
        came_up = time.monotonic()

        while (response := await post(client, channel.alpha, op.REPORT_SUMMARY, id=alpha)).status_code != 200:
            assert error_codes(response) == ["DATABASE_UNAVAILABLE"], response.text
            assert time.monotonic() - came_up < RECOVERY_BOUND, "the worker did not answer again in time"
            await asyncio.sleep(0.1)
        assert payload_of(response)["version"] == 1  # the refused submit did nothing

        submitted = payload_of(await post(client, channel.alpha, op.SUBMIT, input={"reportId": alpha, "version": 1}))
        assert submitted["errors"] == [] and submitted["report"]["status"] == "UNDER_REVIEW"
    assert worker_through_proxy.process.poll() is None  # the same process, never restarted
    assert await report_state(deployment, beta) == beta_before  # the cut submit left nothing half-written
    assert (await report_state(deployment, alpha))[1:] == (2, ["GENERATED", "SUBMITTED"])


# --- a saturated pool ----------------------------------------------------------------------


async def test_a_request_finding_every_pool_connection_in_use_gets_service_busy_within_the_pool_timeout(
    deployment: Deployment, channel: Channel
) -> None:
    worker = await asyncio.to_thread(
        serve_worker,
        deployment,
        "small-pool",
        BILLING_REPORTS_POOL_SIZE="2",
        BILLING_REPORTS_POOL_TIMEOUT_SECONDS=str(POOL_TIMEOUT),
    )
    alpha, beta, gamma = (channel.reports[name] for name in ("Alpha", "Beta", "Gamma"))
    gamma_before = await report_state(deployment, gamma)
    try:
        async with httpx.AsyncClient(base_url=worker.http_url) as client:
            async with rows_locked(deployment, alpha, beta) as held:
                # Each submit holds one of the two connections, its transaction waiting on the lock.
                holding = [
                    asyncio.create_task(post(client, party, op.SUBMIT, input={"reportId": report, "version": 1}))
                    for party, report in ((channel.alpha, alpha), (channel.beta, beta))
                ]
                await lock_waiters(deployment, 2)

                started = time.monotonic()
                busy = await post(client, channel.gamma, op.SUBMIT, input={"reportId": gamma, "version": 1})
                refused_in = time.monotonic() - started
                assert busy.status_code == 503, busy.text
                assert error_codes(busy) == ["SERVICE_BUSY"], busy.text
                assert "nothing this request did was kept" in busy.json()["errors"][0]["message"]
                assert busy.headers["retry-after"] == "1"
                assert POOL_TIMEOUT * 0.9 <= refused_in < POOL_TIMEOUT + 2, f"refused after {refused_in:.2f} s"

                await held.release()
                for submit in await asyncio.gather(*holding):  # the held ones were only slow
                    assert payload_of(submit)["errors"] == []
            assert await report_state(deployment, gamma) == gamma_before  # the busy one never began

            again = payload_of(await post(client, channel.gamma, op.SUBMIT, input={"reportId": gamma, "version": 1}))
            assert again["errors"] == [] and again["report"]["version"] == 2
    finally:
        await asyncio.to_thread(worker.stop)


# --- SIGTERM -------------------------------------------------------------------------------


async def test_on_sigterm_a_worker_refuses_new_connections_finishes_the_request_in_flight_and_exits(
    deployment: Deployment, channel: Channel
) -> None:
    worker = await asyncio.to_thread(serve_worker, deployment, "stopping")
    alpha = channel.reports["Alpha"]
    try:
        async with httpx.AsyncClient(base_url=worker.http_url) as client, rows_locked(deployment, alpha) as held:
            in_flight = asyncio.create_task(
                post(client, channel.alpha, op.SUBMIT, input={"reportId": alpha, "version": 1})
            )
            await lock_waiters(deployment, 1)

            worker.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            await refused_connections(worker, timeout=5)
            assert not in_flight.done()
            await held.release()

            submitted = payload_of(await in_flight)
            assert submitted["errors"] == [] and submitted["report"]["version"] == 2
        await asyncio.to_thread(worker.process.wait, 10)
        assert time.monotonic() - signalled < 10
        # uvicorn ends a clean shutdown by re-raising the signal: "stopped by SIGTERM".
        assert worker.process.returncode == -signal.SIGTERM, worker.log_tail()
        assert "Application shutdown complete." in worker.log_tail()
        assert await report_state(deployment, alpha) == ("UNDER_REVIEW", 2, ["GENERATED", "SUBMITTED"])
    finally:
        await asyncio.to_thread(worker.stop)


async def test_on_sigterm_a_request_outlasting_the_grace_period_is_rolled_back(
    deployment: Deployment, channel: Channel
) -> None:
    worker = await asyncio.to_thread(serve_worker, deployment, "impatient", BILLING_REPORTS_SHUTDOWN_GRACE_SECONDS="1")
    beta = channel.reports["Beta"]
    before = await report_state(deployment, beta)
    try:
        async with httpx.AsyncClient(base_url=worker.http_url) as client, rows_locked(deployment, beta):
            in_flight = asyncio.create_task(
                post(client, channel.beta, op.SUBMIT, input={"reportId": beta, "version": 1})
            )
            await lock_waiters(deployment, 1)
            worker.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()

            await asyncio.to_thread(worker.process.wait, 10)  # the lock is still held
            assert time.monotonic() - signalled < 5
            cut_off = await in_flight
            assert cut_off.status_code == 503 and error_codes(cut_off) == ["SHUTTING_DOWN"], cut_off.text
        assert await report_state(deployment, beta) == before
        assert "timeout graceful shutdown exceeded" in worker.log_tail()
    finally:
        await asyncio.to_thread(worker.stop)


async def refused_connections(worker: Worker, timeout: float) -> None:
    """Wait until the worker's port refuses new connections."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", worker.port), 1)
        except ConnectionRefusedError:
            return
        writer.close()
        assert time.monotonic() < deadline, "the worker still accepts connections after SIGTERM"
        await asyncio.sleep(0.05)
