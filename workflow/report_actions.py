"""The report actions of docs/contract.md §6, each one business action in one transaction.

    save_report_draft   Tier 2 owner: adjustments, status unchanged      -> SAVED
    submit_report       Tier 2 owner: adjustments, then UNDER_REVIEW     -> SUBMITTED
    approve_report      parent Tier 1: APPROVED (final)                  -> APPROVED
    reject_report       parent Tier 1: REJECTED, with a reason           -> REJECTED

Each runs the same steps (``_run``): load the report the actor can see (else
``NotFound``) and lock it on PostgreSQL; check who asks (``Forbidden``); check the
client's version (``VersionConflict``); trigger the machine (``InvalidTransition``);
validate the input, the comment or reason and then the adjustments (``InvalidInput``,
every bad line listed), and apply it; bump the version with a compare-and-set on it;
write the history entry (which publishes its event, ``workflow.unit_of_work``). Any
error rolls back all, the event included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import BillingReport, LineItem
from workflow.core.actors import Actor, ReportOwnership
from workflow.core.adjustments import (
    MAX_COMMENT_LENGTH,
    Adjustment,
    LineChange,
    LineState,
    is_storable,
    normalize_comment,
    plan_adjustments,
)
from workflow.core.enums import ReportEventAction, ReportStatus
from workflow.core.errors import ErrorCode, InvalidInput, NotFound, Problem, VersionConflict
from workflow.core.machine import ReportSubject, ensure_permitted, fire
from workflow.history import record_step
from workflow.sql import is_postgres
from workflow.visibility import visible_reports


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


async def save_report_draft(
    actor: Actor, report_id: int, version: int, adjustments: list[Adjustment]
) -> BillingReport:
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
        ActionRequest("reject", ReportEventAction.REJECTED, report_id, version, comment=reason,
                      comment_field="reason", comment_required=True),
    )


async def _run(actor: Actor, request: ActionRequest, now: datetime | None = None) -> BillingReport:
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        report = await load_visible_report(conn, actor, request.report_id, lock=True)
        subject = ReportSubject(report.status, ownership_of(report))
        ensure_permitted(request.trigger, actor, subject.ownership)
        if report.version != request.version:
            raise VersionConflict(
                f"the report is at version {report.version}, not {request.version}: reload it and try again",
                field="version",
            )
        from_status = report.status
        fire(request.trigger, subject, actor)
        # The input is checked last, so that a principal who may not act, or not now,
        # learns that first (and a stranger learns nothing from a missing reason).
        note = _note(request)
        changes = await _apply_adjustments(conn, report, request.adjustments)
        await _advance(conn, report, subject.status, request.trigger, now)
        await record_step(
            conn,
            report=report,
            action=request.history_action,
            from_status=from_status,
            actor=actor,
            occurred_at=now,
            comment=note,
            changes=changes,
        )
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


def ownership_of(report: BillingReport) -> ReportOwnership:
    """Needs ``report.partner`` loaded."""
    return ReportOwnership(partner_id=report.partner_id, parent_id=report.partner.parent_id or 0)


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
        row.comment = change.new_comment
        changed_rows.append(row)
    if changed_rows:
        await LineItem.bulk_update(changed_rows, fields=["chargeable_units", "comment"], using_db=conn)
    return changes


async def _advance(
    conn: BaseDBAsyncClient, report: BillingReport, status: ReportStatus, trigger: str, now: datetime
) -> None:
    """Write the new status and version, only if nobody moved the report meanwhile."""
    stamps: dict[str, datetime | None] = {}
    if trigger in ("submit", "auto_submit"):
        stamps = {"submitted_at": now, "reviewed_at": None}
    elif trigger in ("approve", "reject", "auto_approve"):
        stamps = {"reviewed_at": now}
    updated = await BillingReport.filter(id=report.id, version=report.version).using_db(conn).update(
        status=status, version=report.version + 1, **stamps
    )
    if updated != 1:
        raise VersionConflict("the report changed meanwhile: reload it and try again", field="version")
    report.status = status
    report.version += 1
    for name, value in stamps.items():
        setattr(report, name, value)


def _note(request: ActionRequest) -> str | None:
    """The action's comment or reason, stripped; blank is none."""
    note = normalize_comment(request.comment)
    name = request.comment_field
    if note is None and request.comment_required:
        raise InvalidInput([Problem(ErrorCode.REASON_REQUIRED,
                                    f"a {name} is required to {request.trigger.replace('_', ' ')} a report",
                                    field=name)])
    if note is not None and len(note) > MAX_COMMENT_LENGTH:
        raise InvalidInput(
            [Problem(ErrorCode.COMMENT_TOO_LONG, f"a {name} is at most {MAX_COMMENT_LENGTH} characters", field=name)]
        )
    if note is not None and not is_storable(note):
        raise InvalidInput([Problem(ErrorCode.INVALID_INPUT, f"a {name} may not contain a NUL character", field=name)])
    return note
