"""API tokens (docs/contract.md §2): random, shown once, stored only as a hash, with scopes, expiry, revocation."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from models import ApiToken
from tests.world import World
from vocabulary.enums import DEFAULT_SCOPES, Scope, Tier
from workflow.access.tokens import TOKEN_PREFIX, authenticate, issue_token, revoke_token
from workflow.core.errors import InvalidInput

NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


async def test_a_token_authenticates_as_its_principal_and_organization(world: World) -> None:
    issued = await issue_token(world.tier2_a1.organization, "Alice", scopes=[Scope.REPORTS_READ])

    actor = await authenticate(issued.token)

    assert actor is not None
    assert (actor.principal_id, actor.principal_name) == (issued.principal_id, "Alice")
    assert (actor.organization_id, actor.tier) == (world.tier2_a1.organization.id, Tier.TIER2)
    assert actor.scopes == frozenset({Scope.REPORTS_READ})


@pytest.mark.parametrize("tier", list(Tier))
async def test_a_token_without_scopes_given_gets_its_tier_s_defaults(world: World, tier: Tier) -> None:
    organization = {Tier.PLATFORM: world.platform, Tier.TIER1: world.tier1_a, Tier.TIER2: world.tier2_a1}[tier]
    issued = await issue_token(organization.organization, "default user")

    actor = await authenticate(issued.token)

    assert actor is not None and actor.scopes == frozenset(DEFAULT_SCOPES[tier])


@pytest.mark.parametrize(
    "token", [None, "", "brt_", "brt_unknown", "not-a-token", "Bearer brt_x", TOKEN_PREFIX + "x" * 300]
)
async def test_an_unknown_token_authenticates_nobody(world: World, token: str | None) -> None:
    assert await authenticate(token) is None


async def test_a_token_that_differs_by_one_character_authenticates_nobody(world: World) -> None:
    token = world.tier2_a1.token
    assert await authenticate(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


async def test_an_expired_token_authenticates_nobody(world: World) -> None:
    issued = await issue_token(world.tier1_a.organization, "temp", expires_at=NOW)

    assert await authenticate(issued.token, now=NOW - timedelta(seconds=1)) is not None
    assert await authenticate(issued.token, now=NOW) is None  # it expires at that instant
    assert await authenticate(issued.token, now=NOW + timedelta(days=1)) is None


async def test_a_revoked_token_authenticates_nobody(world: World) -> None:
    token = world.tier1_a.token
    assert await authenticate(token) is not None

    assert await revoke_token(token) is True
    assert await revoke_token(token) is False  # revoking twice changes nothing

    assert await authenticate(token) is None


async def test_only_the_hash_of_a_token_is_stored(world: World) -> None:
    issued = await issue_token(world.tier2_b1.organization, "Bob")

    row = await ApiToken.get(principal_id=issued.principal_id)
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    stored = await ApiToken.all().values_list("token_hash", "scopes")
    assert not [
        value
        for values in stored
        for value in values
        if issued.token in value or issued.token[len(TOKEN_PREFIX) :] in value
    ]


async def test_tokens_are_random(world: World) -> None:
    first = await issue_token(world.tier2_b1.organization, "one")
    second = await issue_token(world.tier2_b1.organization, "two")

    assert first.token != second.token
    assert len(first.token) >= len(TOKEN_PREFIX) + 40  # 32 random bytes, base64url


async def test_a_scope_the_service_does_not_know_grants_nothing(world: World) -> None:
    issued = await issue_token(world.tier2_a1.organization, "old client", scopes=[Scope.REPORTS_READ])
    await ApiToken.filter(principal_id=issued.principal_id).update(scopes="reports:read admin:everything")

    actor = await authenticate(issued.token)

    assert actor is not None and actor.scopes == frozenset({Scope.REPORTS_READ})


async def test_a_token_cannot_carry_a_scope_beyond_its_organizations_tier(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await issue_token(world.tier2_a1.organization, "feed", scopes=[Scope.REPORTS_READ, Scope.USAGE_WRITE])
    assert refused.value.problems[0].message == "a TIER2 token cannot have usage:write"


async def test_webhooks_manage_is_a_default_scope_and_earlier_tokens_keep_theirs(world: World) -> None:
    """Adding webhooks:manage to the tiers' defaults (§13) gives it to new tokens only: a
    token's scopes are stored with it, never read from the defaults again."""
    for tier in Tier:
        assert Scope.WEBHOOKS_MANAGE in DEFAULT_SCOPES[tier]
    earlier = await issue_token(world.tier2_a1.organization, "issued before", [Scope.REPORTS_READ, Scope.REPORTS_WRITE])
    actor = await authenticate(earlier.token)
    assert actor is not None and not actor.has(Scope.WEBHOOKS_MANAGE)
