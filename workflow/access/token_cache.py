"""A worker's cache of authenticated tokens: token hash -> actor, for a few seconds.

Authenticating costs one indexed query per request (~95 µs and a database round trip);
a dashboard or a script sends the same token again and again. ``TokenCache.authenticate``
keeps each valid token's actor for ``seconds`` (``BILLING_REPORTS_TOKEN_CACHE_SECONDS``,
default 5; 0 turns it off), at most ``max_size`` tokens, least recently used dropped first.

It is here, in the access capability, because it is a rule about tokens (what may be
trusted without asking the database, and for how long), not about HTTP: the server only
owns one per worker and feeds it the revocations it hears.

What it never does:

- serve a token past its own ``expires_at`` (checked on every hit, not only when cached);
- serve a revoked token: a revocation is published in the revoking transaction
  (``workflow.events.revocations``) and the worker calls ``evict`` as soon as it hears it;
- serve anything while revocations could be missed: it starts **untrusted** (nothing is
  served or kept) and the worker marks it trusted only while it hears revocations (its
  LISTEN connection is up, or in-process on SQLite). Losing or regaining that connection
  clears it whole (notifications sent meanwhile are lost);
- keep an answer looked up before an ``evict``/``clear`` that happened during the lookup
  (a generation counter), so a revocation racing a lookup cannot be undone by it;
- keep unknown, revoked or expired tokens: a client sending random tokens costs a query
  each (as without the cache) and cannot push the valid ones out.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from workflow.access import tokens
from workflow.core.actors import Actor

DEFAULT_SECONDS = 5.0
DEFAULT_MAX_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    actor: Actor
    expires_at: datetime | None  # the token's own expiry
    fresh_until: float  # monotonic: when the cache asks the database again


class TokenCache:
    def __init__(
        self,
        seconds: float = DEFAULT_SECONDS,
        max_size: int = DEFAULT_MAX_SIZE,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.max_size = max_size
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._trusted = False
        self._generation = 0  # bumped by every evict and clear
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.seconds > 0 and self.max_size > 0

    @property
    def trusted(self) -> bool:
        return self._trusted

    def __len__(self) -> int:
        return len(self._entries)

    def set_trusted(self, trusted: bool) -> None:
        """Trusted while revocations are heard; either change clears the cache."""
        self._trusted = trusted
        self.clear()

    def evict(self, token_hash: str) -> None:
        self._generation += 1
        self._entries.pop(token_hash, None)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    async def authenticate(self, token: str | None, now: datetime | None = None) -> Actor | None:
        """``tokens.authenticate``, answered from the cache when it may be."""
        if not self.enabled or not self._trusted:
            return await tokens.authenticate(token, now)
        if token is None or not tokens.well_formed(token):
            return None
        token_hash = tokens.hash_token(token)
        entry = self._entries.get(token_hash)
        if entry is not None:
            if self._clock() < entry.fresh_until and not _expired(entry.expires_at, now):
                self._entries.move_to_end(token_hash)
                self.hits += 1
                return entry.actor
            del self._entries[token_hash]
        self.misses += 1
        generation = self._generation
        found = await tokens.authenticate_token(token, now)
        if found is None:
            return None
        if generation == self._generation and self._trusted:
            self._entries[token_hash] = _Entry(found.actor, found.expires_at, self._clock() + self.seconds)
            self._entries.move_to_end(token_hash)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)
        return found.actor


def _expired(expires_at: datetime | None, now: datetime | None) -> bool:
    return expires_at is not None and expires_at <= (now or datetime.now(UTC))
