"""The server's side of OpenID Connect: fetching the issuer's discovery document and JWKS.

The rules (which tokens are accepted, what they stand for) are ``workflow.access.oidc``;
here, the HTTP fetch it is given and the reading of an organization's API ID (``schema.ids``).
A fetch runs in a thread (``urllib``: no HTTP client dependency for two documents a
minute at most), with a 5 s timeout and a 1 MB limit, over HTTPS — plain HTTP only to the
loopback (the tests' stand-in issuer, a local Keycloak).
"""

from __future__ import annotations

import asyncio
import ipaddress
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson

from schema.ids import ORGANIZATION, decode_as
from server.settings import Settings
from workflow.access.oidc import OidcConfig, OidcVerifier

FETCH_TIMEOUT_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 1_000_000


def config_of(settings: Settings) -> OidcConfig | None:
    if not settings.oidc_issuer or not settings.oidc_audience:
        return None
    return OidcConfig(
        issuer=settings.oidc_issuer,
        audience=settings.oidc_audience,
        org_claim=settings.oidc_org_claim,
        scope_claim=settings.oidc_scope_claim,
        clock_skew_seconds=settings.oidc_clock_skew_seconds,
    )


def verifier_of(settings: Settings) -> OidcVerifier | None:
    """The worker's verifier of the configured issuer's tokens, or None (API tokens only)."""
    config = config_of(settings)
    return None if config is None else OidcVerifier(config, fetch_json, organization_key)


def organization_key(api_id: str) -> int | None:
    """The organization of an API ID (``Organization:…``), as the ``billing_org`` claim holds it."""
    return decode_as(ORGANIZATION, api_id)


async def fetch_json(url: str) -> Mapping[str, Any]:
    if not _allowed(url):
        raise ValueError(f"an issuer's documents are fetched over HTTPS (plain HTTP to the loopback only): {url}")
    return await asyncio.to_thread(_fetch, url)


def _fetch(url: str) -> Mapping[str, Any]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # the scheme is checked first
        body = response.read(MAX_DOCUMENT_BYTES + 1)
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{url}: more than {MAX_DOCUMENT_BYTES} bytes")
    document = orjson.loads(body)
    if not isinstance(document, dict):
        raise ValueError(f"{url}: not a JSON object")
    return document


def _allowed(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    if parts.scheme != "http" or parts.hostname is None:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False
