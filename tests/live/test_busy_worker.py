"""A busy worker with a small pool answers every query: a request's reads share one connection.

Queries on the compiled path run inside ``workflow.database.sql.sharing_one_connection``:
one pooled connection for the request's token check and reads. Some reads go through the
ORM (history, a period's deadline window, an organization): if those took a second
connection while the request held the first, a worker whose every connection was held
by such a request would wait on itself until the pool timeout (503 ``SERVICE_BUSY``),
as the list and history benches found. The pool client hands the ORM the shared
connection instead (``server.postgres_pool``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.live.deployment import Channel, Deployment, running_deployment
from tests.live.fault_steps import post, serve_worker

pytestmark = pytest.mark.postgres_only

REQUESTS = 24
# Reads through the ORM and raw SQL in one request, on every report the caller sees.
DASHBOARD = """
query Dashboard($id: ID!) {
  viewer { organization { name } }
  billingPeriods { edges { node { label submissionDeadline } } }
  reports { totalCount edges { node { id totals { usedUnits } history { action actor { name } } } } }
  report(id: $id) { history { changes { lineItemId } } }
}
"""


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    yield from running_deployment(tmp_path_factory, "busy", worker_count=0)


async def test_many_queries_at_once_on_a_pool_of_two_all_answer_without_waiting_on_themselves(
    deployment: Deployment, channel: Channel
) -> None:
    worker = serve_worker(
        deployment, "small-pool", BILLING_REPORTS_POOL_SIZE="2", BILLING_REPORTS_POOL_TIMEOUT_SECONDS="3"
    )
    try:
        async with httpx.AsyncClient(base_url=worker.http_url) as client:
            answers = await asyncio.gather(
                *[post(client, channel.north, DASHBOARD, id=channel.reports["Alpha"]) for _ in range(REQUESTS)]
            )
    finally:
        worker.stop()

    assert [a.status_code for a in answers] == [200] * REQUESTS, {a.status_code: a.text for a in answers}
    bodies = [a.json() for a in answers]
    assert all("errors" not in body for body in bodies), bodies[0]
    assert bodies[0]["data"]["reports"]["totalCount"] == 2
