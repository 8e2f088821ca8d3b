"""Webhooks end to end on a real database and a real HTTP receiver on the loopback
(docs/contract.md §13), the operator's switch for private networks on.

Signatures are checked by the Standard Webhooks library itself, as a receiver would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
import pytest_asyncio
from cryptography.fernet import Fernet
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from models import BillingReport, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from schema import ids
from tests.conftest import ON_POSTGRES
from tests.integration.scenarios import given_generated_reports, report_of
from tests.receiver import Receiver, running_receiver
from tests.world import Party, World
from vocabulary.enums import ReportEventAction, WebhookDeliveryStatus
from workflow.core.actors import can_see
from workflow.core.errors import ErrorCode, InvalidInput, LimitReached
from workflow.core.webhooks import MAX_ENDPOINTS_PER_ORGANIZATION
from workflow.database.unit_of_work import unit_of_work
from workflow.reports.actions import submit_report
from workflow.reports.steps import ownership_of
from workflow.webhooks import config, endpoints
from workflow.webhooks import dispatcher as dispatcher_module
from workflow.webhooks.dispatcher import LEASE, Dispatcher, claim


@pytest.fixture(autouse=True)
def operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.SECRET_KEYS, Fernet.generate_key().decode())
    monkeypatch.setenv(config.ALLOW_PRIVATE, "1")
    monkeypatch.setenv(config.POLL_SECONDS, "0.05")


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


async def dispatched(dispatcher: Dispatcher) -> int:
    """One round: claim what is due, send it, wait for the answers."""
    count = await dispatcher.dispatch_due()
    await dispatcher.drain()
    return count


async def make_due_now() -> None:
    await WebhookDelivery.filter(status=WebhookDeliveryStatus.PENDING).update(next_attempt_at=datetime.now(UTC))


async def submit(party: Party) -> BillingReport:
    report = await report_of(party)
    await submit_report(party.actor, report.id, report.version)
    return report


async def test_a_submission_is_posted_signed_and_verifies_with_the_standard_library(
    world: World, receiver: Receiver
) -> None:
    await given_generated_reports(world)
    created = await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/a1"), [], "PSA")
    assert created.secret.startswith("whsec_")
    assert created.secret not in (await WebhookEndpoint.get(id=created.endpoint.id)).secret_encrypted

    report = await submit(world.tier2_a1)
    assert await dispatched(Dispatcher(ids.encode)) == 1

    (got,) = receiver.at("/a1")
    payload = Webhook(created.secret).verify(got.body, got.headers)
    assert payload["type"] == "report.submitted"
    assert payload["data"]["reportId"] == ids.encode(ids.BILLING_REPORT, report.id)
    assert payload["data"]["action"] == "SUBMITTED" and payload["data"]["toStatus"] == "UNDER_REVIEW"
    assert payload["data"]["version"] == report.version + 1 and payload["data"]["period"] == "2026-10"
    assert payload["timestamp"].endswith("Z")
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoints.secrets.new_secret()).verify(got.body, got.headers)
    delivery = await WebhookDelivery.get(endpoint_id=created.endpoint.id)
    assert delivery.status is WebhookDeliveryStatus.SUCCEEDED and got.headers["webhook-id"] == delivery.message_id
    (attempt,) = await WebhookAttempt.filter(delivery_id=delivery.id)
    assert attempt.response_status == 204 and attempt.error is None


async def test_an_endpoint_hears_only_what_its_organization_may_see(world: World, receiver: Receiver) -> None:
    await given_generated_reports(world)
    parties = [world.platform, world.tier1_a, world.tier1_b, world.tier2_a1, world.tier2_a2]
    for party in parties:
        await endpoints.create_endpoint(party.actor, receiver.url(f"/{party.organization.id}"), [], "")

    report = await submit(world.tier2_a1)
    await dispatched(Dispatcher(ids.encode))

    await report.fetch_related("partner")
    for party in parties:
        heard = len(receiver.at(f"/{party.organization.id}"))
        assert heard == (1 if can_see(party.actor, ownership_of(report)) else 0), party.organization.name


async def test_an_endpoint_hears_only_the_actions_it_chose(world: World, receiver: Receiver) -> None:
    await given_generated_reports(world)
    await endpoints.create_endpoint(world.tier1_a.actor, receiver.url("/approved"), [ReportEventAction.APPROVED], "")
    await submit(world.tier2_a1)
    assert await WebhookDelivery.all().count() == 0


async def test_a_rolled_back_action_writes_no_delivery(world: World, receiver: Receiver) -> None:
    await given_generated_reports(world)
    await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/a1"), [], "")
    report = await report_of(world.tier2_a1)

    with pytest.raises(RuntimeError):
        async with unit_of_work():
            await submit_report(world.tier2_a1.actor, report.id, report.version)
            assert await WebhookDelivery.all().count() == 1  # written with the step...
            raise RuntimeError("the action fails after its step")

    assert await WebhookDelivery.all().count() == 0  # ...and rolled back with it
    assert await dispatched(Dispatcher(ids.encode)) == 0 and not receiver.received


async def test_a_500_is_retried_on_the_schedule_with_the_same_webhook_id(world: World, receiver: Receiver) -> None:
    await given_generated_reports(world)
    receiver.answers["/flaky"] = [500, 204]
    await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/flaky"), [], "")
    await submit(world.tier2_a1)
    dispatcher = Dispatcher(ids.encode)

    await dispatched(dispatcher)
    delivery = await WebhookDelivery.get()
    assert delivery.status is WebhookDeliveryStatus.PENDING and delivery.attempt_count == 1
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - (await WebhookAttempt.get()).attempted_at
    assert timedelta(seconds=5) <= wait < timedelta(seconds=6)  # 5 s after the failed attempt ended
    assert await dispatched(dispatcher) == 0  # not due yet

    await make_due_now()
    await dispatched(dispatcher)

    first, second = receiver.at("/flaky")
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    delivery = await WebhookDelivery.get()
    assert delivery.status is WebhookDeliveryStatus.SUCCEEDED and delivery.attempt_count == 2
    assert [a.response_status for a in await WebhookAttempt.all().order_by("id")] == [500, 204]


async def test_a_delivery_fails_after_its_eighth_attempt(world: World, receiver: Receiver) -> None:
    await given_generated_reports(world)
    receiver.answers["/down"] = [503]
    await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/down"), [], "")
    await submit(world.tier2_a1)
    dispatcher = Dispatcher(ids.encode)
    for _ in range(8):
        await make_due_now()
        await dispatched(dispatcher)
    delivery = await WebhookDelivery.get()
    assert delivery.status is WebhookDeliveryStatus.FAILED and delivery.attempt_count == 8
    assert delivery.next_attempt_at is None


async def test_410_fails_the_delivery_and_disables_the_endpoint(world: World, receiver: Receiver) -> None:
    await given_generated_reports(world)
    receiver.answers["/gone"] = [410]
    created = await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/gone"), [], "")
    await submit(world.tier2_a1)
    await dispatched(Dispatcher(ids.encode))

    assert (await WebhookDelivery.get()).status is WebhookDeliveryStatus.FAILED
    assert not (await WebhookEndpoint.get(id=created.endpoint.id)).enabled
    await endpoints.send_test(world.tier2_a1.actor, created.endpoint.id)
    assert await dispatched(Dispatcher(ids.encode)) == 0  # a disabled endpoint is sent nothing


async def test_a_hanging_receiver_does_not_delay_another(
    world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_generated_reports(world)
    receiver.hanging.add("/hangs")
    await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/hangs"), [], "")
    await endpoints.create_endpoint(world.tier1_a.actor, receiver.url("/quick"), [], "")
    dispatcher = Dispatcher(ids.encode)
    running = asyncio.create_task(dispatcher.run())
    try:
        await submit(world.tier2_a1)
        await receiver.wait_for("/hangs")
        await receiver.wait_for("/quick", timeout=2)
        await submit(world.tier2_a2)  # the next event reaches the quick receiver too
        await receiver.wait_for("/quick", count=2, timeout=2)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_a_rotated_secret_signs_beside_the_old_one(world: World, receiver: Receiver) -> None:
    await given_generated_reports(world)
    created = await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/a1"), [], "")
    rotated = await endpoints.rotate_secret(world.tier2_a1.actor, created.endpoint.id)
    assert rotated.secret != created.secret
    await submit(world.tier2_a1)
    await dispatched(Dispatcher(ids.encode))

    (got,) = receiver.at("/a1")
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    for secret in (created.secret, rotated.secret):
        Webhook(secret).verify(got.body, got.headers)

    row = await WebhookEndpoint.get(id=created.endpoint.id)
    row.previous_secret_expires_at = datetime.now(UTC) - timedelta(seconds=1)  # 24 hours later
    await row.save()
    await endpoints.send_test(world.tier2_a1.actor, created.endpoint.id)
    await dispatched(Dispatcher(ids.encode))
    ping = receiver.at("/a1")[1]
    assert orjson.loads(ping.body)["type"] == "ping"
    assert len(ping.headers["webhook-signature"].split(" ")) == 1
    Webhook(rotated.secret).verify(ping.body, ping.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(created.secret).verify(ping.body, ping.headers)


async def test_internal_addresses_are_refused_at_creation_and_at_each_attempt(
    world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_generated_reports(world)
    created = await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/a1"), [], "")
    monkeypatch.setenv(config.ALLOW_PRIVATE, "0")
    for url in (
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/",
        "https://[::1]/",
        "https://169.254.169.254/latest",
        "https://localhost/",
        "ftp://example.com/",
    ):
        with pytest.raises(InvalidInput) as refused:
            await endpoints.create_endpoint(world.tier2_a1.actor, url, [], "")
        assert refused.value.problems[0].code is ErrorCode.INVALID_INPUT and refused.value.problems[0].field == "url"

    await submit(world.tier2_a1)  # the endpoint made while allowed: refused when sending
    await dispatched(Dispatcher(ids.encode))
    assert not receiver.received
    (attempt,) = await WebhookAttempt.all()
    assert attempt.response_status is None and attempt.error is not None and "refused" in attempt.error
    assert (await WebhookDelivery.get(endpoint_id=created.endpoint.id)).status is WebhookDeliveryStatus.PENDING


async def test_at_most_ten_endpoints_per_organization(world: World, receiver: Receiver) -> None:
    for n in range(MAX_ENDPOINTS_PER_ORGANIZATION):
        await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url(f"/{n}"), [], "")
    with pytest.raises(LimitReached):
        await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/eleven"), [], "")
    await endpoints.create_endpoint(world.tier2_a2.actor, receiver.url("/other"), [], "")  # another's own ten


async def test_pending_deliveries_survive_a_restart_and_an_expired_claim(world: World, receiver: Receiver) -> None:
    await given_generated_reports(world)
    await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/a1"), [], "")
    await submit(world.tier2_a1)
    claimed = await claim(10)  # a process claims it, then dies before sending
    assert len(claimed) == 1
    assert await claim(10) == []  # its lease holds meanwhile
    assert len(await claim(10, now=datetime.now(UTC) + LEASE + timedelta(seconds=1))) == 1  # then it is due again

    await make_due_now()
    assert await dispatched(Dispatcher(ids.encode)) == 1  # a new process sends it
    assert len(receiver.at("/a1")) == 1


async def test_a_redelivery_is_a_new_delivery_with_the_same_webhook_id(world: World, receiver: Receiver) -> None:
    await given_generated_reports(world)
    await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/a1"), [], "")
    await submit(world.tier2_a1)
    await dispatched(Dispatcher(ids.encode))
    first = await WebhookDelivery.get()

    again = await endpoints.redeliver(world.tier2_a1.actor, first.id)
    await dispatched(Dispatcher(ids.encode))

    assert again != first.id
    one, two = receiver.at("/a1")
    assert one.headers["webhook-id"] == two.headers["webhook-id"] == first.message_id
    assert orjson.loads(one.body) == orjson.loads(two.body)


@pytest.mark.postgres_only
async def test_two_dispatchers_on_one_postgresql_send_each_delivery_once(world: World, receiver: Receiver) -> None:
    assert ON_POSTGRES
    await given_generated_reports(world)
    for n in range(5):
        await endpoints.create_endpoint(world.platform.actor, receiver.url(f"/{n}"), [], "")
    for party in world.tier2s:
        await submit(party)
    expected = 5 * len(world.tier2s)
    assert await WebhookDelivery.all().count() == expected

    claims = await asyncio.gather(*(claim(3) for _ in range(12)))  # concurrent claimers
    ids_claimed = [d.id for batch in claims for d in batch]
    assert len(ids_claimed) == len(set(ids_claimed)) == expected

    await make_due_now()
    first, second = Dispatcher(ids.encode), Dispatcher(ids.encode)
    await asyncio.gather(dispatched(first), dispatched(second), dispatched(first), dispatched(second))
    ids_heard = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids_heard) == len(set(ids_heard)) == expected


async def test_a_claimed_batch_reads_each_event_and_endpoint_once(
    world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step heard by many endpoints is many deliveries of one body: read once per batch."""
    await given_generated_reports(world)
    for n in range(3):
        await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url(f"/{n}"), [], "")
    await submit(world.tier2_a1)
    statements: list[str] = []
    real_fetch = dispatcher_module.fetch

    async def noting_fetch(conn: object, sql: str, **params: object) -> list[dict]:
        statements.append(sql)
        return await real_fetch(conn, sql, **params)  # type: ignore[arg-type]

    monkeypatch.setattr(dispatcher_module, "fetch", noting_fetch)

    assert await dispatched(Dispatcher(ids.encode)) == 3

    assert len(receiver.received) == 3
    assert len({r.body for r in receiver.received}) == 1  # one event, one body
    assert sum("FROM history_entry" in sql for sql in statements) == 1
