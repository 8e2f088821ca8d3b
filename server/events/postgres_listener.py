"""One dedicated PostgreSQL connection per worker that LISTENs to ``report_events`` and
``token_revocations``.

Every worker (and host) holds its own, outside Tortoise's pool, and hands each
notification to its hub. The connection can drop (a PostgreSQL restart, a network cut,
``pg_terminate_backend``); the listener notices it two ways — asyncpg's termination
callback (the server closed it) and a ``SELECT 1`` every few seconds that must answer
in time (a silent cut) — and then:

1. marks the hub unavailable and ends every subscription with ``EventsInterrupted``:
   events committed while nobody listened are lost for good, so dashboards must
   refetch (nothing is replayed) — and new subscriptions are refused until step 3;
2. reconnects with exponential backoff (0.1 s doubling to 5 s, with jitter);
3. LISTENs again and marks the hub available.

Token revocations (``token_revocations``, a token hash per notification) go to the
worker's ``TokenRevocations``: the token leaves the cache, its sockets are closed. While
the connection is down the token cache serves nothing, and it is cleared whole when the
connection is back (revocations sent meanwhile are lost), and every socket's token is
checked again.

The connection's ``application_name`` is ``billing-reports events <pid>``, so an
operator (or a test) can find each worker's listener in ``pg_stat_activity``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from typing import Any

import asyncpg

from server.events.hub import EventHub
from server.events.revocations import TokenRevocations
from workflow.events import revocations as token_revocations
from workflow.events.messages import CHANNEL, MalformedEvent, ReportEventMessage

log = logging.getLogger("billing_reports.events")

APPLICATION_NAME = "billing-reports events"
FIRST_BACKOFF = 0.1
MAX_BACKOFF = 5.0


class PostgresListener:
    def __init__(
        self,
        connect_kwargs: dict[str, Any],
        hub: EventHub,
        *,
        health_interval: float = 5.0,
        health_timeout: float = 5.0,
        revocations: TokenRevocations | None = None,
    ) -> None:
        self.connect_kwargs = connect_kwargs
        self.hub = hub
        self.revocations = revocations
        self.health_interval = health_interval
        self.health_timeout = health_timeout
        self.application_name = f"{APPLICATION_NAME} {os.getpid()}"
        self.connections_made = 0  # how many times it has (re)connected
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    async def start(self, wait: float = 10.0) -> None:
        """Start listening; wait up to ``wait`` seconds for the first LISTEN.

        The worker starts serving either way: without a listener yet, subscriptions are
        refused (``EventsUnavailable``) until it connects.
        """
        self._task = asyncio.create_task(self._run(), name="report events listener")
        try:
            await asyncio.wait_for(self._listening.wait(), wait)
        except TimeoutError:
            log.warning("report events: not listening after %.0f s; retrying in the background", wait)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        self.hub.set_available(False)
        if self.revocations is not None:
            self.revocations.listening(False)
        self.hub.interrupt_all("the server is shutting down")

    async def _run(self) -> None:
        backoff = FIRST_BACKOFF
        while True:
            try:
                await self._listen_until_lost()
                backoff = FIRST_BACKOFF  # it had connected: start over gently
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning(
                    "report events: cannot listen (%s: %s); retrying in %.1f s", type(error).__name__, error, backoff
                )
            await asyncio.sleep(backoff * random.uniform(0.8, 1.2))
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def _listen_until_lost(self) -> None:
        settings = {**self.connect_kwargs.get("server_settings", {}), "application_name": self.application_name}
        conn: asyncpg.Connection = await asyncpg.connect(**{**self.connect_kwargs, "server_settings": settings})
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(CHANNEL, self._on_notification)
            if self.revocations is not None:
                await conn.add_listener(token_revocations.CHANNEL, self._on_revocation)
                self.revocations.listening(True)  # cleared: what was sent while down is lost
            self.connections_made += 1
            self.hub.set_available(True)
            self._listening.set()
            log.info("report events: listening (connection %d)", self.connections_made)
            await self._watch(conn, lost)
        finally:
            if self.revocations is not None:
                self.revocations.listening(False)
            if self.hub.available:
                self.hub.set_available(False)
                self.hub.interrupt_all("the server's connection to the events dropped")
            self._listening.clear()
            conn.terminate()  # no goodbye on a connection that may be dead

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Return when the connection is lost (closed by the server, or not answering)."""
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), self.health_interval)
                break
            except TimeoutError:
                pass
            try:
                await asyncio.wait_for(conn.fetchval("SELECT 1"), self.health_timeout)
            except (TimeoutError, asyncpg.PostgresError, OSError, asyncpg.InterfaceError) as error:
                log.warning("report events: the listening connection does not answer (%s)", type(error).__name__)
                break
        log.warning("report events: the listening connection was lost; reconnecting")

    def _on_notification(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            message = ReportEventMessage.decode(payload)
        except MalformedEvent as error:
            log.warning("report events: ignored %s", error)
            return
        self.hub.publish([message])

    def _on_revocation(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        if not token_revocations.is_token_hash(payload):
            log.warning("token revocations: ignored %r", payload[:200])
            return
        if self.revocations is not None:
            self.revocations.revoked([payload])


def connect_kwargs_of(client: Any) -> dict[str, Any]:
    """asyncpg.connect() arguments for the database of a Tortoise PostgreSQL client."""
    kwargs: dict[str, Any] = {
        "host": client.host,
        "port": client.port,
        "user": client.user,
        "password": client.password,
        "database": client.database,
        "server_settings": dict(getattr(client, "server_settings", {}) or {}),
    }
    extra = getattr(client, "extra", {}) or {}
    for name in ("ssl", "direct_tls", "timeout"):  # the connection's own options, not the pool's
        if name in extra:
            kwargs[name] = extra[name]
    return kwargs
