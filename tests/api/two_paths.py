"""Two apps on one database: as served (queries on the compiled path), and Strawberry alone.

``apps`` posts the same request to both; ``answered`` records, per request to ``direct``,
whether the compiled path answered it (rather than handing it to Strawberry).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from tortoise.context import TortoiseContext

from server.app import create_app
from server.settings import Settings


@dataclass
class Apps:
    direct: httpx.AsyncClient  # as served
    general: httpx.AsyncClient  # Strawberry for everything
    answered: list[bool]  # per request to ``direct``: did the compiled path answer it?


@pytest_asyncio.fixture
async def apps(db: TortoiseContext) -> AsyncIterator[Apps]:
    served = create_app(settings=Settings(debug=False), register_orm=False)
    general = create_app(settings=Settings(debug=False), register_orm=False)
    answered: list[bool] = []
    path = served.state.graphql.compiled
    answer = path.answer

    async def recording(*request: Any) -> bytes | None:
        result = await answer(*request)
        answered.append(result is not None)
        return result

    async def declining(*request: Any) -> None:
        return None

    path.answer = recording
    general.state.graphql.compiled.answer = declining
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=served), base_url="http://billing.test") as direct,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=general), base_url="http://billing.test") as other,
    ):
        yield Apps(direct, other, answered)


async def post(client: httpx.AsyncClient, token: str | None, query: str, variables: dict[str, Any]) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
