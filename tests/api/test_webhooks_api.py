"""Webhooks through GraphQL (docs/contract.md §13): managing endpoints, who may, listing
deliveries on both query paths, redelivery and the test ping — against a real receiver
on the loopback (the operator's switch for private networks on).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from cryptography.fernet import Fernet
from standardwebhooks.webhooks import Webhook
from tortoise.context import TortoiseContext

from models import BillingReport
from schema import ids
from tests.api.client import codes
from tests.api.steps import given_generated_reports
from tests.api.two_paths import Apps, post
from tests.receiver import Receiver, running_receiver
from tests.world import World, build_world
from vocabulary.enums import Scope
from workflow.access import tokens
from workflow.reports.actions import submit_report
from workflow.webhooks import config
from workflow.webhooks.dispatcher import Dispatcher

CREATE = """
mutation($url: String!, $types: [ReportEventAction!]) {
  createWebhookEndpoint(input: {url: $url, eventTypes: $types, description: "PSA"}) {
    secret endpoint { id url eventTypes description enabled } errors { code field message }
  }
}"""
UPDATE = """
mutation($id: ID!, $enabled: Boolean, $description: String) {
  updateWebhookEndpoint(input: {endpointId: $id, enabled: $enabled, description: $description}) {
    endpoint { id url description enabled eventTypes } errors { code field }
  }
}"""
ROTATE = "mutation($id: ID!) { rotateWebhookSecret(input: {endpointId: $id}) { secret errors { code } } }"
PING = """
mutation($id: ID!) { sendTestWebhook(input: {endpointId: $id}) { delivery { id eventType status } errors { code } } }"""
DELETE = """
mutation($id: ID!) { deleteWebhookEndpoint(input: {endpointId: $id}) { deletedEndpointId errors { code } } }"""
REDELIVER = """
mutation($id: ID!) {
  redeliverWebhook(input: {deliveryId: $id}) { delivery { id status eventType } errors { code } }
}"""
LIST = """
query($status: WebhookDeliveryStatus) {
  webhookEndpoints(first: 5) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node {
      __typename id url eventTypes description enabled createdAt
      deliveries(first: 10, status: $status) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node {
          __typename id eventType status nextAttemptAt
          attempts { attemptedAt responseStatus durationMs error }
          event { id action fromStatus toStatus version report { id status } }
        } }
      }
    } }
  }
}"""


@pytest.fixture(autouse=True)
def operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.SECRET_KEYS, Fernet.generate_key().decode())
    monkeypatch.setenv(config.ALLOW_PRIVATE, "1")


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


@pytest_asyncio.fixture
async def world(db: TortoiseContext) -> World:
    world = await build_world()
    await given_generated_reports(world)
    return world


async def both(apps: Apps, token: str | None, query: str, variables: dict[str, Any] | None = None) -> Any:
    """The answer, the same bytes from the compiled path and from Strawberry."""
    direct = await post(apps.direct, token, query, variables or {})
    general = await post(apps.general, token, query, variables or {})
    assert direct.content == general.content
    return direct.json()


async def mutate(apps: Apps, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    body = (await post(apps.direct, token, query, variables)).json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def test_an_endpoint_is_managed_listed_and_hears_its_reports(
    apps: Apps, world: World, receiver: Receiver
) -> None:
    owner = world.tier2_a1.token
    created = await mutate(apps, owner, CREATE, url=receiver.url("/psa"), types=["SUBMITTED", "APPROVED"])
    assert created["errors"] == [] and created["secret"].startswith("whsec_")
    endpoint = created["endpoint"]
    assert endpoint["eventTypes"] == ["SUBMITTED", "APPROVED"] or set(endpoint["eventTypes"]) == {
        "SUBMITTED",
        "APPROVED",
    }

    report = await BillingReport.get(partner_id=world.tier2_a1.organization.id)
    await submit_report(world.tier2_a1.actor, report.id, report.version)
    ping = await mutate(apps, owner, PING, id=endpoint["id"])
    assert ping["delivery"]["eventType"] == "ping" and ping["delivery"]["status"] == "PENDING"
    dispatcher = Dispatcher(ids.encode)
    await dispatcher.dispatch_due()
    await dispatcher.drain()
    for got in receiver.at("/psa"):
        Webhook(created["secret"]).verify(got.body, got.headers)

    listed = (await both(apps, owner, LIST))["data"]["webhookEndpoints"]
    assert listed["totalCount"] == 1
    deliveries = listed["edges"][0]["node"]["deliveries"]
    assert deliveries["totalCount"] == 2
    newest, oldest = (edge["node"] for edge in deliveries["edges"])
    assert newest["eventType"] == "ping" and newest["event"] is None
    assert oldest["eventType"] == "report.submitted" and oldest["event"]["action"] == "SUBMITTED"
    assert oldest["status"] == "SUCCEEDED" and oldest["attempts"][0]["responseStatus"] == 204
    failed_only = (await both(apps, owner, LIST, {"status": "FAILED"}))["data"]["webhookEndpoints"]
    assert failed_only["edges"][0]["node"]["deliveries"]["totalCount"] == 0

    again = await mutate(apps, owner, REDELIVER, id=oldest["id"])
    assert again["errors"] == [] and again["delivery"]["id"] != oldest["id"]

    updated = await mutate(apps, owner, UPDATE, id=endpoint["id"], enabled=False)
    assert (
        updated["endpoint"]["enabled"] is False and updated["endpoint"]["description"] == "PSA"
    )  # only what was given
    rotated = await mutate(apps, owner, ROTATE, id=endpoint["id"])
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    deleted = await mutate(apps, owner, DELETE, id=endpoint["id"])
    assert deleted["deletedEndpointId"] == endpoint["id"]
    assert (await both(apps, owner, LIST))["data"]["webhookEndpoints"]["totalCount"] == 0


async def test_who_may_manage_webhooks(apps: Apps, world: World, receiver: Receiver) -> None:
    read_only = (await tokens.issue_token(world.tier2_a1.organization, "reader", [Scope.REPORTS_READ])).token
    manager = (await tokens.issue_token(world.tier2_a1.organization, "hooks", [Scope.WEBHOOKS_MANAGE])).token
    url = receiver.url("/x")

    # Every tier's default token may; a token without the scope may not; no token may not.
    for token in (world.platform.token, world.tier1_a.token, world.tier2_a1.token, manager):
        assert (await mutate(apps, token, CREATE, url=url))["errors"] == []
    assert codes((await mutate(apps, read_only, CREATE, url=url))["errors"]) == ["FORBIDDEN"]
    listed = await both(apps, read_only, LIST)
    assert codes(listed["errors"]) == ["FORBIDDEN"]
    anonymous = await post(apps.direct, None, LIST, {})
    assert anonymous.status_code in (200, 401)

    # Another organization's endpoint and delivery answer as missing ones, and stay.
    alpha = (await both(apps, world.tier2_a1.token, LIST))["data"]["webhookEndpoints"]["edges"][0]["node"]["id"]
    ping = await mutate(apps, world.tier2_a1.token, PING, id=alpha)
    for stranger in (world.tier2_a2.token, world.tier1_b.token, world.platform.token):
        for operation in (UPDATE, ROTATE, PING, DELETE):
            assert codes((await mutate(apps, stranger, operation, id=alpha))["errors"]) == ["NOT_FOUND"]
        assert codes((await mutate(apps, stranger, REDELIVER, id=ping["delivery"]["id"]))["errors"]) == ["NOT_FOUND"]
    for wrong in (ids.encode(ids.BILLING_REPORT, 1), "nope"):
        assert codes((await mutate(apps, world.tier2_a1.token, UPDATE, id=wrong))["errors"]) == ["NOT_FOUND"]
    assert (await both(apps, world.tier2_a1.token, LIST))["data"]["webhookEndpoints"]["totalCount"] == 2


async def test_a_url_to_an_internal_address_is_invalid_input(
    apps: Apps, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.ALLOW_PRIVATE, "0")
    for url in ("http://example.com/", "https://127.0.0.1/", "https://192.168.1.10/hook", "not a url"):
        refused = await mutate(apps, world.tier2_a1.token, CREATE, url=url)
        assert codes(refused["errors"]) == ["INVALID_INPUT"] and refused["errors"][0]["field"] == "url"


async def test_at_most_ten_endpoints(apps: Apps, world: World, receiver: Receiver) -> None:
    for n in range(10):
        assert (await mutate(apps, world.tier1_a.token, CREATE, url=receiver.url(f"/{n}")))["errors"] == []
    assert codes((await mutate(apps, world.tier1_a.token, CREATE, url=receiver.url("/11")))["errors"]) == [
        "LIMIT_REACHED"
    ]
