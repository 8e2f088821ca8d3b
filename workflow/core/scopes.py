"""What a token of each tier may carry: its tier's scopes and nothing more.

A Tier 2 token never writes usage and a Tier 1 token never edits a partner's report,
whatever a caller asks for when creating one (the CLI's ``token create``, and every
other way a token is made: ``workflow.access.tokens.issue_token`` refuses the rest).
"""

from __future__ import annotations

from collections.abc import Iterable

from vocabulary.enums import DEFAULT_SCOPES, Scope, Tier


def scopes_of_tier(tier: Tier) -> tuple[Scope, ...]:
    """The scopes a token of ``tier`` may carry (and gets by default)."""
    return DEFAULT_SCOPES[tier]


def beyond_tier(tier: Tier, scopes: Iterable[Scope]) -> list[Scope]:
    """The scopes among ``scopes`` that a token of ``tier`` may not carry (empty: all fine)."""
    allowed = scopes_of_tier(tier)
    return [scope for scope in scopes if scope not in allowed]


def beyond_caller(own: Iterable[Scope], scopes: Iterable[Scope]) -> list[Scope]:
    """The scopes among ``scopes`` that a token made by a caller holding ``own`` may not carry.

    A token managed by its owners (``tokens:manage``, docs/contract.md §14) is never wider
    than the token that made it (which is itself within its tier).
    """
    held = set(own)
    return [scope for scope in scopes if scope not in held]


MIN_TOKEN_DAYS = 1
MAX_TOKEN_DAYS = 365


def valid_token_days(days: int) -> bool:
    """How long a self-service token may live: 1 to 365 days."""
    return MIN_TOKEN_DAYS <= days <= MAX_TOKEN_DAYS
