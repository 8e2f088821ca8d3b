"""The HTTP edge's limits (docs/api.md, Limits): body size, time, browser origins, request IDs.

Each limit is refused with a clear error and nothing stored; requests inside the limits
are served as before.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from models import BillingReport, HistoryEntry, IdempotencyKey
from server.app import create_app
from server.limits import MAX_BODY_BYTES
from server.settings import Settings
from tests.api import operations as op
from tests.api.client import codes, gql
from tests.api.steps import adjustment, given_generated_reports, lines, pk, report_id_of
from tests.world import World
from vocabulary.enums import ReportEventAction, ReportStatus, Scope
from workflow.access import tokens
from workflow.reads import contents as report_contents
from workflow.reports import steps as report_steps

DASHBOARD = "https://dash.example.com"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _client(settings: Settings) -> httpx.AsyncClient:
    app = create_app(settings=settings, register_orm=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing.test")


async def _oversized_save(api: httpx.AsyncClient, world: World) -> tuple[int, dict[str, Any]]:
    """A save of Alpha MSP's first line whose comment alone is over the body limit."""
    await given_generated_reports(world, days=2)
    report_id = await report_id_of(api, world.tier2_a1)
    line = (await lines(api, world.tier2_a1, report_id))[0]
    change = adjustment(line, line["usedUnits"] - 1, "x" * MAX_BODY_BYTES)
    body = {
        "query": op.SAVE_DRAFT,
        "variables": {"input": {"reportId": report_id, "version": 1, "adjustments": [change]}},
    }
    return pk(report_id), body


async def _nothing_stored(report_pk: int) -> None:
    report = await BillingReport.get(id=report_pk)
    assert report.version == 1 and report.status == ReportStatus.PREPARING
    assert await HistoryEntry.filter(report_id=report_pk).exclude(action=ReportEventAction.GENERATED).count() == 0
    assert await IdempotencyKey.all().count() == 0


def _payload_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert codes(response.json()["errors"]) == ["PAYLOAD_TOO_LARGE"]


async def _chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


# -- body size ---------------------------------------------------------------------------


async def test_a_body_over_one_mib_is_refused_and_nothing_is_stored(api: httpx.AsyncClient, world: World) -> None:
    report_pk, body = await _oversized_save(api, world)
    headers = {**_auth(world.tier2_a1.token), "Idempotency-Key": "big-1"}  # the key step reads the body too
    response = await api.post("/graphql", json=body, headers=headers)
    _payload_too_large(response)
    await _nothing_stored(report_pk)


async def test_a_streamed_body_without_a_length_is_counted_chunk_by_chunk(api: httpx.AsyncClient, world: World) -> None:
    report_pk, body = await _oversized_save(api, world)
    content = httpx.Request("POST", "http://x", json=body).content
    response = await api.post(
        "/graphql",
        content=_chunks(content),
        headers={**_auth(world.tier2_a1.token), "Content-Type": "application/json", "Idempotency-Key": "big-2"},
    )
    assert "content-length" not in response.request.headers  # chunked: only counting can tell
    _payload_too_large(response)
    await _nothing_stored(report_pk)


async def test_a_body_longer_than_its_declared_length_is_refused(api: httpx.AsyncClient, world: World) -> None:
    report_pk, body = await _oversized_save(api, world)
    content = httpx.Request("POST", "http://x", json=body).content
    response = await api.post(
        "/graphql",
        content=_chunks(content),
        headers={**_auth(world.tier2_a1.token), "Content-Type": "application/json", "Content-Length": "100"},
    )
    assert response.request.headers["content-length"] == "100"
    _payload_too_large(response)
    await _nothing_stored(report_pk)


async def test_a_declared_length_over_the_limit_is_refused_even_without_a_token(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/graphql", content=b"{" + b" " * MAX_BODY_BYTES + b"}", headers={"Content-Type": "application/json"}
    )
    _payload_too_large(response)


async def test_a_body_just_under_the_limit_is_served_whole(api: httpx.AsyncClient, world: World) -> None:
    # An unused variable pads the body; the operation must still see the whole of it.
    body = {"query": op.VIEWER, "variables": {"padding": "x" * (MAX_BODY_BYTES - 200)}}
    content = httpx.Request("POST", "http://x", json=body).content
    assert MAX_BODY_BYTES - 200 < len(content) <= MAX_BODY_BYTES
    response = await api.post(
        "/graphql",
        content=_chunks(content),
        headers={**_auth(world.platform.token), "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["name"]


# -- time ----------------------------------------------------------------------------------


async def test_a_request_past_the_time_limit_is_stopped_and_its_transaction_rolled_back(
    api: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_generated_reports(world, days=2)
    report_id = await report_id_of(api, world.tier2_a1)
    submit = {"query": op.SUBMIT, "variables": {"input": {"reportId": report_id, "version": 1}}}
    headers = {**_auth(world.tier2_a1.token), "Idempotency-Key": "slow-1"}
    real_record_step = report_steps.record_step

    async def stuck(*args: object, **kwargs: object) -> None:  # after the status changed, in the transaction
        await asyncio.Event().wait()

    monkeypatch.setattr(report_steps, "record_step", stuck)
    async with _client(Settings(request_time_limit_seconds=0.2)) as limited:
        response = await limited.post("/graphql", json=submit, headers=headers)
        assert response.status_code == 503
        assert codes(response.json()["errors"]) == ["TIMEOUT"]
        await _nothing_stored(pk(report_id))

        # The key was given back: the same request, no longer stuck, runs once.
        monkeypatch.setattr(report_steps, "record_step", real_record_step)
        retried = await limited.post("/graphql", json=submit, headers=headers)
    payload = retried.json()["data"]["submitReport"]
    assert payload["errors"] == [] and payload["report"]["status"] == "UNDER_REVIEW"


async def test_a_request_within_the_time_limit_is_unaffected(world: World) -> None:
    async with _client(Settings(request_time_limit_seconds=5)) as limited:
        data = await gql(limited, world.platform.token, op.VIEWER)
    assert data["viewer"]["name"]


def test_the_time_limit_and_origins_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILLING_REPORTS_REQUEST_TIME_LIMIT_SECONDS", "2.5")
    monkeypatch.setenv("BILLING_REPORTS_ALLOWED_ORIGINS", f" {DASHBOARD} ,https://b.example")
    monkeypatch.setenv("BILLING_REPORTS_WS_ALLOWED_ORIGINS", "https://ignored.example")
    settings = Settings.from_env()
    assert settings.request_time_limit_seconds == 2.5
    assert settings.allowed_origins == (DASHBOARD, "https://b.example")


def test_the_former_websocket_origins_setting_still_counts_when_the_new_one_is_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BILLING_REPORTS_ALLOWED_ORIGINS", raising=False)
    monkeypatch.setenv("BILLING_REPORTS_WS_ALLOWED_ORIGINS", DASHBOARD)
    assert Settings.from_env().allowed_origins == (DASHBOARD,)


# -- browser origins (CORS) ---------------------------------------------------------------


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
    }


async def test_an_allowed_origin_gets_cors_headers(world: World) -> None:
    async with _client(Settings(allowed_origins=(DASHBOARD,))) as client:
        preflight = await client.options("/graphql", headers=_preflight(DASHBOARD))
        response = await client.post(
            "/graphql", json={"query": op.VIEWER}, headers={**_auth(world.platform.token), "Origin": DASHBOARD}
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == DASHBOARD
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == DASHBOARD
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize("allowed", [(), (DASHBOARD,)], ids=["none-configured", "another-configured"])
async def test_an_origin_not_in_the_allowlist_gets_no_cors_headers(world: World, allowed: tuple[str, ...]) -> None:
    stranger = "https://evil.example"
    async with _client(Settings(allowed_origins=allowed)) as client:
        preflight = await client.options("/graphql", headers=_preflight(stranger))
        response = await client.post(
            "/graphql", json={"query": op.VIEWER}, headers={**_auth(world.platform.token), "Origin": stranger}
        )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in response.headers


# -- request IDs ----------------------------------------------------------------------------


async def test_every_response_carries_a_request_id(api: httpx.AsyncClient, world: World) -> None:
    served = await api.post("/graphql", json={"query": op.VIEWER}, headers=_auth(world.platform.token))
    refused = await api.post("/graphql", json={"query": op.VIEWER})
    too_large = await api.post("/graphql", content=b" " * (MAX_BODY_BYTES + 1))
    health = await api.get("/health")
    request_ids = [r.headers.get("x-request-id") for r in (served, refused, too_large, health)]
    assert refused.status_code == 401 and too_large.status_code == 413
    assert all(i and re.fullmatch(r"[0-9a-f]{32}", i) for i in request_ids)
    assert len(set(request_ids)) == 4


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("edge-7f3a.42:b_c", True), ("has spaces", False), ("x" * 129, False), ("new\u00e9line", False)],
    ids=["sane", "spaces", "too-long", "not-ascii"],
)
async def test_a_sane_client_request_id_is_kept_and_any_other_replaced(
    api: httpx.AsyncClient, sent: str, kept: bool
) -> None:
    response = await api.get("/health", headers={"X-Request-ID": sent.encode("utf-8")})  # type: ignore[dict-item]
    assert (response.headers["x-request-id"] == sent) is kept


async def test_an_unexpected_error_is_masked_and_logged_with_the_request_id(
    api: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await given_generated_reports(world, days=2)
    report_id = await report_id_of(api, world.tier2_a1)

    async def broken(*arguments: object) -> object:
        raise RuntimeError("connection string postgres://secret")

    # Both reads of totals: with the report (the report screen's) and on their own.
    monkeypatch.setattr(report_contents, "totals", broken)
    monkeypatch.setattr(report_contents, "visible_report_with_totals", broken)
    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        response = await api.post(
            "/graphql",
            json={"query": op.REPORT_SUMMARY, "variables": {"id": report_id}},
            headers={**_auth(world.tier2_a1.token), "X-Request-ID": "support-ticket-991"},
        )

    assert response.headers["x-request-id"] == "support-ticket-991"
    assert [e["message"] for e in response.json()["errors"]] == ["Unexpected error."]
    assert "secret" not in response.text
    logged = [r for r in caplog.records if r.name == "strawberry.execution"]
    assert logged and all("support-ticket-991" in r.getMessage() for r in logged)
    assert any("secret" in r.getMessage() for r in logged)  # the log keeps what the client does not see


async def test_an_expected_error_is_answered_but_not_logged_as_a_failure(
    api: httpx.AsyncClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await given_generated_reports(world, days=2)
    report_id = await report_id_of(api, world.tier2_a1)
    writer = await tokens.issue_token(world.tier2_a1.organization, "writer only", scopes=[Scope.REPORTS_WRITE])

    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        response = await api.post(
            "/graphql", json={"query": op.REPORT_SUMMARY, "variables": {"id": report_id}}, headers=_auth(writer.token)
        )

    assert codes(response.json()["errors"]) == ["FORBIDDEN"]
    assert [r for r in caplog.records if r.name == "strawberry.execution"] == []
