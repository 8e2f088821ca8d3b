"""A Tier 1 partner's settings over the API (docs/contract.md §6): its deadline window and auto-approval."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from models import Organization
from schema import ids
from tests.api import operations as op
from tests.api.client import codes, gql, gql_errors, post
from tests.api.steps import mutate, report_id_of
from tests.world import PERIOD, Party, World
from vocabulary.enums import Scope
from workflow.access import tokens
from workflow.generation.generate import generate_reports

SETTINGS = """
query Settings($partnerId: ID) {
  partnerSettings(partnerId: $partnerId) { partner { id name tier } submissionDeadlineDays autoApprove }
}
"""
UPDATE = """
mutation Update($input: UpdatePartnerSettingsInput!) {
  updatePartnerSettings(input: $input) {
    settings { partner { name } submissionDeadlineDays autoApprove }
    rescheduledReportCount
    errors { code message field }
  }
}
"""
DEADLINES = """
query Deadlines($filter: ReportFilter) {
  reports(filter: $filter) { edges { node { partner { name } status version submissionDeadline } } }
  billingPeriods { edges { node { label submissionDeadline } } }
}
"""
GENERATED = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def org_id(party: Party) -> str:
    return ids.encode(ids.ORGANIZATION, party.organization.id)


async def settings_of(api: httpx.AsyncClient, party: Party, partner_id: str | None = None) -> dict | None:
    return (await gql(api, party.token, SETTINGS, {"partnerId": partner_id}))["partnerSettings"]


async def update(api: httpx.AsyncClient, party: Party, **fields: object) -> dict:
    return await mutate(api, party, UPDATE, **fields)


async def stored(party: Party) -> tuple[int | None, bool]:
    org = await Organization.get(id=party.organization.id)
    return org.deadline_days, org.auto_approve


@pytest.fixture
async def generated(world: World) -> None:
    await world.add_month_of_usage(3)
    await generate_reports(world.platform.actor, PERIOD, now=GENERATED)


# --- reading -------------------------------------------------------------------------------


async def test_a_tier1_partner_starts_with_five_days_and_no_auto_approval(api: httpx.AsyncClient, world: World) -> None:
    assert await settings_of(api, world.tier1_a) == {
        "partner": {"id": org_id(world.tier1_a), "name": "North Distribution", "tier": "TIER1"},
        "submissionDeadlineDays": 5,
        "autoApprove": False,
    }


async def test_a_tier2_partner_reads_the_settings_of_its_tier1(api: httpx.AsyncClient, world: World) -> None:
    await update(api, world.tier1_a, submissionDeadlineDays=9)

    seen = await settings_of(api, world.tier2_a2)

    assert seen is not None
    assert (seen["partner"]["name"], seen["submissionDeadlineDays"]) == ("North Distribution", 9)
    assert await settings_of(api, world.tier2_b1, org_id(world.tier1_a)) is None  # not its Tier 1


@pytest.mark.parametrize("asked", ["tier1_b", "tier2_a1", "platform"])
async def test_a_tier1_partner_sees_no_other_organizations_settings(
    api: httpx.AsyncClient, world: World, asked: str
) -> None:
    assert await settings_of(api, world.tier1_a, org_id(getattr(world, asked))) is None


async def test_the_platform_reads_any_tier1s_settings_by_its_id(api: httpx.AsyncClient, world: World) -> None:
    seen = await settings_of(api, world.platform, org_id(world.tier1_b))

    assert seen is not None and seen["partner"]["name"] == "South Distribution"
    assert await settings_of(api, world.platform) is None  # the platform has no channel of its own
    assert await settings_of(api, world.platform, "not-an-id") is None
    assert await settings_of(api, world.platform, org_id(world.tier2_a1)) is None  # not a Tier 1


async def test_reading_settings_needs_reports_read(api: httpx.AsyncClient, world: World) -> None:
    issued = await tokens.issue_token(world.tier1_a.organization, "reviewer only", scopes=[Scope.REPORTS_REVIEW])

    _, errors, _ = await gql_errors(api, issued.token, SETTINGS)

    assert codes(errors) == ["FORBIDDEN"]


async def test_without_a_token_nothing_is_read_or_changed(api: httpx.AsyncClient, world: World) -> None:
    response = await post(api, None, UPDATE, {"input": {"autoApprove": True}})

    assert response.status_code == 401
    assert await stored(world.tier1_a) == (None, False)


# --- changing ------------------------------------------------------------------------------


async def test_a_tier1_partner_sets_its_days_and_auto_approval(api: httpx.AsyncClient, world: World) -> None:
    payload = await update(api, world.tier1_a, submissionDeadlineDays=12, autoApprove=True)

    assert payload["errors"] == []
    assert payload["settings"] == {
        "partner": {"name": "North Distribution"},
        "submissionDeadlineDays": 12,
        "autoApprove": True,
    }
    assert await stored(world.tier1_a) == (12, True)
    assert await stored(world.tier1_b) == (None, False)


async def test_a_field_left_out_stays_as_it_is(api: httpx.AsyncClient, world: World) -> None:
    await update(api, world.tier1_a, submissionDeadlineDays=12, autoApprove=True)

    await update(api, world.tier1_a, autoApprove=False)
    await update(api, world.tier1_a, submissionDeadlineDays=None)

    assert await stored(world.tier1_a) == (12, False)


async def test_new_days_move_the_deadlines_of_editable_reports_shown_by_the_api(
    api: httpx.AsyncClient, world: World, generated: None
) -> None:
    alpha = await report_id_of(api, world.tier2_a1)
    await mutate(api, world.tier2_a1, op.SUBMIT, reportId=alpha, version=1)

    payload = await update(api, world.tier1_a, submissionDeadlineDays=10)

    assert payload["rescheduledReportCount"] == 1  # Beta MSP's; Alpha MSP's is under review
    data = await gql(api, world.tier1_a.token, DEADLINES, {"filter": {"period": PERIOD}})
    deadlines = {
        e["node"]["partner"]["name"]: (e["node"]["submissionDeadline"], e["node"]["version"])
        for e in data["reports"]["edges"]
    }
    assert deadlines == {"Alpha MSP": ("2026-11-05T23:59:59+00:00", 2), "Beta MSP": ("2026-11-10T23:59:59+00:00", 1)}
    assert data["billingPeriods"]["edges"][0]["node"]["submissionDeadline"] == "2026-11-10T23:59:59+00:00"
    south = await gql(api, world.tier2_b1.token, DEADLINES, {"filter": {"period": PERIOD}})
    assert south["reports"]["edges"][0]["node"]["submissionDeadline"] == "2026-11-05T23:59:59+00:00"


@pytest.mark.parametrize("days", [0, 29, -5, 365])
async def test_days_outside_one_to_twenty_eight_are_refused_and_nothing_changes(
    api: httpx.AsyncClient, world: World, generated: None, days: int
) -> None:
    payload = await update(api, world.tier1_a, submissionDeadlineDays=days, autoApprove=True)

    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_INPUT", "submissionDeadlineDays")]
    assert payload["settings"]["submissionDeadlineDays"] == 5 and payload["rescheduledReportCount"] == 0
    assert await stored(world.tier1_a) == (None, False)


@pytest.mark.parametrize("who", ["tier2_a1", "platform"])
async def test_only_a_tier1_partner_changes_settings(api: httpx.AsyncClient, world: World, who: str) -> None:
    payload = await update(api, getattr(world, who), submissionDeadlineDays=7, autoApprove=True)

    assert codes(payload["errors"]) == ["FORBIDDEN"]
    assert await stored(world.tier1_a) == (None, False) and await stored(world.tier1_b) == (None, False)


async def test_a_tier1_token_without_reports_review_changes_nothing(api: httpx.AsyncClient, world: World) -> None:
    issued = await tokens.issue_token(world.tier1_a.organization, "reader", scopes=[Scope.REPORTS_READ])
    reader = Party(world.tier1_a.organization, issued.token, world.tier1_a.actor)

    payload = await update(api, reader, autoApprove=True)

    assert codes(payload["errors"]) == ["FORBIDDEN"]
    assert payload["settings"]["autoApprove"] is False  # it may still read them
    assert await stored(world.tier1_a) == (None, False)
