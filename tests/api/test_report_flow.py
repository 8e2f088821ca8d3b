"""The whole life of a report over the API: adjust, save, submit, reject, correct, resubmit, approve."""

from __future__ import annotations

from decimal import Decimal

import httpx

from tests.api import operations as op
from tests.api.steps import adjustment, detail, given_generated_reports, lines, mutate, report_id_of
from tests.world import World


async def test_a_report_goes_from_adjustment_through_rejection_to_approval_with_its_history(
    api: httpx.AsyncClient, world: World
) -> None:
    # Given a generated report of Alpha MSP, under North Distribution
    await given_generated_reports(world)
    owner, parent = world.tier2_a1, world.tier1_a
    report_id = await report_id_of(api, owner)
    first, second = (await lines(api, owner, report_id))[:2]

    # When the owner lowers a line with a comment and saves
    saved = await mutate(
        api,
        owner,
        op.SAVE_DRAFT,
        reportId=report_id,
        version=1,
        adjustments=[adjustment(first, first["usedUnits"] - 2, "two endpoints retired")],
    )
    assert saved["errors"] == []
    assert (saved["report"]["status"], saved["report"]["version"]) == ("PREPARING", 2)
    assert saved["report"]["totals"]["chargeableUnits"] == saved["report"]["totals"]["usedUnits"] - 2

    # ... submits, lowering one more line in the same step
    submitted = await mutate(
        api,
        owner,
        op.SUBMIT,
        reportId=report_id,
        version=2,
        adjustments=[adjustment(second, 0, "customer left on the 1st")],
    )
    assert submitted["errors"] == []
    assert (submitted["report"]["status"], submitted["report"]["version"]) == ("UNDER_REVIEW", 3)
    assert submitted["report"]["submittedAt"] is not None

    # ... the parent rejects it with a reason
    rejected = await mutate(api, parent, op.REJECT, reportId=report_id, version=3, reason="explain line 2")
    assert rejected["errors"] == []
    assert (rejected["report"]["status"], rejected["report"]["version"]) == ("REJECTED", 4)

    # ... the owner corrects the second line back up and resubmits
    resubmitted = await mutate(
        api, owner, op.SUBMIT, reportId=report_id, version=4, adjustments=[adjustment(second, second["usedUnits"])]
    )
    assert resubmitted["errors"] == []
    assert resubmitted["report"]["status"] == "UNDER_REVIEW"

    # ... and the parent approves
    approved = await mutate(api, parent, op.APPROVE, reportId=report_id, version=5, comment="thanks")
    assert approved["errors"] == []
    assert (approved["report"]["status"], approved["report"]["version"]) == ("APPROVED", 6)
    assert approved["report"]["reviewedAt"] is not None

    # Then the history tells every step, oldest first, with who acted and what changed
    report = await detail(api, parent, report_id)
    assert report is not None
    history = report["history"]
    assert [(e["action"], e["fromStatus"], e["toStatus"], e["version"]) for e in history] == [
        ("GENERATED", None, "PREPARING", 1),
        ("SAVED", "PREPARING", "PREPARING", 2),
        ("SUBMITTED", "PREPARING", "UNDER_REVIEW", 3),
        ("REJECTED", "UNDER_REVIEW", "REJECTED", 4),
        ("SUBMITTED", "REJECTED", "UNDER_REVIEW", 5),
        ("APPROVED", "UNDER_REVIEW", "APPROVED", 6),
    ]
    assert [e["actor"]["organization"]["name"] for e in history] == [
        "Vendor",
        "Alpha MSP",
        "Alpha MSP",
        "North Distribution",
        "Alpha MSP",
        "North Distribution",
    ]
    assert history[1]["changes"] == [
        {
            "lineItemId": first["id"],
            "oldChargeableUnits": first["usedUnits"],
            "newChargeableUnits": first["usedUnits"] - 2,
            "oldComment": None,
            "newComment": "two endpoints retired",
        }
    ]
    assert history[2]["changes"] == [
        {
            "lineItemId": second["id"],
            "oldChargeableUnits": second["usedUnits"],
            "newChargeableUnits": 0,
            "oldComment": None,
            "newComment": "customer left on the 1st",
        }
    ]
    assert history[3]["comment"] == "explain line 2"
    assert history[4]["changes"][0]["newChargeableUnits"] == second["usedUnits"]
    assert history[4]["changes"][0]["newComment"] is None
    assert history[5]["comment"] == "thanks"
    assert all(e["report"] == {"id": report_id, "version": 6} for e in history)

    # ... and the approved figures are final: one lowered line, the other back to its used units
    final = {line["id"]: line for line in await lines(api, parent, report_id)}
    assert final[first["id"]]["chargeableUnits"] == first["usedUnits"] - 2
    assert final[first["id"]]["comment"] == "two endpoints retired"
    assert final[second["id"]]["chargeableUnits"] == second["usedUnits"]


async def test_available_actions_offer_each_role_only_what_it_may_do_now(api: httpx.AsyncClient, world: World) -> None:
    await given_generated_reports(world)
    owner, parent, platform = world.tier2_a1, world.tier1_a, world.platform
    report_id = await report_id_of(api, owner)

    async def offered() -> dict[str, list[str]]:
        result = {}
        for name, party in (("owner", owner), ("parent", parent), ("platform", platform)):
            report = await detail(api, party, report_id)
            assert report is not None
            result[name] = report["availableActions"]
        return result

    assert await offered() == {"owner": ["SAVE_DRAFT", "SUBMIT"], "parent": [], "platform": []}
    await mutate(api, owner, op.SUBMIT, reportId=report_id, version=1)
    assert await offered() == {"owner": [], "parent": ["APPROVE", "REJECT"], "platform": []}
    await mutate(api, parent, op.REJECT, reportId=report_id, version=2, reason="no")
    assert await offered() == {"owner": ["SAVE_DRAFT", "SUBMIT"], "parent": [], "platform": []}
    await mutate(api, owner, op.SUBMIT, reportId=report_id, version=3)
    await mutate(api, parent, op.APPROVE, reportId=report_id, version=4)
    # Approved: final, but inside the correction window the owner may ask for a correction (§11).
    assert await offered() == {"owner": ["REQUEST_CORRECTION"], "parent": [], "platform": []}


async def test_a_report_shows_its_lines_figures_and_totals(api: httpx.AsyncClient, world: World) -> None:
    await given_generated_reports(world)
    report_id = await report_id_of(api, world.tier2_a1)

    report = await detail(api, world.tier2_a1, report_id)

    assert report is not None
    assert report["partner"] == {"id": report["partner"]["id"], "name": "Alpha MSP", "tier": "TIER2"}
    assert report["period"]["label"] == "2026-10"
    assert report["period"]["submissionDeadline"] == "2026-11-05T23:59:59+00:00"
    items = [e["node"] for e in report["lineItems"]["edges"]]
    assert len(items) == report["lineItems"]["totalCount"] == report["totals"]["lineCount"] == 6
    by_rule = {line["solution"]["aggregationRule"]: line for line in items}
    assert by_rule["DAILY_SUM"]["referenceDay"] is None
    assert by_rule["PEAK_CREDITS_DAY"]["referenceDay"].startswith("2026-10-")
    for line in items:
        assert line["chargeableUnits"] == line["usedUnits"]
        assert line["overProvisionedUnits"] == max(line["provisionedUnits"] - line["usedUnits"], 0)
        whole, _, decimals = line["allocatedCredits"].partition(".")
        assert whole.isdigit() and len(decimals) == 4
    totals = report["totals"]
    assert totals["usedUnits"] == sum(line["usedUnits"] for line in items)
    assert totals["overProvisionedUnits"] == sum(line["overProvisionedUnits"] for line in items)
    assert Decimal(totals["allocatedCredits"]) == sum(Decimal(line["allocatedCredits"]) for line in items)
