"""``reportEvents`` over a real WebSocket to the served app: who hears what, and when.

The app is served for real in-process (``tests.api.served``) on the test database:
on SQLite the events travel through the in-process delivery, on PostgreSQL through
NOTIFY and the app's own LISTEN connection. Mutations go over real HTTP.

"Hears nothing" is shown two ways: a quiet wait, and — stronger — the next event the
dashboard does hear is a later one (events arrive in commit order, so anything it
should not have heard would have come first).
"""

from __future__ import annotations

from typing import Any

import pytest

from schema import ids
from schema import reports as schema_reports
from tests.api import operations as op
from tests.api.dashboards import Dashboard, error_codes
from tests.api.served import ServedApp, served_app  # noqa: F401 - the fixture
from tests.api.steps import given_generated_reports, lines, mutate, report_id_of
from tests.world import PERIOD, Party, World
from vocabulary.enums import ReportEventAction, ReportStatus, Scope
from workflow.access import tokens
from workflow.core.machine import available_actions
from workflow.events.messages import ReportEventMessage
from workflow.reports import steps as report_steps
from workflow.reports.history import record_step


async def act(served: ServedApp, party: Party, operation: str, **input: Any) -> dict[str, Any]:
    payload = await mutate(served.http, party, operation, **input)
    assert payload["errors"] == [], payload["errors"]
    return payload


async def test_a_tier1_dashboard_hears_its_partners_steps_with_the_report_as_it_now_stands(
    world: World, served_app: ServedApp
) -> None:
    await given_generated_reports(world)
    alpha = await report_id_of(served_app.http, world.tier2_a1)
    line = (await lines(served_app.http, world.tier2_a1, alpha))[0]
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as north:
        events = await north.subscribe({"filter": {"period": PERIOD}})
        await served_app.subscribers(1)

        await act(
            served_app,
            world.tier2_a1,
            op.SUBMIT,
            reportId=alpha,
            version=1,
            adjustments=[{"lineItemId": line["id"], "chargeableUnits": 0, "comment": "trial seats"}],
        )
        submitted = await north.next_event(events)
        await act(served_app, world.tier1_a, op.APPROVE, reportId=alpha, version=2, comment="thanks")
        approved = await north.next_event(events)

    assert (submitted["action"], submitted["fromStatus"], submitted["toStatus"], submitted["version"]) == (
        "SUBMITTED",
        "PREPARING",
        "UNDER_REVIEW",
        2,
    )
    assert submitted["actor"]["organization"]["name"] == "Alpha MSP"
    assert submitted["changes"] == [
        {
            "lineItemId": line["id"],
            "oldChargeableUnits": line["usedUnits"],
            "newChargeableUnits": 0,
            "newComment": "trial seats",
        }
    ]
    # The report as it stands, seen by North: it may review it now, and then nothing more.
    assert (submitted["report"]["id"], submitted["report"]["status"]) == (alpha, "UNDER_REVIEW")
    assert submitted["report"]["availableActions"] == ["APPROVE", "REJECT"]
    assert (approved["action"], approved["toStatus"], approved["comment"]) == ("APPROVED", "APPROVED", "thanks")
    assert approved["report"] == {
        "id": alpha,
        "status": "APPROVED",
        "version": 3,
        "availableActions": [],
        "partner": {"id": world_id(world.tier2_a1), "name": "Alpha MSP"},
    }


async def test_a_tier2_dashboard_hears_its_own_reports_only(world: World, served_app: ServedApp) -> None:
    await given_generated_reports(world)
    alpha = await report_id_of(served_app.http, world.tier2_a1)
    beta = await report_id_of(served_app.http, world.tier2_a2)
    async with Dashboard.open(served_app.ws_url, world.tier2_a1.token) as alpha_screen:
        events = await alpha_screen.subscribe()
        await served_app.subscribers(1)

        await act(served_app, world.tier2_a2, op.SUBMIT, reportId=beta, version=1)  # a sibling's
        await alpha_screen.expect_nothing(events)
        await act(served_app, world.tier2_a1, op.SAVE_DRAFT, reportId=alpha, version=1)

        heard = await alpha_screen.next_event(events)
        assert (heard["report"]["id"], heard["action"]) == (alpha, "SAVED")


async def test_another_tenants_dashboard_hears_nothing_of_it(world: World, served_app: ServedApp) -> None:
    await given_generated_reports(world)
    alpha = await report_id_of(served_app.http, world.tier2_a1)
    gamma = await report_id_of(served_app.http, world.tier2_b1)
    async with Dashboard.open(served_app.ws_url, world.tier1_b.token) as south:
        everything = await south.subscribe()
        naming_alpha = await south.subscribe({"filter": {"partnerId": world_id(world.tier2_a1)}})
        await served_app.subscribers(2)

        await act(served_app, world.tier2_a1, op.SUBMIT, reportId=alpha, version=1)
        await act(served_app, world.tier1_a, op.APPROVE, reportId=alpha, version=2)
        await south.expect_nothing(everything)
        await act(served_app, world.tier2_b1, op.SAVE_DRAFT, reportId=gamma, version=1)

        heard = await south.next_event(everything)
        assert (heard["report"]["id"], heard["action"]) == (gamma, "SAVED")
        await south.expect_nothing(naming_alpha, 0.1)


async def test_a_filter_narrows_to_one_partner_and_one_period(world: World, served_app: ServedApp) -> None:
    await given_generated_reports(world)
    alpha = await report_id_of(served_app.http, world.tier2_a1)
    beta = await report_id_of(served_app.http, world.tier2_a2)
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as north:
        only_beta = await north.subscribe({"filter": {"partnerId": world_id(world.tier2_a2), "period": PERIOD}})
        other_period = await north.subscribe({"filter": {"period": "2026-09"}})
        await served_app.subscribers(2)

        await act(served_app, world.tier2_a1, op.SAVE_DRAFT, reportId=alpha, version=1)
        await act(served_app, world.tier2_a2, op.SAVE_DRAFT, reportId=beta, version=1)

        heard = await north.next_event(only_beta)
        assert heard["report"]["id"] == beta
        await north.expect_nothing(only_beta, 0.1)
        await north.expect_nothing(other_period, 0.1)


async def test_generating_a_period_is_heard_as_one_event_per_new_report(world: World, served_app: ServedApp) -> None:
    await world.add_month_of_usage(3)
    async with (
        Dashboard.open(served_app.ws_url, world.platform.token) as platform,
        Dashboard.open(served_app.ws_url, world.tier1_a.token) as north,
    ):
        all_reports = await platform.subscribe()
        north_reports = await north.subscribe()
        await served_app.subscribers(2)

        generated = await act(served_app, world.platform, op.GENERATE, period=PERIOD)
        assert generated["createdCount"] == 4

        heard = [await platform.next_event(all_reports) for _ in range(4)]
        assert {(e["action"], e["toStatus"], e["version"], e["fromStatus"]) for e in heard} == {
            ("GENERATED", "PREPARING", 1, None)
        }
        assert {e["actor"]["organization"]["tier"] for e in heard} == {"PLATFORM"}
        north_heard = [await north.next_event(north_reports) for _ in range(2)]
        assert {e["report"]["partner"]["name"] for e in north_heard} == {"Alpha MSP", "Beta MSP"}
        await north.expect_nothing(north_reports, 0.2)


async def test_a_refused_action_is_not_heard(world: World, served_app: ServedApp) -> None:
    await given_generated_reports(world)
    alpha = await report_id_of(served_app.http, world.tier2_a1)
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as north:
        events = await north.subscribe()
        await served_app.subscribers(1)

        stale = await mutate(served_app.http, world.tier2_a1, op.SUBMIT, reportId=alpha, version=9)
        invalid = await mutate(served_app.http, world.tier1_a, op.APPROVE, reportId=alpha, version=1)
        assert [e["code"] for e in stale["errors"] + invalid["errors"]] == ["VERSION_CONFLICT", "INVALID_TRANSITION"]
        await north.expect_nothing(events)
        await act(served_app, world.tier2_a1, op.SUBMIT, reportId=alpha, version=1)

        heard = await north.next_event(events)
        assert (heard["action"], heard["version"]) == ("SUBMITTED", 2)


async def test_an_action_rolled_back_after_its_event_was_queued_is_not_heard(
    world: World, served_app: ServedApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_generated_reports(world)
    alpha = await report_id_of(served_app.http, world.tier2_a1)

    async def record_then_fail(*args: Any, **kwargs: Any) -> None:
        await record_step(*args, **kwargs)  # written, and its event queued (NOTIFY run)
        raise RuntimeError("injected: the commit never happens")

    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as north:
        events = await north.subscribe()
        await served_app.subscribers(1)
        monkeypatch.setattr(report_steps, "record_step", record_then_fail)

        response = await served_app.http.post(
            "/graphql",
            headers={"Authorization": f"Bearer {world.tier2_a1.token}"},
            json={"query": op.SUBMIT, "variables": {"input": {"reportId": alpha, "version": 1}}},
        )
        assert response.json()["errors"][0]["message"] == "Unexpected error."
        await north.expect_nothing(events)
        monkeypatch.undo()
        await act(served_app, world.tier2_a1, op.SUBMIT, reportId=alpha, version=1)  # version 1: nothing moved

        heard = await north.next_event(events)
        assert (heard["action"], heard["version"]) == ("SUBMITTED", 2)


async def test_a_dashboard_that_falls_behind_is_told_to_refetch_and_may_subscribe_again(
    world: World, served_app: ServedApp
) -> None:
    await given_generated_reports(world)
    alpha = await report_id_of(served_app.http, world.tier2_a1)
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as north:
        behind = await north.subscribe()
        await served_app.subscribers(1)
        served_app.hub.queue_size = 2
        entry = await mutate(served_app.http, world.tier2_a1, op.SAVE_DRAFT, reportId=alpha, version=1)
        assert entry["errors"] == []
        await north.next_event(behind)
        # Three events at once, more than its queue holds, before it can take any.
        message = ReportEventMessage(
            1,
            1,
            world.tier2_a1.organization.id,
            world.tier1_a.organization.id,
            PERIOD,
            ReportEventAction.SAVED,
            ReportStatus.PREPARING,
            2,
        )
        served_app.hub.publish([message, message, message])

        ended = await north.next_message(behind)
        assert ended["type"] == "next" and error_codes(ended) == ["EVENTS_MISSED"], ended
        assert "refetch" in ended["payload"]["errors"][0]["message"]
        assert (await north.next_message(behind))["type"] == "complete"

        again = await north.subscribe()
        await served_app.subscribers(1)
        await act(served_app, world.tier2_a1, op.SUBMIT, reportId=alpha, version=2)
        assert (await north.next_event(again))["action"] == "SUBMITTED"


async def test_subscriptions_end_when_the_worker_stops_hearing_events_and_are_refused_until_it_hears_again(
    world: World, served_app: ServedApp
) -> None:
    await given_generated_reports(world)
    async with Dashboard.open(served_app.ws_url, world.tier1_a.token) as north:
        events = await north.subscribe()
        await served_app.subscribers(1)

        served_app.hub.set_available(False)
        served_app.hub.interrupt_all("the server's connection to the events dropped")
        ended = await north.next_message(events)
        assert error_codes(ended) == ["EVENTS_MISSED"]
        assert (await north.next_message(events))["type"] == "complete"
        refused = await north.next_message(await north.subscribe())
        assert refused["type"] == "error" and error_codes(refused) == ["EVENTS_UNAVAILABLE"], refused

        served_app.hub.set_available(True)
        again = await north.subscribe()
        await served_app.subscribers(1)
        alpha = await report_id_of(served_app.http, world.tier2_a1)
        await act(served_app, world.tier2_a1, op.SAVE_DRAFT, reportId=alpha, version=1)
        assert (await north.next_event(again))["action"] == "SAVED"


def world_id(party: Party) -> str:
    return ids.encode(ids.ORGANIZATION, party.organization.id)


async def test_identical_subscriptions_of_one_organization_execute_once_per_event_and_each_gets_the_answer(
    world: World, served_app: ServedApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_generated_reports(world)
    alpha = await report_id_of(served_app.http, world.tier2_a1)
    executions = 0

    def counted(status: Any, ownership: Any, actor: Any, *corrections: Any) -> Any:
        nonlocal executions
        executions += actor.organization_id == world.tier1_a.organization.id  # not the mutation's own answer
        return available_actions(status, ownership, actor, *corrections)

    monkeypatch.setattr(schema_reports, "available_actions", counted)  # resolved once per execution
    colleague = await tokens.issue_token(world.tier1_a.organization, "another reviewer of North")
    async with (
        Dashboard.open(served_app.ws_url, world.tier1_a.token) as first,
        Dashboard.open(served_app.ws_url, colleague.token) as second,
    ):  # same organization and scopes
        same = [await first.subscribe(), await first.subscribe(), await second.subscribe()]
        narrowed = await second.subscribe({"filter": {"period": PERIOD}})  # other variables: its own

        await act(served_app, world.tier2_a1, op.SUBMIT, reportId=alpha, version=1)

        heard = [
            await first.next_event(same[0]),
            await first.next_event(same[1]),
            await second.next_event(same[2]),
            await second.next_event(narrowed),
        ]
    assert all(event == heard[0] for event in heard)
    assert heard[0]["report"]["availableActions"] == ["APPROVE", "REJECT"]
    assert executions == 2


async def test_dashboards_with_other_scopes_or_of_other_organizations_never_share_an_answer(
    world: World, served_app: ServedApp
) -> None:
    await given_generated_reports(world)
    alpha = await report_id_of(served_app.http, world.tier2_a1)
    reader = await tokens.issue_token(world.tier1_a.organization, "read-only analyst", scopes=[Scope.REPORTS_READ])
    async with (
        Dashboard.open(served_app.ws_url, world.tier1_a.token) as reviewer_screen,
        Dashboard.open(served_app.ws_url, reader.token) as reader_screen,
        Dashboard.open(served_app.ws_url, world.tier2_a1.token) as owner_screen,
    ):
        subscriptions = [
            await reviewer_screen.subscribe(),
            await reader_screen.subscribe(),
            await owner_screen.subscribe(),
        ]

        await act(served_app, world.tier2_a1, op.SUBMIT, reportId=alpha, version=1)

        reviewer, reader_view, owner = [
            await screen.next_event(s)
            for screen, s in zip((reviewer_screen, reader_screen, owner_screen), subscriptions, strict=True)
        ]
    assert reviewer["report"]["availableActions"] == ["APPROVE", "REJECT"]
    assert reader_view["report"]["availableActions"] == []  # same organization, no review scope
    assert owner["report"]["availableActions"] == []  # under review: nothing for the owner to do
    assert reviewer["id"] == reader_view["id"] == owner["id"]
