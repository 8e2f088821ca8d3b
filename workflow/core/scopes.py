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
