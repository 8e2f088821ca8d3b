"""Webhooks in a real deployment: two ``billing-reports serve`` processes on one PostgreSQL,
each running its dispatcher, and a real receiver on the loopback.

Every delivery is sent once although both processes claim; deliveries committed while no
process serves (by another process) are sent by the next process started.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from cryptography.fernet import Fernet
from standardwebhooks.webhooks import Webhook

from schema import ids
from server.database_session import open_database
from tests.live.deployment import Channel, Deployment, Party, running_deployment
from tests.receiver import Receiver, running_receiver
from workflow.reports.actions import submit_report
from workflow.webhooks import config

pytestmark = pytest.mark.postgres_only

CREATE = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id } errors { code message } }
}"""
SUBMIT = """
mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { version } errors { code } } }"""


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    env = {
        config.SECRET_KEYS: Fernet.generate_key().decode(),
        config.ALLOW_PRIVATE: "1",
        config.POLL_SECONDS: "0.2",
    }
    yield from running_deployment(tmp_path_factory, "webhooks", env=env)


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


async def act(worker_url: str, party: Party, operation: str, **input: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=worker_url, timeout=15) as client:
        response = await client.post(
            "/graphql",
            json={"query": operation, "variables": {"input": input}},
            headers={"Authorization": f"Bearer {party.token}"},
        )
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    (payload,) = body["data"].values()
    assert payload["errors"] == [], payload
    return payload  # type: ignore[no-any-return]


async def test_two_serving_processes_send_each_delivery_once(
    deployment: Deployment, channel: Channel, receiver: Receiver
) -> None:
    first, second = (worker.http_url for worker in deployment.workers)
    secrets = {}
    for n in range(3):  # the platform hears every report
        created = await act(first, channel.platform, CREATE, url=receiver.url(f"/p{n}"))
        secrets[f"/p{n}"] = created["secret"]
    await act(second, channel.north, CREATE, url=receiver.url("/north"))  # Alpha's and Beta's only

    for n, partner in enumerate((channel.alpha, channel.beta, channel.gamma)):
        await act((first, second)[n % 2], partner, SUBMIT, reportId=channel.reports[partner.name], version=1)

    for path in secrets:
        for got in await receiver.wait_for(path, count=3, timeout=10):
            Webhook(secrets[path]).verify(got.body, got.headers)
    await receiver.wait_for("/north", count=2, timeout=10)
    await asyncio.sleep(1.0)  # a second send would have come by now (both poll every 0.2 s)
    heard = [r.headers["webhook-id"] for r in receiver.received]
    assert len(heard) == len(set(heard)) == 3 * 3 + 2


async def test_deliveries_committed_while_nothing_serves_are_sent_after_a_restart(
    deployment: Deployment, channel: Channel, receiver: Receiver
) -> None:
    await act(deployment.workers[0].http_url, channel.platform, CREATE, url=receiver.url("/later"))
    for worker in deployment.workers:
        worker.stop()
    deployment.workers.clear()

    # Meanwhile another process (this one, through the workflow) commits three submissions.
    async with open_database(deployment.db_url):
        for partner in (channel.alpha, channel.beta, channel.gamma):
            report_pk = ids.decode_as(ids.BILLING_REPORT, channel.reports[partner.name])
            assert report_pk is not None
            await submit_report(partner.actor, report_pk, 1)
    await asyncio.sleep(0.5)
    assert not receiver.at("/later")

    deployment.workers.append(deployment.serve("restarted"))
    got = await receiver.wait_for("/later", count=3, timeout=15)
    assert {r.body.count(b"report.submitted") for r in got} == {1}
