"""Endpoint signing secrets: made, shown once, stored encrypted.

A secret is ``whsec_`` + base64 of 32 random bytes (Standard Webhooks). The database
holds it encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the operator's key
from the environment (``workflow.webhooks.config``), so a dump alone does not reveal it;
the key never enters the database. A hash would not do: the service must sign with it.
"""

from __future__ import annotations

import base64
import secrets as random

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from workflow.core.errors import DomainError
from workflow.webhooks import config

PREFIX = "whsec_"


class SecretKeyMissing(DomainError):
    """The operator set no BILLING_REPORTS_WEBHOOK_SECRET_KEYS: secrets cannot be stored."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(random.token_bytes(32)).decode()


def _fernet() -> MultiFernet:
    keys = config.current().secret_keys
    if not keys:
        raise SecretKeyMissing(
            f"webhooks need the operator's {config.SECRET_KEYS} (docs/operations.md, Webhooks)", field=None
        )
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(stored: str) -> str:
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken as error:
        raise SecretKeyMissing(f"a webhook secret does not decrypt with {config.SECRET_KEYS}") from error


def random_token() -> str:
    return random.token_hex(12)
