"""Refused report mutations: the payload says why (code, field, line, index) and nothing changes."""

from __future__ import annotations

import httpx

from schema import ids
from tests.api import operations as op
from tests.api.client import codes, gql, gql_errors
from tests.api.steps import adjustment, detail, given_generated_reports, lines, mutate, report_id_of
from tests.world import World


async def test_a_stale_version_is_a_conflict_that_changes_nothing_and_shows_the_current_report(
    api: httpx.AsyncClient, world: World
) -> None:
    await given_generated_reports(world)
    owner = world.tier2_a1
    report_id = await report_id_of(api, owner)
    line = (await lines(api, owner, report_id))[0]
    await mutate(
        api, owner, op.SAVE_DRAFT, reportId=report_id, version=1, adjustments=[adjustment(line, 1, "first edit")]
    )

    # a second editor, still on version 1
    payload = await mutate(
        api, owner, op.SAVE_DRAFT, reportId=report_id, version=1, adjustments=[adjustment(line, 2, "second edit")]
    )

    assert codes(payload["errors"]) == ["VERSION_CONFLICT"]
    assert payload["errors"][0]["field"] == "version"
    assert payload["report"]["version"] == 2
    assert (await lines(api, owner, report_id))[0]["comment"] == "first edit"


async def test_an_action_the_status_does_not_allow_is_an_invalid_transition(
    api: httpx.AsyncClient, world: World
) -> None:
    await given_generated_reports(world)
    owner, parent = world.tier2_a1, world.tier1_a
    report_id = await report_id_of(api, owner)

    approve_too_early = await mutate(api, parent, op.APPROVE, reportId=report_id, version=1)
    await mutate(api, owner, op.SUBMIT, reportId=report_id, version=1)
    submit_twice = await mutate(api, owner, op.SUBMIT, reportId=report_id, version=2)

    assert codes(approve_too_early["errors"]) == ["INVALID_TRANSITION"]
    assert codes(submit_twice["errors"]) == ["INVALID_TRANSITION"]
    assert submit_twice["report"]["version"] == 2


async def test_a_role_that_may_not_act_is_forbidden_whatever_the_status(api: httpx.AsyncClient, world: World) -> None:
    await given_generated_reports(world)
    owner, parent, platform = world.tier2_a1, world.tier1_a, world.platform
    report_id = await report_id_of(api, owner)

    parent_edits = await mutate(api, parent, op.SAVE_DRAFT, reportId=report_id, version=1)
    platform_submits = await mutate(api, platform, op.SUBMIT, reportId=report_id, version=1)
    owner_approves = await mutate(api, owner, op.APPROVE, reportId=report_id, version=1)
    owner_rejects = await mutate(api, owner, op.REJECT, reportId=report_id, version=1, reason="self")

    for payload in (parent_edits, platform_submits, owner_approves, owner_rejects):
        assert codes(payload["errors"]) == ["FORBIDDEN"]
        assert payload["report"]["version"] == 1


async def test_every_invalid_adjustment_is_reported_with_its_line_and_index_and_nothing_is_saved(
    api: httpx.AsyncClient, world: World
) -> None:
    await given_generated_reports(world)
    owner = world.tier2_a1
    report_id = await report_id_of(api, owner)
    a, b, c, d, good = (await lines(api, owner, report_id))[:5]
    other_report_line = (await lines(api, world.tier2_a2, await report_id_of(api, world.tier2_a2)))[0]
    not_an_id = "not-a-line-item"

    payload = await mutate(
        api,
        owner,
        op.SAVE_DRAFT,
        reportId=report_id,
        version=1,
        adjustments=[
            adjustment(a, a["usedUnits"] + 1, "more than used"),
            adjustment(b, b["usedUnits"] - 1),
            adjustment(c, 0, "x" * 1001),
            adjustment(d, -1, "negative"),
            {"lineItemId": not_an_id, "chargeableUnits": 0, "comment": "?"},
            adjustment(other_report_line, 0, "someone else's line"),
            adjustment(good, good["usedUnits"] - 1, "valid on its own"),
        ],
    )

    assert [(e["code"], e["index"], e["lineItemId"]) for e in payload["errors"]] == [
        ("CHARGEABLE_OUT_OF_RANGE", 0, a["id"]),
        ("COMMENT_REQUIRED", 1, b["id"]),
        ("COMMENT_TOO_LONG", 2, c["id"]),
        ("CHARGEABLE_OUT_OF_RANGE", 3, d["id"]),
        ("UNKNOWN_LINE_ITEM", 4, not_an_id),
        ("UNKNOWN_LINE_ITEM", 5, other_report_line["id"]),
    ]
    assert [e["field"] for e in payload["errors"][:4]] == ["chargeableUnits", "comment", "comment", "chargeableUnits"]
    assert payload["report"]["version"] == 1
    assert all(line["chargeableUnits"] == line["usedUnits"] for line in await lines(api, owner, report_id))
    report = await detail(api, owner, report_id)
    assert report is not None and [e["action"] for e in report["history"]] == ["GENERATED"]


async def test_rejecting_needs_a_reason_and_a_reason_or_comment_has_a_length_limit(
    api: httpx.AsyncClient, world: World
) -> None:
    await given_generated_reports(world)
    owner, parent = world.tier2_a1, world.tier1_a
    report_id = await report_id_of(api, owner)
    await mutate(api, owner, op.SUBMIT, reportId=report_id, version=1)

    without_reason = await mutate(api, parent, op.REJECT, reportId=report_id, version=2)
    blank_reason = await mutate(api, parent, op.REJECT, reportId=report_id, version=2, reason="   ")
    long_reason = await mutate(api, parent, op.REJECT, reportId=report_id, version=2, reason="r" * 1001)
    long_comment = await mutate(api, parent, op.APPROVE, reportId=report_id, version=2, comment="c" * 1001)

    assert codes(without_reason["errors"]) == ["REASON_REQUIRED"]
    assert without_reason["errors"][0]["field"] == "reason"
    assert codes(blank_reason["errors"]) == ["REASON_REQUIRED"]
    assert codes(long_reason["errors"]) == ["COMMENT_TOO_LONG"]
    assert codes(long_comment["errors"]) == ["COMMENT_TOO_LONG"]
    assert long_comment["report"]["status"] == "UNDER_REVIEW"


async def test_a_report_id_that_is_unknown_or_not_a_report_is_not_found(api: httpx.AsyncClient, world: World) -> None:
    await given_generated_reports(world)
    owner = world.tier2_a1
    line_id = (await lines(api, owner, await report_id_of(api, owner)))[0]["id"]

    for report_id in (ids.encode(ids.BILLING_REPORT, 999_999), line_id, "garbage", ""):
        payload = await mutate(api, owner, op.SAVE_DRAFT, reportId=report_id, version=1)
        assert codes(payload["errors"]) == ["NOT_FOUND"], report_id
        assert payload["report"] is None


async def test_the_same_line_twice_in_one_save_is_invalid_input(api: httpx.AsyncClient, world: World) -> None:
    await given_generated_reports(world)
    owner = world.tier2_a1
    report_id = await report_id_of(api, owner)
    line = (await lines(api, owner, report_id))[0]

    payload = await mutate(
        api,
        owner,
        op.SAVE_DRAFT,
        reportId=report_id,
        version=1,
        adjustments=[adjustment(line, 1, "a"), adjustment(line, 2, "b")],
    )

    assert [(e["code"], e["index"]) for e in payload["errors"]] == [("INVALID_INPUT", 1)]


async def test_an_invalid_period_filter_is_refused_with_invalid_input(api: httpx.AsyncClient, world: World) -> None:
    status, errors, _ = await gql_errors(api, world.tier1_a.token, op.REPORTS, {"filter": {"period": "2026-13"}})

    assert status == 200
    assert codes(errors) == ["INVALID_INPUT"]
    assert "YYYY-MM" in errors[0]["message"]


async def test_two_mutations_in_one_request_each_answer_the_report_as_it_then_stands(
    api: httpx.AsyncClient, world: World
) -> None:
    await given_generated_reports(world)
    owner = world.tier2_a1
    report_id = await report_id_of(api, owner)
    line = (await lines(api, owner, report_id))[0]

    data = await gql(
        api,
        owner.token,
        """
      mutation Twice($id: ID!, $line: ID!) {
        one: saveReportDraft(input: {reportId: $id, version: 1,
                                     adjustments: [{lineItemId: $line, chargeableUnits: 0, comment: "a"}]}) {
          report { version lineItems(first: 1) { edges { node { comment } } } }
        }
        two: saveReportDraft(input: {reportId: $id, version: 2,
                                     adjustments: [{lineItemId: $line, chargeableUnits: 0, comment: "b"}]}) {
          report { version lineItems(first: 1) { edges { node { comment } } } }
        }
      }""",
        {"id": report_id, "line": line["id"]},
    )

    assert [data[k]["report"]["version"] for k in ("one", "two")] == [2, 3]
    assert [data[k]["report"]["lineItems"]["edges"][0]["node"]["comment"] for k in ("one", "two")] == ["a", "b"]
