"""Which reports a principal can see (docs/contract.md §2). Anything else does not exist for it."""

from __future__ import annotations

from tortoise.expressions import Q

from vocabulary.enums import Tier
from workflow.core.actors import Actor

NOTHING = Q(id__in=[])


def visible_reports(actor: Actor) -> Q:
    """A filter on ``BillingReport`` for the reports ``actor``'s organization may see."""
    if actor.is_system or actor.tier is Tier.PLATFORM:
        return Q()
    if actor.tier is Tier.TIER1:
        return Q(partner__parent_id=actor.organization_id)
    if actor.tier is Tier.TIER2:
        return Q(partner_id=actor.organization_id)
    return NOTHING


def visible_reports_sql(actor: Actor) -> tuple[str, dict[str, int]]:
    """``visible_reports`` as a SQL condition on ``r`` (billing_report) and ``o`` (its partner).

    For the hot raw-SQL reads (a page of reports); tests/integration/test_visibility.py
    holds it to ``visible_reports`` and to ``can_see`` for every kind of caller.
    """
    if actor.is_system or actor.tier is Tier.PLATFORM:
        return "1 = 1", {}
    if actor.tier is Tier.TIER1:
        return "o.parent_id = :viewer", {"viewer": actor.organization_id or 0}
    if actor.tier is Tier.TIER2:
        return "r.partner_id = :viewer", {"viewer": actor.organization_id or 0}
    return "1 = 0", {}


def visible_partners(actor: Actor) -> Q:
    """A filter on ``Organization`` for the Tier 2 partners ``actor`` may see."""
    if actor.is_system or actor.tier is Tier.PLATFORM:
        return Q(tier=Tier.TIER2)
    if actor.tier is Tier.TIER1:
        return Q(tier=Tier.TIER2, parent_id=actor.organization_id)
    if actor.tier is Tier.TIER2:
        return Q(id=actor.organization_id)
    return NOTHING
