"""Relay connections: pages of at most `first` (1..100), opaque cursors, totalCount, filters."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.api import operations as op
from tests.api.client import codes, gql, gql_errors
from tests.api.steps import adjustment, detail, given_generated_reports, lines, mutate, report_id_of
from tests.world import PERIOD, PERIOD_START, World
from workflow.generation.generate import generate_reports
from workflow.usage.record import UsageRecord


async def test_paging_through_reports_visits_each_once_newest_period_first(
    api: httpx.AsyncClient, world: World
) -> None:
    await given_generated_reports(world)
    # An earlier period for two partners, generated after the later one.
    september = PERIOD_START - timedelta(days=3)
    await world.add_usage(
        [
            UsageRecord(party.customers[0].id, "EPP", september.isoformat(), 3, 2, "1")
            for party in (world.tier2_a1, world.tier2_b2)
        ]
    )
    await generate_reports(world.platform.actor, "2026-09")

    seen, after, pages = [], None, 0
    while True:
        data = await gql(api, world.platform.token, op.REPORTS, {"first": 2, "after": after})
        connection = data["reports"]
        assert connection["totalCount"] == 6
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert len(connection["edges"]) <= 2
        seen += [(e["node"]["period"]["label"], e["node"]["partner"]["name"]) for e in connection["edges"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
        assert after == connection["edges"][-1]["cursor"]

    assert pages == 3
    assert len(set(seen)) == 6
    assert [label for label, _ in seen] == ["2026-10"] * 4 + ["2026-09"] * 2


async def test_reports_can_be_filtered_by_period_status_and_partner(api: httpx.AsyncClient, world: World) -> None:
    await given_generated_reports(world)
    alpha_id = await report_id_of(api, world.tier2_a1)
    await mutate(api, world.tier2_a1, op.SUBMIT, reportId=alpha_id, version=1)
    alpha_partner = (await detail(api, world.tier2_a1, alpha_id) or {})["partner"]["id"]

    async def names(report_filter: dict) -> list[str]:
        data = await gql(api, world.tier1_a.token, op.REPORTS, {"filter": report_filter})
        return sorted(e["node"]["partner"]["name"] for e in data["reports"]["edges"])

    assert await names({"period": PERIOD}) == ["Alpha MSP", "Beta MSP"]
    assert await names({"period": "2026-09"}) == []
    assert await names({"statuses": ["UNDER_REVIEW"]}) == ["Alpha MSP"]
    assert await names({"statuses": ["PREPARING", "REJECTED"]}) == ["Beta MSP"]
    assert await names({"partnerId": alpha_partner, "period": PERIOD}) == ["Alpha MSP"]
    assert await names({"partnerId": "not-an-id"}) == []


async def test_paging_through_line_items_visits_each_once(api: httpx.AsyncClient, world: World) -> None:
    await given_generated_reports(world)
    owner = world.tier2_a1
    report_id = await report_id_of(api, owner)
    everything = [line["id"] for line in await lines(api, owner, report_id)]

    seen, after = [], None
    for _ in range(10):
        report = await detail(api, owner, report_id, first=4, after=after)
        assert report is not None
        page = report["lineItems"]
        assert page["totalCount"] == 6
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == everything
    # After the last line: an empty page that still knows the total.
    report = await detail(api, owner, report_id, first=4, after=page["pageInfo"]["endCursor"])
    assert report is not None
    assert report["lineItems"]["edges"] == [] and report["lineItems"]["totalCount"] == 6


async def test_line_items_can_be_filtered_by_customer_solution_and_adjustment(
    api: httpx.AsyncClient, world: World
) -> None:
    await given_generated_reports(world)
    owner = world.tier2_a1
    report_id = await report_id_of(api, owner)
    all_lines = await lines(api, owner, report_id)
    lowered = all_lines[2]
    await mutate(
        api, owner, op.SAVE_DRAFT, reportId=report_id, version=1, adjustments=[adjustment(lowered, 0, "not used")]
    )
    customer_id = all_lines[0]["customer"]["id"]

    async def filtered(line_filter: dict) -> tuple[int, list[str]]:
        report = await detail(api, owner, report_id, filter=line_filter)
        assert report is not None
        page = report["lineItems"]
        return page["totalCount"], [e["node"]["id"] for e in page["edges"]]

    assert await filtered({"adjusted": True}) == (1, [lowered["id"]])
    assert (await filtered({"adjusted": False}))[0] == 5
    count, found = await filtered({"customerId": customer_id})
    assert count == 3 and all(line["customer"]["id"] == customer_id for line in all_lines if line["id"] in found)
    assert (await filtered({"solutionCode": "MAIL"}))[0] == 2
    assert await filtered({"solutionCode": "MAIL", "customerId": customer_id}) == (
        1,
        [
            line["id"]
            for line in all_lines
            if line["customer"]["id"] == customer_id and line["solution"]["code"] == "MAIL"
        ],
    )
    assert await filtered({"customerId": "bm90LWEtY3VzdG9tZXI="}) == (0, [])
    # Totals stay the report's, whatever the filter.
    report = await detail(api, owner, report_id, filter={"adjusted": True})
    assert report is not None and report["totals"]["lineCount"] == 6


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_a_page_size_out_of_range_is_refused(api: httpx.AsyncClient, world: World, first: int) -> None:
    status, errors, _ = await gql_errors(api, world.platform.token, op.REPORTS, {"first": first})
    assert status == 200
    assert codes(errors) == ["INVALID_INPUT"]
    assert "between 1 and 100" in errors[0]["message"]


async def test_a_line_page_size_out_of_range_is_refused(api: httpx.AsyncClient, world: World) -> None:
    await given_generated_reports(world, days=2)
    report_id = await report_id_of(api, world.tier2_a1)
    _, errors, _ = await gql_errors(api, world.tier2_a1.token, op.REPORT_DETAIL, {"id": report_id, "first": 500})
    assert codes(errors) == ["INVALID_INPUT"]


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "WyJjMSIsImxpbmUiLDFd", "WyJjMSIsInJlcG9ydCIsMSwyXQ=="],
    ids=["not-base64-json", "cursor-of-another-list", "wrong-key-types"],
)
async def test_a_cursor_that_is_not_from_this_list_is_refused(
    api: httpx.AsyncClient, world: World, cursor: str
) -> None:
    _, errors, _ = await gql_errors(api, world.platform.token, op.REPORTS, {"after": cursor})
    assert codes(errors) == ["INVALID_INPUT"]


async def test_billing_periods_list_the_periods_the_caller_has_reports_in(api: httpx.AsyncClient, world: World) -> None:
    await given_generated_reports(world, days=2)
    await world.add_usage([UsageRecord(world.tier2_b1.customers[0].id, "EPP", "2026-08-10", 1, 1, "1")])
    await generate_reports(world.platform.actor, "2026-08")

    async def labels(party_token: str, **variables: object) -> tuple[list[str], dict]:
        data = (await gql(api, party_token, op.PERIODS, dict(variables)))["billingPeriods"]
        return [e["node"]["label"] for e in data["edges"]], data

    assert (await labels(world.platform.token))[0] == ["2026-10", "2026-08"]
    assert (await labels(world.tier1_b.token))[0] == ["2026-10", "2026-08"]
    assert (await labels(world.tier1_a.token))[0] == ["2026-10"]
    assert (await labels(world.tier2_a2.token))[0] == ["2026-10"]
    first_page, data = await labels(world.platform.token, first=1)
    assert first_page == ["2026-10"] and data["pageInfo"]["hasNextPage"] and data["totalCount"] == 2
    second_page, data = await labels(world.platform.token, first=1, after=data["pageInfo"]["endCursor"])
    assert second_page == ["2026-08"] and not data["pageInfo"]["hasNextPage"]
    period = data["edges"][0]["node"]
    assert (period["startsOn"], period["endsOn"]) == ("2026-08-01", "2026-08-31")
    assert period["submissionDeadline"] == "2026-09-05T23:59:59+00:00"
