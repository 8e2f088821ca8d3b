"""What the fuzzer (tests/api/test_fuzzing.py) found, each kept as the rule it broke.

Every one was an unexpected ("Unexpected error.") answer to input the contract refuses
or cannot match — on PostgreSQL, whose driver refuses to bind a value its column type
cannot hold, and in Tortoise, which refuses a filter value longer than its field:
- a global ID or a cursor whose key is past what a 32-bit key holds;
- a solution code longer than the column;
- a NUL character in a comment, a reason or a solution code (PostgreSQL's text holds none).
They now answer as the rules say: not found, ``INVALID_INPUT``, or an empty page.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from schema import ids
from tests.api import operations as op
from tests.api.client import codes, gql, gql_errors
from tests.api.steps import adjustment, given_generated_reports, lines, mutate, report_id_of
from tests.world import World

PAST_32_BITS = [2**31, 10**18 - 1]  # the first key a 32-bit column cannot hold; the largest an ID may spell


def cursor(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(["c1", *values]).encode()).decode()


@pytest.mark.parametrize("pk", PAST_32_BITS)
async def test_an_id_past_a_32_bit_key_answers_as_an_unknown_one(api: httpx.AsyncClient, world: World, pk: int) -> None:
    await given_generated_reports(world, days=2)
    owner, platform = world.tier2_a1, world.platform

    report = await gql(
        api, owner.token, "query($id: ID!) { report(id: $id) { id } }", {"id": ids.encode(ids.BILLING_REPORT, pk)}
    )
    node = await gql(
        api, owner.token, "query($id: ID!) { node(id: $id) { id } }", {"id": ids.encode(ids.LINE_ITEM, pk)}
    )
    reports = await gql(api, platform.token, op.REPORTS, {"filter": {"partnerId": ids.encode(ids.ORGANIZATION, pk)}})
    save = await mutate(api, owner, op.SAVE_DRAFT, reportId=ids.encode(ids.BILLING_REPORT, pk), version=1)
    usage = await mutate(
        api,
        platform,
        op.RECORD_USAGE,
        records=[
            {
                "customerId": ids.encode(ids.CUSTOMER, pk),
                "solutionCode": "EPP",
                "day": "2026-10-01",
                "provisionedUnits": 1,
                "usedUnits": 1,
                "allocatedCredits": "1",
            }
        ],
    )

    assert report["report"] is None
    assert node["node"] is None
    assert reports["reports"]["totalCount"] == 0
    assert codes(save["errors"]) == ["NOT_FOUND"]
    assert (usage["acceptedCount"], codes(usage["errors"]), usage["errors"][0]["field"]) == (
        0,
        ["NOT_FOUND"],
        "customerId",
    )


@pytest.mark.parametrize("key", [2**31, 2**63, 10**30])
async def test_a_cursor_whose_key_is_past_a_32_bit_key_is_not_a_cursor_of_the_list(
    api: httpx.AsyncClient, world: World, key: int
) -> None:
    await given_generated_reports(world, days=2)
    owner = world.tier2_a1
    report_id = await report_id_of(api, owner)

    _, report_page_errors, _ = await gql_errors(
        api, owner.token, op.REPORTS, {"after": cursor("report", "2026-10-01", key)}
    )
    _, line_page_errors, _ = await gql_errors(
        api, owner.token, op.REPORT_DETAIL, {"id": report_id, "after": cursor("line", key)}
    )

    assert codes(report_page_errors) == ["INVALID_INPUT"]
    assert codes(line_page_errors) == ["INVALID_INPUT"]


@pytest.mark.parametrize("code", ["E" * 65, "EPP\x00"], ids=["longer-than-any-code", "with-a-nul"])
async def test_a_solution_code_no_solution_can_have_is_not_found(
    api: httpx.AsyncClient, world: World, code: str
) -> None:
    await given_generated_reports(world, days=2)
    customer = ids.encode(ids.CUSTOMER, world.tier2_a1.customers[0].id)
    report_id = await report_id_of(api, world.tier2_a1)

    usage = await mutate(
        api,
        world.platform,
        op.RECORD_USAGE,
        records=[
            {
                "customerId": customer,
                "solutionCode": code,
                "day": "2026-10-01",
                "provisionedUnits": 1,
                "usedUnits": 1,
                "allocatedCredits": "1",
            }
        ],
    )
    page = await gql(api, world.tier2_a1.token, op.REPORT_DETAIL, {"id": report_id, "filter": {"solutionCode": code}})

    assert (usage["acceptedCount"], codes(usage["errors"]), usage["errors"][0]["field"]) == (
        0,
        ["NOT_FOUND"],
        "solutionCode",
    )
    assert page["report"]["lineItems"]["totalCount"] == 0


async def test_a_comment_or_reason_with_a_nul_character_is_invalid_input_and_changes_nothing(
    api: httpx.AsyncClient, world: World
) -> None:
    await given_generated_reports(world, days=2)
    owner, parent = world.tier2_a1, world.tier1_a
    report_id = await report_id_of(api, owner)
    line = (await lines(api, owner, report_id))[0]

    save = await mutate(
        api, owner, op.SAVE_DRAFT, reportId=report_id, version=1, adjustments=[adjustment(line, 0, "trial\x00seats")]
    )
    await mutate(api, owner, op.SUBMIT, reportId=report_id, version=1)
    reject = await mutate(api, parent, op.REJECT, reportId=report_id, version=2, reason="recount\x00")
    approve = await mutate(api, parent, op.APPROVE, reportId=report_id, version=2, comment="\x00")

    assert (codes(save["errors"]), save["errors"][0]["field"], save["errors"][0]["index"]) == (
        ["INVALID_INPUT"],
        "comment",
        0,
    )
    assert (codes(reject["errors"]), reject["errors"][0]["field"]) == (["INVALID_INPUT"], "reason")
    assert (codes(approve["errors"]), approve["errors"][0]["field"]) == (["INVALID_INPUT"], "comment")
    assert approve["report"]["status"] == "UNDER_REVIEW" and approve["report"]["version"] == 2
    assert (await lines(api, owner, report_id))[0]["chargeableUnits"] == line["chargeableUnits"]
