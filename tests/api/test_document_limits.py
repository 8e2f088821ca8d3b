"""A document's work is bounded before it is validated or run (``schema.document_limits``):
a small document asking for an exponential amount of work is refused cheaply, over HTTP
and over the WebSocket, and a subscription sent over HTTP is refused before validation."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest

from server.app import create_app
from server.settings import Settings
from tests.api import operations as op
from tests.api.client import codes, gql, gql_errors, post
from tests.api.dashboards import Dashboard, error_codes
from tests.api.served import ServedApp, served_app  # noqa: F401 - the fixture
from tests.api.steps import given_generated_reports, report_id_of
from tests.world import World

# Generous: before the limits, 20 levels took 9-15 s of a worker and 30 levels would take hours.
CHEAP_SECONDS = 0.5


def messages(errors: list[dict[str, object]]) -> list[object]:
    return [e["message"] for e in errors]


def nested_fragments(levels: int, on: str = "Query", leaf: str = "viewer { scopes }") -> str:
    """``{ ...F0 } fragment F0 { ...F1 ...F1 } ...``: a few hundred tokens, 2^levels fields."""
    spreads = " ".join(f"fragment F{i} on {on} {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"{spreads} fragment F{levels} on {on} {{ {leaf} }}"


@pytest.mark.parametrize("levels", [20, 30])
async def test_nested_fragments_that_expand_exponentially_are_refused_in_milliseconds(
    api: httpx.AsyncClient, world: World, levels: int
) -> None:
    document = "query { ...F0 } " + nested_fragments(levels)

    started = time.perf_counter()
    status, errors, data = await gql_errors(api, world.platform.token, document)
    elapsed = time.perf_counter() - started

    assert status == 200 and data is None
    assert set(codes(errors)) == {"QUERY_TOO_COMPLEX"}
    assert f"{2 ** (levels + 1)} fields after fragment expansion; the limit is 500" in messages(errors)
    assert elapsed < CHEAP_SECONDS, f"refusing took {elapsed:.3f} s"


async def test_a_report_query_of_nested_fragments_is_refused_like_any_other(
    api: httpx.AsyncClient, world: World
) -> None:
    # The report screen's purpose-built path checks the same limits before compiling.
    await given_generated_reports(world)
    report_id = await report_id_of(api, world.tier2_a1)
    document = "query R($id: ID!) { report(id: $id) { ...F0 } } " + nested_fragments(25, "BillingReport", "id status")

    status, errors, _ = await gql_errors(api, world.tier2_a1.token, document, {"id": report_id})

    assert status == 200 and set(codes(errors)) == {"QUERY_TOO_COMPLEX"}


async def test_a_normal_query_is_answered_while_nested_documents_are_refused_beside_it(
    world: World, served_app: ServedApp
) -> None:
    attack = "query { ...F0 } " + nested_fragments(30)

    async def attacker() -> int:
        response = await post(served_app.http, world.tier1_a.token, attack)
        return response.status_code

    async def user() -> tuple[float, dict[str, object]]:
        started = time.perf_counter()
        data = await gql(served_app.http, world.tier2_a1.token, op.VIEWER)
        return time.perf_counter() - started, data

    *attacks, (elapsed, data) = await asyncio.gather(*(attacker() for _ in range(20)), user())

    assert attacks == [200] * 20
    assert data["viewer"]["organization"]["name"] == world.tier2_a1.organization.name  # type: ignore[index]
    assert elapsed < 2.0, f"the normal query waited {elapsed:.3f} s behind the refusals"


async def test_aliases_are_counted_after_fragment_expansion(api: httpx.AsyncClient, world: World) -> None:
    eight = " ".join(f"a{n}: viewer {{ scopes }}" for n in range(8))
    document = f"query {{ ...A ...B }} fragment A on Query {{ {eight} }} fragment B on Query {{ ...A }}"

    _, errors, _ = await gql_errors(api, world.platform.token, document)

    assert codes(errors) == ["QUERY_TOO_COMPLEX"]
    assert "16 aliases after fragment expansion; the limit is 15" in errors[0]["message"]


async def test_a_field_repeated_hundreds_of_times_is_refused_before_the_overlap_check(
    api: httpx.AsyncClient, world: World
) -> None:
    # graphql-core compares every pair of fields sharing a response name: quadratic.
    document = "{ " + "viewer { scopes } " * 120 + "}"

    started = time.perf_counter()
    _, errors, _ = await gql_errors(api, world.platform.token, document)

    assert codes(errors) == ["QUERY_TOO_COMPLEX"] and "repeated" in errors[0]["message"]
    assert time.perf_counter() - started < CHEAP_SECONDS


async def test_ten_levels_deep_is_within_the_depth_limit(api: httpx.AsyncClient, world: World) -> None:
    # Top-level fields are at depth 0: reports > edges > node > (history > report) x 3 > history > id
    deep = "{ reports { edges { node {" + " history { report {" * 3 + " history { id }" + " } }" * 3 + " } } } }"
    data = await gql(api, world.platform.token, deep)
    assert data["reports"]["edges"] == []


async def test_a_list_input_longer_than_the_limit_is_refused_before_execution(
    api: httpx.AsyncClient, world: World
) -> None:
    statuses = ["PREPARING"] * 80_000
    query = "query L($filter: ReportFilter) { reports(filter: $filter) { totalCount } }"

    status, errors, data = await gql_errors(api, world.platform.token, query, {"filter": {"statuses": statuses}})

    assert status == 200 and data is None
    assert codes(errors) == ["INPUT_TOO_LARGE"]
    assert errors[0]["message"] == "variables.filter.statuses has 80000 items; a list input takes at most 5000"


async def test_a_list_at_the_limit_is_taken(api: httpx.AsyncClient, world: World) -> None:
    query = "query L($filter: ReportFilter) { reports(filter: $filter) { totalCount } }"
    data = await gql(api, world.platform.token, query, {"filter": {"statuses": ["APPROVED"] * 5000}})
    assert data == {"reports": {"totalCount": 0}}


async def test_an_oversized_list_in_an_unused_variable_is_refused_on_the_report_screen_too(
    api: httpx.AsyncClient, world: World
) -> None:
    await given_generated_reports(world)
    report_id = await report_id_of(api, world.tier2_a1)

    _, errors, _ = await gql_errors(
        api, world.tier2_a1.token, op.REPORT_DETAIL, {"id": report_id, "padding": list(range(5001))}
    )

    assert codes(errors) == ["INPUT_TOO_LARGE"]


async def test_a_subscription_sent_over_http_post_is_refused_with_a_clear_400_and_no_error_log(
    api: httpx.AsyncClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = await post(api, world.tier1_a.token, "subscription { reportEvents { id action } }")

    assert response.status_code == 400
    body = response.json()
    assert body["data"] is None and codes(body["errors"]) == ["SUBSCRIPTION_OVER_HTTP"]
    assert "WebSocket" in body["errors"][0]["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_subscription_over_http_is_refused_before_validation(api: httpx.AsyncClient, world: World) -> None:
    # Even one that would not validate: the transport is wrong whatever the document says.
    response = await post(api, world.tier1_a.token, "subscription { reportEvents { noSuchField } }")
    assert response.status_code == 400 and codes(response.json()["errors"]) == ["SUBSCRIPTION_OVER_HTTP"]


async def test_the_subscription_refusal_holds_in_debug_mode_too(world: World) -> None:
    app = create_app(settings=Settings(debug=True), register_orm=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing.test") as client:
        response = await post(client, world.tier1_a.token, "subscription { reportEvents { id } }")
    assert response.status_code == 400 and codes(response.json()["errors"]) == ["SUBSCRIPTION_OVER_HTTP"]


async def test_a_subscription_of_nested_fragments_is_refused_over_the_websocket(
    world: World, served_app: ServedApp
) -> None:
    document = "subscription { reportEvents { ...F0 } } " + nested_fragments(30, "ReportEvent", "id action")
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as dashboard:
        started = time.perf_counter()
        refused = await dashboard.next_message(await dashboard.subscribe(query=document))
        elapsed = time.perf_counter() - started
        assert refused["type"] == "error" and set(error_codes(refused)) == {"QUERY_TOO_COMPLEX"}, refused
        await dashboard.ping()  # the connection goes on
    assert elapsed < CHEAP_SECONDS
    assert served_app.hub.subscriber_count == 0


async def test_a_subscription_with_an_oversized_list_variable_is_refused_over_the_websocket(
    world: World, served_app: ServedApp
) -> None:
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as dashboard:
        refused = await dashboard.next_message(await dashboard.subscribe({"filter": {}, "extra": [0] * 5001}))
        assert refused["type"] == "error" and error_codes(refused) == ["INPUT_TOO_LARGE"], refused
    assert served_app.hub.subscriber_count == 0
