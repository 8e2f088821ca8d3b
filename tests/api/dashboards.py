"""A dashboard as a client really is: a WebSocket speaking ``graphql-transport-ws``.

``Dashboard.open(ws_url, token)`` connects with the protocol's subprotocol, sends
``connection_init`` with the token and waits for ``connection_ack``. ``subscribe``
then pings and waits for the pong: the server handles a connection's messages in
order and only once a subscription is registered, so after the pong it is live. A reader task
sorts what the server sends by operation id, so a test reads one subscription's
messages in order (``next_event``), asserts that nothing came (``expect_nothing``),
or waits for the socket to be closed (``close_code``). Every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"

REPORT_EVENTS = """
subscription Events($filter: ReportEventFilter) {
  reportEvents(filter: $filter) {
    id action fromStatus toStatus version comment
    actor { name organization { id name tier } }
    changes { lineItemId oldChargeableUnits newChargeableUnits newComment }
    report { id status version availableActions partner { id name } }
  }
}
"""


class Dashboard:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._inbox: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self.binary_frames = 0  # frames that standard clients would refuse
        self._reader = asyncio.create_task(self._read())

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(
        cls, ws_url: str, subprotocols: tuple[str, ...] = (PROTOCOL,), origin: str | None = None
    ) -> AsyncIterator[Dashboard]:
        """A bare connection: nothing sent yet."""
        async with connect(
            ws_url,
            subprotocols=list(subprotocols) or None,
            origin=origin,  # type: ignore[arg-type]
            open_timeout=10,
            close_timeout=2,
        ) as ws:
            dashboard = cls(ws)
            try:
                yield dashboard
            finally:
                dashboard._reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await dashboard._reader
            assert dashboard.binary_frames == 0, f"{dashboard.binary_frames} binary frame(s) received"

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, ws_url: str, token: str) -> AsyncIterator[Dashboard]:
        """Connected, initialised with ``token`` and acknowledged."""
        async with cls.connect(ws_url) as dashboard:
            await dashboard.init({"Authorization": f"Bearer {token}"})
            ack = await dashboard.next_message("", timeout=10)
            assert ack["type"] == "connection_ack", ack
            yield dashboard

    async def init(self, payload: Any) -> None:
        await self.send({"type": "connection_init", "payload": payload})

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(orjson.dumps(message).decode())

    async def subscribe(
        self,
        variables: dict[str, Any] | None = None,
        query: str = REPORT_EVENTS,
        operation_id: str | None = None,
        live: bool = True,
    ) -> str:
        """Send a subscription; with ``live``, return once the server has registered (or refused) it."""
        operation_id = operation_id or f"s{next(self._ids)}"
        self._queue(operation_id)
        await self.send(
            {"id": operation_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
        )
        if live:
            await self.ping()
        return operation_id

    async def ping(self, timeout: float = 10.0) -> None:
        await self.send({"type": "ping"})
        pong = await self.next_message("", timeout)
        assert pong["type"] == "pong", pong

    async def complete(self, operation_id: str) -> None:
        await self.send({"id": operation_id, "type": "complete"})

    async def next_message(self, operation_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The next message for an operation ("" for those without id: ack, pong)."""
        try:
            return await asyncio.wait_for(self._queue(operation_id).get(), timeout)
        except TimeoutError:
            raise AssertionError(f"no message for {operation_id or 'the connection'} within {timeout} s") from None

    async def next_event(self, operation_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The next ``reportEvents`` event; fails on anything else."""
        message = await self.next_message(operation_id, timeout)
        assert message["type"] == "next" and not message["payload"].get("errors"), message
        return message["payload"]["data"]["reportEvents"]

    def received(self, operation_id: str) -> dict[str, Any] | None:
        """The next message already received for an operation, without waiting; None if none."""
        queue = self._queue(operation_id)
        return None if queue.empty() else queue.get_nowait()

    async def expect_nothing(self, operation_id: str, seconds: float = 0.5) -> None:
        await asyncio.sleep(seconds)
        queue = self._queue(operation_id)
        assert queue.empty(), f"unexpected message for {operation_id}: {queue.get_nowait()}"

    async def close_code(self, timeout: float = 15.0) -> int | None:
        """Wait for the server to close the socket; its close code."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ws.wait_closed(), timeout)
        assert self.ws.close_code is not None, f"the socket is still open after {timeout} s"
        return self.ws.close_code

    def _queue(self, operation_id: str) -> asyncio.Queue[dict[str, Any]]:
        return self._inbox.setdefault(operation_id, asyncio.Queue())

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                # The protocol is JSON text: clients such as graphql-ws and gql refuse binary frames.
                if not isinstance(raw, str):
                    self.binary_frames += 1
                message = orjson.loads(raw)
                self._queue(message.get("id") or "").put_nowait(message)


def error_codes(message: dict[str, Any]) -> list[str | None]:
    """The ``extensions.code`` of an ``error`` message, or of a ``next`` message's errors."""
    errors = message["payload"] if message["type"] == "error" else message["payload"].get("errors", [])
    return [e.get("extensions", {}).get("code") for e in errors]
