"""Idempotent retries (docs/contract.md §8 "Retries"): claim a key, store the first response, replay it.

A client that may retry a mutation sends it with an ``Idempotency-Key``. Under one API
token a key means one request:

- the first request **claims** the key: one row inserted "in progress", unique on
  (token, key), so of two requests racing on a key exactly one gets the claim;
- when it has its answer, the response is **completed** (stored) — or the claim is
  **released** (the row deleted) when the request failed unexpectedly, so a retry acts;
- a later request with the same key and the same operation gets a **replay** of the
  stored response, without acting; with another operation it is refused
  (``KEY_REUSED``); while the first is still running it is refused (``IN_PROGRESS``),
  and the client retries a moment later.

A key lives ``KEY_LIFETIME`` (24 h) from its claim; after that it is claimed anew as if it
were new. A claim left "in progress" for ``ABANDONED_AFTER`` — a worker that died mid-request —
is claimed anew too. Every new claim purges up to ``PURGE_BATCH`` expired rows, so the
table holds about one day of keys without a separate job.

What this does not cover: the claim, the action and the stored response are three
transactions. A worker that dies after the action committed and before the response was
stored leaves an abandoned claim, and a retry after ``ABANDONED_AFTER`` acts again — for
the report actions the client's stale ``version`` then makes it a ``VERSION_CONFLICT``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import orjson
from tortoise.exceptions import IntegrityError

from models import IdempotencyKey

MAX_KEY_LENGTH = 255  # the model's column
KEY_LIFETIME = timedelta(hours=24)
# Longer than any request takes (a period's generation is seconds), short enough that a
# client whose server died mid-request is not locked out of its key for a day.
ABANDONED_AFTER = timedelta(minutes=10)
PURGE_BATCH = 100
# Rounds of insert / read / take over before giving up on a key that keeps changing hands.
_CLAIM_ROUNDS = 3


def is_valid_key(key: str) -> bool:
    """1 to 255 characters, none of them a control character."""
    return 1 <= len(key) <= MAX_KEY_LENGTH and key.isprintable()


def fingerprint(query: str, variables: Any, operation_name: str | None) -> str:
    """What makes two requests "the same": the operation text, its variables and its name.

    Canonical JSON (keys sorted at every level, no spaces), so a client that serializes
    the same variables in another key order or spacing still matches; the query text
    itself must be the same string. Anything else in the body (``extensions``) is ignored.
    """
    canonical = orjson.dumps(
        {"operationName": operation_name, "query": query, "variables": variables or {}},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to act once under a key; give it back with ``complete`` or ``release``."""

    row_id: int
    attempt: int


@dataclass(frozen=True, slots=True)
class Replay:
    """The response stored for the first request under the key."""

    status_code: int
    body: bytes


class Refusal(str, Enum):
    IN_PROGRESS = "IN_PROGRESS"  # the first request with this key is still running
    KEY_REUSED = "KEY_REUSED"  # the key was used for another operation


async def claim(token_hash: str, key: str, operation: str, now: datetime | None = None) -> Claim | Replay | Refusal:
    """Claim ``key`` for the request whose fingerprint is ``operation``, or say why not."""
    now = now or datetime.now(UTC)
    for _ in range(_CLAIM_ROUNDS):
        row: IdempotencyKey | None
        try:
            row = await IdempotencyKey.create(token_hash=token_hash, key=key, fingerprint=operation, claimed_at=now)
        except IntegrityError:
            pass  # the key is taken: see by whom below
        else:
            await purge_expired(now)
            return Claim(row.id, row.attempt)

        row = await IdempotencyKey.get_or_none(token_hash=token_hash, key=key)
        if row is None:
            continue  # released or purged in between: insert again
        if _claimable_anew(row, now):
            # Compare-and-set on the attempt: of two requests taking over, one wins.
            taken = await IdempotencyKey.filter(id=row.id, attempt=row.attempt).update(
                fingerprint=operation,
                claimed_at=now,
                attempt=row.attempt + 1,
                completed_at=None,
                status_code=None,
                response_body=None,
            )
            if taken:
                return Claim(row.id, row.attempt + 1)
            continue
        if row.fingerprint != operation:
            return Refusal.KEY_REUSED
        if row.completed_at is None or row.status_code is None or row.response_body is None:
            return Refusal.IN_PROGRESS
        return Replay(row.status_code, row.response_body.encode())
    return Refusal.IN_PROGRESS


async def complete(claim: Claim, status_code: int, body: bytes, now: datetime | None = None) -> bool:
    """Store the response given under the claim; False if the claim was taken over meanwhile."""
    stored = await IdempotencyKey.filter(id=claim.row_id, attempt=claim.attempt, completed_at=None).update(
        completed_at=now or datetime.now(UTC), status_code=status_code, response_body=body.decode()
    )
    return stored == 1


async def release(claim: Claim) -> None:
    """Give the key back unused, so that a retry acts (after an unexpected failure)."""
    await IdempotencyKey.filter(id=claim.row_id, attempt=claim.attempt, completed_at=None).delete()


async def purge_expired(now: datetime | None = None, limit: int = PURGE_BATCH) -> int:
    """Delete up to ``limit`` keys older than ``KEY_LIFETIME``, oldest first; how many went.

    Bounded, so the request that happens to run it pays for a small batch only; as every
    new claim runs it, expired rows go at up to ``limit`` times the rate new ones come.
    """
    cutoff = (now or datetime.now(UTC)) - KEY_LIFETIME
    expired = (
        await IdempotencyKey.filter(claimed_at__lte=cutoff)
        .order_by("claimed_at")
        .limit(limit)
        .values_list("id", flat=True)
    )
    if not expired:
        return 0
    # Re-checked on delete: a row claimed anew since the select is no longer expired.
    return await IdempotencyKey.filter(id__in=list(expired), claimed_at__lte=cutoff).delete()


def _claimable_anew(row: IdempotencyKey, now: datetime) -> bool:
    if row.claimed_at <= now - KEY_LIFETIME:
        return True
    return row.completed_at is None and row.claimed_at <= now - ABANDONED_AFTER
