"""The WebSocket at ``/graphql``: its protocol, its token, its limits (docs/contract.md §8; docs/api.md, Limits).

Real sockets to the app served in-process. Close codes are the protocol's:
4403 forbidden (no or bad token), 4408 no ``connection_init`` in time, 4406 a
subprotocol other than ``graphql-transport-ws``, 4401 subscribing before the ack.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from models import ApiToken
from tests.api import operations as op
from tests.api.dashboards import Dashboard, error_codes
from tests.api.served import ServedApp, served_app  # noqa: F401 - the fixture
from tests.api.steps import given_generated_reports, mutate, report_id_of
from tests.world import World
from vocabulary.enums import Scope
from workflow.access import tokens


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer brt_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": ["Bearer", "brt_x"]},
    ],
)
async def test_a_connection_without_a_valid_token_is_closed_with_4403(
    world: World, served_app: ServedApp, payload: object
) -> None:
    async with Dashboard.connect(served_app.ws_url) as dashboard:
        await dashboard.send(
            {"type": "connection_init"} if payload is None else {"type": "connection_init", "payload": payload}
        )
        assert await dashboard.close_code() == 4403


async def test_a_revoked_or_expired_token_is_closed_with_4403(world: World, served_app: ServedApp) -> None:
    await tokens.revoke_token(world.tier1_a.token)
    await ApiToken.filter(principal__organization_id=world.tier1_b.organization.id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    for token in (world.tier1_a.token, world.tier1_b.token):
        async with Dashboard.connect(served_app.ws_url) as dashboard:
            await dashboard.init({"Authorization": f"Bearer {token}"})
            assert await dashboard.close_code() == 4403


async def test_a_token_revoked_while_connected_closes_the_socket_with_4403(world: World, served_app: ServedApp) -> None:
    served_app.app.state.graphql.token_recheck_seconds = 0.2
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as dashboard:
        await dashboard.subscribe()
        await served_app.subscribers(1)
        await tokens.revoke_token(world.tier1_a.token)
        assert await dashboard.close_code(timeout=5) == 4403
    await served_app.subscribers(0)


async def test_the_token_is_awaited_for_10_seconds(served_app: ServedApp) -> None:
    assert served_app.app.state.graphql.connection_init_wait_timeout == timedelta(seconds=10)


async def test_a_connection_that_never_sends_connection_init_is_closed_with_4408(served_app: ServedApp) -> None:
    served_app.app.state.graphql.connection_init_wait_timeout = timedelta(seconds=0.3)  # 10 s in production
    async with Dashboard.connect(served_app.ws_url) as dashboard:
        assert await dashboard.close_code(timeout=5) == 4408


async def test_subscribing_before_the_acknowledgement_is_closed_with_4401(world: World, served_app: ServedApp) -> None:
    async with Dashboard.connect(served_app.ws_url) as dashboard:
        await dashboard.subscribe(live=False)
        assert await dashboard.close_code() == 4401


@pytest.mark.parametrize("subprotocols", [("graphql-ws",), ()])
async def test_only_the_graphql_transport_ws_protocol_is_spoken(
    served_app: ServedApp, subprotocols: tuple[str, ...]
) -> None:
    async with Dashboard.connect(served_app.ws_url, subprotocols=subprotocols) as dashboard:
        assert await dashboard.close_code() == 4406


async def test_a_page_of_another_origin_cannot_open_the_socket(served_app: ServedApp) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with Dashboard.connect(served_app.ws_url, origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    async with Dashboard.connect(served_app.ws_url, origin=f"http://127.0.0.1:{served_app.port}") as same_origin:
        await same_origin.init({})
        assert await same_origin.close_code() == 4403  # it got as far as the token


async def test_a_21st_subscription_on_one_connection_is_refused_and_the_20_keep_working(
    world: World, served_app: ServedApp
) -> None:
    await given_generated_reports(world)
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as north:
        twenty = [await north.subscribe() for _ in range(20)]
        await served_app.subscribers(20)

        refused = await north.next_message(await north.subscribe())
        assert refused["type"] == "error" and refused["payload"][0]["message"] == "Subscription limit reached"
        alpha = await report_id_of(served_app.http, world.tier2_a1)
        payload = await mutate(served_app.http, world.tier2_a1, op.SAVE_DRAFT, reportId=alpha, version=1)
        assert payload["errors"] == []
        heard = await asyncio.gather(*(north.next_event(s) for s in twenty))
        assert {e["action"] for e in heard} == {"SAVED"}
        assert served_app.hub.subscriber_count == 20

        await north.complete(twenty[0])  # one ends: room for another
        await served_app.subscribers(19)
        await north.subscribe()
        await served_app.subscribers(20)


@pytest.mark.parametrize("operation", [op.VIEWER, op.SAVE_DRAFT])
async def test_queries_and_mutations_are_refused_over_the_socket(
    world: World, served_app: ServedApp, operation: str
) -> None:
    await given_generated_reports(world)
    alpha = await report_id_of(served_app.http, world.tier2_a1)
    async with Dashboard.open(served_app.ws_url, world.tier2_a1.token) as alpha_screen:
        sent = await alpha_screen.subscribe({"input": {"reportId": alpha, "version": 1}}, query=operation)
        refused = await alpha_screen.next_message(sent)
        assert refused["type"] == "error", refused
        assert "not allowed" in refused["payload"][0]["message"]
    payload = await mutate(served_app.http, world.tier2_a1, op.SAVE_DRAFT, reportId=alpha, version=1)
    assert payload["errors"] == []  # the mutation over the socket did nothing: version 1 is still current


async def test_a_subscription_needs_the_reports_read_scope(world: World, served_app: ServedApp) -> None:
    issued = await tokens.issue_token(world.tier1_a.organization, "review only", scopes=[Scope.REPORTS_REVIEW])
    async with Dashboard.open(served_app.ws_url, issued.token) as dashboard:
        refused = await dashboard.next_message(await dashboard.subscribe())
        assert refused["type"] == "error" and error_codes(refused) == ["FORBIDDEN"], refused
    assert served_app.hub.subscriber_count == 0


@pytest.mark.parametrize("period", ["2026-13", "October", ""])
async def test_a_malformed_period_is_refused_before_subscribing(
    world: World, served_app: ServedApp, period: str
) -> None:
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as dashboard:
        refused = await dashboard.next_message(await dashboard.subscribe({"filter": {"period": period}}))
        assert refused["type"] == "error" and error_codes(refused) == ["INVALID_INPUT"], refused
    assert served_app.hub.subscriber_count == 0


async def test_the_query_limits_apply_to_subscriptions(world: World, served_app: ServedApp) -> None:
    too_deep = "subscription { reportEvents { " + "report { history { " * 6 + "id" + " } }" * 6 + " } }"
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as dashboard:
        refused = await dashboard.next_message(await dashboard.subscribe(query=too_deep))
        assert refused["type"] == "error" and error_codes(refused) == ["QUERY_TOO_COMPLEX"], refused
        assert "13 levels deep; the depth limit is 10" in refused["payload"][0]["message"]


async def test_a_pong_after_subscribing_means_the_subscription_is_registered_however_long_that_takes(
    world: World, served_app: ServedApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = served_app.hub
    register = hub.subscribe

    @contextlib.asynccontextmanager
    async def slow_to_register(accepts: Any) -> AsyncIterator[Any]:
        await asyncio.sleep(0.2)
        async with register(accepts) as events:
            yield events

    monkeypatch.setattr(hub, "subscribe", slow_to_register)
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as dashboard:
        for count in range(1, 3):
            await dashboard.subscribe(live=False)
            await dashboard.ping()
            assert hub.subscriber_count == count  # no waiting here: registered before the pong


async def test_closing_the_socket_ends_its_subscriptions(world: World, served_app: ServedApp) -> None:
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as dashboard:
        await dashboard.subscribe()
        await dashboard.subscribe()
        await served_app.subscribers(2)
    await served_app.subscribers(0)
