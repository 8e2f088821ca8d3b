"""The report actions of docs/contract.md §6, each one business action in one transaction.

    save_report_draft   Tier 2 owner: adjustments, status unchanged      -> SAVED
    submit_report       Tier 2 owner: adjustments, then UNDER_REVIEW     -> SUBMITTED
    approve_report      parent Tier 1: APPROVED (final)                  -> APPROVED
    reject_report       parent Tier 1: REJECTED, with a reason           -> REJECTED

Each runs the same steps (``_run``), in one unit of work: load the report the actor
can see (else ``NotFound``) and lock it on PostgreSQL; begin the step — who asks
(``Forbidden``), the client's version (``VersionConflict``), the machine
(``InvalidTransition``); validate the input, the comment or reason and then the
adjustments (``InvalidInput``, every bad line listed), and apply it; finish the step
(``workflow.reports.steps``: status, version and stamps by compare-and-set, the history
entry and its event). Any error rolls back all, the event included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from models import BillingReport, LineItem
from vocabulary.enums import ReportEventAction
from workflow.access.visibility import visible_reports
from workflow.core.actors import Actor
from workflow.core.adjustments import (
    MAX_COMMENT_LENGTH,
    Adjustment,
    LineChange,
    LineState,
    is_storable,
    normalize_comment,
    plan_adjustments,
)
from workflow.core.errors import ErrorCode, InvalidInput, NotFound, Problem
from workflow.database.sql import is_postgres
from workflow.database.unit_of_work import unit_of_work
from workflow.reports.steps import begin_step, finish_step


@dataclass(frozen=True, slots=True)
class ActionRequest:
    trigger: str
    history_action: ReportEventAction
    report_id: int
    version: int
    adjustments: list[Adjustment] = field(default_factory=list)
    comment: str | None = None
    # How the comment is named to the client, and whether the action needs one (a reason).
    comment_field: str = "comment"
    comment_required: bool = False


async def save_report_draft(actor: Actor, report_id: int, version: int, adjustments: list[Adjustment]) -> BillingReport:
    return await _run(actor, ActionRequest("save_draft", ReportEventAction.SAVED, report_id, version, adjustments))


async def submit_report(
    actor: Actor, report_id: int, version: int, adjustments: list[Adjustment] | None = None
) -> BillingReport:
    return await _run(
        actor, ActionRequest("submit", ReportEventAction.SUBMITTED, report_id, version, adjustments or [])
    )


async def approve_report(actor: Actor, report_id: int, version: int, comment: str | None = None) -> BillingReport:
    return await _run(actor, ActionRequest("approve", ReportEventAction.APPROVED, report_id, version, comment=comment))


async def reject_report(actor: Actor, report_id: int, version: int, reason: str | None) -> BillingReport:
    return await _run(
        actor,
        ActionRequest(
            "reject",
            ReportEventAction.REJECTED,
            report_id,
            version,
            comment=reason,
            comment_field="reason",
            comment_required=True,
        ),
    )


async def _run(actor: Actor, request: ActionRequest, now: datetime | None = None) -> BillingReport:
    now = now or datetime.now(UTC)
    async with unit_of_work() as work:
        report = await load_visible_report(work.conn, actor, request.report_id, lock=True)
        step = begin_step(report, actor, request.trigger, version=request.version)
        # The input is checked last, so that a principal who may not act, or not now,
        # learns that first (and a stranger learns nothing from a missing reason).
        note = _note(request)
        changes = await _apply_adjustments(work.conn, report, request.adjustments)
        await finish_step(work, step, request.history_action, now, comment=note, changes=changes)
    return report


async def load_visible_report(
    conn: BaseDBAsyncClient, actor: Actor, report_id: int, *, lock: bool = False
) -> BillingReport:
    query = BillingReport.filter(visible_reports(actor), id=report_id).using_db(conn)
    if lock and is_postgres(conn):
        query = query.select_for_update(of=("billing_report",))
    report = await query.select_related("partner").first()
    if report is None:
        raise NotFound("no such report")
    return report


async def _apply_adjustments(
    conn: BaseDBAsyncClient, report: BillingReport, adjustments: list[Adjustment]
) -> list[LineChange]:
    if not adjustments:
        return []
    wanted = {a.line_item_id for a in adjustments}
    rows = await LineItem.filter(report_id=report.id, id__in=wanted).using_db(conn)
    lines = {r.id: LineState(r.id, r.used_units, r.chargeable_units, r.comment) for r in rows}
    changes = plan_adjustments(lines, adjustments)
    by_id = {r.id: r for r in rows}
    changed_rows = []
    for change in changes:
        row = by_id[change.line_item_id]
        row.chargeable_units = change.new_chargeable_units
        row.comment = change.new_comment  # type: ignore[assignment]  # a nullable TextField; Tortoise types it str
        changed_rows.append(row)
    if changed_rows:
        await LineItem.bulk_update(changed_rows, fields=["chargeable_units", "comment"], using_db=conn)
    return changes


def _note(request: ActionRequest) -> str | None:
    """The action's comment or reason, stripped; blank is none."""
    note = normalize_comment(request.comment)
    name = request.comment_field
    if note is None and request.comment_required:
        raise InvalidInput(
            [
                Problem(
                    ErrorCode.REASON_REQUIRED,
                    f"a {name} is required to {request.trigger.replace('_', ' ')} a report",
                    field=name,
                )
            ]
        )
    if note is not None and len(note) > MAX_COMMENT_LENGTH:
        raise InvalidInput(
            [Problem(ErrorCode.COMMENT_TOO_LONG, f"a {name} is at most {MAX_COMMENT_LENGTH} characters", field=name)]
        )
    if note is not None and not is_storable(note):
        raise InvalidInput([Problem(ErrorCode.INVALID_INPUT, f"a {name} may not contain a NUL character", field=name)])
    return note
