"""Tokens managed by their owners (docs/contract.md §14): ``apiTokens``, ``createApiToken``, ``revokeApiToken``.

Who may manage which tokens is a table over the authorization matrix's callers
(``tests.api.matrix_cases``) and people signed in at a stand-in identity provider
(``tests.identity_provider``): ``tokens:manage`` is in the Tier 1 and Tier 2 default
scopes, never the platform's; another organization's token is a missing one.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from models import ApiToken
from schema import ids
from server.app import create_app
from server.settings import Settings
from tests.api import operations as op
from tests.api.client import codes, gql, post
from tests.api.dashboards import Dashboard
from tests.api.matrix_cases import EVERYONE, callers, people, with_people
from tests.api.served import ServedApp, served_app  # noqa: F401 - the fixture
from tests.identity_provider import AUDIENCE, StandInIssuer, issuer  # noqa: F401 - the fixture
from tests.world import World
from vocabulary.enums import Scope
from workflow.access import tokens

API_TOKENS = """
query Tokens($first: Int, $after: String) {
  apiTokens(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id name scopes createdAt expiresAt lastUsedAt revokedAt } }
  }
}
"""
CREATE = """
mutation Create($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id name scopes expiresAt revokedAt } errors { code field message } }
}
"""
REVOKE = """
mutation Revoke($input: RevokeApiTokenInput!) {
  revokeApiToken(input: $input) { apiToken { id revokedAt } errors { code field message } }
}
"""

F, NF = "FORBIDDEN", "NOT_FOUND"
# The authorization matrix's callers (tests.api.matrix_cases), in the order of CALLERS; the
# people signed in at the identity provider get their counterpart's outcome (``with_people``).
# fmt: off
MATRIX: dict[str, tuple[Any, ...]] = {
    #                 platform parent_t1 other_t1 owner_t2 other_t2 only_* (5)      anonymous
    "apiTokens":      (F,      "ok",     "ok",    "ok",    "ok",    F, F, F, F, F,  401),
    "createApiToken": (F,      "ok",     "ok",    "ok",    "ok",    F, F, F, F, F,  401),
    # the target: a token of Alpha MSP (owner_t2's organization); another organization's is missing
    "revokeApiToken": (F,      NF,       NF,      "ok",    NF,      F, F, F, F, F,  401),
}
# fmt: on


@pytest_asyncio.fixture
async def api(db: TortoiseContext, issuer: StandInIssuer) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings=Settings(oidc_issuer=issuer.issuer, oidc_audience=AUDIENCE), register_orm=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing.test") as client:
        yield client


async def outcome(response: httpx.Response) -> Any:
    body = response.json()
    if response.status_code == 401:
        assert codes(body["errors"]) == ["UNAUTHENTICATED"]
        return 401
    assert response.status_code == 200, body
    if body.get("errors"):
        (code,) = codes(body["errors"])
        return code
    (payload,) = body["data"].values()
    if payload.get("errors"):
        (code,) = codes(payload["errors"])
        return code
    return "ok"


@pytest.mark.parametrize("operation", list(MATRIX))
async def test_who_may_manage_tokens_is_what_the_table_says(
    api: httpx.AsyncClient, world: World, issuer: StandInIssuer, operation: str
) -> None:
    every = {name: caller.token for name, caller in ((await callers(world)) | people(world, issuer)).items()}
    expected_outcomes = with_people(MATRIX[operation])
    for name in EVERYONE:
        expected = expected_outcomes[name]
        token = every[name]
        if operation == "apiTokens":
            response = await post(api, token, API_TOKENS)
        elif operation == "createApiToken":
            given = {"name": f"{name}'s script", "scopes": ["reports:read"], "expiresInDays": 30}
            response = await post(api, token, CREATE, {"input": given})
        else:
            target = await tokens.issue_token(world.tier2_a1.organization, "target", [Scope.REPORTS_READ])
            token_id = ids.encode(ids.API_TOKEN, target.token_id)
            response = await post(api, token, REVOKE, {"input": {"tokenId": token_id}})
            revoked = await ApiToken.get(id=target.token_id)
            assert (revoked.revoked_at is not None) == (expected == "ok"), name
        assert await outcome(response) == expected, f"{operation} by {name}"


async def test_a_created_token_works_is_listed_and_its_revocation_ends_it_at_once(
    world: World, served_app: ServedApp
) -> None:
    owner = world.tier2_a1.token
    created = (
        await gql(
            served_app.http,
            owner,
            CREATE,
            {"input": {"name": "nightly export", "scopes": ["reports:read"], "expiresInDays": 30}},
        )
    )["createApiToken"]
    assert created["errors"] == []
    token, listed_token = created["token"], created["apiToken"]
    assert token.startswith("brt_") and listed_token["scopes"] == ["reports:read"]
    expires_at = datetime.fromisoformat(listed_token["expiresAt"])
    assert timedelta(days=29, hours=23) < expires_at - datetime.now(UTC) <= timedelta(days=30)
    viewer = (await gql(served_app.http, token, op.VIEWER))["viewer"]
    assert (viewer["name"], viewer["scopes"]) == ("nightly export", ["reports:read"])

    page = (await gql(served_app.http, owner, API_TOKENS))["apiTokens"]
    names = [edge["node"]["name"] for edge in page["edges"]]
    assert names == ["Alpha MSP user", "nightly export"]  # the world's token is named after its principal
    assert page["totalCount"] == 2
    assert "token" not in page["edges"][0]["node"]
    first = (await gql(served_app.http, owner, API_TOKENS, {"first": 1}))["apiTokens"]
    assert first["pageInfo"]["hasNextPage"]
    rest = await gql(served_app.http, owner, API_TOKENS, {"first": 1, "after": first["pageInfo"]["endCursor"]})
    assert [e["node"]["name"] for e in rest["apiTokens"]["edges"]] == ["nightly export"]
    # Another organization sees none of them.
    other = (await gql(served_app.http, world.tier2_a2.token, API_TOKENS))["apiTokens"]
    assert [edge["node"]["name"] for edge in other["edges"]] == ["Beta MSP user"]

    async with Dashboard.open(served_app.ws_url, token) as dashboard:
        await dashboard.subscribe()
        await served_app.subscribers(1)
        revoked = await gql(served_app.http, owner, REVOKE, {"input": {"tokenId": listed_token["id"]}})
        assert revoked["revokeApiToken"]["apiToken"]["revokedAt"] is not None
        assert await dashboard.close_code(timeout=5) == 4403
    response = await post(served_app.http, token, op.VIEWER)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("given", "code", "field"),
    [
        ({"scopes": ["reports:review"]}, "FORBIDDEN", "scopes"),  # not Alpha's (a Tier 1 scope)
        ({"scopes": ["usage:write"]}, "FORBIDDEN", "scopes"),
        ({"scopes": ["no:such"]}, "INVALID_INPUT", "scopes"),
        ({"expiresInDays": 0}, "INVALID_INPUT", "expiresInDays"),
        ({"expiresInDays": 366}, "INVALID_INPUT", "expiresInDays"),
        ({"name": "  "}, "INVALID_INPUT", "name"),
    ],
)
async def test_a_token_is_never_wider_nor_longer_lived_than_allowed(
    api: httpx.AsyncClient, world: World, given: dict[str, Any], code: str, field: str
) -> None:
    before = await ApiToken.all().count()
    wanted = {"name": "script", "scopes": ["reports:read"], "expiresInDays": 365, **given}
    payload = (await gql(api, world.tier2_a1.token, CREATE, {"input": wanted}))["createApiToken"]
    assert (payload["token"], payload["apiToken"]) == (None, None)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert await ApiToken.all().count() == before


async def test_a_token_made_by_a_narrower_token_is_no_wider_than_it(api: httpx.AsyncClient, world: World) -> None:
    narrow = await tokens.issue_token(world.tier2_a1.organization, "reader", [Scope.REPORTS_READ, Scope.TOKENS_MANAGE])
    wanted = {"name": "writer", "scopes": ["reports:write"], "expiresInDays": 1}
    payload = (await gql(api, narrow.token, CREATE, {"input": wanted}))["createApiToken"]
    assert codes(payload["errors"]) == ["FORBIDDEN"]


async def test_last_used_is_written_at_most_once_a_minute(db: TortoiseContext, world: World) -> None:
    token = world.tier1_a.token
    start = datetime.now(UTC)
    assert await tokens.authenticate(token, start) is not None
    first = (await ApiToken.get(token_hash=tokens.hash_token(token))).last_used_at
    assert first is not None
    assert await tokens.authenticate(token, start + timedelta(seconds=30)) is not None
    assert (await ApiToken.get(token_hash=tokens.hash_token(token))).last_used_at == first  # no write
    later = start + timedelta(seconds=61)
    assert await tokens.authenticate(token, later) is not None
    assert (await ApiToken.get(token_hash=tokens.hash_token(token))).last_used_at == later


async def test_last_used_is_shown(api: httpx.AsyncClient, world: World) -> None:
    await post(api, world.tier1_a.token, op.VIEWER)
    page = (await gql(api, world.tier1_a.token, API_TOKENS))["apiTokens"]
    (edge,) = page["edges"]
    assert edge["node"]["lastUsedAt"] is not None
    assert time.time() - datetime.fromisoformat(edge["node"]["lastUsedAt"]).timestamp() < 120
