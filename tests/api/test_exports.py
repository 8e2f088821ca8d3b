"""CSV exports over HTTP (docs/contract.md §8 "Exports"): what is in them, who may fetch what, streaming."""

from __future__ import annotations

import asyncio
import csv
import io
from decimal import Decimal
from typing import Any

import httpx
import pytest

from models import Customer, Organization
from schema import ids
from server.app import create_app
from server.export_csv import HEADER
from server.settings import Settings
from tests.api import operations as op
from tests.api.steps import adjustment, detail, given_generated_reports, lines, mutate, report_id_of
from tests.world import PERIOD, PERIOD_START, World
from vocabulary.enums import Scope, Tier
from workflow.access import tokens
from workflow.generation.generate import generate_reports
from workflow.reads.exports import LINE_CHUNK
from workflow.usage.record import UsageRecord

SPEC_HEADER = (
    "period,partner_id,partner_name,report_id,report_status,customer_id,customer_name,solution_code,"
    "solution_name,billing_unit,reference_day,provisioned_units,used_units,over_provisioned_units,"
    "chargeable_units,allocated_credits,comment,approved_at,adjustment_reason,purchase_order,corrected_at"
)


async def export(api: httpx.AsyncClient, token: str | None, path: str) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await api.get(path, headers=headers)


def table(response: httpx.Response) -> list[dict[str, str]]:
    """The rows of a CSV answer, checked to be one: 200, text/csv, the header row of docs/contract.md §8."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.split("\r\n", 1)[0] == SPEC_HEADER
    return list(csv.DictReader(io.StringIO(text, newline="")))


def error_code(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


@pytest.fixture
async def alpha(api: httpx.AsyncClient, world: World) -> str:
    """The period's reports generated; Alpha MSP's report ID."""
    await given_generated_reports(world)
    return await report_id_of(api, world.tier2_a1)


# --- contents ----------------------------------------------------------------------------


async def test_a_report_export_has_the_spec_header_and_one_row_per_line_item_as_the_api_shows_it(
    api: httpx.AsyncClient, world: World, alpha: str
) -> None:
    report = await detail(api, world.tier2_a1, alpha)
    assert report is not None
    api_lines = [e["node"] for e in report["lineItems"]["edges"]]

    rows = table(await export(api, world.tier2_a1.token, f"/exports/reports/{alpha}.csv"))

    assert ",".join(HEADER) == SPEC_HEADER
    assert len(rows) == report["lineItems"]["totalCount"] == len(api_lines) == 6
    by_line = {(line["customer"]["id"], line["solution"]["code"]): line for line in api_lines}
    for row in rows:
        line = by_line.pop((row["customer_id"], row["solution_code"]))
        assert row == {
            "period": PERIOD,
            "partner_id": report["partner"]["id"],
            "partner_name": "Alpha MSP",
            "report_id": alpha,
            "report_status": "PREPARING",
            "customer_id": line["customer"]["id"],
            "customer_name": line["customer"]["name"],
            "solution_code": line["solution"]["code"],
            "solution_name": line["name"],
            "billing_unit": line["billingUnit"],
            "reference_day": line["referenceDay"] or "",
            "provisioned_units": str(line["provisionedUnits"]),
            "used_units": str(line["usedUnits"]),
            "over_provisioned_units": str(line["overProvisionedUnits"]),
            "chargeable_units": str(line["chargeableUnits"]),
            "allocated_credits": line["allocatedCredits"],
            "comment": "",
            "approved_at": "",
            "adjustment_reason": "",
            "purchase_order": "",
            "corrected_at": "",
        }
    assert by_line == {}
    assert {r["reference_day"] for r in rows if r["solution_code"] == "MAIL"} == {""}  # DAILY_SUM
    assert all(len(r["allocated_credits"].split(".")[1]) == 4 for r in rows)


async def test_an_approved_report_carries_its_approval_time_in_utc(
    api: httpx.AsyncClient, world: World, alpha: str
) -> None:
    await mutate(api, world.tier2_a1, op.SUBMIT, reportId=alpha, version=1)
    approved = await mutate(api, world.tier1_a, op.APPROVE, reportId=alpha, version=2)
    reviewed_at = approved["report"]["reviewedAt"]

    rows = table(await export(api, world.tier1_a.token, f"/exports/reports/{alpha}.csv"))

    assert {r["report_status"] for r in rows} == {"APPROVED"}
    (approved_at,) = {r["approved_at"] for r in rows}
    assert approved_at.endswith("Z") and approved_at[:19] == reviewed_at[:19]


async def test_comments_are_quoted_and_cells_that_a_spreadsheet_would_run_are_defused(
    api: httpx.AsyncClient, world: World, alpha: str
) -> None:
    first, second, third = (await lines(api, world.tier2_a1, alpha))[:3]
    tricky = 'trial seats, "not billable"\nsee ticket 42'
    await mutate(
        api,
        world.tier2_a1,
        op.SAVE_DRAFT,
        reportId=alpha,
        version=1,
        adjustments=[
            adjustment(first, 0, tricky),
            adjustment(second, 0, '=HYPERLINK("http://evil.example")'),
            adjustment(third, 0, "-1 seat, @ops"),
        ],
    )

    response = await export(api, world.tier2_a1.token, f"/exports/reports/{alpha}.csv")
    rows = table(response)

    comments = {r["customer_id"] + r["solution_code"]: r["comment"] for r in rows}
    assert comments[first["customer"]["id"] + first["solution"]["code"]] == tricky
    assert comments[second["customer"]["id"] + second["solution"]["code"]] == '\'=HYPERLINK("http://evil.example")'
    assert comments[third["customer"]["id"] + third["solution"]["code"]] == "'-1 seat, @ops"
    assert '"trial seats, ""not billable""\nsee ticket 42"' in response.text
    assert len(response.text.split("\r\n")) == 1 + 6 + 1  # header, rows, the final line end


# --- who may fetch what --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["tier2_a1", "tier1_a", "platform"])
async def test_the_owner_its_tier1_and_the_platform_may_export_a_report(
    api: httpx.AsyncClient, world: World, alpha: str, who: str
) -> None:
    rows = table(await export(api, getattr(world, who).token, f"/exports/reports/{alpha}.csv"))

    assert {r["report_id"] for r in rows} == {alpha}


@pytest.mark.parametrize("stranger", ["tier2_a2", "tier2_b1", "tier1_b"])
async def test_another_tenants_report_is_not_found_exactly_like_an_unknown_one(
    api: httpx.AsyncClient, world: World, alpha: str, stranger: str
) -> None:
    token = getattr(world, stranger).token
    theirs = await export(api, token, f"/exports/reports/{alpha}.csv")
    unknown = await export(api, token, f"/exports/reports/{ids.encode(ids.BILLING_REPORT, 987654)}.csv")

    assert (theirs.status_code, unknown.status_code) == (404, 404)
    assert theirs.json() == unknown.json()
    assert error_code(theirs) == "NOT_FOUND"


@pytest.mark.parametrize("not_a_report_id", ["nonsense", ids.encode(ids.LINE_ITEM, 1), "", "a/b"])
async def test_an_id_that_is_not_a_reports_is_not_found(
    api: httpx.AsyncClient, world: World, alpha: str, not_a_report_id: str
) -> None:
    response = await export(api, world.platform.token, f"/exports/reports/{not_a_report_id}.csv")

    assert response.status_code == 404


@pytest.mark.parametrize("token", [None, "brt_not-a-real-token", "Basic"])
async def test_without_a_valid_token_an_export_is_refused_with_401(
    api: httpx.AsyncClient, world: World, alpha: str, token: str | None
) -> None:
    for path in (f"/exports/reports/{alpha}.csv", f"/exports/periods/{PERIOD}.csv"):
        response = await export(api, token, path)

        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert error_code(response) == "UNAUTHENTICATED"


async def test_a_revoked_token_may_not_export(api: httpx.AsyncClient, world: World, alpha: str) -> None:
    await tokens.revoke_token(world.tier2_a1.token)

    assert (await export(api, world.tier2_a1.token, f"/exports/reports/{alpha}.csv")).status_code == 401


async def test_a_token_without_reports_read_may_not_export(api: httpx.AsyncClient, world: World, alpha: str) -> None:
    issued = await tokens.issue_token(world.tier2_a1.organization, "writer only", scopes=[Scope.REPORTS_WRITE])

    for path in (f"/exports/reports/{alpha}.csv", f"/exports/periods/{PERIOD}.csv"):
        response = await export(api, issued.token, path)

        assert (response.status_code, error_code(response)) == (403, "FORBIDDEN")


# --- periods -------------------------------------------------------------------------------


async def partners_in(response: httpx.Response) -> set[str]:
    return {r["partner_name"] for r in table(response)}


@pytest.mark.parametrize(
    ("who", "partners"),
    [
        ("tier1_a", {"Alpha MSP", "Beta MSP"}),
        ("tier1_b", {"Gamma MSP", "Delta MSP"}),
        ("tier2_b2", {"Delta MSP"}),
        ("platform", {"Alpha MSP", "Beta MSP", "Gamma MSP", "Delta MSP"}),
    ],
)
async def test_a_period_export_holds_the_reports_the_caller_sees(
    api: httpx.AsyncClient, world: World, alpha: str, who: str, partners: set[str]
) -> None:
    response = await export(api, getattr(world, who).token, f"/exports/periods/{PERIOD}.csv")
    rows = table(response)

    assert {r["partner_name"] for r in rows} == partners
    assert len(rows) == 6 * len(partners)
    assert {r["period"] for r in rows} == {PERIOD}
    assert f"billing-reports-{PERIOD}.csv" in response.headers["content-disposition"]


async def test_a_period_export_lists_report_after_report_each_by_customer_then_solution(
    api: httpx.AsyncClient, world: World, alpha: str
) -> None:
    rows = table(await export(api, world.platform.token, f"/exports/periods/{PERIOD}.csv"))

    keys = [
        (
            ids.decode_as(ids.BILLING_REPORT, r["report_id"]),
            ids.decode_as(ids.CUSTOMER, r["customer_id"]),
            [*world.solutions].index(r["solution_code"]),
        )
        for r in rows
    ]
    assert keys == sorted(keys)


async def test_partner_id_narrows_a_period_export_to_one_partner_or_a_tier1s_partners(
    api: httpx.AsyncClient, world: World, alpha: str
) -> None:
    def of(party: Any) -> str:
        return f"/exports/periods/{PERIOD}.csv?partnerId={ids.encode(ids.ORGANIZATION, party.organization.id)}"

    assert await partners_in(await export(api, world.platform.token, of(world.tier2_b1))) == {"Gamma MSP"}
    assert await partners_in(await export(api, world.platform.token, of(world.tier1_a))) == {"Alpha MSP", "Beta MSP"}
    assert await partners_in(await export(api, world.tier1_a.token, of(world.tier2_a2))) == {"Beta MSP"}
    # Narrowing never widens: another Tier 1's partner is not found for North Distribution.
    assert (await export(api, world.tier1_a.token, of(world.tier2_b1))).status_code == 404
    assert (await export(api, world.platform.token, f"/exports/periods/{PERIOD}.csv?partnerId=junk")).status_code == 404


@pytest.mark.parametrize("label", ["2026-13", "2026-1", "october", "2026-10-01", "1999-12"])
async def test_a_malformed_period_label_is_a_bad_request(
    api: httpx.AsyncClient, world: World, alpha: str, label: str
) -> None:
    response = await export(api, world.platform.token, f"/exports/periods/{label}.csv")

    assert (response.status_code, error_code(response)) == (400, "INVALID_INPUT")


async def test_a_period_without_reports_the_caller_sees_is_not_found(
    api: httpx.AsyncClient, world: World, alpha: str
) -> None:
    newcomer = await Organization.create(name="Newcomer MSP", tier=Tier.TIER2, parent=world.tier1_a.organization)
    issued = await tokens.issue_token(newcomer, "newcomer user")

    assert (await export(api, world.platform.token, "/exports/periods/2026-09.csv")).status_code == 404
    # A partner without a report in October: the period does not exist for it.
    response = await export(api, issued.token, f"/exports/periods/{PERIOD}.csv")
    assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")


# --- streaming -----------------------------------------------------------------------------


async def given_a_large_report(world: World, customers: int) -> None:
    """Alpha MSP with ``customers`` customers on all three solutions, for one day."""
    await Customer.bulk_create(
        [Customer(name=f"Customer {n:04d}, Inc.", partner=world.tier2_a1.organization) for n in range(customers)]
    )
    mine = await Customer.filter(partner_id=world.tier2_a1.organization.id)
    day = PERIOD_START.isoformat()
    records = [UsageRecord(c.id, code, day, 9, 3 + c.id % 7, "1.5") for c in mine for code in world.solutions]
    for start in range(0, len(records), 5000):
        await world.add_usage(records[start : start + 5000])
    await generate_reports(world.platform.actor, PERIOD)


async def asgi_get(path: str, token: str) -> tuple[int, list[dict[str, Any]]]:
    """GET ``path`` from a fresh app and keep every ASGI message it sends."""
    app = create_app(settings=Settings(), register_orm=False)
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"billing.test"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 1),
        "server": ("billing.test", 80),
    }

    requested, finished = False, asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()  # the client stays connected until the whole body is sent
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            finished.set()

    await app(scope, receive, send)
    return sent[0]["status"], [m for m in sent if m["type"] == "http.response.body"]


async def test_a_large_report_is_streamed_in_chunks_of_rows(api: httpx.AsyncClient, world: World) -> None:
    await given_a_large_report(world, customers=1000)  # 1,002 customers x 3 solutions
    report_id = await report_id_of(api, world.tier2_a1)

    status, bodies = await asgi_get(f"/exports/reports/{report_id}.csv", world.tier2_a1.token)

    assert status == 200
    text = b"".join(m.get("body", b"") for m in bodies).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 3006
    # The header, then one piece per chunk of LINE_CHUNK rows: never the whole file at once.
    pieces = [m["body"] for m in bodies if m.get("body")]
    assert len(pieces) == 1 + -(-3006 // LINE_CHUNK)
    assert max(piece.count(b"\r\n") for piece in pieces) == LINE_CHUNK
    assert bodies[-1].get("more_body", False) is False


async def test_exported_credits_and_units_match_the_reports_totals(
    api: httpx.AsyncClient, world: World, alpha: str
) -> None:
    report = await detail(api, world.tier1_a, alpha)
    assert report is not None

    rows = table(await export(api, world.tier1_a.token, f"/exports/reports/{alpha}.csv"))

    assert sum(Decimal(r["allocated_credits"]) for r in rows) == Decimal(report["totals"]["allocatedCredits"])
    assert sum(int(r["used_units"]) for r in rows) == report["totals"]["usedUnits"]
    assert sum(int(r["chargeable_units"]) for r in rows) == report["totals"]["chargeableUnits"]


async def test_a_read_only_principal_of_the_owner_gets_the_same_export(
    api: httpx.AsyncClient, world: World, alpha: str
) -> None:
    issued = await tokens.issue_token(world.tier2_a1.organization, "reader", scopes=[Scope.REPORTS_READ])

    own = table(await export(api, world.tier2_a1.token, f"/exports/reports/{alpha}.csv"))
    limited = table(await export(api, issued.token, f"/exports/reports/{alpha}.csv"))

    assert limited == own
