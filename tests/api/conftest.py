"""The app in-process over HTTP (httpx ASGITransport), on the test database of ``tests/conftest.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from tortoise.context import TortoiseContext

from server.app import create_app
from server.settings import Settings
from tests.api import two_paths


@pytest_asyncio.fixture
async def api(db: TortoiseContext) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings=Settings(debug=False), register_orm=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing.test") as client:
        yield client


# Two apps on one database, the compiled path on and off (tests.api.two_paths).
apps = two_paths.apps
