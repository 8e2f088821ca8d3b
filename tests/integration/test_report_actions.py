"""Report actions on the real database (docs/contract.md §5, §6): what succeeds writes the report, its
lines and one history entry; what fails says why, with its code, and changes nothing.

The order of the checks is part of the contract: not found, forbidden, version,
transition, input. Every refusal below is checked with ``refused``, which compares the
whole report (status, version, timestamps, lines, history) before and after.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from models import BillingReport, LineItem
from tests.integration.scenarios import (
    MISSING_REPORT_ID,
    actor_with,
    given_generated_reports,
    history_of,
    lines_of,
    refused,
    report_of,
    snapshot,
)
from tests.world import Party, World
from vocabulary.enums import ReportEventAction, ReportStatus, Scope
from workflow.core.actors import Actor
from workflow.core.adjustments import Adjustment
from workflow.core.errors import ErrorCode
from workflow.reports.actions import approve_report, reject_report, save_report_draft, submit_report

Action = Callable[[Actor, int, int], Awaitable[BillingReport]]


async def save(actor: Actor, report_id: int, version: int) -> BillingReport:
    return await save_report_draft(actor, report_id, version, [])


async def submit(actor: Actor, report_id: int, version: int) -> BillingReport:
    return await submit_report(actor, report_id, version)


async def approve(actor: Actor, report_id: int, version: int) -> BillingReport:
    return await approve_report(actor, report_id, version, "looks right")


async def reject(actor: Actor, report_id: int, version: int) -> BillingReport:
    return await reject_report(actor, report_id, version, "explain line 3")


ACTIONS: dict[str, Action] = {"save": save, "submit": submit, "approve": approve, "reject": reject}


@pytest.fixture
async def alpha(world: World) -> BillingReport:
    """Alpha MSP's freshly generated report (PREPARING, version 1, six lines)."""
    await given_generated_reports(world)
    return await report_of(world.tier2_a1)


async def ready_for(action: str, world: World, report: BillingReport) -> BillingReport:
    """The report in a status where ``action`` would succeed for the right principal."""
    if action in ("approve", "reject"):
        return await submit_report(world.tier2_a1.actor, report.id, report.version)
    return report


# --- Not found: other tenants' reports answer exactly as missing ones ------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("intruder", ["tier2_a2", "tier2_b1", "tier1_b"])
async def test_another_tenant_s_report_is_not_found_and_unchanged(
    world: World, alpha: BillingReport, action: str, intruder: str
) -> None:
    report = await ready_for(action, world, alpha)
    intruder_actor: Actor = getattr(world, intruder).actor

    error = await refused(ACTIONS[action](intruder_actor, report.id, report.version), ErrorCode.NOT_FOUND, report.id)
    missing = await refused(ACTIONS[action](intruder_actor, MISSING_REPORT_ID, 1), ErrorCode.NOT_FOUND)

    assert (str(error), error.problems) == (str(missing), missing.problems)


@pytest.mark.parametrize("action", ACTIONS)
async def test_a_missing_report_is_not_found(world: World, alpha: BillingReport, action: str) -> None:
    actor = world.tier1_a.actor if action in ("approve", "reject") else world.tier2_a1.actor
    await refused(ACTIONS[action](actor, MISSING_REPORT_ID, 1), ErrorCode.NOT_FOUND, alpha.id)


# --- Forbidden: visible, but not yours to do ----------------------------------------------------


@pytest.mark.parametrize(
    ("action", "who"),
    [
        ("save", "tier1_a"),
        ("submit", "tier1_a"),  # the parent reviews, it does not edit
        ("approve", "tier2_a1"),
        ("reject", "tier2_a1"),  # the owner does not review itself
        ("save", "platform"),
        ("submit", "platform"),
        ("approve", "platform"),
        ("reject", "platform"),
    ],
)
async def test_a_principal_who_sees_the_report_but_may_not_act_is_forbidden(
    world: World, alpha: BillingReport, action: str, who: str
) -> None:
    report = await ready_for(action, world, alpha)
    party: Party = getattr(world, who)
    await refused(ACTIONS[action](party.actor, report.id, report.version), ErrorCode.FORBIDDEN, report.id)


@pytest.mark.parametrize("action", ["save", "submit"])
async def test_the_owner_without_reports_write_is_forbidden(world: World, alpha: BillingReport, action: str) -> None:
    reader = await actor_with(world, world.tier2_a1, [Scope.REPORTS_READ])
    await refused(ACTIONS[action](reader, alpha.id, alpha.version), ErrorCode.FORBIDDEN, alpha.id)


@pytest.mark.parametrize("action", ["approve", "reject"])
async def test_the_parent_without_reports_review_is_forbidden(world: World, alpha: BillingReport, action: str) -> None:
    report = await ready_for(action, world, alpha)
    viewer = await actor_with(world, world.tier1_a, [Scope.REPORTS_READ])
    await refused(ACTIONS[action](viewer, report.id, report.version), ErrorCode.FORBIDDEN, report.id)


# --- Version conflict: a stale version is refused -----------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("offset", [-1, 1])
async def test_a_stale_or_future_version_is_a_conflict(
    world: World, alpha: BillingReport, action: str, offset: int
) -> None:
    report = await ready_for(action, world, alpha)
    actor = world.tier1_a.actor if action in ("approve", "reject") else world.tier2_a1.actor
    await refused(ACTIONS[action](actor, report.id, report.version + offset), ErrorCode.VERSION_CONFLICT, report.id)


async def test_the_parent_never_approves_numbers_it_has_not_seen(world: World, alpha: BillingReport) -> None:
    seen = await submit_report(world.tier2_a1.actor, alpha.id, alpha.version)
    rejected = await reject_report(world.tier1_a.actor, seen.id, seen.version, "explain line 3")
    line = (await lines_of(alpha.id))[0]
    await submit_report(world.tier2_a1.actor, alpha.id, rejected.version, [Adjustment(line.id, 0, "trial")])

    await refused(approve_report(world.tier1_a.actor, alpha.id, seen.version), ErrorCode.VERSION_CONFLICT, alpha.id)


# --- Invalid transition: the status does not allow it -------------------------------------------


@pytest.mark.parametrize(
    ("steps", "action"),
    [
        ([], "approve"),
        ([], "reject"),
        (["submit"], "submit"),
        (["submit"], "save"),
        (["submit", "reject"], "approve"),
        (["submit", "reject"], "reject"),
        (["submit", "approve"], "approve"),
        (["submit", "approve"], "reject"),
        (["submit", "approve"], "submit"),
        (["submit", "approve"], "save"),
    ],
)
async def test_an_action_the_status_does_not_allow_is_an_invalid_transition(
    world: World, alpha: BillingReport, steps: list[str], action: str
) -> None:
    report = alpha
    for step in steps:
        report = await ACTIONS[step](actor_for(world, step), report.id, report.version)
    await refused(
        ACTIONS[action](actor_for(world, action), report.id, report.version), ErrorCode.INVALID_TRANSITION, report.id
    )


def actor_for(world: World, action: str) -> Actor:
    return world.tier1_a.actor if action in ("approve", "reject") else world.tier2_a1.actor


# --- Input: reasons, comments, adjustments -------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   \n"])
async def test_rejecting_needs_a_reason(world: World, alpha: BillingReport, reason: str | None) -> None:
    report = await ready_for("reject", world, alpha)
    error = await refused(
        reject_report(world.tier1_a.actor, report.id, report.version, reason), ErrorCode.REASON_REQUIRED, report.id
    )
    assert error.problems[0].field == "reason"


async def test_a_reason_over_1000_characters_is_too_long(world: World, alpha: BillingReport) -> None:
    report = await ready_for("reject", world, alpha)
    error = await refused(
        reject_report(world.tier1_a.actor, report.id, report.version, "x" * 1001), ErrorCode.COMMENT_TOO_LONG, report.id
    )
    assert error.problems[0].field == "reason"


async def test_an_approval_comment_over_1000_characters_is_too_long(world: World, alpha: BillingReport) -> None:
    report = await ready_for("approve", world, alpha)
    await refused(
        approve_report(world.tier1_a.actor, report.id, report.version, "x" * 1001),
        ErrorCode.COMMENT_TOO_LONG,
        report.id,
    )


@pytest.mark.parametrize("action", [save_report_draft, submit_report])
async def test_one_bad_adjustment_refuses_the_whole_save_and_every_bad_line_is_listed(
    world: World, alpha: BillingReport, action: Callable[..., Awaitable[BillingReport]]
) -> None:
    good, high, silent, long = (await lines_of(alpha.id))[:4]
    someone_elses = (await lines_of((await report_of(world.tier2_a2)).id))[0]

    error = await refused(
        action(
            world.tier2_a1.actor,
            alpha.id,
            alpha.version,
            [
                Adjustment(good.id, 0, "fine on its own"),
                Adjustment(high.id, high.used_units + 1, "above used"),
                Adjustment(silent.id, silent.used_units - 1),
                Adjustment(long.id, 0, "x" * 1001),
                Adjustment(someone_elses.id, 0, "not my line"),
                Adjustment(MISSING_REPORT_ID, 0, "no line at all"),
            ],
        ),
        ErrorCode.CHARGEABLE_OUT_OF_RANGE,
        alpha.id,
    )

    assert [(p.code, p.line_item_id, p.index) for p in error.problems] == [
        (ErrorCode.CHARGEABLE_OUT_OF_RANGE, high.id, 1),
        (ErrorCode.COMMENT_REQUIRED, silent.id, 2),
        (ErrorCode.COMMENT_TOO_LONG, long.id, 3),
        (ErrorCode.UNKNOWN_LINE_ITEM, someone_elses.id, 4),
        (ErrorCode.UNKNOWN_LINE_ITEM, MISSING_REPORT_ID, 5),
    ]


async def test_the_same_line_twice_refuses_the_save(world: World, alpha: BillingReport) -> None:
    line = (await lines_of(alpha.id))[0]
    await refused(
        save_report_draft(
            world.tier2_a1.actor, alpha.id, alpha.version, [Adjustment(line.id, 0, "a"), Adjustment(line.id, 1, "b")]
        ),
        ErrorCode.INVALID_INPUT,
        alpha.id,
    )


# --- The order of the checks ---------------------------------------------------------------------


async def test_a_stranger_learns_nothing_but_not_found_whatever_else_is_wrong(
    world: World, alpha: BillingReport
) -> None:
    await refused(reject_report(world.tier1_b.actor, alpha.id, 99, None), ErrorCode.NOT_FOUND, alpha.id)


async def test_forbidden_comes_before_the_version_and_the_input(world: World, alpha: BillingReport) -> None:
    report = await ready_for("reject", world, alpha)
    await refused(reject_report(world.tier2_a1.actor, report.id, 99, "  "), ErrorCode.FORBIDDEN, report.id)


async def test_the_version_comes_before_the_status(world: World, alpha: BillingReport) -> None:
    report = await ready_for("approve", world, alpha)  # under review: the owner may not submit it now
    await refused(
        submit_report(world.tier2_a1.actor, report.id, report.version - 1), ErrorCode.VERSION_CONFLICT, report.id
    )


async def test_the_status_comes_before_the_input(world: World, alpha: BillingReport) -> None:
    await refused(
        reject_report(world.tier1_a.actor, alpha.id, alpha.version, None), ErrorCode.INVALID_TRANSITION, alpha.id
    )
    report = await ready_for("approve", world, alpha)
    line = (await lines_of(alpha.id))[0]
    await refused(
        save_report_draft(world.tier2_a1.actor, report.id, report.version, [Adjustment(line.id, -5)]),
        ErrorCode.INVALID_TRANSITION,
        report.id,
    )


# --- What succeeds -------------------------------------------------------------------------------


async def test_saving_a_draft_writes_the_lines_and_one_saved_entry_with_the_changes(
    world: World, alpha: BillingReport
) -> None:
    first, second = (await lines_of(alpha.id))[:2]

    report = await save_report_draft(
        world.tier2_a1.actor,
        alpha.id,
        1,
        [
            Adjustment(first.id, first.used_units - 1, "  one endpoint retired "),
            Adjustment(second.id, second.used_units),  # unchanged: not a change
        ],
    )

    assert (report.status, report.version) == (ReportStatus.PREPARING, 2)
    stored = await BillingReport.get(id=alpha.id)
    assert (stored.status, stored.version, stored.submitted_at) == (ReportStatus.PREPARING, 2, None)
    line = await LineItem.get(id=first.id)
    assert (line.chargeable_units, line.comment) == (first.used_units - 1, "one endpoint retired")
    entry = (await history_of(alpha.id))[-1]
    assert (entry.action, entry.from_status, entry.to_status, entry.version) == (
        ReportEventAction.SAVED,
        ReportStatus.PREPARING,
        ReportStatus.PREPARING,
        2,
    )
    assert (entry.principal_id, entry.organization_id) == (
        world.tier2_a1.actor.principal_id,
        world.tier2_a1.organization.id,
    )
    assert [
        (c.line_item_id, c.old_chargeable_units, c.new_chargeable_units, c.old_comment, c.new_comment)
        for c in entry.changes
    ] == [(first.id, first.used_units, first.used_units - 1, None, "one endpoint retired")]


async def test_submitting_with_adjustments_is_one_submitted_entry_carrying_the_line_changes(
    world: World, alpha: BillingReport
) -> None:
    first, second = (await lines_of(alpha.id))[:2]
    before = len(await history_of(alpha.id))

    report = await submit_report(
        world.tier2_a1.actor,
        alpha.id,
        1,
        [
            Adjustment(first.id, 0, "trial customer"),
            Adjustment(second.id, 1, "all but one retired"),
        ],
    )

    assert (report.status, report.version) == (ReportStatus.UNDER_REVIEW, 2)
    history = await history_of(alpha.id)
    assert len(history) == before + 1
    entry = history[-1]
    assert (entry.action, entry.from_status, entry.to_status, entry.version) == (
        ReportEventAction.SUBMITTED,
        ReportStatus.PREPARING,
        ReportStatus.UNDER_REVIEW,
        2,
    )
    assert sorted((c.line_item_id, c.new_chargeable_units, c.new_comment) for c in entry.changes) == sorted(
        [
            (first.id, 0, "trial customer"),
            (second.id, 1, "all but one retired"),
        ]
    )
    assert [li.chargeable_units for li in await lines_of(alpha.id)][:2] == [0, 1]


async def test_a_submitted_report_is_stamped_and_a_review_stamps_it_again(world: World, alpha: BillingReport) -> None:
    start = datetime.now(UTC)
    submitted = await submit_report(world.tier2_a1.actor, alpha.id, 1)
    stored = await BillingReport.get(id=alpha.id)
    assert start <= stored.submitted_at <= datetime.now(UTC)
    assert stored.reviewed_at is None
    assert stored.submitted_at == submitted.submitted_at

    await reject_report(world.tier1_a.actor, alpha.id, 2, "why so many?")
    rejected = await BillingReport.get(id=alpha.id)
    assert stored.submitted_at <= rejected.reviewed_at <= datetime.now(UTC)
    assert rejected.submitted_at == stored.submitted_at

    await submit_report(world.tier2_a1.actor, alpha.id, 3)
    resubmitted = await BillingReport.get(id=alpha.id)
    assert resubmitted.submitted_at >= rejected.reviewed_at
    assert resubmitted.reviewed_at is None  # the new submission waits for a new review

    await approve_report(world.tier1_a.actor, alpha.id, 4)
    approved = await BillingReport.get(id=alpha.id)
    assert approved.reviewed_at >= resubmitted.submitted_at
    assert approved.submitted_at == resubmitted.submitted_at


async def test_the_reason_and_the_reviewer_are_in_the_history(world: World, alpha: BillingReport) -> None:
    await submit_report(world.tier2_a1.actor, alpha.id, 1)
    await reject_report(world.tier1_a.actor, alpha.id, 2, "  line 3 looks wrong ")
    await submit_report(world.tier2_a1.actor, alpha.id, 3)
    await approve_report(world.tier1_a.actor, alpha.id, 4, "   ")  # a blank comment is none

    history = await history_of(alpha.id)
    assert [(e.action, e.from_status, e.to_status, e.version, e.comment) for e in history] == [
        (ReportEventAction.GENERATED, None, ReportStatus.PREPARING, 1, None),
        (ReportEventAction.SUBMITTED, ReportStatus.PREPARING, ReportStatus.UNDER_REVIEW, 2, None),
        (ReportEventAction.REJECTED, ReportStatus.UNDER_REVIEW, ReportStatus.REJECTED, 3, "line 3 looks wrong"),
        (ReportEventAction.SUBMITTED, ReportStatus.REJECTED, ReportStatus.UNDER_REVIEW, 4, None),
        (ReportEventAction.APPROVED, ReportStatus.UNDER_REVIEW, ReportStatus.APPROVED, 5, None),
    ]
    assert history[2].principal_id == world.tier1_a.actor.principal_id
    assert history[2].organization_id == world.tier1_a.organization.id


async def test_a_rejected_report_can_be_corrected_and_resubmitted(world: World, alpha: BillingReport) -> None:
    line = (await lines_of(alpha.id))[0]
    await submit_report(world.tier2_a1.actor, alpha.id, 1)
    await reject_report(world.tier1_a.actor, alpha.id, 2, "line 1 is too high")

    await save_report_draft(world.tier2_a1.actor, alpha.id, 3, [Adjustment(line.id, 0, "trial")])
    report = await submit_report(world.tier2_a1.actor, alpha.id, 4)

    assert (report.status, report.version) == (ReportStatus.UNDER_REVIEW, 5)
    assert (await LineItem.get(id=line.id)).chargeable_units == 0


async def test_nothing_changes_an_approved_report(world: World, alpha: BillingReport) -> None:
    line = (await lines_of(alpha.id))[0]
    await submit_report(world.tier2_a1.actor, alpha.id, 1)
    approved = await approve_report(world.tier1_a.actor, alpha.id, 2)
    version = approved.version
    owner, parent = world.tier2_a1.actor, world.tier1_a.actor

    attempts = [
        (
            save_report_draft(owner, alpha.id, version, [Adjustment(line.id, 0, "too late")]),
            ErrorCode.INVALID_TRANSITION,
        ),
        (submit_report(owner, alpha.id, version), ErrorCode.INVALID_TRANSITION),
        (approve_report(parent, alpha.id, version), ErrorCode.INVALID_TRANSITION),
        (reject_report(parent, alpha.id, version, "changed my mind"), ErrorCode.INVALID_TRANSITION),
        (approve_report(world.platform.actor, alpha.id, version), ErrorCode.FORBIDDEN),
        (submit_report(world.tier2_a2.actor, alpha.id, version), ErrorCode.NOT_FOUND),
    ]
    for attempt, code in attempts:
        await refused(attempt, code, alpha.id)
    assert (await snapshot(alpha.id)).status == "APPROVED"
