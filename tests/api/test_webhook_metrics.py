"""Webhook deliveries in ``/metrics`` (``server.metrics``): attempts by what they left, their
time, the lag of first attempts, and the backlog read from the database at each scrape.

A real receiver on the loopback answers 204, 500-then-204 and 410; the dispatcher is the
one the server runs, with the server's observer. The counters of this process accumulate
across tests, so each check is of what moved.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from cryptography.fernet import Fernet
from tortoise.context import TortoiseContext

from models import WebhookDelivery, WebhookEndpoint
from schema import ids
from server import metrics
from server.settings import Settings
from server.webhook_job import webhook_dispatcher
from tests.api.served import ServedApp, serving
from tests.api.test_metrics import moved, scrape
from tests.integration.scenarios import given_generated_reports, report_of
from tests.receiver import Receiver, running_receiver
from tests.world import World
from vocabulary.enums import WebhookDeliveryStatus
from workflow.reports.actions import submit_report
from workflow.webhooks import config, endpoints
from workflow.webhooks.dispatcher import EXPIRED, Dispatcher, claim, record

ATTEMPTS = 'billing_reports_webhook_attempts_total{{result="{}"}}'
PENDING = 'billing_reports_webhook_deliveries{state="pending"}'
DUE = 'billing_reports_webhook_deliveries{state="due"}'
OLDEST_DUE = "billing_reports_webhook_oldest_due_seconds"
FIRST_LAGS = "billing_reports_webhook_first_attempt_lag_seconds_count"
DURATIONS = "billing_reports_webhook_attempt_duration_seconds_count"


@pytest.fixture(autouse=True)
def operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.SECRET_KEYS, Fernet.generate_key().decode())
    monkeypatch.setenv(config.ALLOW_PRIVATE, "1")


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


@pytest_asyncio.fixture
async def served(db: TortoiseContext) -> AsyncIterator[ServedApp]:
    async with serving(Settings(debug=False)) as app:
        yield app


async def dispatched(dispatcher: Dispatcher) -> None:
    await dispatcher.dispatch_due()
    await dispatcher.drain()


async def test_attempts_are_counted_by_what_they_left_with_the_lag_and_the_backlog(
    served: ServedApp, world: World, receiver: Receiver
) -> None:
    await given_generated_reports(world)
    receiver.answers.update({"/ok": [204], "/flaky": [500, 204], "/gone": [410]})
    for path in ("/ok", "/flaky", "/gone"):
        await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url(path), [], "")
    report = await report_of(world.tier2_a1)
    await submit_report(world.tier2_a1.actor, report.id, report.version)  # one delivery to each
    dispatcher = Dispatcher(ids.encode, observe=metrics.observe_webhook_attempt)

    before = await scrape(served.http)
    await dispatched(dispatcher)
    after_first = await scrape(served.http)

    assert (before[PENDING], before[DUE]) == (3, 3)
    assert moved(before, after_first, ATTEMPTS.format("succeeded")) == 1
    assert moved(before, after_first, ATTEMPTS.format("retrying")) == 1
    assert moved(before, after_first, ATTEMPTS.format("gone")) == 1
    assert moved(before, after_first, DURATIONS) == 3
    assert moved(before, after_first, FIRST_LAGS) == 3
    # The 500's retry waits its 5 s; the 410's endpoint is disabled, so nothing else waits.
    assert (after_first[PENDING], after_first[DUE], after_first[OLDEST_DUE]) == (1, 0, 0)

    overdue = datetime.now(UTC) - timedelta(seconds=90)
    await WebhookDelivery.filter(status=WebhookDeliveryStatus.PENDING).update(next_attempt_at=overdue)
    waiting = await scrape(served.http)
    assert (waiting[PENDING], waiting[DUE]) == (1, 1)
    assert 90 <= waiting[OLDEST_DUE] < 120

    await dispatched(dispatcher)
    after_retry = await scrape(served.http)

    assert moved(after_first, after_retry, ATTEMPTS.format("succeeded")) == 1
    assert moved(after_first, after_retry, FIRST_LAGS) == 0  # a retry is not a first attempt
    assert (after_retry[PENDING], after_retry[DUE], after_retry[OLDEST_DUE]) == (0, 0, 0)


async def test_an_attempt_whose_claim_expired_records_nothing_and_says_so(world: World, receiver: Receiver) -> None:
    await given_generated_reports(world)
    await endpoints.create_endpoint(world.tier2_a1.actor, receiver.url("/a1"), [], "")
    report = await report_of(world.tier2_a1)
    await submit_report(world.tier2_a1.actor, report.id, report.version)
    (claimed,) = await claim(10)
    # Another dispatcher's claim after this one's lease ran out.
    await WebhookDelivery.filter(id=claimed.id).update(next_attempt_at=claimed.lease + timedelta(minutes=1))

    dispatcher = Dispatcher(ids.encode)
    recorded = await record(
        claimed, await dispatcher.attempt(await WebhookEndpoint.get(id=claimed.endpoint_id), claimed)
    )

    assert recorded == EXPIRED
    assert (await WebhookDelivery.get(id=claimed.id)).attempt_count == 0


async def test_the_servers_dispatcher_reports_to_the_metrics(db: TortoiseContext) -> None:
    async with webhook_dispatcher(True) as dispatcher:
        assert dispatcher is not None and dispatcher.observe is metrics.observe_webhook_attempt
