"""Another tenant's report does not exist: same answers as an unknown ID, and nothing changes (docs/contract.md §2)."""

from __future__ import annotations

import httpx
import pytest

from models import BillingReport, HistoryEntry, LineItem
from schema import ids
from tests.api import operations as op
from tests.api.client import gql
from tests.api.steps import adjustment, detail, given_generated_reports, lines, mutate, pk, report_id_of
from tests.world import World

# Alpha MSP's report (under North Distribution) seen by: its sibling under the same Tier 1,
# a Tier 2 partner of the other Tier 1, and the other Tier 1.
STRANGERS = ["tier2_a2", "tier2_b1", "tier1_b"]


@pytest.fixture
async def alpha(api: httpx.AsyncClient, world: World) -> dict:
    """Alpha MSP's freshly generated report, as its owner sees it."""
    await given_generated_reports(world)
    report_id = await report_id_of(api, world.tier2_a1)
    report = await detail(api, world.tier2_a1, report_id)
    assert report is not None
    return report


@pytest.mark.parametrize("stranger", STRANGERS)
async def test_another_tenants_report_reads_as_null_and_is_not_listed(
    api: httpx.AsyncClient, world: World, alpha: dict, stranger: str
) -> None:
    party = getattr(world, stranger)

    by_id = await detail(api, party, alpha["id"])
    listed = await gql(api, party.token, op.REPORTS, {"filter": {"partnerId": alpha["partner"]["id"]}})
    everything = await gql(api, party.token, op.REPORTS)

    assert by_id is None
    assert listed["reports"] == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
    }
    assert alpha["id"] not in {e["node"]["id"] for e in everything["reports"]["edges"]}


@pytest.mark.parametrize("stranger", STRANGERS)
async def test_every_id_of_another_tenants_report_is_null_through_node(
    api: httpx.AsyncClient, world: World, alpha: dict, stranger: str
) -> None:
    party = getattr(world, stranger)
    line = alpha["lineItems"]["edges"][0]["node"]
    event = alpha["history"][0]

    for global_id in (alpha["id"], line["id"], event["id"], line["customer"]["id"], alpha["partner"]["id"]):
        data = await gql(api, party.token, op.NODE, {"id": global_id})
        assert data["node"] is None, global_id


@pytest.mark.parametrize("stranger", STRANGERS)
async def test_every_mutation_on_another_tenants_report_is_not_found_and_changes_nothing(
    api: httpx.AsyncClient, world: World, alpha: dict, stranger: str
) -> None:
    party = getattr(world, stranger)
    line = alpha["lineItems"]["edges"][0]["node"]
    report_id = alpha["id"]
    attempts = [
        (op.SAVE_DRAFT, {"adjustments": [adjustment(line, 0, "mine now")]}),
        (op.SUBMIT, {"adjustments": [adjustment(line, 0, "mine now")]}),
        (op.APPROVE, {"comment": "ok"}),
        (op.REJECT, {"reason": "no"}),
    ]
    before = await _state(pk(report_id))

    for operation, extra in attempts:
        payload = await mutate(api, party, operation, reportId=report_id, version=1, **extra)
        unknown = await mutate(
            api, party, operation, reportId=ids.encode(ids.BILLING_REPORT, 999_999), version=1, **extra
        )
        assert payload == unknown  # indistinguishable from a report that does not exist
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
        assert payload["report"] is None

    assert await _state(pk(report_id)) == before


async def test_a_tier1_partner_sees_exactly_its_own_partners_reports(api: httpx.AsyncClient, world: World) -> None:
    await given_generated_reports(world)

    north = await gql(api, world.tier1_a.token, op.REPORTS)
    platform = await gql(api, world.platform.token, op.REPORTS)

    assert sorted(e["node"]["partner"]["name"] for e in north["reports"]["edges"]) == ["Alpha MSP", "Beta MSP"]
    assert north["reports"]["totalCount"] == 2
    assert platform["reports"]["totalCount"] == 4


async def test_a_tier2_partner_sees_its_own_line_items_event_and_customer_through_node(
    api: httpx.AsyncClient, world: World, alpha: dict
) -> None:
    line = alpha["lineItems"]["edges"][0]["node"]
    event = alpha["history"][0]
    owner = world.tier2_a1

    found = {
        gid: (await gql(api, owner.token, op.NODE, {"id": gid}))["node"]
        for gid in (
            alpha["id"],
            line["id"],
            event["id"],
            line["customer"]["id"],
            alpha["partner"]["id"],
            alpha["period"]["id"],
        )
    }

    assert [n["__typename"] for n in found.values()] == [
        "BillingReport",
        "LineItem",
        "ReportEvent",
        "Customer",
        "Organization",
        "BillingPeriod",
    ]
    assert found[event["id"]]["report"] == {"id": alpha["id"]}
    assert (await gql(api, owner.token, op.NODE, {"id": "bm90IGFuIGlk"}))["node"] is None


async def _state(report_pk: int) -> tuple:
    report = await BillingReport.get(id=report_pk)
    line_rows = await LineItem.filter(report_id=report_pk).order_by("id").values_list("chargeable_units", "comment")
    history = await HistoryEntry.filter(report_id=report_pk).count()
    return report.status, report.version, line_rows, history


async def test_lines_of_a_visible_report_are_the_same_for_owner_parent_and_platform(
    api: httpx.AsyncClient, world: World, alpha: dict
) -> None:
    seen = [await lines(api, party, alpha["id"]) for party in (world.tier2_a1, world.tier1_a, world.platform)]
    assert seen[0] == seen[1] == seen[2] and len(seen[0]) == 6
