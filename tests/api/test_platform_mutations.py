"""recordUsage and generateReports: the platform's mutations, their counts and their refusals."""

from __future__ import annotations

from typing import Any

import httpx

from models import BillingReport, DailyUsage, Organization
from schema import ids
from tests.api import operations as op
from tests.api.client import codes, gql, gql_errors
from tests.api.steps import adjustment, detail, lines, mutate, report_id_of
from tests.world import PERIOD, World


def record(
    world: World,
    day: str = "2026-10-03",
    *,
    customer: str | None = None,
    code: str = "EPP",
    provisioned: int = 12,
    used: int = 10,
    credits: str = "4.25",
) -> dict[str, Any]:
    return {
        "customerId": customer or ids.encode(ids.CUSTOMER, world.tier2_a1.customers[0].id),
        "solutionCode": code,
        "day": day,
        "provisionedUnits": provisioned,
        "usedUnits": used,
        "allocatedCredits": credits,
    }


async def test_recording_usage_stores_valid_records_and_reports_each_invalid_one_by_index(
    api: httpx.AsyncClient, world: World
) -> None:
    records = [
        record(world, "2026-10-01"),
        record(world, "2026-10-01", used=11),  # the same day again: replaces the first
        record(world, "2026-10-31", customer=ids.encode(ids.CUSTOMER, 999_999)),
        record(world, "2026-10-02", code="NOPE"),
        record(world, "2026-02-30"),
        record(world, "2026-10-04", used=-1),
        record(world, "2026-10-05", credits="1.23456"),
        record(world, "2026-10-06", credits="NaN"),
        record(world, "2026-10-07", customer=ids.encode(ids.LINE_ITEM, 1)),
        record(world, "2026-10-08", credits="0"),
    ]

    payload = await mutate(api, world.platform, op.RECORD_USAGE, records=records)

    assert payload["acceptedCount"] == 3
    assert [(e["code"], e["index"], e["field"]) for e in payload["errors"]] == [
        ("NOT_FOUND", 2, "customerId"),
        ("NOT_FOUND", 3, "solutionCode"),
        ("INVALID_INPUT", 4, "day"),
        ("INVALID_INPUT", 5, "usedUnits"),
        ("INVALID_INPUT", 6, "allocatedCredits"),
        ("INVALID_INPUT", 7, "allocatedCredits"),
        ("NOT_FOUND", 8, "customerId"),
    ]
    stored = await DailyUsage.all().order_by("day").values_list("day", "used_units", "credits_e4")
    assert [(d.isoformat(), used, credits) for d, used, credits in stored] == [
        ("2026-10-01", 11, 42500),
        ("2026-10-08", 10, 0),
    ]


async def test_only_the_platform_with_usage_write_may_record_usage(api: httpx.AsyncClient, world: World) -> None:
    payload = await mutate(api, world.tier2_a1, op.RECORD_USAGE, records=[record(world)])

    assert payload == {"acceptedCount": 0, "errors": [payload["errors"][0]]}
    assert codes(payload["errors"]) == ["FORBIDDEN"]
    assert await DailyUsage.all().count() == 0


async def test_more_records_than_the_list_limit_are_refused_whole_before_execution(
    api: httpx.AsyncClient, world: World
) -> None:
    records = [record(world, "2026-10-01")] * 5001
    status, errors, data = await gql_errors(api, world.platform.token, op.RECORD_USAGE, {"input": {"records": records}})

    assert status == 200 and data is None and codes(errors) == ["INPUT_TOO_LARGE"]
    assert "variables.input.records has 5001 items" in errors[0]["message"]
    assert await DailyUsage.all().count() == 0


async def test_generating_creates_reports_then_regenerates_only_changed_editable_ones(
    api: httpx.AsyncClient, world: World
) -> None:
    await world.add_month_of_usage(4)

    created = await mutate(api, world.platform, op.GENERATE, period=PERIOD)
    again = await mutate(api, world.platform, op.GENERATE, period=PERIOD)

    assert created == {"createdCount": 4, "regeneratedCount": 0, "errors": []}
    assert again == {"createdCount": 0, "regeneratedCount": 0, "errors": []}

    # Late usage for Alpha (editable, with an adjustment) and Gamma (submitted: never changed).
    alpha_id = await report_id_of(api, world.tier2_a1)
    gamma_id = await report_id_of(api, world.tier2_b1)
    line = (await lines(api, world.tier2_a1, alpha_id))[0]
    await mutate(
        api,
        world.tier2_a1,
        op.SAVE_DRAFT,
        reportId=alpha_id,
        version=1,
        adjustments=[adjustment(line, 0, "none billable")],
    )
    await mutate(api, world.tier2_b1, op.SUBMIT, reportId=gamma_id, version=1)
    late = [
        record(world, "2026-10-20", used=500, provisioned=500, credits="999"),
        record(
            world,
            "2026-10-20",
            customer=ids.encode(ids.CUSTOMER, world.tier2_b1.customers[0].id),
            used=500,
            provisioned=500,
            credits="999",
        ),
    ]
    assert (await mutate(api, world.platform, op.RECORD_USAGE, records=late))["acceptedCount"] == 2

    regenerated = await mutate(api, world.platform, op.GENERATE, period=PERIOD)

    assert regenerated == {"createdCount": 0, "regeneratedCount": 1, "errors": []}
    alpha = await detail(api, world.tier2_a1, alpha_id)
    assert alpha is not None
    assert [e["action"] for e in alpha["history"]] == ["GENERATED", "SAVED", "REGENERATED"]
    assert (await detail(api, world.tier2_b1, gamma_id) or {})["version"] == 2


async def test_generating_an_invalid_period_is_invalid_input(api: httpx.AsyncClient, world: World) -> None:
    for period in ("2026-13", "October", "1999-12", ""):
        payload = await mutate(api, world.platform, op.GENERATE, period=period)
        assert codes(payload["errors"]) == ["INVALID_INPUT"], period
        assert payload["errors"][0]["field"] == "period"


async def test_only_the_platform_may_generate(api: httpx.AsyncClient, world: World) -> None:
    await world.add_month_of_usage(2)
    for party in (world.tier1_a, world.tier2_a1):
        payload = await mutate(api, party, op.GENERATE, period=PERIOD)
        assert codes(payload["errors"]) == ["FORBIDDEN"]
    assert await BillingReport.all().count() == 0


async def test_a_tier1_deadline_setting_moves_the_periods_deadline_its_partners_see(
    api: httpx.AsyncClient, world: World
) -> None:
    await Organization.filter(id=world.tier1_b.organization.id).update(deadline_days=10)
    await world.add_month_of_usage(2)
    await mutate(api, world.platform, op.GENERATE, period=PERIOD)

    async def deadline(token: str) -> str:
        data = await gql(api, token, op.PERIODS)
        return data["billingPeriods"]["edges"][0]["node"]["submissionDeadline"]

    assert await deadline(world.tier2_b1.token) == "2026-11-10T23:59:59+00:00"
    assert await deadline(world.tier1_b.token) == "2026-11-10T23:59:59+00:00"
    assert await deadline(world.tier2_a1.token) == "2026-11-05T23:59:59+00:00"
    assert await deadline(world.platform.token) == "2026-11-05T23:59:59+00:00"
