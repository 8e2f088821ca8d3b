"""Python's ``gql`` 4 with its ``WebsocketsTransport``, speaking graphql-transport-ws.

gql's transport offers both subprotocols by default (Apollo's legacy ``graphql-ws`` and
``graphql-transport-ws``) and speaks whichever the server picks; it is given only
``graphql-transport-ws`` here, the one protocol the server speaks.
"""

from __future__ import annotations

import asyncio

import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportConnectionFailed
from gql.transport.websockets import WebsocketsTransport
from websockets.exceptions import ConnectionClosed

from tests.api.served import ServedApp
from tests.clients.scenario import (
    FORBIDDEN,
    REPORT_EVENTS,
    UNKNOWN_TOKEN,
    given_a_report_to_save,
    save_a_draft_over_http,
    the_save_of,
)
from tests.world import World


def transport(ws_url: str, token: str) -> WebsocketsTransport:
    """gql's transport to ``ws_url`` as ``token`` (also through the proxy: tests/live/test_proxy.py)."""
    return WebsocketsTransport(
        url=ws_url,
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],  # "graphql-transport-ws"
        connect_timeout=10,
        ack_timeout=10,
        close_timeout=2,
        keep_alive_timeout=None,
    )


async def test_a_gql_client_hears_a_save_made_over_http(world: World, served_app: ServedApp) -> None:
    report_id = await given_a_report_to_save(world, served_app)
    async with Client(transport=transport(served_app.ws_url, world.tier1_a.token)) as session:
        events = session.subscribe(GraphQLRequest(REPORT_EVENTS, variable_values={"filter": {}}))
        first = asyncio.ensure_future(anext(events))  # sends subscribe
        try:
            await served_app.subscribers(1)
            await save_a_draft_over_http(world, served_app, report_id)
            heard = await asyncio.wait_for(first, 10)
        finally:
            first.cancel()
            await events.aclose()
    assert heard == {"reportEvents": the_save_of(report_id)}


async def test_a_gql_client_with_an_unknown_token_fails_to_connect_on_a_4403_close(
    world: World, served_app: ServedApp
) -> None:
    with pytest.raises(TransportConnectionFailed) as refused:
        async with asyncio.timeout(15):
            async with Client(transport=transport(served_app.ws_url, UNKNOWN_TOKEN)):
                pass
    closed = refused.value.__cause__
    assert isinstance(closed, ConnectionClosed), repr(closed)
    assert closed.rcvd is not None and closed.rcvd.code == FORBIDDEN
    assert served_app.hub.subscriber_count == 0
