"""From an identity provider's verified claims to what the principal may do (docs/contract.md §14).

Pure rules: the signature, issuer, audience and times are checked before these run
(``workflow.access.oidc``, with PyJWT). Here: which algorithms are accepted at all, how
much clock skew is tolerated, which scopes a person gets, and the name history shows.
"""

from __future__ import annotations

from collections.abc import Mapping

from vocabulary.enums import Scope, Tier
from workflow.core.scopes import scopes_of_tier

# Asymmetric signatures only: never ``none``, never an HMAC (HS*) — an HMAC "signed" with
# the issuer's public key would otherwise pass for the issuer's own.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
MAX_CLOCK_SKEW_SECONDS = 60
NAME_LENGTH = 200  # principal.name
SUBJECT_LENGTH = 255  # principal.subject


def scopes_from_claim(claim: object, tier: Tier) -> frozenset[Scope]:
    """The scopes of a ``scope`` claim (space-separated, or a list) that ``tier`` may carry.

    Anything else — an unknown scope, one beyond the tier's default scopes — is dropped:
    a token of the identity provider never gives more than an API token of the tier gets.
    """
    if isinstance(claim, str):
        names = claim.split()
    elif isinstance(claim, list | tuple):
        names = [name for name in claim if isinstance(name, str)]
    else:
        return frozenset()
    allowed = {scope.value: scope for scope in scopes_of_tier(tier)}
    return frozenset(allowed[name] for name in names if name in allowed)


def person_name(claims: Mapping[str, object]) -> str:
    """Who the history names: the ``name`` claim, else ``email``, else the subject."""
    for claim in ("name", "email", "sub"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()[:NAME_LENGTH]
    return ""


def subject_of(claims: Mapping[str, object]) -> str | None:
    """The ``sub`` claim, if it is a usable subject."""
    sub = claims.get("sub")
    if isinstance(sub, str) and 0 < len(sub) <= SUBJECT_LENGTH:
        return sub
    return None


def clock_skew(seconds: float) -> float:
    """The clock skew tolerated on ``exp`` and ``nbf``: as configured, at most 60 s."""
    return max(0.0, min(float(seconds), MAX_CLOCK_SKEW_SECONDS))
