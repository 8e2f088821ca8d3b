"""This serving process's webhook dispatcher (``workflow.webhooks.dispatcher``), run by the lifespan.

Every process runs one: they share the due deliveries through the database's row locks,
so adding workers or hosts adds senders, never a second send of one delivery.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from schema import ids
from server import metrics
from workflow.webhooks.dispatcher import Dispatcher


@asynccontextmanager
async def webhook_dispatcher(enabled: bool) -> AsyncIterator[Dispatcher | None]:
    if not enabled:
        yield None
        return
    dispatcher = Dispatcher(ids.encode, observe=metrics.observe_webhook_attempt)
    task = asyncio.create_task(dispatcher.run(), name="webhook-dispatcher")
    try:
        yield dispatcher
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
