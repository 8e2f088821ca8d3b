"""Recording daily usage (docs/contract.md §3, §8 ``recordUsage``): each record is validated on its own,
valid ones are stored (a resent day replaces the earlier values), invalid ones are reported
by their position and not stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from models import DailyUsage
from tests.integration.scenarios import actor_with
from tests.world import World
from vocabulary.enums import Scope
from workflow.core.errors import ErrorCode, Forbidden
from workflow.usage.record import MAX_UNITS, UsageRecord, record_usage

OWN = object()  # the customer_id of Alpha's customer number ``customer``


def record(
    world: World,
    *,
    customer: int = 0,
    customer_id: object = OWN,
    code: str = "EPP",
    day: str | date = "2026-10-07",
    provisioned: int = 12,
    used: int = 10,
    credits: str = "12.5",
) -> UsageRecord:
    """One record, valid unless told otherwise."""
    if customer_id is OWN:
        customer_id = world.tier2_a1.customers[customer].id
    return UsageRecord(customer_id, code, day, provisioned, used, credits)  # type: ignore[arg-type]  # the wrong type, on purpose


async def stored() -> list[tuple[object, ...]]:
    return [
        tuple(r)
        for r in await DailyUsage.all()
        .order_by("id")
        .values_list("customer_id", "solution__code", "day", "provisioned_units", "used_units", "credits_e4")
    ]


async def test_a_valid_record_is_stored_with_its_credits_exact(world: World) -> None:
    result = await record_usage(world.platform.actor, [record(world, credits="12.3456")])

    assert (result.accepted_count, result.problems) == (1, [])
    assert await stored() == [(world.tier2_a1.customers[0].id, "EPP", date(2026, 10, 7), 12, 10, 123_456)]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"customer_id": 987_654}, ErrorCode.NOT_FOUND, "customerId"),
        ({"customer_id": None}, ErrorCode.NOT_FOUND, "customerId"),  # an ID that was not a customer's
        ({"code": "NOPE"}, ErrorCode.NOT_FOUND, "solutionCode"),
        ({"provisioned": -1}, ErrorCode.INVALID_INPUT, "provisionedUnits"),
        ({"used": -1}, ErrorCode.INVALID_INPUT, "usedUnits"),
        ({"used": MAX_UNITS + 1}, ErrorCode.INVALID_INPUT, "usedUnits"),
        ({"credits": "NaN"}, ErrorCode.INVALID_INPUT, "allocatedCredits"),
        ({"credits": "Infinity"}, ErrorCode.INVALID_INPUT, "allocatedCredits"),
        ({"credits": "-0.5"}, ErrorCode.INVALID_INPUT, "allocatedCredits"),
        ({"credits": "1.00001"}, ErrorCode.INVALID_INPUT, "allocatedCredits"),
        ({"credits": "1e30"}, ErrorCode.INVALID_INPUT, "allocatedCredits"),
        ({"credits": "twelve"}, ErrorCode.INVALID_INPUT, "allocatedCredits"),
        ({"day": "2026-02-30"}, ErrorCode.INVALID_INPUT, "day"),
        ({"day": "yesterday"}, ErrorCode.INVALID_INPUT, "day"),
        ({"day": "20261007"}, ErrorCode.INVALID_INPUT, "day"),  # ISO 8601's basic form: not YYYY-MM-DD
        ({"day": "2026-W41-3"}, ErrorCode.INVALID_INPUT, "day"),
        ({"day": ""}, ErrorCode.INVALID_INPUT, "day"),
        ({"day": "1999-12-31"}, ErrorCode.INVALID_INPUT, "day"),
        ({"day": "3000-01-01"}, ErrorCode.INVALID_INPUT, "day"),
    ],
)
async def test_an_invalid_record_is_reported_at_its_index_and_not_stored(
    world: World, changes: dict[str, object], code: ErrorCode, field: str
) -> None:
    records = [record(world, day="2026-10-01"), record(world, **changes), record(world, day="2026-10-03")]  # type: ignore[arg-type]  # the wrong type, on purpose

    result = await record_usage(world.platform.actor, records)

    assert result.accepted_count == 2
    assert [(p.code, p.index, p.field) for p in result.problems] == [(code, 1, field)]
    assert [row[2] for row in await stored()] == [date(2026, 10, 1), date(2026, 10, 3)]


async def test_every_invalid_record_is_reported_together(world: World) -> None:
    result = await record_usage(
        world.platform.actor,
        [
            record(world, used=-1),
            record(world),
            record(world, code="X"),
            record(world, credits="nan"),
        ],
    )

    assert result.accepted_count == 1
    assert [(p.code, p.index) for p in result.problems] == [
        (ErrorCode.INVALID_INPUT, 0),
        (ErrorCode.NOT_FOUND, 2),
        (ErrorCode.INVALID_INPUT, 3),
    ]
    assert len(await stored()) == 1


async def test_the_limits_themselves_are_accepted(world: World) -> None:
    result = await record_usage(
        world.platform.actor,
        [
            record(world, day="2000-01-01", provisioned=0, used=0, credits="0"),
            record(world, day="2999-12-31", provisioned=MAX_UNITS, used=MAX_UNITS, credits="10000000000000.0000"),
        ],
    )

    assert (result.accepted_count, result.problems) == (2, [])


async def test_recording_a_day_again_replaces_the_earlier_values(world: World) -> None:
    await record_usage(world.platform.actor, [record(world, used=10, credits="1")])

    result = await record_usage(world.platform.actor, [record(world, provisioned=30, used=25, credits="2.5")])

    assert result.accepted_count == 1
    assert await stored() == [(world.tier2_a1.customers[0].id, "EPP", date(2026, 10, 7), 30, 25, 25_000)]


async def test_within_one_call_the_last_record_of_a_day_wins_and_each_counts_as_accepted(world: World) -> None:
    result = await record_usage(
        world.platform.actor,
        [
            record(world, used=1),
            record(world, used=2),
            record(world, code="MAIL"),
            record(world, used=3),
        ],
    )

    assert result.accepted_count == 4
    assert sorted((row[1], row[4]) for row in await stored()) == [("EPP", 3), ("MAIL", 10)]


async def test_an_invalid_resend_does_not_replace_the_stored_day(world: World) -> None:
    await record_usage(world.platform.actor, [record(world, used=10)])

    result = await record_usage(world.platform.actor, [record(world, used=-10)])

    assert result.accepted_count == 0
    assert [row[4] for row in await stored()] == [10]


async def test_the_same_day_of_another_customer_or_solution_is_another_record(world: World) -> None:
    await record_usage(world.platform.actor, [record(world), record(world, customer=1), record(world, code="MAIL")])

    assert len(await stored()) == 3


async def test_a_day_may_be_given_as_a_date(world: World) -> None:
    result = await record_usage(world.platform.actor, [record(world, day=date(2026, 10, 9))])

    assert result.accepted_count == 1


async def test_an_empty_feed_stores_nothing(world: World) -> None:
    assert (await record_usage(world.platform.actor, [])).accepted_count == 0


@pytest.mark.parametrize("who", ["tier2_a1", "tier1_a"])
async def test_only_a_principal_with_usage_write_may_record_usage(world: World, who: str) -> None:
    with pytest.raises(Forbidden):
        await record_usage(getattr(world, who).actor, [record(world)])

    assert await stored() == []


async def test_a_platform_token_without_usage_write_is_forbidden(world: World) -> None:
    reader = await actor_with(world, world.platform, [Scope.REPORTS_READ, Scope.REPORTS_GENERATE])

    with pytest.raises(Forbidden):
        await record_usage(reader, [record(world)])

    assert await stored() == []


async def test_only_the_platform_records_usage_even_with_the_scope(world: World) -> None:
    # A Tier 1 token that somehow carried usage:write must still not write any tenant's usage.
    # (No token of a Tier 1 can carry it: workflow.core.scopes. The actor is made by hand.)
    forged = replace(world.tier1_a.actor, scopes=frozenset({Scope.REPORTS_READ, Scope.USAGE_WRITE}))
    customer = world.tier2_a1.customers[0]
    with pytest.raises(Forbidden):
        await record_usage(forged, [UsageRecord(customer.id, "EPP", "2026-10-01", 1, 1, "1")])
    assert await DailyUsage.all().count() == 0
