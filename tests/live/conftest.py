"""The channel every live test seeds on its module's deployment (each module starts its own)."""

from __future__ import annotations

import pytest_asyncio

from tests.live.deployment import Channel, Deployment, seed_channel


@pytest_asyncio.fixture
async def channel(deployment: Deployment) -> Channel:
    return await seed_channel(deployment.db_url)
