"""Hearing the committed report events the way the server does, on either database.

On SQLite, through the workflow's in-process delivery (``workflow.events.messages``); on
PostgreSQL, on a LISTEN connection of its own to the test database — so a message
counts as heard only once PostgreSQL delivered it, i.e. after the commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import asyncpg
import pytest_asyncio
from tortoise import connections
from tortoise.context import TortoiseContext

from server.events.postgres_listener import connect_kwargs_of
from workflow.database.sql import is_postgres
from workflow.events import messages as events
from workflow.events.messages import CHANNEL, ReportEventMessage


class Heard:
    def __init__(self) -> None:
        self.messages: list[ReportEventMessage] = []

    def take(self, messages: Sequence[ReportEventMessage]) -> None:
        self.messages.extend(messages)

    async def exactly(self, count: int, timeout: float = 5.0, settle: float = 0.2) -> list[ReportEventMessage]:
        """Wait for ``count`` messages, then a moment more to be sure no other follows."""
        async with asyncio.timeout(timeout):
            while len(self.messages) < count:
                await asyncio.sleep(0.01)
        await asyncio.sleep(settle)
        assert len(self.messages) == count, self.messages
        taken, self.messages = self.messages, []
        return taken

    async def nothing(self, wait: float = 0.3) -> None:
        await asyncio.sleep(wait)
        assert self.messages == []


@pytest_asyncio.fixture
async def heard(db: TortoiseContext) -> AsyncIterator[Heard]:
    listener = Heard()
    client = connections.get("default")
    if not is_postgres(client):
        events.add_local_listener(listener.take)
        try:
            yield listener
        finally:
            events.remove_local_listener(listener.take)
        return
    conn = await asyncpg.connect(**connect_kwargs_of(client))
    try:
        await conn.add_listener(
            CHANNEL, lambda _c, _pid, _channel, payload: listener.take([ReportEventMessage.decode(payload)])
        )
        yield listener
    finally:
        await conn.close()
