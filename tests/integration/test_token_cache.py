"""The per-worker token cache (workflow.access.token_cache): what it serves, for how long, and what it never serves."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.world import World
from workflow.access import token_cache, tokens
from workflow.access.token_cache import TokenCache
from workflow.events import revocations

NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens the cache asked the database about."""
    asked: list[str] = []
    real = tokens.authenticate_token

    async def counted(token: str | None, now: datetime | None = None) -> Any:
        asked.append(token or "")
        return await real(token, now)

    monkeypatch.setattr(tokens, "authenticate_token", counted)
    return asked


def trusted_cache(seconds: float = 5.0, max_size: int = 100, clock: Callable[[], float] | None = None) -> TokenCache:
    cache = TokenCache(seconds, max_size, clock=clock or Clock())
    cache.set_trusted(True)
    return cache


async def test_a_repeated_token_is_answered_from_the_cache(world: World, lookups: list[str]) -> None:
    cache = trusted_cache()
    first = await cache.authenticate(world.tier1_a.token)
    second = await cache.authenticate(world.tier1_a.token)
    assert first is not None and second == first == world.tier1_a.actor
    assert lookups == [world.tier1_a.token]
    assert (cache.hits, cache.misses) == (1, 1)


async def test_an_entry_is_asked_again_after_the_cache_seconds(world: World, lookups: list[str]) -> None:
    clock = Clock()
    cache = trusted_cache(seconds=5, clock=clock)
    await cache.authenticate(world.tier1_a.token)
    clock.now += 4.9
    await cache.authenticate(world.tier1_a.token)
    assert len(lookups) == 1
    clock.now += 0.2
    await cache.authenticate(world.tier1_a.token)
    assert len(lookups) == 2


async def test_a_cached_token_is_never_served_past_its_own_expiry(world: World, lookups: list[str]) -> None:
    issued = await tokens.issue_token(world.tier1_a.organization, "short-lived", expires_at=NOW)
    cache = trusted_cache(seconds=3600)
    assert await cache.authenticate(issued.token, now=NOW - timedelta(seconds=2)) is not None
    assert await cache.authenticate(issued.token, now=NOW - timedelta(seconds=1)) is not None
    assert len(lookups) == 1  # the second from the cache
    assert await cache.authenticate(issued.token, now=NOW) is None  # it expires at that instant
    assert await cache.authenticate(issued.token, now=NOW + timedelta(days=1)) is None
    assert len(cache) == 0


async def test_unknown_and_revoked_tokens_are_not_kept(world: World, lookups: list[str]) -> None:
    cache = trusted_cache()
    await tokens.revoke_token(world.tier1_b.token)
    for _ in range(3):
        assert await cache.authenticate("brt_" + "x" * 43) is None
        assert await cache.authenticate(world.tier1_b.token) is None
    assert len(cache) == 0
    assert len(lookups) == 6  # each asked the database, as without a cache


async def test_malformed_tokens_cost_no_lookup(lookups: list[str]) -> None:
    cache = trusted_cache()
    for token in (None, "", "not-a-token", "brt_" + "x" * 300):
        assert await cache.authenticate(token) is None
    assert lookups == []


async def test_the_cache_is_bounded_least_recently_used_first(world: World, lookups: list[str]) -> None:
    cache = trusted_cache(max_size=2)
    a, b, c = world.tier1_a.token, world.tier1_b.token, world.tier2_a1.token
    await cache.authenticate(a)
    await cache.authenticate(b)
    await cache.authenticate(a)  # a is now the most recent
    await cache.authenticate(c)  # b goes
    assert len(cache) == 2
    lookups.clear()
    await cache.authenticate(a)
    await cache.authenticate(c)
    assert lookups == []
    await cache.authenticate(b)
    assert lookups == [b]


async def test_zero_seconds_turns_it_off(world: World, lookups: list[str]) -> None:
    cache = trusted_cache(seconds=0)
    await cache.authenticate(world.tier1_a.token)
    await cache.authenticate(world.tier1_a.token)
    assert len(lookups) == 2 and len(cache) == 0


async def test_an_untrusted_cache_serves_and_keeps_nothing(world: World, lookups: list[str]) -> None:
    cache = TokenCache(5, 100)  # nobody said revocations are heard
    assert await cache.authenticate(world.tier1_a.token) == world.tier1_a.actor
    await cache.authenticate(world.tier1_a.token)
    assert len(lookups) == 2 and len(cache) == 0
    trusted = trusted_cache()
    await trusted.authenticate(world.tier1_a.token)
    trusted.set_trusted(False)  # the LISTEN connection was lost: cleared, and not used until it is back
    assert len(trusted) == 0
    await trusted.authenticate(world.tier1_a.token)
    trusted.set_trusted(True)
    assert len(trusted) == 0


async def test_evict_drops_a_token(world: World, lookups: list[str]) -> None:
    cache = trusted_cache()
    await cache.authenticate(world.tier1_a.token)
    cache.evict(tokens.hash_token(world.tier1_a.token))
    await cache.authenticate(world.tier1_a.token)
    assert len(lookups) == 2


async def test_a_revocation_heard_during_a_lookup_is_not_undone_by_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = trusted_cache()
    real = tokens.authenticate_token
    looked_up, go_on = asyncio.Event(), asyncio.Event()

    async def slow(token: str | None, now: datetime | None = None) -> Any:
        found = await real(token, now)  # read before the revocation commits
        looked_up.set()
        await go_on.wait()
        return found

    monkeypatch.setattr(tokens, "authenticate_token", slow)
    pending = asyncio.create_task(cache.authenticate(world.tier1_a.token))
    await looked_up.wait()
    cache.evict(tokens.hash_token(world.tier1_a.token))  # the revocation arrives meanwhile
    go_on.set()
    assert await pending is not None  # that request had begun before the revocation
    assert len(cache) == 0  # but its answer is not kept


async def test_revoking_publishes_the_token_hash_after_the_commit(world: World) -> None:
    heard: list[str] = []
    revocations.add_local_listener(heard.extend)
    try:
        assert await tokens.revoke_token(world.tier1_a.token)
        assert not await tokens.revoke_token(world.tier1_a.token)  # nothing revoked, nothing published
    finally:
        revocations.remove_local_listener(heard.extend)
    assert heard == [tokens.hash_token(world.tier1_a.token)]
    assert revocations.is_token_hash(heard[0])


def test_the_default_is_a_few_seconds() -> None:
    assert token_cache.DEFAULT_SECONDS == 5.0
