"""The report actions of docs/contract.md §6, each one business action in one transaction.

    save_report_draft   Tier 2 owner: adjustments, status unchanged      -> SAVED
    submit_report       Tier 2 owner: adjustments, then UNDER_REVIEW     -> SUBMITTED
    approve_report      parent Tier 1: APPROVED (final)                  -> APPROVED
    reject_report       parent Tier 1: REJECTED, with a reason           -> REJECTED

Save, submit and approve may also set the report's purchase order (§10: an empty one
clears it, ``workflow.core.purchase_orders``); an approval that would leave a report
without the purchase order its Tier 1 partner requires is refused
(``PURCHASE_ORDER_REQUIRED``), after every other check.

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

from models import BillingReport, LineItem, Organization
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
from workflow.core.purchase_orders import ensure_purchase_order, parse_purchase_order
from workflow.database.bulk_update import update_fields
from workflow.database.sql import is_postgres
from workflow.database.unit_of_work import unit_of_work
from workflow.reports.steps import KEEP, begin_step, finish_step


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
    # The purchase order as the client sent it (None: not sent, the report keeps its own).
    purchase_order: str | None = None


async def save_report_draft(
    actor: Actor, report_id: int, version: int, adjustments: list[Adjustment], purchase_order: str | None = None
) -> BillingReport:
    return await _run(
        actor,
        ActionRequest(
            "save_draft", ReportEventAction.SAVED, report_id, version, adjustments, purchase_order=purchase_order
        ),
    )


async def submit_report(
    actor: Actor,
    report_id: int,
    version: int,
    adjustments: list[Adjustment] | None = None,
    purchase_order: str | None = None,
) -> BillingReport:
    return await _run(
        actor,
        ActionRequest(
            "submit", ReportEventAction.SUBMITTED, report_id, version, adjustments or [], purchase_order=purchase_order
        ),
    )


async def approve_report(
    actor: Actor,
    report_id: int,
    version: int,
    comment: str | None = None,
    purchase_order: str | None = None,
    now: datetime | None = None,
) -> BillingReport:
    return await _run(
        actor,
        ActionRequest(
            "approve", ReportEventAction.APPROVED, report_id, version, comment=comment, purchase_order=purchase_order
        ),
        now,
    )


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
        purchase_order = KEEP if request.purchase_order is None else parse_purchase_order(request.purchase_order)
        changes = await _apply_adjustments(work.conn, report, request.adjustments)
        if request.trigger == "approve":
            await _ensure_required_purchase_order(
                work.conn, report, report.purchase_order if purchase_order is KEEP else purchase_order
            )
        await finish_step(
            work, step, request.history_action, now, comment=note, changes=changes, purchase_order=purchase_order
        )
    return report


async def _ensure_required_purchase_order(
    conn: BaseDBAsyncClient, report: BillingReport, purchase_order: str | None
) -> None:
    tier1 = (
        await Organization.filter(id=report.partner.parent_id).using_db(conn).first().values("require_purchase_order")
    )
    ensure_purchase_order(bool(tier1 and tier1["require_purchase_order"]), purchase_order)


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
    rows, changes = await plan_for_report(conn, report, adjustments)
    await write_line_changes(conn, rows, changes)
    return changes


async def plan_for_report(
    conn: BaseDBAsyncClient, report: BillingReport, adjustments: list[Adjustment]
) -> tuple[list[LineItem], list[LineChange]]:
    """The report's adjusted lines and their planned changes (``plan_adjustments``), or ``InvalidInput``."""
    wanted = {a.line_item_id for a in adjustments}
    rows = await LineItem.filter(report_id=report.id, id__in=wanted).using_db(conn)
    lines = {r.id: LineState(r.id, r.used_units, r.chargeable_units, r.comment, r.adjustment_reason) for r in rows}
    return rows, plan_adjustments(lines, adjustments)


async def write_line_changes(conn: BaseDBAsyncClient, rows: list[LineItem], changes: list[LineChange]) -> None:
    """Write ``changes`` to the lines among ``rows``: chargeable units, comment and reason."""
    by_id = {r.id: r for r in rows}
    changed_rows = []
    for change in changes:
        row = by_id[change.line_item_id]
        row.chargeable_units = change.new_chargeable_units
        row.comment = change.new_comment  # type: ignore[assignment]  # a nullable TextField; Tortoise types it str
        row.adjustment_reason = change.new_reason  # type: ignore[assignment]  # a nullable enum field
        changed_rows.append(row)
    if changed_rows:
        await update_fields(LineItem, changed_rows, ["chargeable_units", "comment", "adjustment_reason"], conn)


def _note(request: ActionRequest) -> str | None:
    """The action's comment or reason, stripped; blank is none."""
    missing = ErrorCode.REASON_REQUIRED if request.comment_required else None
    return checked_note(request.comment, request.comment_field, request.trigger.replace("_", " "), missing)


def checked_note(text: str | None, name: str, doing: str, missing: ErrorCode | None = None) -> str | None:
    """A step's comment or reason, stripped (blank is none), or ``InvalidInput``.

    ``missing`` is the code to refuse a missing one with; None: it is optional.
    """
    note = normalize_comment(text)
    if note is None and missing is not None:
        raise InvalidInput([Problem(missing, f"a {name} is required to {doing} a report", field=name)])
    if note is not None and len(note) > MAX_COMMENT_LENGTH:
        raise InvalidInput(
            [Problem(ErrorCode.COMMENT_TOO_LONG, f"a {name} is at most {MAX_COMMENT_LENGTH} characters", field=name)]
        )
    if note is not None and not is_storable(note):
        raise InvalidInput([Problem(ErrorCode.INVALID_INPUT, f"a {name} may not contain a NUL character", field=name)])
    return note
