"""A token's scopes stay within its tier (``workflow.core.scopes``)."""

from __future__ import annotations

import pytest

from vocabulary.enums import Scope, Tier
from workflow.core.scopes import beyond_tier, scopes_of_tier


@pytest.mark.parametrize("tier", list(Tier))
def test_a_tiers_own_scopes_are_within_it(tier: Tier) -> None:
    assert beyond_tier(tier, scopes_of_tier(tier)) == []


@pytest.mark.parametrize(
    ("tier", "asked", "beyond"),
    [
        (Tier.TIER2, [Scope.REPORTS_READ, Scope.USAGE_WRITE], [Scope.USAGE_WRITE]),
        (Tier.TIER2, [Scope.REPORTS_REVIEW], [Scope.REPORTS_REVIEW]),
        (Tier.TIER1, [Scope.REPORTS_WRITE, Scope.REPORTS_GENERATE], [Scope.REPORTS_WRITE, Scope.REPORTS_GENERATE]),
        (Tier.PLATFORM, [Scope.REPORTS_WRITE, Scope.REPORTS_READ], [Scope.REPORTS_WRITE]),
    ],
)
def test_a_scope_of_another_tier_is_beyond_it(tier: Tier, asked: list[Scope], beyond: list[Scope]) -> None:
    assert beyond_tier(tier, asked) == beyond


def test_no_tier_holds_every_scope() -> None:
    assert all(beyond_tier(tier, list(Scope)) for tier in Tier)
