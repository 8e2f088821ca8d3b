"""API tokens: random, shown once, stored only as a SHA-256 hash, with scopes, expiry, revocation.

A token has 256 bits of randomness, so a fast hash is enough: there is nothing to
brute-force, and a lookup by hash costs one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models import ApiToken, Organization, Principal
from vocabulary.enums import Scope, Tier
from workflow.core.actors import Actor
from workflow.core.errors import ErrorCode, Forbidden, InvalidInput, NotFound, Problem
from workflow.core.scopes import (
    MAX_TOKEN_DAYS,
    MIN_TOKEN_DAYS,
    beyond_caller,
    beyond_tier,
    scopes_of_tier,
    valid_token_days,
)
from workflow.database.sql import as_datetime, connection, read, run
from workflow.database.unit_of_work import unit_of_work

TOKEN_PREFIX = "brt_"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str  # the only time the clear token exists
    principal_id: int
    scopes: tuple[Scope, ...]
    expires_at: datetime | None
    token_id: int = 0


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(
    organization: Organization,
    principal_name: str,
    scopes: Iterable[Scope] | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Create a principal of ``organization`` and a token for it, with scopes of its tier only."""
    tier = Tier(organization.tier)
    chosen = tuple(scopes) if scopes is not None else scopes_of_tier(tier)
    beyond = beyond_tier(tier, chosen)
    if beyond:
        names = ", ".join(s.value for s in beyond)
        raise InvalidInput(
            [Problem(ErrorCode.INVALID_INPUT, f"a {tier.value} token cannot have {names}", field="scopes")]
        )
    principal = await Principal.create(name=principal_name, organization_id=organization.id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    created = await ApiToken.create(
        principal_id=principal.id,
        token_hash=hash_token(token),
        name=principal_name,
        scopes=" ".join(s.value for s in chosen),
        expires_at=expires_at,
    )
    return IssuedToken(token, principal.id, chosen, expires_at, created.id)


# One indexed lookup by hash, as raw SQL: every HTTP request runs it, and building the ORM
# query with its joins cost ~5x the query itself (bench/README.md).
_TOKEN = """
SELECT t.scopes, t.expires_at, t.last_used_at, p.id AS principal_id, p.name AS principal_name,
       o.id AS organization_id, o.tier
FROM api_token t
JOIN principal p ON p.id = t.principal_id
JOIN organization o ON o.id = p.organization_id
WHERE t.token_hash = :token_hash AND t.revoked_at IS NULL
"""


@dataclass(frozen=True, slots=True)
class AuthenticatedToken:
    """What a valid token stands for, with what a cache needs to keep it safely."""

    token_hash: str
    actor: Actor
    expires_at: datetime | None


def well_formed(token: str | None) -> bool:
    """Whether ``token`` can be a token at all (anything else is refused without a query)."""
    return token is not None and token.startswith(TOKEN_PREFIX) and len(token) <= 200


async def authenticate(token: str | None, now: datetime | None = None) -> Actor | None:
    """The actor behind a bearer token, or None if it is unknown, expired or revoked."""
    found = await authenticate_token(token, now)
    return None if found is None else found.actor


async def authenticate_token(token: str | None, now: datetime | None = None) -> AuthenticatedToken | None:
    """``authenticate``, with the token's hash and expiry (one query; no cache)."""
    if token is None or not well_formed(token):
        return None
    token_hash = hash_token(token)
    rows = await read(connection(), _TOKEN, token_hash=token_hash)
    if not rows:
        return None
    row = rows[0]
    expires_at = as_datetime(row["expires_at"])
    if expires_at is not None and expires_at <= (now or datetime.now(UTC)):
        return None
    if _stale(as_datetime(row["last_used_at"]), now):
        await run(connection(), _USED, token_hash=token_hash, now=now or datetime.now(UTC))
    actor = Actor(
        principal_id=row["principal_id"],
        principal_name=row["principal_name"],
        organization_id=row["organization_id"],
        tier=Tier(row["tier"]),
        scopes=frozenset(Scope(s) for s in row["scopes"].split() if s in _KNOWN_SCOPES),
    )
    return AuthenticatedToken(token_hash, actor, expires_at)


async def revoke_token(token: str, now: datetime | None = None) -> bool:
    """Revoke ``token``; in the same transaction, publish the revocation to every worker
    (``workflow.events.revocations``: they drop it from their caches and close its sockets)."""
    return await _revoke(hash_token(token), now)


async def _revoke(token_hash: str, now: datetime | None = None) -> bool:
    async with unit_of_work() as work:
        updated = (
            await ApiToken.filter(token_hash=token_hash, revoked_at__isnull=True)
            .using_db(work.conn)
            .update(revoked_at=now or datetime.now(UTC))
        )
        if updated != 1:
            return False
        await work.publish_revocation(token_hash)
    return True


_KNOWN_SCOPES = {s.value for s in Scope}

# ``lastUsedAt`` (docs/contract.md §14): written when the database is asked about a token
# (a token cache miss: at most every few seconds per worker) and the recorded use is more
# than a minute old — so at most one write a minute per token, never one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_USED = "UPDATE api_token SET last_used_at = :now WHERE token_hash = :token_hash"


def _stale(last_used_at: datetime | None, now: datetime | None) -> bool:
    return last_used_at is None or (now or datetime.now(UTC)) - last_used_at >= LAST_USED_RESOLUTION


# --- tokens managed by their owners (docs/contract.md §14) ---------------------------


def ensure_tokens_manage(actor: Actor) -> None:
    if not actor.has(Scope.TOKENS_MANAGE):
        raise Forbidden("managing API tokens needs the tokens:manage scope")


async def create_api_token(
    actor: Actor, name: str, scopes: Iterable[Scope], expires_in_days: int, now: datetime | None = None
) -> IssuedToken:
    """A token of the caller's organization, for a new integration principal named ``name``:
    scopes among the caller's own (``FORBIDDEN`` otherwise), 1 to 365 days."""
    ensure_tokens_manage(actor)
    chosen = tuple(dict.fromkeys(scopes))
    beyond = beyond_caller(actor.scopes, chosen)
    if beyond:
        names = ", ".join(s.value for s in beyond)
        raise Forbidden(f"a token cannot have scopes its maker lacks: {names}", field="scopes")
    problems = []
    name = name.strip()
    if not 1 <= len(name) <= 200:
        problems.append(Problem(ErrorCode.INVALID_INPUT, "a token's name has 1 to 200 characters", field="name"))
    if not valid_token_days(expires_in_days):
        message = f"a token lives {MIN_TOKEN_DAYS} to {MAX_TOKEN_DAYS} days, not {expires_in_days}"
        problems.append(Problem(ErrorCode.INVALID_INPUT, message, field="expiresInDays"))
    if problems:
        raise InvalidInput(problems)
    organization = await Organization.get(id=actor.organization_id)
    expires_at = (now or datetime.now(UTC)) + timedelta(days=expires_in_days)
    return await issue_token(organization, name, chosen, expires_at)


async def revoke_api_token(actor: Actor, token_id: int | None, now: datetime | None = None) -> int:
    """Revoke a token of the caller's organization, at once on every worker (``revoke_token``'s
    NOTIFY). Another organization's token is a missing one. Revoking it again changes nothing."""
    ensure_tokens_manage(actor)
    found = None
    if token_id is not None:
        found = await ApiToken.filter(id=token_id, principal__organization_id=actor.organization_id).first()
    if found is None:
        raise NotFound("no such API token", field="tokenId")
    if found.revoked_at is None:
        await _revoke(found.token_hash, now)
    return found.id
