"""``GET /health`` (alive) and ``GET /ready`` (may take traffic), both without a token.

``/health`` touches nothing: the process answers. ``/ready`` answers **200** when

- the database answers (``SELECT 1`` within ``READY_TIMEOUT_SECONDS``; a pool that is
  only busy counts as reachable: taking the worker out of the balancer for being busy
  would move its load onto the others),
- every migration of this code is applied (once true, remembered by the worker),
- the live-event listener is up (PostgreSQL: this worker's LISTEN connection; SQLite:
  the in-process delivery, up while the app runs),

and **503** otherwise, with each check's state in the body::

    {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "live_events": "ok"}}
"""

from __future__ import annotations

import asyncio
import logging

import orjson
from starlette.requests import Request
from starlette.responses import Response
from tortoise import connections

from server.database_faults import PoolExhausted
from server.events import EventHub

READY_TIMEOUT_SECONDS = 2.0

log = logging.getLogger("billing_reports.ready")


async def health(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


class Readiness:
    def __init__(self, hub: EventHub) -> None:
        self.hub = hub
        self._migrated = False

    async def check(self, request: Request) -> Response:
        checks = {
            "database": await self._database(),
            "migrations": await self._migrations(),
            "live_events": "ok" if self.hub.available else "down",
        }
        ready = all(state in ("ok", "busy") for state in checks.values())
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return Response(orjson.dumps(body), status_code=200 if ready else 503, media_type="application/json")

    async def _database(self) -> str:
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                await connections.get("default").execute_query("SELECT 1")
        except PoolExhausted:
            return "busy"
        except Exception as error:  # unreachable, timed out, not configured
            log.warning("not ready: the database does not answer (%s: %s)", type(error).__name__, error)
            return "unreachable"
        return "ok"

    async def _migrations(self) -> str:
        if self._migrated:
            return "ok"
        from server.database_session import pending_migrations

        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                pending = await pending_migrations()
        except Exception as error:
            log.warning("not ready: cannot read the applied migrations (%s: %s)", type(error).__name__, error)
            return "unknown"
        if pending:
            return f"{len(pending)} pending"
        self._migrated = True
        return "ok"
