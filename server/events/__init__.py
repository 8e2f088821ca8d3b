"""Live report events in the server: the per-worker hub, and what feeds it.

    EventHub           per worker: bounded queues, one per subscription (``hub.py``)
    PostgresListener   PostgreSQL: one LISTEN connection per worker, reconnecting
                       (``postgres_listener.py``)
    TokenRevocations   per worker: the token cache and the sockets of each token, told
                       of revoked tokens (``revocations.py``)
    live_events(hub)   the app's lifespan: feed the hub (and the revocations) from the
                       database in use

On PostgreSQL, every worker LISTENs, so an event committed through any worker (or the
CLI, or another host) reaches the dashboards of all of them. On SQLite (one worker) the
hub registers with the workflow's in-process delivery (``workflow.events.messages``), which
hands it each transaction's events after the commit. Token revocations travel the same
ways; on a SQLite file (which the CLI, another process, can revoke in) the token cache is off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import connections

from server.events.hub import EventHub
from server.events.postgres_listener import PostgresListener, connect_kwargs_of
from server.events.revocations import TokenRevocations
from workflow.database.sql import is_postgres
from workflow.events import messages as events
from workflow.events import revocations as token_revocations

__all__ = ["EventHub", "PostgresListener", "TokenRevocations", "live_events"]


@asynccontextmanager
async def live_events(
    hub: EventHub, revocations: TokenRevocations | None = None
) -> AsyncIterator[PostgresListener | None]:
    """Feed ``hub`` (and ``revocations``) while the app runs; yield the PostgreSQL listener, if any."""
    client = connections.get("default")
    if is_postgres(client):
        listener = PostgresListener(connect_kwargs_of(client), hub, revocations=revocations)
        if revocations is not None:  # what this process revokes, at once (pg_notify follows)
            token_revocations.add_local_listener(revocations.revoked)
        try:
            await listener.start()
            yield listener
        finally:
            await listener.stop()
            if revocations is not None:
                token_revocations.remove_local_listener(revocations.revoked)
        return
    events.add_local_listener(hub.publish)
    if revocations is not None:
        token_revocations.add_local_listener(revocations.revoked)
        # Every revocation is heard only if no other process can write the database: an
        # in-memory one. A file can be written by the command line (``token revoke``), whose
        # revocations this process would not hear, so its token cache stays off.
        revocations.listening(getattr(client, "filename", None) == ":memory:")
    hub.set_available(True)
    try:
        yield None
    finally:
        hub.set_available(False)
        events.remove_local_listener(hub.publish)
        if revocations is not None:
            revocations.listening(False)
            token_revocations.remove_local_listener(revocations.revoked)
        hub.interrupt_all("the server is shutting down")
