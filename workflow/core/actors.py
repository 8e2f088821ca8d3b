"""Who is acting, and what they are to a given report.

The tenant always comes from the credential: an ``Actor`` is built from a token and
nothing a client sends can change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from vocabulary.enums import Scope, Tier


@dataclass(frozen=True, slots=True)
class Actor:
    principal_id: int | None
    principal_name: str
    organization_id: int | None
    tier: Tier | None
    scopes: frozenset[Scope]

    @property
    def is_system(self) -> bool:
        return self.principal_id is None

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes


# The service itself (deadlines, auto-approval): no principal, no organization.
SYSTEM = Actor(principal_id=None, principal_name="system", organization_id=None, tier=None, scopes=frozenset())


@dataclass(frozen=True, slots=True)
class ReportOwnership:
    """The two organizations a report belongs to: its Tier 2 partner and that partner's Tier 1 parent."""

    partner_id: int
    parent_id: int


class Role(str, Enum):
    OWNER = "OWNER"  # the report's Tier 2 partner
    PARENT = "PARENT"  # the Tier 1 partner above it
    PLATFORM = "PLATFORM"  # the vendor: sees everything, edits nothing
    SYSTEM = "SYSTEM"  # deadlines and auto-approval
    STRANGER = "STRANGER"  # anyone else: the report does not exist for them


def is_platform_with(actor: Actor, scope: Scope) -> bool:
    """The platform's own duties (usage feed, generation): its tier AND the scope.

    A scope alone is not enough: a Tier 1 or Tier 2 token that somehow carried
    ``usage:write`` must still not write another tenant's usage.
    """
    return actor.is_system or (actor.tier is Tier.PLATFORM and actor.has(scope))


def role_of(actor: Actor, report: ReportOwnership) -> Role:
    if actor.is_system:
        return Role.SYSTEM
    if actor.tier is Tier.PLATFORM:
        return Role.PLATFORM
    if actor.tier is Tier.TIER2 and actor.organization_id == report.partner_id:
        return Role.OWNER
    if actor.tier is Tier.TIER1 and actor.organization_id == report.parent_id:
        return Role.PARENT
    return Role.STRANGER


def can_see(actor: Actor, report: ReportOwnership) -> bool:
    """Tenancy only; what a token's scopes allow is checked per action and per query."""
    return role_of(actor, report) is not Role.STRANGER
