"""What the endpoint refuses before execution, and what it never shows (docs/api.md, Limits)."""

from __future__ import annotations

import httpx
import pytest

from server.app import create_app
from server.settings import Settings
from tests.api import operations as op
from tests.api.client import codes, gql, gql_errors
from tests.world import World


def _auth(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.platform.token}"}


async def test_a_mutation_over_get_is_refused(api: httpx.AsyncClient, world: World) -> None:
    query = 'mutation { generateReports(input: {period: "2026-10"}) { createdCount } }'
    response = await api.get("/graphql", params={"query": query}, headers=_auth(world))
    assert response.status_code in (400, 405)
    assert codes(response.json()["errors"]) == ["BAD_REQUEST"]


async def test_a_query_over_get_is_refused_too(api: httpx.AsyncClient, world: World) -> None:
    response = await api.get("/graphql", params={"query": op.VIEWER}, headers=_auth(world))
    assert response.status_code in (400, 405)


async def test_batched_operations_are_refused(api: httpx.AsyncClient, world: World) -> None:
    response = await api.post("/graphql", json=[{"query": op.VIEWER}, {"query": op.VIEWER}], headers=_auth(world))
    assert response.status_code == 400
    assert codes(response.json()["errors"]) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"{not json", "application/json"), (b"query=%7Bviewer%7Bname%7D%7D", "application/x-www-form-urlencoded")],
    ids=["malformed-json", "form-body"],
)
async def test_a_body_that_is_not_a_json_operation_is_a_bad_request(
    api: httpx.AsyncClient, world: World, content: bytes, content_type: str
) -> None:
    response = await api.post("/graphql", content=content, headers={**_auth(world), "Content-Type": content_type})
    assert response.status_code == 400
    assert codes(response.json()["errors"]) == ["BAD_REQUEST"]


async def test_introspection_is_off_in_production(api: httpx.AsyncClient, world: World) -> None:
    _, errors, _ = await gql_errors(api, world.platform.token, "{ __schema { types { name } } }")
    assert "introspection" in errors[0]["message"].lower()


async def test_field_suggestions_are_off_in_production(api: httpx.AsyncClient, world: World) -> None:
    _, errors, _ = await gql_errors(api, world.platform.token, "{ reprts { totalCount } }")
    assert "did you mean" not in errors[0]["message"].lower()


async def test_a_query_deeper_than_the_limit_is_refused(api: httpx.AsyncClient, world: World) -> None:
    # 11 levels: reports > edges > node > (history > report) x 4 > id
    deep = "{ reports { edges { node {" + " history { report {" * 4 + " id" + " } }" * 4 + " } } } }"
    _, errors, _ = await gql_errors(api, world.platform.token, deep)
    assert "depth" in errors[0]["message"].lower()


async def test_health_needs_no_token(api: httpx.AsyncClient) -> None:
    response = await api.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_more_aliases_than_the_limit_are_refused(api: httpx.AsyncClient, world: World) -> None:
    many = "{ " + " ".join(f"a{n}: viewer {{ name }}" for n in range(16)) + " }"
    _, errors, _ = await gql_errors(api, world.platform.token, many)
    assert "alias" in errors[0]["message"].lower()


async def test_an_operation_of_more_tokens_than_the_limit_is_refused(api: httpx.AsyncClient, world: World) -> None:
    long = "{ viewer { " + "name " * 1000 + "} }"
    _, errors, _ = await gql_errors(api, world.platform.token, long)
    assert "token" in errors[0]["message"].lower()


async def test_debug_mode_opens_introspection_and_the_ide(world: World) -> None:
    app = create_app(settings=Settings(debug=True), register_orm=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing.test") as client:
        data = await gql(client, world.tier2_a1.token, '{ __type(name: "ReportEventFilter") { name } }')
        ide = await client.get("/graphql", headers={"Accept": "text/html"})
    assert data == {"__type": {"name": "ReportEventFilter"}}
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"first": "abc"}, "Int cannot represent"),
        ({"first": 2**40}, "Int cannot represent"),
        ({"filter": {"statuses": ["NOPE"]}}, "ReportStatus"),
    ],
    ids=["string", "beyond-32-bits", "unknown-enum"],
)
async def test_variables_that_do_not_fit_their_types_are_explained_not_masked(
    api: httpx.AsyncClient, world: World, variables: dict, expected: str
) -> None:
    _, errors, _ = await gql_errors(api, world.platform.token, op.REPORTS, variables)
    assert expected in errors[0]["message"]
