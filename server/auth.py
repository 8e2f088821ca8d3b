"""From ``Authorization: Bearer <token>`` to an ``Actor``; the refusal a request without one gets.

Every HTTP request to ``/graphql`` is authenticated before anything else is read: a
missing, malformed, unknown, expired or revoked token gets **401** with a GraphQL
body (``{"data": null, "errors": [{"message", "extensions": {"code":
"UNAUTHENTICATED"}}]}``) and a ``WWW-Authenticate: Bearer`` header, and nothing of
the operation is parsed or answered. A valid token may be answered from the worker's
token cache (``workflow.access.token_cache``) for a few seconds, never once it is revoked.

When an OpenID Connect issuer is configured (``server.oidc``), a bearer token that is a
JWT is checked against it instead (``workflow.access.oidc``): refused, it gets the very
same 401.
"""

from __future__ import annotations

import orjson
from starlette.requests import HTTPConnection
from starlette.responses import Response

from schema.errors import UNAUTHENTICATED
from workflow.access import tokens
from workflow.access.oidc import OidcVerifier, looks_like_jwt
from workflow.access.token_cache import TokenCache
from workflow.core.actors import Actor


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization`` value (the scheme is case-insensitive)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


async def actor_of(connection: HTTPConnection) -> Actor | None:
    """The request's actor, through the worker's token cache (``app.state.token_cache``) if any."""
    token = bearer_token(connection.headers.get("authorization"))
    state = connection.app.state
    return await authenticate(token, getattr(state, "token_cache", None), getattr(state, "oidc", None))


async def authenticate(token: str | None, cache: TokenCache | None, oidc: OidcVerifier | None) -> Actor | None:
    """A bearer token's actor: an identity provider's JWT (if one is configured), else an API token."""
    if oidc is not None and looks_like_jwt(token):
        verified = await oidc.authenticate(token)
        return None if verified is None else verified.actor
    if cache is None:
        return await tokens.authenticate(token)
    return await cache.authenticate(token)


_UNAUTHENTICATED_BODY = orjson.dumps(
    {
        "data": None,
        "errors": [
            {
                "message": "a valid API token is needed: Authorization: Bearer <token>",
                "extensions": {"code": UNAUTHENTICATED},
            }
        ],
    }
)


def unauthenticated() -> Response:
    return Response(
        _UNAUTHENTICATED_BODY,
        status_code=401,
        media_type="application/json",
        headers={"WWW-Authenticate": 'Bearer realm="billing-reports"'},
    )
