"""Idempotent retries over HTTP (docs/contract.md §8 "Retries"): a mutation retried with its key acts once.

Each scenario saves a draft of Alpha MSP's report, the mutation that shows a repeat most
plainly: sent twice without a key, the second would be a ``VERSION_CONFLICT`` and, had
it acted, a second SAVED entry and version.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from models import HistoryEntry, IdempotencyKey
from tests.api import operations as op
from tests.api.client import codes
from tests.api.steps import adjustment, given_generated_reports, lines, pk, report_id_of
from tests.world import World
from vocabulary.enums import ReportEventAction
from workflow.access import tokens
from workflow.reports import actions as report_actions

KEY = "retry-7d5c1f0e"


async def send(
    api: httpx.AsyncClient, token: str | None, body: dict[str, Any], key: str | None = KEY
) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await api.post("/graphql", json=body, headers=headers)


async def a_draft_to_save(
    api: httpx.AsyncClient, world: World, version: int = 1, comment: str = "two seats were test accounts"
) -> dict[str, Any]:
    """Alpha MSP's save of its first line lowered by 2, as the body of a request."""
    await given_generated_reports(world, days=2)
    report_id = await report_id_of(api, world.tier2_a1)
    line = (await lines(api, world.tier2_a1, report_id))[0]
    change = adjustment(line, line["usedUnits"] - 2, comment)
    return {
        "query": op.SAVE_DRAFT,
        "variables": {"input": {"reportId": report_id, "version": version, "adjustments": [change]}},
    }


def report_pk_of(body: dict[str, Any]) -> int:
    return pk(body["variables"]["input"]["reportId"])


async def saved_entries(report_id: int) -> int:
    return await HistoryEntry.filter(report_id=report_id, action=ReportEventAction.SAVED).count()


def payload_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()["data"]["saveReportDraft"]


async def test_a_retried_mutation_replays_the_first_response_and_acts_once(
    api: httpx.AsyncClient, world: World
) -> None:
    body = await a_draft_to_save(api, world)

    first = await send(api, world.tier2_a1.token, body)
    retry = await send(api, world.tier2_a1.token, body)

    assert payload_of(first)["errors"] == [] and payload_of(first)["report"]["version"] == 2
    assert "Idempotent-Replayed" not in first.headers
    assert (retry.status_code, retry.content) == (first.status_code, first.content)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["content-type"] == "application/json"
    assert await saved_entries(report_pk_of(body)) == 1


async def test_variables_in_another_key_order_are_the_same_operation(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world)
    first = await send(api, world.tier2_a1.token, body)
    reordered = {"variables": {"input": dict(reversed(body["variables"]["input"].items()))}, "query": body["query"]}

    retry = await send(api, world.tier2_a1.token, reordered)

    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.content == first.content


async def test_the_same_key_with_another_operation_is_refused_and_nothing_acts(
    api: httpx.AsyncClient, world: World
) -> None:
    body = await a_draft_to_save(api, world)
    await send(api, world.tier2_a1.token, body)
    other = await a_draft_to_save(api, world, version=2, comment="another reason")

    refused = await send(api, world.tier2_a1.token, other)

    assert refused.status_code == 422
    assert codes(refused.json()["errors"]) == ["IDEMPOTENCY_KEY_REUSED"]
    assert refused.json()["data"] is None
    assert await saved_entries(report_pk_of(body)) == 1


async def test_another_token_with_the_same_key_acts_on_its_own(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world)
    second = await tokens.issue_token(world.tier2_a1.organization, "Alpha MSP billing robot")
    await send(api, world.tier2_a1.token, body)

    # The same key and body from another token: it is not the first token's retry, so it
    # runs (and meets the version the first save moved on) instead of seeing that answer.
    response = await send(api, second.token, body)

    assert "Idempotent-Replayed" not in response.headers
    assert codes(payload_of(response)["errors"]) == ["VERSION_CONFLICT"]
    assert await IdempotencyKey.filter(key=KEY).count() == 2


async def test_keys_are_stored_for_the_token_as_its_hash_never_in_clear(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world)
    await send(api, world.tier2_a1.token, body)

    (row,) = await IdempotencyKey.all()
    assert row.token_hash == tokens.hash_token(world.tier2_a1.token)
    assert world.tier2_a1.token not in (row.token_hash, row.key, row.fingerprint, row.response_body)


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\there"], ids=["empty", "256-characters", "control-character"])
async def test_a_key_that_is_not_1_to_255_printable_characters_is_a_bad_request(
    api: httpx.AsyncClient, world: World, key: str
) -> None:
    body = await a_draft_to_save(api, world)

    response = await send(api, world.tier2_a1.token, body, key=key)

    assert response.status_code == 400
    assert codes(response.json()["errors"]) == ["BAD_REQUEST"]
    assert await saved_entries(report_pk_of(body)) == 0
    assert await IdempotencyKey.all().count() == 0


async def test_a_key_of_255_characters_is_accepted(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world)

    response = await send(api, world.tier2_a1.token, body, key="k" * 255)

    assert payload_of(response)["errors"] == []
    assert await IdempotencyKey.filter(key="k" * 255).count() == 1


async def test_two_keys_in_one_request_are_a_bad_request(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world)
    headers = [("Authorization", f"Bearer {world.tier2_a1.token}"), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")]

    response = await api.post("/graphql", json=body, headers=headers)

    assert response.status_code == 400
    assert await saved_entries(report_pk_of(body)) == 0


async def test_a_query_with_a_key_is_answered_as_usual_and_not_remembered(api: httpx.AsyncClient, world: World) -> None:
    response = await send(api, world.tier2_a1.token, {"query": op.VIEWER})

    assert response.status_code == 200 and response.json()["data"]["viewer"]["name"] == "Alpha MSP user"
    assert await IdempotencyKey.all().count() == 0


async def test_an_unauthenticated_request_never_touches_the_keys(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world)

    response = await send(api, None, body)

    assert response.status_code == 401
    assert await IdempotencyKey.all().count() == 0


async def test_a_request_still_in_progress_holds_its_key_and_the_retry_then_replays(
    api: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = await a_draft_to_save(api, world)
    started, finish = asyncio.Event(), asyncio.Event()
    original = report_actions.save_report_draft

    async def slow_save(*args: Any, **kwargs: Any) -> Any:
        if not started.is_set():  # only the first save waits: a second one must not hang the test
            started.set()
            await finish.wait()
        return await original(*args, **kwargs)

    monkeypatch.setattr(report_actions, "save_report_draft", slow_save)
    first = asyncio.create_task(send(api, world.tier2_a1.token, body))
    await started.wait()

    meanwhile = await send(api, world.tier2_a1.token, body)
    finish.set()
    first_response = await first
    later = await send(api, world.tier2_a1.token, body)

    assert meanwhile.status_code == 409
    assert codes(meanwhile.json()["errors"]) == ["IDEMPOTENCY_KEY_IN_USE"]
    assert meanwhile.headers["Retry-After"] == "1"
    assert payload_of(first_response)["report"]["version"] == 2
    assert later.headers.get("Idempotent-Replayed") == "true" and later.content == first_response.content
    assert await saved_entries(report_pk_of(body)) == 1


async def test_an_unexpected_failure_releases_the_key_so_the_retry_acts(
    api: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = await a_draft_to_save(api, world)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(report_actions, "save_report_draft", broken)
        failed = await send(api, world.tier2_a1.token, body)
    retry = await send(api, world.tier2_a1.token, body)

    assert [e["message"] for e in failed.json()["errors"]] == ["Unexpected error."]
    assert "Idempotent-Replayed" not in retry.headers
    assert payload_of(retry)["errors"] == [] and payload_of(retry)["report"]["version"] == 2
    assert await saved_entries(report_pk_of(body)) == 1


async def test_a_refusal_in_the_payload_is_remembered_like_a_success(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world, version=7)  # a stale version: VERSION_CONFLICT

    first = await send(api, world.tier2_a1.token, body)
    retry = await send(api, world.tier2_a1.token, body)

    assert codes(payload_of(first)["errors"]) == ["VERSION_CONFLICT"]
    assert retry.headers.get("Idempotent-Replayed") == "true" and retry.content == first.content


async def test_a_key_older_than_24_hours_is_new_again(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world)
    await send(api, world.tier2_a1.token, body)
    await IdempotencyKey.filter(key=KEY).update(claimed_at=datetime.now(UTC) - timedelta(hours=24, seconds=1))
    next_save = await a_draft_to_save(api, world, version=2, comment="a day later")

    response = await send(api, world.tier2_a1.token, next_save)

    assert "Idempotent-Replayed" not in response.headers
    assert payload_of(response)["report"]["version"] == 3
    assert await saved_entries(report_pk_of(body)) == 2


async def test_expired_keys_are_purged_when_a_new_key_is_claimed(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world)
    old = datetime.now(UTC) - timedelta(hours=25)
    for n in range(3):
        await IdempotencyKey.create(token_hash="0" * 64, key=f"old-{n}", fingerprint="0" * 64, claimed_at=old)
    await IdempotencyKey.create(
        token_hash="0" * 64, key="recent", fingerprint="0" * 64, claimed_at=datetime.now(UTC) - timedelta(hours=23)
    )

    await send(api, world.tier2_a1.token, body)

    assert sorted(await IdempotencyKey.all().values_list("key", flat=True)) == sorted([KEY, "recent"])


async def test_a_request_cancelled_midway_releases_its_key(
    api: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = await a_draft_to_save(api, world)
    started = asyncio.Event()

    async def never_finishing_save(*args: Any, **kwargs: Any) -> Any:
        started.set()
        await asyncio.Event().wait()

    with monkeypatch.context() as patch:
        patch.setattr(report_actions, "save_report_draft", never_finishing_save)
        request = asyncio.create_task(send(api, world.tier2_a1.token, body))
        await started.wait()
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
    assert await IdempotencyKey.all().count() == 0

    retry = await send(api, world.tier2_a1.token, body)

    assert payload_of(retry)["report"]["version"] == 2


async def test_a_request_refused_before_running_does_not_use_up_its_key(api: httpx.AsyncClient, world: World) -> None:
    body = await a_draft_to_save(api, world)
    headers = {"Authorization": f"Bearer {world.tier2_a1.token}", "Idempotency-Key": KEY}

    refused = await api.post("/graphql", content=json.dumps(body), headers={**headers, "Content-Type": "text/plain"})
    corrected = await send(api, world.tier2_a1.token, body)

    assert refused.status_code == 400
    assert "Idempotent-Replayed" not in corrected.headers
    assert payload_of(corrected)["report"]["version"] == 2


async def test_an_operation_that_does_not_validate_does_not_use_up_its_key(
    api: httpx.AsyncClient, world: World
) -> None:
    body = await a_draft_to_save(api, world)
    invalid = {**body, "query": body["query"].replace("errors {", "errors { nonsense")}

    first = await send(api, world.tier2_a1.token, invalid)
    second = await send(api, world.tier2_a1.token, invalid)

    assert first.json()["errors"] and "Idempotent-Replayed" not in second.headers
    assert await IdempotencyKey.all().count() == 0
