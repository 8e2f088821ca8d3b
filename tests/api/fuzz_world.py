"""The fuzzer's world: the roles, reports in every status, and the values its cases draw from.

``world_dictionaries`` feeds schemathesis's dictionaries (``tests.api.fuzzing.BINDINGS``):
each mostly the world's real values (IDs, cursors, periods, days, codes), so cases get
past "not found" into the rules, and otherwise edge values that the rules must refuse
cleanly: IDs and cursor keys past 32 bits, IDs of another type, out-of-range units and
page sizes, malformed days and credits, over-long and NUL-bearing text.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from models import BillingPeriod, BillingReport, Customer, HistoryEntry, LineItem, Organization
from schema import ids
from tests.api import operations as op
from tests.api.client import gql, post
from tests.api.fuzzing import INT32_MAX, INT32_MIN
from tests.api.steps import adjustment, given_generated_reports, lines, mutate, report_id_of
from tests.world import PERIOD, World
from vocabulary.enums import Scope
from workflow.access import tokens


async def platform(world: World) -> str | None:
    return world.platform.token


async def tier1(world: World) -> str | None:
    return world.tier1_a.token


async def tier2(world: World) -> str | None:
    return world.tier2_a1.token


async def tier2_write_only(world: World) -> str | None:
    """A Tier 2 integration that edits and submits but may not read (``reports:write`` alone)."""
    issued = await tokens.issue_token(world.tier2_a1.organization, "editor", scopes=[Scope.REPORTS_WRITE])
    return issued.token


async def no_token(world: World) -> str | None:
    return None


ROLES: dict[str, Callable[[World], Awaitable[str | None]]] = {
    "platform": platform,
    "tier1": tier1,
    "tier2": tier2,
    "single_scope": tier2_write_only,
    "no_token": no_token,
}


REQUEST_CORRECTION = (
    "mutation R($input: RequestCorrectionInput!) { requestCorrection(input: $input) { errors { code message } } }"
)


async def given_reports_in_every_status(api: httpx.AsyncClient, world: World) -> None:
    """Alpha PREPARING with a lowered line, Beta UNDER_REVIEW, Gamma APPROVED (with a purchase
    order and a correction pending), Delta REJECTED."""
    await given_generated_reports(world, days=5)
    alpha, beta, gamma, delta = [await report_id_of(api, party) for party in world.tier2s]
    line = (await lines(api, world.tier2_a1, alpha))[0]
    await mutate(
        api, world.tier2_a1, op.SAVE_DRAFT, reportId=alpha, version=1, adjustments=[adjustment(line, 0, "trial seats")]
    )
    for party, report_id in [(world.tier2_a2, beta), (world.tier2_b1, gamma), (world.tier2_b2, delta)]:
        await mutate(api, party, op.SUBMIT, reportId=report_id, version=1)
    await mutate(api, world.tier1_b, op.APPROVE, reportId=gamma, version=2, purchaseOrder="PO-4711")
    await mutate(api, world.tier1_b, op.REJECT, reportId=delta, version=2, reason="recount the seats")
    # The month-end close too: Gamma's owner asks to correct a line of its approved report.
    gamma_line = (await lines(api, world.tier2_b1, gamma))[0]
    correction = {**adjustment(gamma_line, 0, "decommissioned in September"), "reason": "DECOMMISSIONED"}
    requested = await mutate(
        api, world.tier2_b1, REQUEST_CORRECTION, reportId=gamma, version=3, adjustments=[correction], comment="late"
    )
    assert requested["errors"] == [], requested


async def world_dictionaries(api: httpx.AsyncClient, world: World, token: str | None) -> dict[str, list[Any]]:
    """The values the fuzzer's arguments draw from (``tests.api.fuzzing.BINDINGS``): the
    world's own three times in four, so that cases get past "not found" into the rules,
    and edge values a careless parser or query trips on. A report ID is one the role may
    act on (if any) three times in four, so that some of its mutations succeed."""
    keys = {
        type_name: [ids.encode(type_name, pk) for pk in await model.all().values_list("id", flat=True)]
        for type_name, model in [
            (ids.ORGANIZATION, Organization),
            (ids.CUSTOMER, Customer),
            (ids.BILLING_PERIOD, BillingPeriod),
            (ids.BILLING_REPORT, BillingReport),
            (ids.LINE_ITEM, LineItem),
            (ids.REPORT_EVENT, HistoryEntry),
        ]
    }
    # IDs that decode (up to 18 digits) but name no row, some past what a 32-bit key holds,
    # IDs of another type, and IDs that do not decode.
    edge_ids = [
        ids.encode(type_name, pk)
        for type_name in (ids.ORGANIZATION, ids.BILLING_REPORT, ids.LINE_ITEM, ids.CUSTOMER, ids.REPORT_EVENT)
        for pk in (0, INT32_MAX, INT32_MAX + 1, 10**18 - 1)
    ] + ["", "Tm9wZQ==", _b64("BillingReport:-1"), _b64("BillingReport:1:2"), _b64("BillingReport:")]
    every_id = [global_id for of_type in keys.values() for global_id in of_type]
    actionable = await reports_to_act_on(api, token)
    return {
        "report_ids": mostly(actionable, keys[ids.BILLING_REPORT] + edge_ids)
        if actionable
        else mostly(keys[ids.BILLING_REPORT], edge_ids),
        "line_ids": mostly(keys[ids.LINE_ITEM], edge_ids),
        "customer_ids": mostly(keys[ids.CUSTOMER], edge_ids),
        "partner_ids": mostly(keys[ids.ORGANIZATION], edge_ids),
        "ids": mostly(every_id, edge_ids),
        "cursors": mostly(*await world_cursors(api, world)),
        "page_sizes": mostly([1, 2, 10, 100], [0, -1, 101, INT32_MAX, INT32_MIN]),
        "versions": mostly([1, 2, 3, 4, 5], [0, -1, INT32_MAX]),
        "periods": mostly(
            [PERIOD, "2026-09"],
            ["2026-13", "1999-12", "2999-12", "0000-00", "2026-1", "2026-10-01", f"{PERIOD}\x00", ""],
        ),
        "days": mostly(
            [f"2026-10-{day:02}" for day in range(1, 32)] + ["2026-11-01"],
            ["2026-02-30", "2999-12-31", "1999-12-31", "20261005", "2026-10-05T00:00:00", ""],
        ),
        "codes": mostly(list(world.solutions), ["NOPE", "", "E" * 65, "E" * 10_000, "EPP\x00"]),
        "units": mostly([0, 1, 5, 10, 28, 50_000_000], [29, 50_000_001, -1, INT32_MAX, INT32_MIN]),
        "credits": mostly(
            ["0", "1.5", "12.3456", "10000000000000"],
            ["0.00001", "-1", "-0", "NaN", "Infinity", "1e400", "1E+3", "10000000000000.0001", " 1 ", ""],
        ),
        "texts": mostly(
            ["trial seats", "recount", "x" * 1000], [" ", "", "x" * 1001, "a\x00b", "\ud7ff\ue000", "=1+1"]
        ),
    }


async def reports_to_act_on(api: httpx.AsyncClient, token: str | None) -> list[str]:
    """The reports the token may act on now (``availableActions``); none if it may not read."""
    response = await post(api, token, "{ reports { edges { node { id availableActions } } } }")
    data = response.json().get("data") or {}
    edges = (data.get("reports") or {}).get("edges", [])
    return [edge["node"]["id"] for edge in edges if edge["node"]["availableActions"]]


def mostly(usual: list[Any], unusual: list[Any]) -> list[Any]:
    """A dictionary whose entries (drawn uniformly) are ``usual`` ones three times in four."""
    repeat = max(1, round(3 * len(unusual) / max(len(usual), 1)))
    return usual * repeat + unusual


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def world_cursors(api: httpx.AsyncClient, world: World) -> tuple[list[str], list[str]]:
    """Real cursors of each list, and each rewritten to keys out of range or of the wrong kind."""
    token = world.platform.token
    reports = (await gql(api, token, op.REPORTS, {"first": 1}))["reports"]
    report_id = reports["edges"][0]["node"]["id"]
    detail = (await gql(api, token, op.REPORT_DETAIL, {"id": report_id, "first": 1}))["report"]
    periods = (await gql(api, token, op.PERIODS, {"first": 1}))["billingPeriods"]
    real = [
        reports["pageInfo"]["endCursor"],
        detail["lineItems"]["pageInfo"]["endCursor"],
        periods["pageInfo"]["endCursor"],
    ]
    rewritten = []
    for cursor in real:
        version, kind, *key = json.loads(base64.urlsafe_b64decode(cursor))
        for last in (INT32_MAX + 1, 2**63, 10**30, -1, 0, "x", "9999-12-31", "0001-01-01", None, 1.5, True):
            rewritten.append([version, kind, *key[:-1], last])
    encoded = [base64.urlsafe_b64encode(json.dumps(value).encode()).decode() for value in rewritten]
    return real, [*encoded, "", "not a cursor"]
