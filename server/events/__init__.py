"""Live report events in the server: the per-worker hub, and what feeds it.

    EventHub           per worker: bounded queues, one per subscription (``hub.py``)
    PostgresListener   PostgreSQL: one LISTEN connection per worker, reconnecting
                       (``postgres_listener.py``)
    live_events(hub)   the app's lifespan: feed the hub from the database in use

On PostgreSQL, every worker LISTENs, so an event committed through any worker (or the
CLI, or another host) reaches the dashboards of all of them. On SQLite (one worker) the
hub registers with the workflow's in-process delivery (``workflow.events.messages``), which
hands it each transaction's events after the commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import connections

from server.events.hub import EventHub
from server.events.postgres_listener import PostgresListener, connect_kwargs_of
from workflow.database.sql import is_postgres
from workflow.events import messages as events

__all__ = ["EventHub", "PostgresListener", "live_events"]


@asynccontextmanager
async def live_events(hub: EventHub) -> AsyncIterator[PostgresListener | None]:
    """Feed ``hub`` while the app runs; yield the PostgreSQL listener, if there is one."""
    client = connections.get("default")
    if is_postgres(client):
        listener = PostgresListener(connect_kwargs_of(client), hub)
        await listener.start()
        try:
            yield listener
        finally:
            await listener.stop()
        return
    events.add_local_listener(hub.publish)
    hub.set_available(True)
    try:
        yield None
    finally:
        hub.set_available(False)
        events.remove_local_listener(hub.publish)
        hub.interrupt_all("the server is shutting down")
