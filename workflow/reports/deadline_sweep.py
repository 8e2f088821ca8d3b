"""The deadline sweep (docs/contract.md §6): the system's own steps, auto-submit and auto-approve.

    auto_submit_due(as_of)   every still-editable report (PREPARING, REJECTED) whose
                             submission deadline is strictly before ``as_of`` goes to
                             UNDER_REVIEW with its saved values        -> AUTO_SUBMITTED
    auto_approve_ready()     every UNDER_REVIEW report of a Tier 1 partner with auto-approval
                             on whose lowered lines (chargeable units below used units), if
                             any, all carry a reason that Tier 1 trusts, that this Tier 1
                             never rejected, and that has a purchase order if the Tier 1
                             requires one (``workflow.core.auto_approval``)
                                                                        -> AUTO_APPROVED
    run_deadline_sweep()     both, in that order (so a report auto-submitted without
                             adjustments is auto-approved in the same run)

Each report is one business action in its own unit of work, by ``SYSTEM`` through the
machine's ``auto_submit`` / ``auto_approve`` triggers and the step writer
(``workflow.reports.steps``, which also writes the history entry and publishes its
event), so the step, its entry and its event commit together or not at all. A step the
writer refuses (the report moved meanwhile) is skipped, and its unit rolled back. The
sweep is idempotent (a second run finds nothing left) and safe when several hosts or
workers run it at once: a report is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two sweeps never wait on each
other and each report is taken by one of them; the conditions are checked again under
the lock; and the write is a compare-and-set on the version, which alone suffices on
SQLite (one writer). A report locked by someone else at that moment (a partner saving
it) is skipped and taken by the next run.

Which reports are auto-approved is one rule, ``workflow.core.auto_approval``: the SQL
below only finds candidates (and is tested against the rule), and each candidate is
decided by the rule itself under its lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.queryset import QuerySet

from models import BillingReport
from vocabulary.enums import EDITABLE_STATUSES, AdjustmentReason, ReportEventAction, ReportStatus
from workflow.core.actors import SYSTEM
from workflow.core.auto_approval import ApprovalCandidate, decode_reasons, may_auto_approve
from workflow.core.errors import InvalidTransition, VersionConflict
from workflow.database.sql import connection, fetch, is_postgres
from workflow.database.unit_of_work import UnitOfWork, unit_of_work
from workflow.reports.steps import begin_step, finish_step

# Reports looked up per candidate query; each is then claimed in its own transaction.
CANDIDATE_PAGE = 200

# The candidates of the rule (workflow.core.auto_approval), a page at a time. A lowered
# line is trusted when its reason is one of the Tier 1's: the stored list
# ("TRIAL,DUPLICATE", workflow.core.auto_approval.encode_reasons), framed in commas, holds
# ",REASON," — with LIKE's "_" wildcard escaped, as reasons have underscores.
_APPROVABLE = """
SELECT r.id FROM billing_report r
JOIN organization partner ON partner.id = r.partner_id
JOIN organization tier1 ON tier1.id = partner.parent_id
WHERE r.status = :under_review AND tier1.auto_approve = :enabled AND r.id > :after
  AND NOT EXISTS (SELECT 1 FROM line_item li
                  WHERE li.report_id = r.id AND li.chargeable_units < li.used_units
                    AND (li.adjustment_reason IS NULL
                         OR (',' || tier1.auto_approve_reasons || ',')
                            NOT LIKE ('%,' || REPLACE(li.adjustment_reason, '_', '!_') || ',%') ESCAPE '!'))
  AND NOT EXISTS (SELECT 1 FROM history_entry h WHERE h.report_id = r.id AND h.action = :rejected)
  AND NOT (tier1.require_purchase_order = :enabled AND r.purchase_order IS NULL)
ORDER BY r.id
LIMIT :limit
"""

# What the rule reads of one report, to decide under the report's lock (and _LOWERED_REASONS).
_CANDIDATE = """
SELECT r.status, tier1.auto_approve, tier1.auto_approve_reasons, tier1.require_purchase_order, r.purchase_order,
       EXISTS (SELECT 1 FROM history_entry h WHERE h.report_id = r.id AND h.action = :rejected) AS rejected_before
FROM billing_report r
JOIN organization partner ON partner.id = r.partner_id
JOIN organization tier1 ON tier1.id = partner.parent_id
WHERE r.id = :report_id
"""

_LOWERED_REASONS = """
SELECT li.adjustment_reason FROM line_item li
WHERE li.report_id = :report_id AND li.chargeable_units < li.used_units
ORDER BY li.id
"""


@dataclass(frozen=True, slots=True)
class SweepResult:
    as_of: datetime
    auto_submitted: int
    auto_approved: int


async def run_deadline_sweep(as_of: datetime | None = None, now: datetime | None = None) -> SweepResult:
    """Apply the deadlines passed by ``as_of`` (default: now), then auto-approve.

    ``now`` stamps the steps (``submittedAt``, ``reviewedAt``, the history): they happen
    when the sweep runs, whatever instant ``as_of`` names.
    """
    now = now or datetime.now(UTC)
    as_of = utc(as_of or now)
    submitted = await auto_submit_due(as_of, now)
    approved = await auto_approve_ready(now)
    return SweepResult(as_of, submitted, approved)


async def auto_submit_due(as_of: datetime, now: datetime | None = None) -> int:
    """Auto-submit every editable report due strictly before ``as_of``; return how many."""
    now = now or datetime.now(UTC)
    as_of = utc(as_of)

    def due() -> QuerySet[BillingReport]:
        return BillingReport.filter(status__in=list(EDITABLE_STATUSES), submission_deadline__lt=as_of)

    async def page(after: int) -> list[int]:
        ids = await due().filter(id__gt=after).order_by("id").limit(CANDIDATE_PAGE).values_list("id", flat=True)
        return cast(list[int], ids)

    async def submit(work: UnitOfWork, report_id: int) -> bool:
        report = await _claim(work.conn, due().filter(id=report_id))
        if report is None:  # taken by another sweep, moved meanwhile, or locked right now
            return False
        deadline = utc(report.submission_deadline).isoformat().replace("+00:00", "Z")
        step = begin_step(report, SYSTEM, "auto_submit")
        await finish_step(
            work,
            step,
            ReportEventAction.AUTO_SUBMITTED,
            now,
            comment=(f"submitted automatically with its saved values: the submission deadline {deadline} passed"),
        )
        return True

    return await _each(page, submit)


async def auto_approve_ready(now: datetime | None = None) -> int:
    """Auto-approve the submitted, unadjusted reports of Tier 1 partners that enabled it."""
    now = now or datetime.now(UTC)

    async def page(after: int) -> list[int]:
        rows = await fetch(connection(), _APPROVABLE, after=after, limit=CANDIDATE_PAGE, **_approvable())
        return [row["id"] for row in rows]

    async def approve(work: UnitOfWork, report_id: int) -> bool:
        report = await _claim(work.conn, BillingReport.filter(id=report_id, status=ReportStatus.UNDER_REVIEW))
        # Decided under the lock by the rule itself: the Tier 1 may have turned it off meanwhile.
        if report is None:
            return False
        candidate = await _candidate(work.conn, report_id)
        if not may_auto_approve(candidate):
            return False
        step = begin_step(report, SYSTEM, "auto_approve")
        await finish_step(work, step, ReportEventAction.AUTO_APPROVED, now, comment=_approval_note(candidate))
        return True

    return await _each(page, approve)


def utc(moment: datetime) -> datetime:
    """An aware instant in UTC; a naive one is taken as UTC (the service's only time zone)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


async def _each(page: Callable[[int], Awaitable[list[int]]], act: Callable[[UnitOfWork, int], Awaitable[bool]]) -> int:
    """Act on each candidate in its own unit of work; a refused step is skipped, not fatal."""
    done = 0
    async for report_id in _candidates(page):
        try:
            async with unit_of_work() as work:
                acted = await act(work, report_id)
        except (VersionConflict, InvalidTransition):  # moved meanwhile: its unit rolled back
            acted = False
        done += acted
    return done


async def _candidates(page: Callable[[int], Awaitable[list[int]]]) -> AsyncIterator[int]:
    """Candidate ids in keyset pages, so a large backlog is never held in memory at once."""
    after = 0
    while True:
        ids = await page(after)
        for report_id in ids:
            yield report_id
        if len(ids) < CANDIDATE_PAGE:
            return
        after = ids[-1]


async def _claim(conn: BaseDBAsyncClient, query: QuerySet[BillingReport]) -> BillingReport | None:
    """The report if it still qualifies, locked on PostgreSQL; None if another transaction holds it."""
    query = query.using_db(conn)
    if is_postgres(conn):
        query = query.select_for_update(skip_locked=True, of=("billing_report",))
    return await query.select_related("partner").first()


async def _candidate(conn: BaseDBAsyncClient, report_id: int) -> ApprovalCandidate:
    (row,) = await fetch(conn, _CANDIDATE, report_id=report_id, rejected=ReportEventAction.REJECTED.value)
    lowered = await fetch(conn, _LOWERED_REASONS, report_id=report_id)
    return ApprovalCandidate(
        status=ReportStatus(row["status"]),
        auto_approve=bool(row["auto_approve"]),
        lowered_reasons=tuple(
            None if r["adjustment_reason"] is None else AdjustmentReason(r["adjustment_reason"]) for r in lowered
        ),
        rejected_before=bool(row["rejected_before"]),
        trusted_reasons=decode_reasons(row["auto_approve_reasons"]),
        purchase_order_missing=bool(row["require_purchase_order"]) and row["purchase_order"] is None,
    )


def _approval_note(candidate: ApprovalCandidate) -> str:
    if not candidate.lowered_reasons:
        return (
            "approved automatically: no line was adjusted, and the Tier 1 partner approves such reports automatically"
        )
    reasons = ", ".join(r.value for r in AdjustmentReason if r in set(candidate.lowered_reasons))
    return (
        f"approved automatically: every lowered line carries a reason the Tier 1 partner trusts ({reasons}), "
        "and it approves such reports automatically"
    )


def _approvable() -> dict[str, object]:
    return {
        "under_review": ReportStatus.UNDER_REVIEW.value,
        "enabled": True,
        "rejected": ReportEventAction.REJECTED.value,
    }
