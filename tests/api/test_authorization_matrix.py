"""Who may do what: every operation x every caller, the expected outcome written as a table.

The target is always Alpha MSP's report (see ``tests/api/matrix_cases.py`` for the callers).
A row lists the outcome for each caller in the order of ``CALLERS``:

    "seen"      the query answers with Alpha's report (or the thing asked for)
    "absent"    a list that leaves Alpha's report out
    "null"      the field is null: like an unknown ID
    "ok"        a mutation succeeded and its payload shows the result
    "ok/hidden" a mutation succeeded; its payload's report/settings is null (no reports:read)
    CODE        a payload error (mutations) or top-level error (queries) with that code,
                "/hidden" when the payload's report/settings is null as well
    401         HTTP 401 UNAUTHENTICATED, nothing parsed or run
    200/403/404 the CSV export's HTTP status

A refused mutation changes nothing in the database (``fingerprint``); a successful one
changes something, and the report is put back in its starting status for the next caller.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from cryptography.fernet import Fernet
from tortoise.context import TortoiseContext

from models import BillingReport, Correction, HistoryEntry, LineItem, WebhookDelivery, WebhookEndpoint
from schema import ids
from server.app import create_app
from server.settings import Settings
from tests.api import operations as op
from tests.api.client import codes, post
from tests.api.dashboards import Dashboard, error_codes
from tests.api.matrix_cases import CALLERS, EVERYONE, Caller, callers, fingerprint, people, with_people
from tests.api.served import ServedApp, served_app  # noqa: F401 - the fixture
from tests.api.steps import detail, given_generated_reports, mutate, pk, report_id_of
from tests.identity_provider import AUDIENCE, StandInIssuer, issuer  # noqa: F401 - the fixture
from tests.world import PERIOD, World
from vocabulary.enums import CorrectionStatus, ReportStatus
from workflow.usage.record import UsageRecord
from workflow.webhooks import config as webhook_config
from workflow.webhooks import endpoints as webhook_endpoints

F, NF = "FORBIDDEN", "NOT_FOUND"


@pytest_asyncio.fixture
async def api(db: TortoiseContext, issuer: StandInIssuer) -> AsyncIterator[httpx.AsyncClient]:
    """The app with the stand-in identity provider configured: API tokens and people alike."""
    settings = Settings(debug=False, oidc_issuer=issuer.issuer, oidc_audience=AUDIENCE)
    app = create_app(settings=settings, register_orm=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing.test") as client:
        yield client


FH, NFH = "FORBIDDEN/hidden", "NOT_FOUND/hidden"

# ---------------------------------------------------------------- queries
# fmt: off
QUERIES: dict[str, tuple[Any, ...]] = {
    #                 platform parent_t1 other_t1 owner_t2 other_t2 only_read only_write only_review only_usage only_generate anonymous
    "viewer":         ("ok",   "ok",     "ok",    "ok",    "ok",    "ok",     "ok",      "ok",       "ok",      "ok",         401),
    "billingPeriods": ("seen", "seen",   "seen",  "seen",  "seen",  "seen",   F,         F,          F,         F,            401),
    "reports":        ("seen", "seen",   "absent", "seen", "absent", "seen",  F,         F,          F,         F,            401),
    "report":         ("seen", "seen",   "null",  "seen",  "null",  "seen",   F,         F,          F,         F,            401),
    "node":           ("seen", "seen",   "null",  "seen",  "null",  "seen",   F,         F,          F,         F,            401),
    # North Distribution's settings: its own channel sees them, the platform sees every Tier 1's
    "partnerSettings": ("seen", "seen",  "null",  "seen",  "seen",  "seen",   F,         F,          F,         F,            401),
}
# fmt: on

PARTNER_SETTINGS = """
query Settings($partnerId: ID) { partnerSettings(partnerId: $partnerId) { partner { id } submissionDeadlineDays } }
"""

# ---------------------------------------------------------------- mutations
# fmt: off
MUTATIONS: dict[str, tuple[Any, ...]] = {
    #                 platform parent_t1 other_t1 owner_t2 other_t2 only_read only_write  only_review only_usage only_generate anonymous
    "saveReportDraft": (F,     F,        NFH,     "ok",    NFH,     F,        "ok/hidden", FH,        FH,        FH,           401),
    "submitReport":    (F,     F,        NFH,     "ok",    NFH,     F,        "ok/hidden", FH,        FH,        FH,           401),
    "approveReport":   (F,     "ok",     NFH,     F,       NFH,     F,        FH,      "ok/hidden",   FH,        FH,           401),
    "rejectReport":    (F,     "ok",     NFH,     F,       NFH,     F,        FH,      "ok/hidden",   FH,        FH,           401),
    # §10: each report of a bulk approval answers as approveReport would (here: the one result)
    "approveReports":  (F,     "ok",     NFH,     F,       NFH,     F,        FH,      "ok/hidden",   FH,        FH,           401),
    # §11: the owner requests a correction of its approved report; its parent decides it
    "requestCorrection": (F,   F,        NFH,     "ok",    NFH,     F,        "ok/hidden", FH,        FH,        FH,           401),
    "approveCorrection": (F,   "ok",     NFH,     F,       NFH,     F,        FH,      "ok/hidden",   FH,        FH,           401),
    "rejectCorrection":  (F,   "ok",     NFH,     F,       NFH,     F,        FH,      "ok/hidden",   FH,        FH,           401),
    "recordUsage":     ("ok",  F,        F,       F,       F,       F,        F,          F,          "ok",      F,            401),
    "generateReports": ("ok",  F,        F,       F,       F,       F,        F,          F,          F,         "ok",         401),
    # a Tier 1 changes its own settings; the payload shows the caller's channel's settings if it may read them
    "updatePartnerSettings": (FH, "ok",  "ok",    F,       F,       F,        FH,      "ok/hidden",   FH,        FH,           401),
}
# fmt: on

# the status Alpha's report starts each case in, per report mutation
STARTS_IN = {
    "saveReportDraft": ReportStatus.PREPARING,
    "submitReport": ReportStatus.PREPARING,
    "approveReport": ReportStatus.UNDER_REVIEW,
    "rejectReport": ReportStatus.UNDER_REVIEW,
    "approveReports": ReportStatus.UNDER_REVIEW,
    "requestCorrection": ReportStatus.APPROVED,
    "approveCorrection": ReportStatus.APPROVED,
    "rejectCorrection": ReportStatus.APPROVED,
}
# A correction case starts from an approved report; approve/reject from one pending correction.
WITH_PENDING_CORRECTION = {"approveCorrection", "rejectCorrection"}
APPROVE_REPORTS = """
mutation Bulk($input: ApproveReportsInput!) {
  approveReports(input: $input) {
    approvedCount errors { code message }
    results { reportId report { id status version } errors { code message field index } }
  }
}
"""
_CORRECTION_PAYLOAD = "{ report { id status version } correction { id status } errors { code message field } }"
REQUEST_CORRECTION = (
    "mutation Request($input: RequestCorrectionInput!) { requestCorrection(input: $input) " + _CORRECTION_PAYLOAD + " }"
)
APPROVE_CORRECTION = (
    "mutation ApproveC($input: ApproveCorrectionInput!) { approveCorrection(input: $input) "
    + _CORRECTION_PAYLOAD
    + " }"
)
REJECT_CORRECTION = (
    "mutation RejectC($input: RejectCorrectionInput!) { rejectCorrection(input: $input) " + _CORRECTION_PAYLOAD + " }"
)
REPORT_MUTATIONS = {
    "saveReportDraft": op.SAVE_DRAFT,
    "submitReport": op.SUBMIT,
    "approveReport": op.APPROVE,
    "rejectReport": op.REJECT,
}
UPDATE_SETTINGS = """
mutation Update($input: UpdatePartnerSettingsInput!) {
  updatePartnerSettings(input: $input) {
    settings { partner { id } submissionDeadlineDays } rescheduledReportCount errors { code message field }
  }
}
"""

# ---------------------------------------------------------------- CSV exports
# fmt: off
EXPORTS: dict[str, tuple[Any, ...]] = {
    #                    platform parent_t1 other_t1 owner_t2 other_t2 only_read only_write only_review only_usage only_generate anonymous
    "report.csv":         (200,   200,      404,     200,     404,     200,      403,       403,        403,       403,          401),
    "period.csv?partner": (200,   200,      404,     200,     404,     200,      403,       403,        403,       403,          401),
}
# fmt: on

# ---------------------------------------------------------------- IDs of the wrong type
# Asked by Alpha's owner (the approval by its parent), who could act on Alpha's report itself.
WRONG_ID_OPERATIONS = [
    "report",
    "node",
    "saveReportDraft",
    "submitReport",
    "approveReport",
    "report.csv",
    "reports(partnerId)",
    "partnerSettings(partnerId)",
]
WRONG_IDS: dict[str, tuple[Any, ...]] = {
    #                 report  node            save  submit approve csv  reports(partnerId) partnerSettings(partnerId)
    "line_item": ("null", "LineItem", NFH, NFH, NFH, 404, "empty", "null"),
    "history_entry": ("null", "ReportEvent", NFH, NFH, NFH, 404, "empty", "null"),
    "customer": ("null", "Customer", NFH, NFH, NFH, 404, "empty", "null"),
    "period": ("null", "BillingPeriod", NFH, NFH, NFH, 404, "empty", "null"),
    "organization": ("null", "Organization", NFH, NFH, NFH, 404, "seen", "null"),  # Alpha, a Tier 2
    "unknown_report": ("null", "null", NFH, NFH, NFH, 404, "empty", "null"),
    "foreign_report": ("null", "null", NFH, NFH, NFH, 404, "empty", "null"),  # Gamma MSP's
    "not_an_id": ("null", "null", NFH, NFH, NFH, 404, "empty", "null"),
}


def table_cases(table: dict[str, tuple[Any, ...]]) -> list[Any]:
    for name, row in table.items():
        assert len(row) == len(CALLERS), f"{name}: {len(row)} outcomes for {len(CALLERS)} callers"
    return list(table)


async def alpha_report_id(api: httpx.AsyncClient, world: World) -> str:
    await given_generated_reports(world, days=2)
    return await report_id_of(api, world.tier2_a1)


async def top_level_refusal(response: httpx.Response) -> Any:
    """401 or the single top-level error code of a refused operation, else None."""
    body = response.json()
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert codes(body["errors"]) == ["UNAUTHENTICATED"] and body["data"] is None
        return 401
    assert response.status_code == 200, body
    if body.get("errors"):
        (code,) = codes(body["errors"])
        assert body["data"] is None or not any(body["data"].values()), body
        return code
    return None


# ---------------------------------------------------------------- the query matrix


@pytest.mark.parametrize("operation", table_cases(QUERIES))
async def test_every_caller_reads_exactly_what_the_query_table_says(
    api: httpx.AsyncClient, world: World, issuer: StandInIssuer, operation: str
) -> None:
    report_id = await alpha_report_id(api, world)
    alpha_org_id = ids.encode(ids.ORGANIZATION, world.tier2_a1.organization.id)
    north_id = ids.encode(ids.ORGANIZATION, world.tier1_a.organization.id)
    period_label = PERIOD

    def seen_or(absent: str, found: bool) -> str:
        return "seen" if found else absent

    asked: dict[str, tuple[str, dict[str, Any], Callable[[dict[str, Any]], str]]] = {
        "viewer": (op.VIEWER, {}, lambda d: "ok" if d["viewer"]["organization"]["id"] else "?"),
        "billingPeriods": (
            op.PERIODS,
            {},
            lambda d: seen_or("absent", period_label in {e["node"]["label"] for e in d["billingPeriods"]["edges"]}),
        ),
        "reports": (
            op.REPORTS,
            {},
            lambda d: seen_or("absent", report_id in {e["node"]["id"] for e in d["reports"]["edges"]}),
        ),
        "report": (
            op.REPORT_SUMMARY,
            {"id": report_id},
            lambda d: (
                "null"
                if d["report"] is None
                else seen_or("?", d["report"]["id"] == report_id and d["report"]["partner"]["id"] == alpha_org_id)
            ),
        ),
        "node": (
            op.NODE,
            {"id": report_id},
            lambda d: (
                "null"
                if d["node"] is None
                else seen_or("?", d["node"]["id"] == report_id and d["node"]["__typename"] == "BillingReport")
            ),
        ),
        "partnerSettings": (
            PARTNER_SETTINGS,
            {"partnerId": north_id},
            lambda d: (
                "null"
                if d["partnerSettings"] is None
                else seen_or("?", d["partnerSettings"]["partner"]["id"] == north_id)
            ),
        ),
    }
    query, variables, outcome_of = asked[operation]
    everyone = await callers(world) | people(world, issuer)

    got = {}
    for name in EVERYONE:
        response = await post(api, everyone[name].token, query, variables)
        refusal = await top_level_refusal(response)
        got[name] = refusal if refusal is not None else outcome_of(response.json()["data"])

    assert got == with_people(QUERIES[operation])


# ---------------------------------------------------------------- the mutation matrix


def payload_outcome(payload: dict[str, Any], shown_key: str | None) -> str:
    problems = codes(payload["errors"])
    assert len(set(problems)) <= 1, problems
    outcome = problems[0] if problems else "ok"
    if shown_key is not None and payload[shown_key] is None:
        outcome += "/hidden"
    return outcome


async def mutation_case(
    api: httpx.AsyncClient, world: World, operation: str, caller: Caller, n: int, report_id: str
) -> Any:
    """One cell of ``MUTATIONS``: its outcome, after checking that only a success changed anything."""
    report_pk = pk(report_id)
    version = (await BillingReport.get(id=report_pk)).version
    customer = world.tier2_a1.customers[0]
    line = await LineItem.filter(report_id=report_pk).order_by("id").first()
    assert line is not None
    correction = await Correction.filter(report_id=report_pk).order_by("-id").first()
    correction_id = ids.encode(ids.CORRECTION, correction.id) if correction is not None else "none"
    if operation == "generateReports":
        # new figures for Alpha, so a generation that runs has something to regenerate
        await world.add_usage([UsageRecord(customer.id, "EPP", f"{PERIOD}-21", 90 + n, 80 + n, f"{900 + n}.00")])
    query, shown_key, variables = {
        "saveReportDraft": (op.SAVE_DRAFT, "report", {"reportId": report_id, "version": version}),
        "submitReport": (op.SUBMIT, "report", {"reportId": report_id, "version": version}),
        "approveReport": (op.APPROVE, "report", {"reportId": report_id, "version": version}),
        "rejectReport": (
            op.REJECT,
            "report",
            {"reportId": report_id, "version": version, "reason": "the figures look wrong"},
        ),
        "recordUsage": (
            op.RECORD_USAGE,
            None,
            {
                "records": [
                    {
                        "customerId": ids.encode(ids.CUSTOMER, customer.id),
                        "solutionCode": "EPP",
                        "day": f"{PERIOD}-20",
                        "provisionedUnits": 50 + n,
                        "usedUnits": 40 + n,
                        "allocatedCredits": f"{n}.50",
                    }
                ]
            },
        ),
        "generateReports": (op.GENERATE, None, {"period": PERIOD}),
        "updatePartnerSettings": (UPDATE_SETTINGS, "settings", {"submissionDeadlineDays": 10 + n}),
        "approveReports": (APPROVE_REPORTS, "report", {"reports": [{"reportId": report_id, "version": version}]}),
        "requestCorrection": (
            REQUEST_CORRECTION,
            "report",
            {
                "reportId": report_id,
                "version": version,
                "comment": "a metering error",
                "adjustments": [
                    {
                        "lineItemId": ids.encode(ids.LINE_ITEM, line.id),
                        "chargeableUnits": line.used_units - 1
                        if line.chargeable_units == line.used_units
                        else line.used_units,
                        "comment": "metered twice",
                        "reason": "METERING_ERROR",
                    }
                ],
            },
        ),
        "approveCorrection": (APPROVE_CORRECTION, "report", {"correctionId": correction_id, "version": version}),
        "rejectCorrection": (
            REJECT_CORRECTION,
            "report",
            {"correctionId": correction_id, "version": version, "reason": "the figures stand"},
        ),
    }[operation]
    before = await fingerprint()
    response = await post(api, caller.token, query, {"input": variables})
    outcome = await top_level_refusal(response)
    if outcome is None:
        (payload,) = response.json()["data"].values()
        if operation == "approveReports":  # the one report's result, as approveReport would answer
            assert payload["errors"] == [], payload
            (result,) = payload["results"]
            assert result["reportId"] == report_id
            assert payload["approvedCount"] == (0 if result["errors"] else 1)
            payload = result
        outcome = payload_outcome(payload, shown_key)
    changed = await fingerprint() != before
    assert changed == str(outcome).startswith("ok"), (caller.name, outcome, "changed" if changed else "unchanged")
    if changed and operation in STARTS_IN:
        # put Alpha's report back in the case's starting status for the next caller
        await BillingReport.filter(id=report_pk).update(status=STARTS_IN[operation])
        if operation == "requestCorrection":
            await Correction.filter(report_id=report_pk).delete()
        if operation in WITH_PENDING_CORRECTION:
            await Correction.filter(report_id=report_pk).update(status=CorrectionStatus.PENDING)
    return outcome


async def given_alpha_ready_for(api: httpx.AsyncClient, world: World, operation: str) -> str:
    report_id = await alpha_report_id(api, world)
    if STARTS_IN.get(operation) in (ReportStatus.UNDER_REVIEW, ReportStatus.APPROVED):
        await mutate(api, world.tier2_a1, op.SUBMIT, reportId=report_id, version=1)
    if STARTS_IN.get(operation) is ReportStatus.APPROVED:
        await mutate(api, world.tier1_a, op.APPROVE, reportId=report_id, version=2)
    if operation in WITH_PENDING_CORRECTION:
        line = await LineItem.filter(report_id=pk(report_id)).order_by("id").first()
        assert line is not None
        requested = await mutate(
            api,
            world.tier2_a1,
            REQUEST_CORRECTION,
            reportId=report_id,
            version=3,
            comment="one line was metered twice",
            adjustments=[
                {"lineItemId": ids.encode(ids.LINE_ITEM, line.id), "chargeableUnits": 0, "comment": "duplicate"}
            ],
        )
        assert requested["errors"] == []
    return report_id


@pytest.mark.parametrize("operation", table_cases(MUTATIONS))
async def test_every_caller_may_change_exactly_what_the_mutation_table_says(
    api: httpx.AsyncClient, world: World, issuer: StandInIssuer, operation: str
) -> None:
    report_id = await given_alpha_ready_for(api, world, operation)
    everyone = await callers(world) | people(world, issuer)

    got = {}
    for n, name in enumerate(EVERYONE):
        got[name] = await mutation_case(api, world, operation, everyone[name], n, report_id)

    assert got == with_people(MUTATIONS[operation])


# ---------------------------------------------------------------- the CSV exports


@pytest.mark.parametrize("export", table_cases(EXPORTS))
async def test_every_caller_exports_exactly_what_the_export_table_says(
    api: httpx.AsyncClient, world: World, issuer: StandInIssuer, export: str
) -> None:
    report_id = await alpha_report_id(api, world)
    alpha_org_id = ids.encode(ids.ORGANIZATION, world.tier2_a1.organization.id)
    url = {
        "report.csv": f"/exports/reports/{report_id}.csv",
        "period.csv?partner": f"/exports/periods/{PERIOD}.csv?partnerId={alpha_org_id}",
    }[export]
    everyone = await callers(world) | people(world, issuer)

    got = {}
    for name in EVERYONE:
        token = everyone[name].token
        response = await api.get(url, headers={} if token is None else {"Authorization": f"Bearer {token}"})
        got[name] = response.status_code
        if response.status_code == 200:
            assert response.headers["content-type"].startswith("text/csv")
            assert world.tier2_a1.organization.name in response.text
        else:
            expected_code = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND"}[response.status_code]
            assert codes(response.json()["errors"]) == [expected_code], (name, response.text)

    assert got == with_people(EXPORTS[export])


# ---------------------------------------------------------------- IDs of the wrong type


async def wrong_ids(api: httpx.AsyncClient, world: World, report_id: str) -> dict[str, str]:
    alpha = await detail(api, world.tier2_a1, report_id)
    assert alpha is not None
    gamma = await report_id_of(api, world.tier2_b1)
    line = await LineItem.filter(report_id=pk(report_id)).first()
    entry = await HistoryEntry.filter(report_id=pk(report_id)).first()
    assert line is not None and entry is not None
    return {
        "line_item": ids.encode(ids.LINE_ITEM, line.id),
        "history_entry": ids.encode(ids.REPORT_EVENT, entry.id),
        "customer": ids.encode(ids.CUSTOMER, world.tier2_a1.customers[0].id),
        "period": alpha["period"]["id"],
        "organization": alpha["partner"]["id"],
        "unknown_report": ids.encode(ids.BILLING_REPORT, 10_000_000),
        "foreign_report": gamma,
        "not_an_id": "not-an-id",
    }


@pytest.mark.parametrize("operation", WRONG_ID_OPERATIONS)
async def test_an_id_of_the_wrong_type_or_tenant_answers_like_an_unknown_one(
    api: httpx.AsyncClient, world: World, operation: str
) -> None:
    report_id = await alpha_report_id(api, world)
    await_review = operation == "approveReport"
    if await_review:
        await mutate(api, world.tier2_a1, op.SUBMIT, reportId=report_id, version=1)
    caller = world.tier1_a if await_review else world.tier2_a1
    version = (await BillingReport.get(id=pk(report_id))).version
    column = WRONG_ID_OPERATIONS.index(operation)

    got = {}
    for kind, wrong in (await wrong_ids(api, world, report_id)).items():
        before = await fingerprint()
        got[kind] = await wrong_id_outcome(api, Caller("", caller.token), operation, wrong, version)
        assert await fingerprint() == before, kind

    assert got == {kind: row[column] for kind, row in WRONG_IDS.items()}


async def wrong_id_outcome(api: httpx.AsyncClient, caller: Caller, operation: str, wrong: str, version: int) -> Any:
    if operation == "report.csv":
        response = await api.get(f"/exports/reports/{wrong}.csv", headers={"Authorization": f"Bearer {caller.token}"})
        return response.status_code
    if operation in REPORT_MUTATIONS:
        response = await post(
            api, caller.token, REPORT_MUTATIONS[operation], {"input": {"reportId": wrong, "version": version}}
        )
        assert await top_level_refusal(response) is None
        (payload,) = response.json()["data"].values()
        return payload_outcome(payload, "report")
    query, variables, outcome_of = {
        "report": (op.REPORT_SUMMARY, {"id": wrong}, lambda d: "null" if d["report"] is None else "seen"),
        "node": (op.NODE, {"id": wrong}, lambda d: "null" if d["node"] is None else d["node"]["__typename"]),
        "reports(partnerId)": (
            op.REPORTS,
            {"filter": {"partnerId": wrong}},
            lambda d: "seen" if d["reports"]["totalCount"] else "empty",
        ),
        "partnerSettings(partnerId)": (
            PARTNER_SETTINGS,
            {"partnerId": wrong},
            lambda d: "null" if d["partnerSettings"] is None else "seen",
        ),
    }[operation]
    response = await post(api, caller.token, query, variables)
    refusal = await top_level_refusal(response)
    return refusal if refusal is not None else outcome_of(response.json()["data"])


# ---------------------------------------------------------------- the reportEvents subscription
# The first event each caller hears after Alpha's, Beta's and Gamma's reports are saved in that
# order: events come in commit order, so a caller whose first event is Beta's or Gamma's did not
# hear Alpha's. FORBIDDEN is the subscribe-time refusal; 4403 the socket closed for want of a token.
SUBSCRIPTION: tuple[Any, ...] = (
    # platform parent_t1 other_t1 owner_t2 other_t2 only_read only_write only_review only_usage only_generate anonymous
    "Alpha MSP",
    "Alpha MSP",
    "Gamma MSP",
    "Alpha MSP",
    "Beta MSP",
    "Alpha MSP",
    F,
    F,
    F,
    F,
    4403,
)


async def test_every_caller_hears_exactly_what_the_subscription_row_says(world: World, served_app: ServedApp) -> None:
    assert len(SUBSCRIPTION) == len(CALLERS)
    await given_generated_reports(world, days=2)
    saved_in_order = [world.tier2_a1, world.tier2_a2, world.tier2_b1]
    report_ids = [await report_id_of(served_app.http, party) for party in saved_in_order]
    everyone = await callers(world)

    got: dict[str, Any] = {}
    async with contextlib.AsyncExitStack() as stack:
        listening = {}
        for name in CALLERS:
            token = everyone[name].token
            if token is None:
                anonymous = await stack.enter_async_context(Dashboard.connect(served_app.ws_url))
                await anonymous.init({})
                got[name] = await anonymous.close_code()
                continue
            dashboard = await stack.enter_async_context(Dashboard.open(served_app.ws_url, token))
            operation_id = await dashboard.subscribe({"filter": {"period": PERIOD}})
            if (refused := dashboard.received(operation_id)) is not None:
                assert refused["type"] == "error", refused
                (got[name],) = error_codes(refused)
            else:
                listening[name] = (dashboard, operation_id)
        await served_app.subscribers(len(listening))

        for party, report_id in zip(saved_in_order, report_ids, strict=True):
            await mutate(served_app.http, party, op.SAVE_DRAFT, reportId=report_id, version=1)
        for name, (dashboard, operation_id) in listening.items():
            got[name] = (await dashboard.next_event(operation_id))["report"]["partner"]["name"]

    assert got == dict(zip(CALLERS, SUBSCRIPTION, strict=True))


# ---------------------------------------------------------------- webhooks (§13)
# The target is Alpha MSP's own endpoint (and a delivery of it): endpoints belong to one
# organization, so even Alpha's parent, who sees Alpha's reports, finds it missing.
# fmt: off
WEBHOOK_OPERATIONS: dict[str, tuple[Any, ...]] = {
    #                        platform parent_t1 other_t1 owner_t2 other_t2 only_read only_write only_review only_usage only_generate anonymous
    "webhookEndpoints":      ("absent", "absent", "absent", "seen", "absent", F,        F,         F,          F,         F,            401),
    "createWebhookEndpoint": ("ok",   "ok",     "ok",    "ok",    "ok",    F,        F,         F,          F,         F,            401),
    "updateWebhookEndpoint": (NF,     NF,       NF,      "ok",    NF,      F,        F,         F,          F,         F,            401),
    "deleteWebhookEndpoint": (NF,     NF,       NF,      "ok",    NF,      F,        F,         F,          F,         F,            401),
    "rotateWebhookSecret":   (NF,     NF,       NF,      "ok",    NF,      F,        F,         F,          F,         F,            401),
    "sendTestWebhook":       (NF,     NF,       NF,      "ok",    NF,      F,        F,         F,          F,         F,            401),
    "redeliverWebhook":      (NF,     NF,       NF,      "ok",    NF,      F,        F,         F,          F,         F,            401),
}
# fmt: on
WEBHOOK_QUERY = "query { webhookEndpoints(first: 20) { edges { node { id } } } }"
WEBHOOK_MUTATION = {
    "createWebhookEndpoint": "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) "
    "{ secret endpoint { id } errors { code } } }",
    "updateWebhookEndpoint": "mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) "
    "{ endpoint { id } errors { code } } }",
    "deleteWebhookEndpoint": "mutation($input: DeleteWebhookEndpointInput!) { deleteWebhookEndpoint(input: $input) "
    "{ deletedEndpointId errors { code } } }",
    "rotateWebhookSecret": "mutation($input: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $input) "
    "{ secret errors { code } } }",
    "sendTestWebhook": "mutation($input: SendTestWebhookInput!) { sendTestWebhook(input: $input) "
    "{ delivery { id } errors { code } } }",
    "redeliverWebhook": "mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) "
    "{ delivery { id } errors { code } } }",
}


async def webhook_fingerprint() -> tuple[Any, ...]:
    return (
        await WebhookEndpoint.all()
        .order_by("id")
        .values_list("id", "url", "event_types", "description", "enabled", "secret_encrypted"),
        await WebhookDelivery.all().order_by("id").values_list("id", "status"),
    )


@pytest.mark.parametrize("operation", table_cases(WEBHOOK_OPERATIONS))
async def test_every_caller_manages_exactly_the_webhooks_the_table_says(
    api: httpx.AsyncClient, world: World, operation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(webhook_config.SECRET_KEYS, Fernet.generate_key().decode())
    monkeypatch.setenv(webhook_config.ALLOW_PRIVATE, "1")
    everyone = await callers(world)
    got = {}
    for n, name in enumerate(CALLERS):
        # A fresh target per caller: Alpha's endpoint and a ping of it.
        await WebhookDelivery.all().delete()
        await WebhookEndpoint.all().delete()
        target = await webhook_endpoints.create_endpoint(world.tier2_a1.actor, f"http://127.0.0.1:9/{n}", [], "")
        delivery_id = await webhook_endpoints.send_test(world.tier2_a1.actor, target.endpoint.id)
        endpoint_id = ids.encode(ids.WEBHOOK_ENDPOINT, target.endpoint.id)
        token = everyone[name].token
        if operation == "webhookEndpoints":
            response = await post(api, token, WEBHOOK_QUERY, {})
            refusal = await top_level_refusal(response)
            listed = (
                {e["node"]["id"] for e in response.json()["data"]["webhookEndpoints"]["edges"]}
                if refusal is None
                else set()
            )
            got[name] = refusal if refusal is not None else ("seen" if endpoint_id in listed else "absent")
            continue
        variables: dict[str, Any] = {
            "createWebhookEndpoint": {"url": f"http://127.0.0.1:9/new{n}"},
            "updateWebhookEndpoint": {"endpointId": endpoint_id, "description": f"changed by {name}"},
            "redeliverWebhook": {"deliveryId": ids.encode(ids.WEBHOOK_DELIVERY, delivery_id)},
        }.get(operation, {"endpointId": endpoint_id})
        before = await webhook_fingerprint()
        response = await post(api, token, WEBHOOK_MUTATION[operation], {"input": variables})
        outcome = await top_level_refusal(response)
        if outcome is None:
            (payload,) = response.json()["data"].values()
            outcome = payload_outcome(payload, None)
        changed = await webhook_fingerprint() != before
        assert changed == (outcome == "ok"), (name, outcome)
        got[name] = outcome

    assert got == dict(zip(CALLERS, WEBHOOK_OPERATIONS[operation], strict=True))
