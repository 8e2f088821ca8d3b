"""The receiver of docs/integrations.md ("Webhooks") runs as written: served on the
loopback, it verifies what the dispatcher sends and ignores a redelivery's repeat; the
page shows the file itself.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
from pathlib import Path
from types import ModuleType

import pytest
import uvicorn
from cryptography.fernet import Fernet

from models import WebhookDelivery
from schema import ids
from tests.integration.scenarios import given_generated_reports, report_of
from tests.world import World
from workflow.reports.actions import submit_report
from workflow.webhooks import config, endpoints
from workflow.webhooks.dispatcher import Dispatcher

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "webhook_receiver.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("webhook_receiver", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_shows_the_example_as_it_is() -> None:
    page = (ROOT / "docs" / "integrations.md").read_text()
    assert "```python\n" + EXAMPLE.read_text() + "```" in page


async def test_the_example_receiver_verifies_and_deduplicates(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.SECRET_KEYS, Fernet.generate_key().decode())
    monkeypatch.setenv(config.ALLOW_PRIVATE, "1")
    example = load_example()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(example.app, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/billing-reports"
        await given_generated_reports(world)
        created = await endpoints.create_endpoint(world.tier1_a.actor, url, [], "the example")
        monkeypatch.setenv("BILLING_REPORTS_WEBHOOK_SECRET", created.secret)
        report = await report_of(world.tier2_a1)
        await submit_report(world.tier2_a1.actor, report.id, report.version)
        dispatcher = Dispatcher(ids.encode)
        await dispatcher.dispatch_due()
        await dispatcher.drain()
        delivery = await WebhookDelivery.get()
        await endpoints.redeliver(world.tier1_a.actor, delivery.id)
        await dispatcher.dispatch_due()
        await dispatcher.drain()
    finally:
        server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)
        sock.close()

    assert [event["type"] for event in example.received] == ["report.submitted"]  # once, though sent twice
    assert await WebhookDelivery.filter(status="SUCCEEDED").count() == 2  # both answered 204
