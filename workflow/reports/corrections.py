"""Corrections after approval (docs/contract.md §11), each one business action in one unit of work.

    request_correction   Tier 2 owner: adjustments and a comment, the report unchanged
                                                             -> CORRECTION_REQUESTED
    approve_correction   parent Tier 1: the changes applied to the lines
                                                             -> CORRECTION_APPROVED
    reject_correction    parent Tier 1: with a reason, the figures stay
                                                             -> CORRECTION_REJECTED

A report stays ``APPROVED`` throughout; each step grows its version and writes its
history entry and event through the one step writer (``workflow.reports.steps``), in
the order of refusals every action has — ``NotFound``, ``Forbidden``, ``VersionConflict``,
``InvalidTransition`` — and then the machine's guards (``workflow.core.machine.GUARDS``):
a request only inside the Tier 1 partner's window (``CORRECTION_WINDOW_CLOSED``,
``workflow.core.corrections``) and while none is pending (``CORRECTION_PENDING``); a
review only of the pending one. Then the input: the comment or reason, the adjustments
(``workflow.core.adjustments.plan_adjustments``, as for a save), at least one change
(``NO_CHANGE``).

The requested changes are the ``CORRECTION_REQUESTED`` entry's line changes; approval
applies them to the lines as they stand (unchanged since: an approved report changes
only through a correction, and one is pending at a time) and its entry carries them too.
Two reviewers deciding one correction at once: the report's lock (PostgreSQL) and the
compare-and-set on its version let exactly one win; the other gets ``VERSION_CONFLICT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from models import BillingReport, Correction, HistoryLineChange, LineItem, Organization
from vocabulary.enums import CorrectionStatus, ReportEventAction
from workflow.core.actors import Actor
from workflow.core.adjustments import Adjustment, LineChange
from workflow.core.corrections import DEFAULT_CORRECTION_WINDOW_DAYS, CorrectionState, correction_window_open
from workflow.core.errors import ErrorCode, InvalidInput, InvalidTransition, NotFound, Problem, VersionConflict
from workflow.database.unit_of_work import unit_of_work
from workflow.reports.actions import checked_note, load_visible_report, plan_for_report, write_line_changes
from workflow.reports.steps import begin_step, finish_step


@dataclass(frozen=True, slots=True)
class CorrectionOutcome:
    report: BillingReport
    correction_id: int


async def request_correction(
    actor: Actor,
    report_id: int,
    version: int,
    adjustments: list[Adjustment],
    comment: str | None,
    now: datetime | None = None,
) -> CorrectionOutcome:
    now = now or datetime.now(UTC)
    async with unit_of_work() as work:
        report = await load_visible_report(work.conn, actor, report_id, lock=True)
        state = await correction_state(work.conn, report, now)
        step = begin_step(report, actor, "request_correction", version=version, corrections=state)
        note = checked_note(comment, "comment", "request a correction of", ErrorCode.COMMENT_REQUIRED)
        _, changes = await plan_for_report(work.conn, report, adjustments)
        if not changes:
            raise InvalidInput(
                [Problem(ErrorCode.NO_CHANGE, "a correction must change at least one line", field="adjustments")]
            )
        entry = await finish_step(
            work, step, ReportEventAction.CORRECTION_REQUESTED, now, comment=note, changes=changes
        )
        correction = await Correction.create(
            report_id=report.id,
            status=CorrectionStatus.PENDING,
            request_entry_id=entry.id,
            requested_at=now,
            requested_by_id=actor.principal_id,
            requested_by_organization_id=actor.organization_id,
            comment=note,
            using_db=work.conn,
        )
    return CorrectionOutcome(report, correction.id)


async def approve_correction(
    actor: Actor, correction_id: int, version: int, comment: str | None = None, now: datetime | None = None
) -> CorrectionOutcome:
    return await _review(actor, correction_id, version, comment, approve=True, now=now)


async def reject_correction(
    actor: Actor, correction_id: int, version: int, reason: str | None, now: datetime | None = None
) -> CorrectionOutcome:
    return await _review(actor, correction_id, version, reason, approve=False, now=now)


async def _review(
    actor: Actor, correction_id: int, version: int, text: str | None, *, approve: bool, now: datetime | None
) -> CorrectionOutcome:
    now = now or datetime.now(UTC)
    async with unit_of_work() as work:
        found = await Correction.filter(id=correction_id).using_db(work.conn).first()
        if found is None:
            raise NotFound("no such correction")
        try:
            report = await load_visible_report(work.conn, actor, found.report_id, lock=True)
        except NotFound:
            raise NotFound("no such correction") from None
        # Read again under the report's lock: another reviewer may have decided it meanwhile.
        correction = await Correction.filter(id=correction_id).using_db(work.conn).get()
        state = await correction_state(work.conn, report, now)
        trigger = "approve_correction" if approve else "reject_correction"
        step = begin_step(report, actor, trigger, version=version, corrections=state)
        if correction.status is not CorrectionStatus.PENDING:
            raise InvalidTransition(f"the correction is already {correction.status.value}")
        if approve:
            note = checked_note(text, "comment", "approve a correction of")
            changes = await _apply_requested(work.conn, report, correction)
            action = ReportEventAction.CORRECTION_APPROVED
        else:
            note = checked_note(text, "reason", "reject a correction of", ErrorCode.REASON_REQUIRED)
            changes = []
            action = ReportEventAction.CORRECTION_REJECTED
        await finish_step(work, step, action, now, comment=note, changes=changes)
        decided = (
            await Correction.filter(id=correction.id, status=CorrectionStatus.PENDING)
            .using_db(work.conn)
            .update(
                status=CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED,
                reviewed_at=now,
                reviewed_by_id=actor.principal_id,
                reviewed_by_organization_id=actor.organization_id,
                review_comment=note,
            )
        )
        if decided != 1:  # decided by another reviewer meanwhile (the version check makes this rare)
            raise VersionConflict("the correction was decided meanwhile: reload it", field="version")
    return CorrectionOutcome(report, correction.id)


async def correction_state(conn: BaseDBAsyncClient, report: BillingReport, now: datetime) -> CorrectionState:
    """What the machine's guards read of ``report`` (``report.partner`` loaded): the window, a pending request."""
    tier1 = (
        await Organization.filter(id=report.partner.parent_id).using_db(conn).first().values("correction_window_days")
    )
    days = None if tier1 is None else tier1["correction_window_days"]
    pending = await Correction.filter(report_id=report.id, status=CorrectionStatus.PENDING).using_db(conn).exists()
    return CorrectionState(
        window_open=correction_window_open(
            report.reviewed_at, DEFAULT_CORRECTION_WINDOW_DAYS if days is None else days, now
        ),
        pending=pending,
    )


async def _apply_requested(conn: BaseDBAsyncClient, report: BillingReport, correction: Correction) -> list[LineChange]:
    """The requested changes, from the lines as they stand now, written to the lines."""
    requested = await HistoryLineChange.filter(entry_id=correction.request_entry_id).using_db(conn).order_by("id")
    rows = await LineItem.filter(report_id=report.id, id__in=[c.line_item_id for c in requested]).using_db(conn)
    by_id = {r.id: r for r in rows}
    changes = [
        LineChange(
            c.line_item_id,
            by_id[c.line_item_id].chargeable_units,
            c.new_chargeable_units,
            by_id[c.line_item_id].comment,
            c.new_comment,
            by_id[c.line_item_id].adjustment_reason,
            c.new_reason,
        )
        for c in requested
        if c.line_item_id in by_id
    ]
    changes = [
        c
        for c in changes
        if (c.old_chargeable_units, c.old_comment, c.old_reason)
        != (c.new_chargeable_units, c.new_comment, c.new_reason)
    ]
    await write_line_changes(conn, rows, changes)
    return changes


async def correction_report_id(correction_id: int) -> int | None:
    """The report a correction belongs to (for answering with the report as it stands)."""
    row = await Correction.filter(id=correction_id).first().values("report_id")
    return None if row is None else row["report_id"]


__all__ = [
    "Adjustment",
    "CorrectionOutcome",
    "approve_correction",
    "correction_report_id",
    "correction_state",
    "reject_correction",
    "request_correction",
]
