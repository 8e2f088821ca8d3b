"""Token revocation in a real deployment: two ``billing-reports serve`` processes on one PostgreSQL,
each caching tokens for 5 minutes here, so only the revocation's NOTIFY can make them refuse one.

A token used on worker B (so cached there), revoked by the command line in another process,
is refused by B at once, and B closes its sockets with 4403; after B's LISTEN connection is
killed and back, B has forgotten everything it cached (it may have missed revocations).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api import operations as op
from tests.api.dashboards import Dashboard
from tests.live.deployment import Channel, Deployment, Party, Worker, running_deployment

pytestmark = pytest.mark.postgres_only

CACHE_SECONDS = 300


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    yield from running_deployment(
        tmp_path_factory, "tokens", env={"BILLING_REPORTS_TOKEN_CACHE_SECONDS": str(CACHE_SECONDS)}
    )


async def viewer(worker: Worker, party: Party) -> int:
    async with httpx.AsyncClient(base_url=worker.http_url, timeout=15) as client:
        response = await client.post(
            "/graphql", json={"query": op.VIEWER}, headers={"Authorization": f"Bearer {party.token}"}
        )
    return response.status_code


async def refused_within(worker: Worker, party: Party, seconds: float) -> float:
    """How long until ``worker`` refuses ``party``'s token (fails after ``seconds``)."""
    started = time.monotonic()
    while await viewer(worker, party) != 401:
        assert time.monotonic() - started < seconds, f"{worker.name} still accepts the revoked token"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_a_token_revoked_by_the_command_line_is_refused_by_every_worker_at_once(
    deployment: Deployment, channel: Channel
) -> None:
    first, second = deployment.workers
    for worker in (first, second):
        assert await viewer(worker, channel.north) == 200  # now cached on both, for 5 minutes
        assert await viewer(worker, channel.north) == 200
    async with Dashboard.open(second.ws_url, channel.north.token) as dashboard:
        await dashboard.subscribe()
        await asyncio.to_thread(deployment.cli, "token", "revoke", channel.north.token)
        assert await dashboard.close_code(timeout=1) == 4403  # not after the minute's recheck
    for worker in (first, second):
        assert await refused_within(worker, channel.north, 1.0) < 1.0
    assert await viewer(second, channel.south) == 200  # the others are unaffected


async def test_a_revocation_missed_while_the_listen_connection_was_down_is_not_served_from_the_cache(
    deployment: Deployment, channel: Channel
) -> None:
    second = deployment.workers[1]
    assert await viewer(second, channel.alpha) == 200  # cached on the second worker
    assert await deployment.kill_listener(second) == 1
    # Revoked behind the listener's back (no NOTIFY at all): only the cleared cache refuses it.
    await deployment.execute(
        "UPDATE api_token SET revoked_at = now() WHERE principal_id IN "
        f"(SELECT id FROM principal WHERE organization_id = {channel.alpha.organization_id})"
    )
    assert await refused_within(second, channel.alpha, 10.0) < 10.0
