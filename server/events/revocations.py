"""A worker's side of token revocations: its token cache, and the sockets of each token.

``TokenRevocations`` is fed like the event hub: by the PostgreSQL listener (channel
``token_revocations``, on the same LISTEN connection as ``report_events``) or, on SQLite,
by the workflow's in-process delivery after the commit. For each revoked token hash it

- drops the token from the worker's ``TokenCache`` (the very next request asks the database);
- wakes the token watch of every open WebSocket authenticated with it, which checks the
  token again at once and closes the socket with 4403 (``server.graphql_ws``).

``listening(True)`` (LISTEN established, or the in-process listener registered) clears
the cache and marks it trusted, and wakes every socket's watch to recheck: notifications
sent while the connection was down are lost. ``listening(False)`` clears it and stops it
serving until then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from workflow.access.token_cache import TokenCache


class TokenRevocations:
    def __init__(self, cache: TokenCache) -> None:
        self.cache = cache
        self._sockets: dict[str, set[asyncio.Event]] = {}

    def watch(self, token_hash: str) -> asyncio.Event:
        """An event set whenever ``token_hash`` may have been revoked, until ``unwatch``."""
        wake = asyncio.Event()
        self._sockets.setdefault(token_hash, set()).add(wake)
        return wake

    def unwatch(self, token_hash: str, wake: asyncio.Event) -> None:
        watchers = self._sockets.get(token_hash)
        if watchers is not None:
            watchers.discard(wake)
            if not watchers:
                del self._sockets[token_hash]

    @property
    def watched_sockets(self) -> int:
        return sum(len(w) for w in self._sockets.values())

    def revoked(self, token_hashes: Sequence[str]) -> None:
        for token_hash in token_hashes:
            self.cache.evict(token_hash)
            for wake in self._sockets.get(token_hash, ()):
                wake.set()

    def listening(self, listening: bool) -> None:
        self.cache.set_trusted(listening)
        if listening:
            for watchers in self._sockets.values():
                for wake in watchers:
                    wake.set()
