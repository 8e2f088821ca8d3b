"""Generating a period's reports (docs/contract.md §4), set-based.

First generation of a partner's report is three statements whatever the number of
lines: create the reports (at version 0), ``INSERT … SELECT`` every line from the
aggregation CTE, ``INSERT … SELECT`` their GENERATED entries and publish their events
(one ``pg_notify`` statement on PostgreSQL), then mark them version 1.

Regeneration (late usage arrived) recomputes the lines of reports that are still
editable (PREPARING or REJECTED). A line's figures are replaced; its adjustment survives
while it is still a lowering of the new used units, and is otherwise dropped (chargeable
back to used, comment cleared) and listed in the REGENERATED entry's changes. A report
whose figures did not change is left alone: its version does not move, so nobody's
open edit is invalidated for nothing. Reports under review or approved never change.
Only the lines whose figures differ reach Python (SQL pre-filters them), so re-running
a vendor's month with nothing new costs the aggregation and one join.

On PostgreSQL the month's figures are aggregated once, into a temporary table both steps
read (``sql.create_period_figures_postgres``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from models import BillingPeriod, BillingReport, LineItem
from vocabulary.enums import EDITABLE_STATUSES, AggregationRule, ReportEventAction, ReportStatus, Scope
from workflow.core.actors import Actor, is_platform_with
from workflow.core.adjustments import LineChange, keeps_adjustment
from workflow.core.deadlines import DEFAULT_DEADLINE_DAYS, report_deadline
from workflow.core.errors import Forbidden, InvalidTransition, VersionConflict
from workflow.core.periods import Month
from workflow.database.bulk_update import update_fields
from workflow.database.sql import as_date, fetch, run
from workflow.database.unit_of_work import UnitOfWork, unit_of_work
from workflow.events.messages import NEW_REPORTS_OF_PERIOD
from workflow.generation import sql as q
from workflow.reports.steps import begin_step, finish_step

_LINES_PER_READ = 5_000  # line IDs per IN (...) read: well under either driver's parameter limit
# Figures of a line that regeneration compares and replaces.
_FIGURES = ("reference_day", "provisioned_units", "used_units", "credits_e4")


@dataclass(frozen=True, slots=True)
class GenerationResult:
    period: str
    created_count: int
    regenerated_count: int


async def generate_reports(
    actor: Actor,
    period_label: str,
    now: datetime | None = None,
    on_phase: Callable[[str], None] = lambda phase: None,
) -> GenerationResult:
    """Create the period's missing reports and regenerate its editable ones.

    ``on_phase`` is told what it is doing as it goes (the command line shows it: a vendor's
    month takes seconds to minutes).
    """
    if not is_platform_with(actor, Scope.REPORTS_GENERATE):
        raise Forbidden("only the platform, with the reports:generate scope, generates reports")
    month = Month.parse(period_label)  # PeriodError is a ValueError: the caller reports it
    now = now or datetime.now(UTC)
    async with unit_of_work() as work:
        if work.postgres:
            # Two generations of one period at once would race on the same reports.
            await run(work.conn, "SELECT pg_advisory_xact_lock(hashtext(:key))", key=f"generate:{month.label}")
        period = await _period(work.conn, month)
        if work.postgres:
            on_phase(f"{month.label}: aggregating the month's usage")
            if not await _aggregate_period_postgres(work.conn, month):
                return GenerationResult(month.label, 0, 0)  # no solution, so no usage either
        on_phase(f"{month.label}: regenerating the editable reports")
        regenerated = await _regenerate_editable(work, period, actor, now)
        on_phase(f"{month.label}: {regenerated} report(s) regenerated; creating the missing ones")
        created = await _create_missing(work, period, month, actor, now, on_phase)
        on_phase(f"{month.label}: committing")
    return GenerationResult(month.label, created, regenerated)


async def _period(conn: BaseDBAsyncClient, month: Month) -> BillingPeriod:
    period, _ = await BillingPeriod.get_or_create(
        label=month.label,
        defaults={"starts_on": month.starts_on, "ends_on": month.ends_on},
        using_db=conn,
    )
    return period


async def _aggregate_period_postgres(conn: BaseDBAsyncClient, month: Month) -> bool:
    """The month's figures of every (customer, solution) into ``period_figures`` (dropped at
    commit), read by regeneration and creation both; False when there is no solution."""
    solutions_by_rule: dict[AggregationRule, list[int]] = {}
    for row in await fetch(conn, q.SOLUTIONS_BY_RULE):
        solutions_by_rule.setdefault(AggregationRule(row["aggregation_rule"]), []).append(row["id"])
    if not solutions_by_rule:
        return False
    await run(conn, q.AGGREGATION_MEMORY_POSTGRES)
    await run(
        conn,
        q.create_period_figures_postgres(frozenset(solutions_by_rule)),
        starts_on=month.starts_on,
        ends_on=month.ends_on,
        **{q.RULE_SOLUTIONS_PARAMETER[rule]: ids for rule, ids in solutions_by_rule.items()},
    )
    await run(conn, q.ANALYZE_PERIOD_FIGURES_POSTGRES)
    return True


async def _create_missing(
    work: UnitOfWork,
    period: BillingPeriod,
    month: Month,
    actor: Actor,
    now: datetime,
    on_phase: Callable[[str], None],
) -> int:
    conn, postgres = work.conn, work.postgres
    if postgres:
        partners = await fetch(conn, q.PARTNERS_WITH_FIGURES_POSTGRES, period_id=period.id)
    else:
        partners = await fetch(
            conn,
            q.PARTNERS_WITHOUT_REPORT,
            period_id=period.id,
            starts_on=month.starts_on,
            ends_on=month.ends_on,
        )
    if not partners:
        return 0
    on_phase(f"{month.label}: writing the lines of {len(partners):,} new report(s)")
    await BillingReport.bulk_create(
        [
            BillingReport(
                period_id=period.id,
                partner_id=p["partner_id"],
                status=ReportStatus.PREPARING,
                version=0,
                generated_at=now,
                submission_deadline=report_deadline(month, now.date(), p["deadline_days"] or DEFAULT_DEADLINE_DAYS),
            )
            for p in partners
        ],
        using_db=conn,
    )
    if postgres:
        await run(conn, q.INSERT_LINES_FROM_PERIOD_FIGURES, period_id=period.id)
    else:
        await run(
            conn, q.INSERT_LINES_OF_NEW_REPORTS, period_id=period.id, starts_on=month.starts_on, ends_on=month.ends_on
        )
    await run(
        conn,
        q.INSERT_GENERATED_ENTRIES,
        period_id=period.id,
        occurred_at=now,
        principal_id=actor.principal_id,
        organization_id=actor.organization_id,
    )
    on_phase(f"{month.label}: their history entries and events")
    # Their events, set-based too (one statement), while the new reports are at version 0.
    await work.publish_entries(NEW_REPORTS_OF_PERIOD, period_id=period.id)
    await run(conn, q.FINISH_NEW_REPORTS, period_id=period.id)
    return len(partners)


async def _regenerate_editable(work: UnitOfWork, period: BillingPeriod, actor: Actor, now: datetime) -> int:
    conn = work.conn
    editable = BillingReport.filter(period_id=period.id, status__in=list(EDITABLE_STATUSES)).using_db(conn)
    if work.postgres:
        # A submit racing this regeneration waits, then sees the new version.
        editable = editable.select_for_update(of=("billing_report",))
    reports = await editable.select_related("partner")
    if not reports:
        return 0
    if work.postgres:
        fresh = await fetch(conn, q.CHANGED_LINES_FROM_PERIOD_FIGURES, period_id=period.id)
    else:
        fresh = await fetch(
            conn,
            q.CHANGED_LINES_OF_EDITABLE_REPORTS,
            period_id=period.id,
            starts_on=period.starts_on,
            ends_on=period.ends_on,
        )
    by_report: dict[int, list[dict]] = {}
    for row in fresh:
        row["reference_day"] = as_date(row["reference_day"])
        by_report.setdefault(row["report_id"], []).append(row)
    reports = [r for r in reports if r.id in by_report]
    # Only the lines that change, not every line of their reports (late usage of a few
    # customers touches many reports), in batches of bounded parameter lists.
    line_ids = [row["line_id"] for row in fresh if row["line_id"] is not None]
    lines: dict[tuple[int, int, int], LineItem] = {}
    for start in range(0, len(line_ids), _LINES_PER_READ):
        for li in await LineItem.filter(id__in=line_ids[start : start + _LINES_PER_READ]).using_db(conn):
            lines[(li.report_id, li.customer_id, li.solution_id)] = li
    regenerated = 0
    for report in reports:
        # Each report in a savepoint: one that moved since it was read (a writer the lock
        # did not stop) is refused by the step writer and left as it now stands.
        try:
            async with unit_of_work() as one:
                regenerated += await _regenerate_one(one, report, by_report[report.id], lines, actor, now)
        except (VersionConflict, InvalidTransition):
            continue
    return regenerated


async def _regenerate_one(
    work: UnitOfWork,
    report: BillingReport,
    rows: list[dict],
    lines: dict[tuple[int, int, int], LineItem],
    actor: Actor,
    now: datetime,
) -> bool:
    updated: list[LineItem] = []
    added: list[LineItem] = []
    dropped: list[LineChange] = []
    for row in rows:
        line = lines.get((report.id, row["customer_id"], row["solution_id"]))
        if line is None:
            added.append(_new_line(report.id, row))
            continue
        if all(getattr(line, f) == row[f] for f in _FIGURES):
            continue
        was_adjusted = line.chargeable_units != line.used_units
        for f in _FIGURES:
            setattr(line, f, row[f])
        line.over_provisioned_units = max(line.provisioned_units - line.used_units, 0)
        if not was_adjusted:
            # Not lowered: chargeable follows the used units; a comment left on it stays.
            line.chargeable_units = line.used_units
        elif not keeps_adjustment(line.chargeable_units, line.used_units):
            dropped.append(
                LineChange(
                    line.id, line.chargeable_units, line.used_units, line.comment, None, line.adjustment_reason, None
                )
            )
            line.chargeable_units = line.used_units
            line.comment = None  # type: ignore[assignment]  # a nullable TextField; Tortoise types it str
            line.adjustment_reason = None  # type: ignore[assignment]  # a nullable enum field
        elif line.chargeable_units == line.used_units:
            # Kept, but no longer a lowering: a line at its used units carries no reason (§10).
            # Its units and comment stay, so the entry lists no change (docs/decisions.md).
            line.adjustment_reason = None  # type: ignore[assignment]  # a nullable enum field
        updated.append(line)
    if not (updated or added):
        return False
    step = begin_step(report, actor, "regenerate")
    if updated:
        await update_fields(
            LineItem,
            updated,
            [*_FIGURES, "over_provisioned_units", "chargeable_units", "comment", "adjustment_reason"],
            work.conn,
        )
    if added:
        await LineItem.bulk_create(added, using_db=work.conn)
    summary = f"{len(updated)} line(s) recomputed, {len(added)} added"
    if dropped:
        summary += f", {len(dropped)} adjustment(s) dropped: now above the new used units"
    await finish_step(work, step, ReportEventAction.REGENERATED, now, comment=summary, changes=dropped)
    return True


def _new_line(report_id: int, row: dict) -> LineItem:
    return LineItem(
        report_id=report_id,
        customer_id=row["customer_id"],
        solution_id=row["solution_id"],
        name=row["name"],
        billing_unit=row["billing_unit"],
        reference_day=row["reference_day"],
        provisioned_units=row["provisioned_units"],
        used_units=row["used_units"],
        over_provisioned_units=max(row["provisioned_units"] - row["used_units"], 0),
        chargeable_units=row["used_units"],
        credits_e4=row["credits_e4"],
        comment=None,
    )
