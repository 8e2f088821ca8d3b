"""OpenID Connect access tokens (docs/contract.md §14): a JWT of the configured issuer → an ``Actor``.

The signature and the registered claims are checked by PyJWT (never by hand): a key of
the issuer's JWKS by ``kid``, an asymmetric algorithm only (``workflow.core.identity``),
``iss`` exactly as configured, ``aud``, ``exp`` and ``nbf`` with the configured clock skew
(at most 60 s). Then the organization (the ``billing_org`` claim: its API ID), the scopes
(``scope``, within the tier's) and the person (``sub``, named by ``name``/``email``).

Per worker (``OidcVerifier``), to keep the per-request cost within bench/README.md's figures:

- the discovery document and the JWKS are fetched once and kept; a token with an unknown
  ``kid`` fetches the JWKS again, at most once every ``refresh_seconds`` (60: a stream of
  forged ``kid``s costs one fetch a minute, not one per request);
- a verified token's actor is kept until the token expires (at most ``cache_seconds``,
  at most ``cache_size`` tokens, least recently used dropped first): a JWT cannot be
  revoked, so there is nothing to hear; an organization's tier is re-read at most every
  ``cache_seconds``. Refused tokens are not kept (a client sending junk costs a decode each).

HTTP is not done here: the server gives ``fetch_json`` (``server.oidc``), and the
function that reads an organization's API ID (``schema.ids``, above this layer).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from jwt import PyJWK
from tortoise.exceptions import IntegrityError

from models import Principal
from vocabulary.enums import Tier
from workflow.core.actors import Actor
from workflow.core.identity import ASYMMETRIC_ALGORITHMS, clock_skew, person_name, scopes_from_claim, subject_of
from workflow.database.sql import connection, read

FetchJson = Callable[[str], Awaitable[Mapping[str, Any]]]
OrganizationKey = Callable[[str], int | None]

DEFAULT_ORG_CLAIM = "billing_org"
DEFAULT_SCOPE_CLAIM = "scope"
_KEY_TYPES = {"RSA", "EC", "OKP"}  # never "oct": a shared secret is no issuer's signature
_FAMILY = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
_Key = tuple[PyJWK, str | None]  # the key, and the algorithm its JWK declares (if any)


@dataclass(frozen=True, slots=True)
class OidcConfig:
    issuer: str  # exactly as the operator configured it, compared exactly with ``iss``
    audience: str
    org_claim: str = DEFAULT_ORG_CLAIM
    scope_claim: str = DEFAULT_SCOPE_CLAIM
    clock_skew_seconds: float = 60.0
    refresh_seconds: float = 60.0  # at most one JWKS fetch per this, for unknown kids
    cache_seconds: float = 600.0
    cache_size: int = 10_000

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    token_hash: str
    actor: Actor
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class _Entry:
    verified: VerifiedToken
    fresh_until: float  # monotonic


def looks_like_jwt(token: str | None) -> bool:
    """A compact JWS (three dot-separated parts); API tokens (``brt_…``) never are."""
    return token is not None and token.count(".") == 2 and len(token) <= 8192


_ORGANIZATION = "SELECT id, tier FROM organization WHERE id = :organization_id"


class OidcVerifier:
    def __init__(
        self,
        config: OidcConfig,
        fetch_json: FetchJson,
        organization_key: OrganizationKey,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._fetch_json = fetch_json
        self._organization_key = organization_key
        self._clock = clock
        self._skew = clock_skew(config.clock_skew_seconds)
        self._jwks_uri: str | None = None
        self._keys: dict[str, _Key] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.jwks_fetches = 0

    @property
    def clock_skew_seconds(self) -> float:
        return self._skew

    async def authenticate(self, token: str | None) -> VerifiedToken | None:
        """The verified token's actor and expiry, or None: refused like a bad API token."""
        if token is None or not looks_like_jwt(token):
            return None
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        entry = self._entries.get(token_hash)
        if entry is not None:
            if self._clock() < entry.fresh_until and not self.expired(entry.verified.expires_at):
                self._entries.move_to_end(token_hash)
                self.hits += 1
                return entry.verified
            del self._entries[token_hash]
        self.misses += 1
        claims = await self._verified_claims(token)
        if claims is None:
            return None
        actor = await self._actor(claims)
        if actor is None:
            return None
        verified = VerifiedToken(token_hash, actor, datetime.fromtimestamp(int(claims["exp"]), UTC))
        if self.config.cache_seconds > 0 and self.config.cache_size > 0:
            self._entries[token_hash] = _Entry(verified, self._clock() + self.config.cache_seconds)
            while len(self._entries) > self.config.cache_size:
                self._entries.popitem(last=False)
        return verified

    def expired(self, expires_at: datetime, now: datetime | None = None) -> bool:
        """Past ``exp`` and the tolerated skew: no longer accepted (and an open socket closes)."""
        return (now or datetime.now(UTC)).timestamp() >= expires_at.timestamp() + self._skew

    async def _verified_claims(self, token: str) -> dict[str, Any] | None:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ASYMMETRIC_ALGORITHMS or not isinstance(kid, str):
            return None
        found = await self._key(kid)
        if found is None:
            return None
        key, declared = found
        if key.key_type != _FAMILY.get(algorithm[:2]) or declared not in (None, algorithm):
            return None  # a key is used with its own family, and with its declared algorithm only
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self._skew,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError):
            return None
        if not isinstance(claims.get("exp"), int | float):
            return None
        return claims

    async def _actor(self, claims: Mapping[str, Any]) -> Actor | None:
        subject = subject_of(claims)
        organization_claim = claims.get(self.config.org_claim)
        if subject is None or not isinstance(organization_claim, str):
            return None
        organization_id = self._organization_key(organization_claim)
        if organization_id is None:
            return None
        rows = await read(connection(), _ORGANIZATION, organization_id=organization_id)
        if not rows:
            return None
        tier = Tier(rows[0]["tier"])
        name = person_name(claims)
        principal_id = await _principal(organization_id, subject, name)
        return Actor(
            principal_id=principal_id,
            principal_name=name,
            organization_id=organization_id,
            tier=tier,
            scopes=scopes_from_claim(claims.get(self.config.scope_claim), tier),
        )

    async def _key(self, kid: str) -> _Key | None:
        key = self._keys.get(kid)
        if key is not None:
            return key
        async with self._lock:
            key = self._keys.get(kid)
            if key is not None:
                return key
            now = self._clock()
            if self._fetched_at is not None and now - self._fetched_at < self.config.refresh_seconds:
                return None  # an unknown kid: the JWKS was fetched less than a minute ago
            self._fetched_at = now
            try:
                self._keys = await self._fetch_keys()
            except Exception:  # the issuer unreachable or answering nonsense: refuse, retry later
                return None
            return self._keys.get(kid)

    async def _fetch_keys(self) -> dict[str, _Key]:
        if self._jwks_uri is None:
            discovery = await self._fetch_json(self.config.discovery_url)
            if discovery.get("issuer") != self.config.issuer or not isinstance(discovery.get("jwks_uri"), str):
                raise ValueError("the discovery document is not the configured issuer's")
            self._jwks_uri = discovery["jwks_uri"]
        self.jwks_fetches += 1
        jwks = await self._fetch_json(self._jwks_uri)
        keys: dict[str, _Key] = {}
        for data in jwks.get("keys", ()):
            if not isinstance(data, dict) or data.get("kty") not in _KEY_TYPES or not isinstance(data.get("kid"), str):
                continue
            if data.get("use", "sig") != "sig":
                continue
            declared = data.get("alg")
            if declared is not None and declared not in ASYMMETRIC_ALGORITHMS:
                continue
            try:
                keys[data["kid"]] = (PyJWK(data), declared)
            except jwt.PyJWTError:
                continue  # a key type or curve this PyJWT cannot use
        return keys


async def _principal(organization_id: int, subject: str, name: str) -> int:
    """The principal of the person ``subject`` of the organization, made at first sign-in,
    renamed when the identity provider's name for them changes."""
    found = await Principal.filter(organization_id=organization_id, subject=subject).first()
    if found is None:
        try:
            found = await Principal.create(organization_id=organization_id, subject=subject, name=name)
        except IntegrityError:  # signed in on two workers at once: the other one made it
            found = await Principal.get(organization_id=organization_id, subject=subject)
    elif found.name != name:
        await Principal.filter(id=found.id).update(name=name)
    return found.id
