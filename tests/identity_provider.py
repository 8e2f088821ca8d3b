"""A stand-in OpenID Connect issuer on the loopback: discovery document, JWKS, tokens signed with its keys.

``StandInIssuer`` serves ``<issuer>/.well-known/openid-configuration`` and ``<issuer>/jwks``
from a thread (``http.server``) on a free loopback port, with RSA keys it generates
(``cryptography``); ``rotate()`` replaces the signing key (the old one leaves the JWKS).
``token(...)`` signs an access token with PyJWT, as Keycloak, Auth0 or Entra ID would;
``forged_*`` make the tokens an attacker would try.

Run on its own for the sign-in demo (docs/operations.md, "Signing in"): it prints the
issuer URL, and a token for the organization API ID given, then serves until Ctrl-C.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

AUDIENCE = "billing-reports"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class StandInIssuer:
    def __init__(self, path: str = "/realms/partners") -> None:
        self.path = path
        self.keys: dict[str, Any] = {}
        self.kid = ""
        self.requests: list[str] = []
        self.rotate()
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.requests.append(self.path)
                if self.path == issuer.path + "/.well-known/openid-configuration":
                    body = {"issuer": issuer.issuer, "jwks_uri": issuer.issuer + "/jwks"}
                elif self.path == issuer.path + "/jwks":
                    body = issuer.jwks()
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}{path}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> StandInIssuer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rotate(self) -> str:
        """A new signing key; the previous one leaves the JWKS."""
        self.kid = "key-" + secrets.token_hex(4)
        self.keys = {self.kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        return self.kid

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    def claims(self, organization_id: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "person-" + secrets.token_hex(4),
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "billing_org": organization_id,
            "scope": "openid reports:read reports:write reports:review tokens:manage",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, organization_id: str, *, kid: str | None = None, **overrides: Any) -> str:
        kid = kid or self.kid
        return jwt.encode(self.claims(organization_id, **overrides), self.keys[kid], "RS256", headers={"kid": kid})

    # What an attacker would try.

    def forged_with_another_key(self, organization_id: str, kid: str | None = None, **overrides: Any) -> str:
        """Signed by a key that is not the issuer's, under the issuer's kid (or ``kid``)."""
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        claims = self.claims(organization_id, **overrides)
        return jwt.encode(claims, other, "RS256", headers={"kid": kid or self.kid})

    def forged_unsigned(self, organization_id: str) -> str:
        """``alg: none``, no signature."""
        header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": self.kid}).encode())
        return f"{header}.{_b64(json.dumps(self.claims(organization_id)).encode())}."

    def forged_hmac_with_public_key(self, organization_id: str) -> str:
        """HS256 "signed" with the issuer's public key (PEM), the classic algorithm confusion."""
        public = (
            self.keys[self.kid]
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": self.kid}).encode())
        payload = _b64(json.dumps(self.claims(organization_id)).encode())
        signature = hmac.new(public, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def forged_with_an_ec_key(self, organization_id: str) -> str:
        """ES256 by a key of the attacker's, under the issuer's kid (an RSA key)."""
        other = ec.generate_private_key(ec.SECP256R1())
        assert ECAlgorithm  # the EC support PyJWT has with cryptography
        return jwt.encode(self.claims(organization_id), other, "ES256", headers={"kid": self.kid})


@contextmanager
def stand_in_issuer() -> Iterator[StandInIssuer]:
    issuer = StandInIssuer().start()
    try:
        yield issuer
    finally:
        issuer.stop()


@pytest.fixture
def issuer() -> Iterator[StandInIssuer]:
    """A stand-in issuer running for one test."""
    with stand_in_issuer() as running:
        yield running


if __name__ == "__main__":  # the sign-in demo: python -m tests.identity_provider ORGANIZATION_API_ID
    issuer = StandInIssuer().start()
    organization = sys.argv[1] if len(sys.argv) > 1 else "T3JnYW5pemF0aW9uOjI="
    print(f"BILLING_REPORTS_OIDC_ISSUER={issuer.issuer}")
    print(f"BILLING_REPORTS_OIDC_AUDIENCE={AUDIENCE}")
    print(f"TOKEN={issuer.token(organization, name='Ada Lovelace', exp=int(time.time()) + 3600)}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        issuer.stop()
