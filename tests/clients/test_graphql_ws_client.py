"""graphql-ws, the client of Apollo Client's GraphQLWsLink and urql, on Node's ``ws``.

``node/subscribe.mjs`` runs one subscription and prints what happens as JSON lines; the
test starts it as a subprocess, waits until the served app holds the subscription, makes
the save over HTTP, and reads what the client heard. Every wait is bounded; the process
is killed in ``finally``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.api.served import ServedApp
from tests.clients.scenario import (
    FORBIDDEN,
    REPORT_EVENTS,
    UNKNOWN_TOKEN,
    given_a_report_to_save,
    save_a_draft_over_http,
    the_save_of,
)
from tests.clients.tools import NODE_DIR, node_executable
from tests.world import World

SCRIPT = NODE_DIR / "subscribe.mjs"


@pytest.fixture
def node() -> str:
    return node_executable()


class NodeClient:
    """The running script: its JSON lines, read one at a time with a timeout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None and process.stderr is not None
        self.process = process
        self.stdout = process.stdout
        self.seen: list[dict[str, Any]] = []
        self._stderr = asyncio.ensure_future(process.stderr.read())

    async def wait_for(self, event: str, timeout: float = 15.0) -> dict[str, Any]:
        """The next line of ``event``; the lines before it are kept in ``seen``."""
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.stdout.readline()
                if not raw:
                    await self.process.wait()
                    stderr = (await self._stderr).decode(errors="replace")
                    raise AssertionError(
                        f"the client exited ({self.process.returncode}) before {event!r}; "
                        f"it printed {self.seen}; stderr: {stderr}"
                    )
                line = json.loads(raw)
                self.seen.append(line)
                if line["event"] == event:
                    return line

    async def exit_code(self, timeout: float = 10.0) -> int:
        """Once the client has exited: its exit code (the lines it printed last are read into ``seen``)."""
        async with asyncio.timeout(timeout):
            self.seen.extend(json.loads(raw) for raw in (await self.stdout.read()).splitlines())
            return await self.process.wait()

    def received(self) -> list[dict[str, Any]]:
        """The protocol messages the client received so far."""
        return [line["message"] for line in self.seen if line["event"] == "message"]


@contextlib.asynccontextmanager
async def graphql_ws_client(
    node: str, url: str, token: str, query: str, variables: dict[str, Any] | None = None
) -> AsyncIterator[NodeClient]:
    process = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPT),
        url,
        query,
        json.dumps(variables or {}),
        cwd=NODE_DIR,
        env={**os.environ, "GRAPHQL_TOKEN": token},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    client = NodeClient(process)
    try:
        yield client
    finally:
        if process.returncode is None:
            process.kill()
        await asyncio.wait_for(process.wait(), 10)
        await asyncio.wait_for(client._stderr, 10)


async def test_a_graphql_ws_client_hears_a_save_made_over_http(node: str, world: World, served_app: ServedApp) -> None:
    report_id = await given_a_report_to_save(world, served_app)
    async with graphql_ws_client(node, served_app.ws_url, world.tier1_a.token, REPORT_EVENTS) as client:
        await client.wait_for("connected")
        await served_app.subscribers(1)

        await save_a_draft_over_http(world, served_app, report_id)

        heard = await client.wait_for("next")
        assert await client.exit_code() == 0  # disposed cleanly after the one event it waited for
    assert heard["payload"] == {"data": {"reportEvents": the_save_of(report_id)}}
    assert [m["type"] for m in client.received()] == ["connection_ack", "next"]


async def test_a_graphql_ws_client_with_an_unknown_token_gets_a_close_event_with_4403(
    node: str, world: World, served_app: ServedApp
) -> None:
    async with graphql_ws_client(node, served_app.ws_url, UNKNOWN_TOKEN, REPORT_EVENTS) as client:
        closed = await client.wait_for("closed")
        assert await client.exit_code() == 2
    assert closed["code"] == FORBIDDEN
    assert client.received() == []  # no connection_ack, no event
    assert served_app.hub.subscriber_count == 0
