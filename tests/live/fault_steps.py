"""Steps of the fault tests: a worker of one's own, a report row held locked, what the database holds.

A request is made slow for real by holding its report's row lock from the test
(``SELECT ... FOR UPDATE`` on a connection of the test's own): the worker's mutation
takes its pool connection, begins its transaction and waits on the lock in
PostgreSQL, in flight, until the test lets go. Every wait here is bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from schema import ids
from tests.live.deployment import Deployment, Party, Worker, asyncpg_dsn


@dataclass
class _WorkerSetup(Deployment):
    """The deployment's database (or a URL to it through a proxy) and settings of one's own."""

    settings: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {**super().env(), **self.settings}


def serve_worker(deployment: Deployment, name: str, *, db_url: str | None = None, **settings: str) -> Worker:
    """One more ``billing-reports serve`` process on the deployment's database; the caller stops it."""
    setup = _WorkerSetup(db_url or deployment.db_url, deployment.log_dir, settings=settings)
    return setup.serve(name)  # never setup.stop(): that would drop the deployment's database


async def post(
    client: httpx.AsyncClient, party: Party, operation: str, timeout: float = 15.0, **variables: Any
) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": operation, "variables": variables},
        headers={"Authorization": f"Bearer {party.token}"},
        timeout=timeout,
    )


def error_codes(response: httpx.Response) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in response.json().get("errors") or []]


def payload_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), (response.status_code, body)
    (payload,) = body["data"].values()
    return payload  # type: ignore[no-any-return]


def report_pk(report_id: str) -> int:
    pk = ids.decode_as(ids.BILLING_REPORT, report_id)
    assert pk is not None
    return pk


@dataclass
class HeldRows:
    connection: asyncpg.Connection
    pid: int

    async def release(self) -> None:
        if not self.connection.is_closed():
            await self.connection.execute("ROLLBACK")


@asynccontextmanager
async def rows_locked(deployment: Deployment, *report_ids: str) -> AsyncIterator[HeldRows]:
    """The reports' rows locked FOR UPDATE by the test, until ``release()`` or the end of the block."""
    connection = await asyncpg.connect(asyncpg_dsn(deployment.db_url), timeout=10)
    try:
        await connection.execute("BEGIN")
        await connection.fetch(
            "SELECT id FROM billing_report WHERE id = ANY($1::bigint[]) FOR UPDATE", [report_pk(r) for r in report_ids]
        )
        held = HeldRows(connection, connection.get_server_pid())
        yield held
        await held.release()
    finally:
        await connection.close(timeout=5)


async def lock_waiters(deployment: Deployment, count: int, timeout: float = 10.0) -> None:
    """Wait until ``count`` sessions of the database wait on a lock (the requests are in flight)."""
    deadline = time.monotonic() + timeout
    while (waiting := await _lock_waiter_count(deployment)) < count:
        assert time.monotonic() < deadline, f"only {waiting} of {count} requests reached the lock"
        await asyncio.sleep(0.05)


async def _lock_waiter_count(deployment: Deployment) -> int:
    rows = await deployment.fetch(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return int(rows[0]["n"])


async def report_state(deployment: Deployment, report_id: str) -> tuple[str, int, list[str]]:
    """The report's status, version and history actions, as the database holds them."""
    pk = report_pk(report_id)
    (report,) = await deployment.fetch("SELECT status, version FROM billing_report WHERE id = $1", pk)
    history = await deployment.fetch("SELECT action FROM history_entry WHERE report_id = $1 ORDER BY id", pk)
    return report["status"], report["version"], [h["action"] for h in history]
