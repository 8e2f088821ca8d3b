"""The month-end close over HTTP (docs/contract.md §10–11): reasons, purchase orders,
partner settings, bulk approval and a correction after approval, as front ends call them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api import operations as op
from tests.api.client import gql
from tests.api.steps import given_generated_reports, lines, mutate, report_id_of
from tests.world import World

DETAIL = """
query Close($id: ID!) { report(id: $id) {
  id status version purchaseOrder availableActions
  lineItems(first: 100) { edges { node { id usedUnits chargeableUnits comment adjustmentReason } } }
  history { action purchaseOrder comment changes { lineItemId oldReason newReason newChargeableUnits } }
  corrections { id status comment requestedBy { organization { name } } reviewComment
                changes { lineItemId newChargeableUnits newReason } }
  pendingCorrection { id }
} }
"""
SETTINGS = """
mutation S($input: UpdatePartnerSettingsInput!) { updatePartnerSettings(input: $input) {
  settings { autoApprove autoApproveReasons requirePurchaseOrder correctionWindowDays } errors { code field }
} }
"""
BULK = """
mutation B($input: ApproveReportsInput!) { approveReports(input: $input) {
  approvedCount errors { code }
  results { reportId report { status version purchaseOrder } errors { code index } }
} }
"""
_CORRECTION = "{ report { status version } correction { id status reviewComment } errors { code field } }"
REQUEST = "mutation R($input: RequestCorrectionInput!) { requestCorrection(input: $input) " + _CORRECTION + " }"
APPROVE_C = "mutation A($input: ApproveCorrectionInput!) { approveCorrection(input: $input) " + _CORRECTION + " }"
SAVE = """
mutation Save($input: SaveReportDraftInput!) { saveReportDraft(input: $input) {
  report { version purchaseOrder } errors { code field lineItemId }
} }
"""


async def report(api: httpx.AsyncClient, token: str, report_id: str) -> dict[str, Any]:
    return (await gql(api, token, DETAIL, {"id": report_id}))["report"]


async def test_a_month_end_close_with_reasons_a_purchase_order_bulk_approval_and_a_correction(
    api: httpx.AsyncClient, world: World
) -> None:
    # Given North requires purchase orders and gives 30 days for corrections
    await given_generated_reports(world)
    owner, sibling, parent = world.tier2_a1, world.tier2_a2, world.tier1_a
    settings = await mutate(api, parent, SETTINGS, requirePurchaseOrder=True, correctionWindowDays=30)
    assert settings["errors"] == []
    assert settings["settings"] == {
        "autoApprove": False,
        "autoApproveReasons": [],
        "requirePurchaseOrder": True,
        "correctionWindowDays": 30,
    }
    alpha, beta = await report_id_of(api, owner), await report_id_of(api, sibling)
    first = (await lines(api, owner, alpha))[0]

    # When Alpha lowers a line as a trial and sets its purchase order
    saved = await mutate(
        api,
        owner,
        SAVE,
        reportId=alpha,
        version=1,
        purchaseOrder="PO-ALPHA-1",
        adjustments=[{"lineItemId": first["id"], "chargeableUnits": 0, "comment": "trial", "reason": "TRIAL"}],
    )
    assert saved == {"report": {"version": 2, "purchaseOrder": "PO-ALPHA-1"}, "errors": []}
    # ... a purchase order with a control character is refused, and changes nothing
    refused = await mutate(api, owner, SAVE, reportId=alpha, version=2, purchaseOrder="PO\n2")
    assert refused["errors"] == [{"code": "INVALID_INPUT", "field": "purchaseOrder", "lineItemId": None}]
    assert refused["report"]["version"] == 2
    await mutate(api, owner, op.SUBMIT, reportId=alpha, version=2)
    await mutate(api, sibling, op.SUBMIT, reportId=beta, version=1)

    # ... North approves both at once: Beta has no purchase order, so only Alpha is approved
    bulk = await mutate(
        api, parent, BULK, reports=[{"reportId": beta, "version": 2}, {"reportId": alpha, "version": 3}]
    )
    assert bulk["approvedCount"] == 1 and bulk["errors"] == []
    assert [(r["reportId"], r["errors"]) for r in bulk["results"]] == [
        (beta, [{"code": "PURCHASE_ORDER_REQUIRED", "index": 0}]),
        (alpha, []),
    ]
    assert bulk["results"][1]["report"] == {"status": "APPROVED", "version": 4, "purchaseOrder": "PO-ALPHA-1"}

    # Then Alpha's line carries its reason, and the history its changes and purchase order
    shown = await report(api, owner.token, alpha)
    line = next(e["node"] for e in shown["lineItems"]["edges"] if e["node"]["id"] == first["id"])
    assert line["adjustmentReason"] == "TRIAL"
    saved_entry = shown["history"][1]
    assert (saved_entry["action"], saved_entry["purchaseOrder"]) == ("SAVED", "PO-ALPHA-1")
    assert saved_entry["changes"][0]["oldReason"] is None and saved_entry["changes"][0]["newReason"] == "TRIAL"
    assert shown["availableActions"] == ["REQUEST_CORRECTION"]

    # When Alpha asks to correct the trial line back up, North sees it pending and approves it
    requested = await mutate(
        api,
        owner,
        REQUEST,
        reportId=alpha,
        version=4,
        comment="the trial ended before the period",
        adjustments=[{"lineItemId": first["id"], "chargeableUnits": first["usedUnits"]}],
    )
    assert requested["errors"] == [] and requested["correction"]["status"] == "PENDING"
    assert requested["report"] == {"status": "APPROVED", "version": 5}
    pending = await report(api, parent.token, alpha)
    assert pending["pendingCorrection"] == {"id": requested["correction"]["id"]}
    assert pending["availableActions"] == ["APPROVE_CORRECTION", "REJECT_CORRECTION"]
    assert (await report(api, owner.token, alpha))["availableActions"] == []  # one pending at a time

    approved = await mutate(api, parent, APPROVE_C, correctionId=requested["correction"]["id"], version=5, comment="ok")
    assert approved["errors"] == []
    assert approved["correction"] == {"id": requested["correction"]["id"], "status": "APPROVED", "reviewComment": "ok"}
    assert approved["report"] == {"status": "APPROVED", "version": 6}

    # Then the line is corrected, and the history and the corrections tell every step
    final = await report(api, parent.token, alpha)
    line = next(e["node"] for e in final["lineItems"]["edges"] if e["node"]["id"] == first["id"])
    assert (line["chargeableUnits"], line["adjustmentReason"]) == (first["usedUnits"], None)
    assert [e["action"] for e in final["history"]][-2:] == ["CORRECTION_REQUESTED", "CORRECTION_APPROVED"]
    (correction,) = final["corrections"]
    assert correction["requestedBy"]["organization"]["name"] == "Alpha MSP"
    assert correction["changes"] == [
        {"lineItemId": first["id"], "newChargeableUnits": first["usedUnits"], "newReason": None}
    ]
    assert final["pendingCorrection"] is None

    # ... and the export shows the line as corrected, with its purchase order and corrected_at
    csv_text = (
        await api.get(f"/exports/reports/{alpha}.csv", headers={"Authorization": f"Bearer {parent.token}"})
    ).text
    header, *rows = csv_text.strip().split("\r\n")
    assert header.endswith(",approved_at,adjustment_reason,purchase_order,corrected_at")
    assert all(",PO-ALPHA-1," in row and row.endswith("Z") for row in rows)


async def test_an_empty_bulk_approval_is_refused_with_invalid_input(api: httpx.AsyncClient, world: World) -> None:
    await given_generated_reports(world)
    bulk = await mutate(api, world.tier1_a, BULK, reports=[])
    assert bulk == {"approvedCount": 0, "errors": [{"code": "INVALID_INPUT"}], "results": []}


async def test_settings_out_of_range_are_refused_and_change_nothing(api: httpx.AsyncClient, world: World) -> None:
    refused = await mutate(api, world.tier1_a, SETTINGS, correctionWindowDays=366, autoApprove=True)
    assert refused["errors"] == [{"code": "INVALID_INPUT", "field": "correctionWindowDays"}]
    assert refused["settings"]["autoApprove"] is False and refused["settings"]["correctionWindowDays"] == 90
