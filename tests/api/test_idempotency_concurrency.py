"""Concurrent retries on PostgreSQL: many requests with one Idempotency-Key act once.

On PostgreSQL each request gets its own pooled connection, so the gathered requests
really race for the key; the unique (token, key) row lets exactly one claim it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from models import BillingReport, IdempotencyKey
from tests.api.client import codes
from tests.api.test_idempotency import a_draft_to_save, payload_of, report_pk_of, saved_entries, send
from tests.world import World

pytestmark = pytest.mark.postgres_only

REQUESTS = 12


async def test_concurrent_requests_with_one_key_act_once(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world)

    responses = await asyncio.gather(*(send(api, world.tier2_a1.token, body) for _ in range(REQUESTS)))

    acted = [r for r in responses if r.status_code == 200 and "Idempotent-Replayed" not in r.headers]
    replayed = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]
    in_use = [r for r in responses if r.status_code == 409]
    assert len(acted) == 1, [r.text for r in responses]
    assert payload_of(acted[0])["errors"] == [] and payload_of(acted[0])["report"]["version"] == 2
    assert all(r.content == acted[0].content for r in replayed)
    assert all(codes(r.json()["errors"]) == ["IDEMPOTENCY_KEY_IN_USE"] for r in in_use)
    assert len(acted) + len(replayed) + len(in_use) == REQUESTS
    assert await saved_entries(report_pk_of(body)) == 1
    assert (await BillingReport.get(id=report_pk_of(body))).version == 2
    assert await IdempotencyKey.all().count() == 1


async def test_concurrent_requests_with_one_expired_key_act_once(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world)
    await send(api, world.tier2_a1.token, body)
    # A day later the same key comes back with the next save, many times at once: taking
    # the expired row over is a compare-and-set, so one request wins it.
    await IdempotencyKey.all().update(claimed_at=datetime.now(UTC) - timedelta(hours=25))
    next_save = await a_draft_to_save(api, world, version=2, comment="a day later")

    responses = await asyncio.gather(*(send(api, world.tier2_a1.token, next_save) for _ in range(REQUESTS)))

    acted = [r for r in responses if r.status_code == 200 and "Idempotent-Replayed" not in r.headers]
    assert len(acted) == 1, [r.text for r in responses]
    assert payload_of(acted[0])["report"]["version"] == 3
    assert {r.status_code for r in responses} <= {200, 409}
    assert await saved_entries(report_pk_of(body)) == 2
