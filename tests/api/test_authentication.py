"""Every request needs a valid bearer token; without one, 401 UNAUTHENTICATED and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from models import BillingReport
from tests.api import operations as op
from tests.api.client import codes, gql, gql_errors
from tests.world import PERIOD, World
from vocabulary.enums import Scope
from workflow.access import tokens


async def _refused(
    api: httpx.AsyncClient, headers: dict[str, str], query: str = op.VIEWER, variables: dict | None = None
) -> None:
    response = await api.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    body = response.json()
    assert body["data"] is None
    assert codes(body["errors"]) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer brt_not-a-real-token", "brt_no-scheme"],
    ids=["missing", "empty", "scheme-only", "blank-token", "basic", "unknown", "no-scheme"],
)
async def test_a_request_without_a_valid_token_is_unauthenticated(
    api: httpx.AsyncClient, world: World, authorization: str | None
) -> None:
    await _refused(api, {} if authorization is None else {"Authorization": authorization})


async def test_an_expired_token_is_unauthenticated(api: httpx.AsyncClient, world: World) -> None:
    issued = await tokens.issue_token(
        world.tier1_a.organization, "temp", expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    await _refused(api, {"Authorization": f"Bearer {issued.token}"})


async def test_a_revoked_token_is_unauthenticated(api: httpx.AsyncClient, world: World) -> None:
    assert await tokens.revoke_token(world.tier1_a.token)
    await _refused(api, {"Authorization": f"Bearer {world.tier1_a.token}"})


async def test_an_unauthenticated_mutation_does_nothing(api: httpx.AsyncClient, world: World) -> None:
    await world.add_month_of_usage(2)
    await _refused(api, {"Authorization": "Bearer brt_forged"}, op.GENERATE, {"input": {"period": PERIOD}})
    assert await BillingReport.all().count() == 0


async def test_the_scheme_is_case_insensitive(api: httpx.AsyncClient, world: World) -> None:
    response = await api.post(
        "/graphql", json={"query": op.VIEWER}, headers={"Authorization": f"bearer {world.tier2_a1.token}"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["organization"]["name"] == "Alpha MSP"


async def test_the_viewer_is_the_tokens_organization_and_scopes(api: httpx.AsyncClient, world: World) -> None:
    data = await gql(api, world.tier1_b.token, op.VIEWER)

    assert data["viewer"]["organization"]["name"] == "South Distribution"
    assert data["viewer"]["organization"]["tier"] == "TIER1"
    assert data["viewer"]["scopes"] == ["reports:read", "reports:review", "tokens:manage", "webhooks:manage"]


async def test_reading_reports_without_the_read_scope_is_forbidden_but_the_viewer_answers(
    api: httpx.AsyncClient, world: World
) -> None:
    feed = await tokens.issue_token(world.platform.organization, "metering feed", scopes=[Scope.USAGE_WRITE])

    viewer = await gql(api, feed.token, op.VIEWER)
    status, errors, data = await gql_errors(api, feed.token, op.REPORTS)

    assert viewer["viewer"]["scopes"] == ["usage:write"]
    assert status == 200 and data is None
    assert codes(errors) == ["FORBIDDEN"]
    assert "reports:read" in errors[0]["message"]
