"""The callers of the authorization matrix, and a fingerprint of everything a mutation could change.

Every caller looks at Alpha MSP's report (Tier 2 ``tier2_a1`` under North Distribution):

    platform        the vendor, default scopes (reports:read usage:write reports:generate)
    parent_t1       North Distribution, Alpha's Tier 1 (reports:read reports:review)
    other_t1        South Distribution, another channel
    owner_t2        Alpha MSP itself (reports:read reports:write)
    other_t2        Beta MSP, Alpha's sibling under the same Tier 1 (the nearest stranger)
    only_<scope>    a token with that one scope, of the tier the scope is meant for, of
                    the organization that would use it on Alpha's report
    anonymous       no token at all

and ``PEOPLE``: persons signed in at the identity provider (docs/contract.md §14), each
the counterpart of one caller above — the same organization and scopes, through an OpenID
Connect access token of ``tests.identity_provider``'s stand-in issuer — whose outcome must
be that caller's everywhere (``people``; ``with_people`` extends a table's row to them).
"""

from __future__ import annotations

from dataclasses import dataclass

from models import BillingPeriod, BillingReport, Correction, DailyUsage, HistoryEntry, LineItem, Organization
from schema import ids
from tests.identity_provider import StandInIssuer
from tests.world import World
from vocabulary.enums import Scope
from workflow.access import tokens

CALLERS = [
    "platform",
    "parent_t1",
    "other_t1",
    "owner_t2",
    "other_t2",
    "only_read",
    "only_write",
    "only_review",
    "only_usage",
    "only_generate",
    "anonymous",
]

# only_<scope> -> (the world's party whose organization holds the token, the scope)
_SINGLE_SCOPE = {
    "only_read": ("tier2_a1", Scope.REPORTS_READ),
    "only_write": ("tier2_a1", Scope.REPORTS_WRITE),
    "only_review": ("tier1_a", Scope.REPORTS_REVIEW),
    "only_usage": ("platform", Scope.USAGE_WRITE),
    "only_generate": ("platform", Scope.REPORTS_GENERATE),
}
_PARTIES = {
    "platform": "platform",
    "parent_t1": "tier1_a",
    "other_t1": "tier1_b",
    "owner_t2": "tier2_a1",
    "other_t2": "tier2_a2",
}


@dataclass(frozen=True)
class Caller:
    name: str
    token: str | None


async def callers(world: World) -> dict[str, Caller]:
    """A token for every caller of the matrix (single-scope ones are issued here)."""
    found = {name: Caller(name, getattr(world, party).token) for name, party in _PARTIES.items()}
    for name, (party, scope) in _SINGLE_SCOPE.items():
        issued = await tokens.issue_token(getattr(world, party).organization, f"{name} user", [scope])
        found[name] = Caller(name, issued.token)
    found["anonymous"] = Caller("anonymous", None)
    assert set(found) == set(CALLERS)
    return found


# person -> (the caller whose outcomes are theirs, the scope claim the issuer gives them).
# The first three ask for every scope: what their tier lacks is dropped (never granted).
_EVERY_SCOPE = "openid " + " ".join(scope.value for scope in Scope)
PEOPLE = {
    "person_platform": ("platform", _EVERY_SCOPE),
    "person_parent_t1": ("parent_t1", _EVERY_SCOPE),
    "person_owner_t2": ("owner_t2", _EVERY_SCOPE),
    "person_only_read": ("only_read", "reports:read"),
}
EVERYONE = [*CALLERS, *PEOPLE]


def people(world: World, issuer: StandInIssuer) -> dict[str, Caller]:
    """An access token of the stand-in issuer for every person of ``PEOPLE``."""
    found = {}
    for name, (counterpart, scope) in PEOPLE.items():
        party = _PARTIES.get(counterpart) or _SINGLE_SCOPE[counterpart][0]
        organization = ids.encode(ids.ORGANIZATION, getattr(world, party).organization.id)
        found[name] = Caller(name, issuer.token(organization, sub=name, name=name.replace("_", " "), scope=scope))
    return found


def with_people(row: tuple) -> dict[str, object]:
    """A table's row as {caller: outcome}, each person given its counterpart's outcome."""
    expected = dict(zip(CALLERS, row, strict=True))
    return {**expected, **{name: expected[counterpart] for name, (counterpart, _) in PEOPLE.items()}}


async def fingerprint() -> tuple:
    """Everything any mutation of the API writes, so a refusal can be shown to change nothing."""
    return (
        await BillingPeriod.all().order_by("id").values_list("id", "label"),
        await BillingReport.all()
        .order_by("id")
        .values_list("id", "status", "version", "submission_deadline", "purchase_order"),
        await LineItem.all().order_by("id").values_list("id", "chargeable_units", "comment", "adjustment_reason"),
        await Correction.all().order_by("id").values_list("id", "status"),
        await HistoryEntry.all().count(),
        await DailyUsage.all().order_by("id").values_list("id", "provisioned_units", "used_units", "credits_e4"),
        await Organization.all()
        .order_by("id")
        .values_list(
            "id",
            "deadline_days",
            "auto_approve",
            "auto_approve_reasons",
            "require_purchase_order",
            "correction_window_days",
        ),
    )
