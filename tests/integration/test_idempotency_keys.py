"""The key table of idempotent retries (``server.idempotency_keys``), on the real database, clock given.

The HTTP behaviour is in ``tests/api/test_idempotency.py``; here are the rules that need
a clock: how long a key and an unfinished claim hold, and who may finish a claim.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.context import TortoiseContext

from models import IdempotencyKey
from server import idempotency_keys as idempotency
from server.idempotency_keys import Claim, Refusal, Replay

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TOKEN = "a" * 64
OPERATION = idempotency.fingerprint("mutation { x }", {"n": 1}, None)


async def claimed(now: datetime = T0, key: str = "k", operation: str = OPERATION) -> Claim:
    outcome = await idempotency.claim(TOKEN, key, operation, now=now)
    assert isinstance(outcome, Claim), outcome
    return outcome


async def test_a_stored_response_is_replayed_until_24_hours_after_the_claim(db: TortoiseContext) -> None:
    first = await claimed()
    await idempotency.complete(first, 200, b'{"data":{"x":1}}', now=T0 + timedelta(seconds=1))

    just_before = await idempotency.claim(TOKEN, "k", OPERATION, now=T0 + timedelta(hours=24) - timedelta(seconds=1))
    at_expiry = await idempotency.claim(TOKEN, "k", OPERATION, now=T0 + timedelta(hours=24))

    assert just_before == Replay(200, b'{"data":{"x":1}}')
    assert at_expiry == Claim(first.row_id, first.attempt + 1)


async def test_an_unfinished_claim_holds_the_key_for_ten_minutes_then_is_taken_over(db: TortoiseContext) -> None:
    first = await claimed()

    held = await idempotency.claim(TOKEN, "k", OPERATION, now=T0 + timedelta(minutes=10) - timedelta(seconds=1))
    other_operation = await idempotency.claim(TOKEN, "k", "f" * 64, now=T0 + timedelta(minutes=9))
    taken = await idempotency.claim(TOKEN, "k", OPERATION, now=T0 + timedelta(minutes=10))

    assert held is Refusal.IN_PROGRESS
    assert other_operation is Refusal.KEY_REUSED
    assert taken == Claim(first.row_id, first.attempt + 1)


async def test_the_late_holder_of_a_taken_over_claim_can_neither_store_nor_release(db: TortoiseContext) -> None:
    late = await claimed()
    current = await claimed(now=T0 + timedelta(minutes=11))

    stored_late = await idempotency.complete(late, 200, b'{"late":true}')
    await idempotency.release(late)
    stored_current = await idempotency.complete(current, 200, b'{"current":true}')

    assert (stored_late, stored_current) == (False, True)
    replay = await idempotency.claim(TOKEN, "k", OPERATION, now=T0 + timedelta(minutes=12))
    assert replay == Replay(200, b'{"current":true}')


async def test_a_released_key_is_claimed_again_at_once(db: TortoiseContext) -> None:
    first = await claimed()
    await idempotency.release(first)

    again = await idempotency.claim(TOKEN, "k", OPERATION, now=T0 + timedelta(seconds=1))

    assert isinstance(again, Claim) and again.row_id != first.row_id


async def test_the_purge_removes_at_most_one_batch_of_expired_keys_oldest_first(db: TortoiseContext) -> None:
    for n in range(5):
        await IdempotencyKey.create(
            token_hash=TOKEN, key=f"k{n}", fingerprint=OPERATION, claimed_at=T0 - timedelta(hours=30 - n)
        )
    await IdempotencyKey.create(token_hash=TOKEN, key="live", fingerprint=OPERATION, claimed_at=T0)

    purged = await idempotency.purge_expired(now=T0, limit=3)

    assert purged == 3
    assert sorted(await IdempotencyKey.all().values_list("key", flat=True)) == ["k3", "k4", "live"]


def test_the_same_operation_has_one_fingerprint_whatever_the_key_order() -> None:
    one = idempotency.fingerprint("mutation M { x }", {"input": {"a": 1, "b": [1, {"c": 2, "d": 3}]}}, "M")
    reordered = idempotency.fingerprint("mutation M { x }", {"input": {"b": [1, {"d": 3, "c": 2}], "a": 1}}, "M")

    assert one == reordered
    assert one != idempotency.fingerprint("mutation M { x }", {"input": {"a": 2, "b": [1, {"c": 2, "d": 3}]}}, "M")
    assert one != idempotency.fingerprint("mutation M { x }", {"input": {"a": 1, "b": [{"c": 2, "d": 3}, 1]}}, "M")
    assert one != idempotency.fingerprint("mutation M { x }", {"input": {"a": 1, "b": [1, {"c": 2, "d": 3}]}}, None)
