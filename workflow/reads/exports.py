"""The read side of the CSV exports (docs/contract.md §8 "Exports"): which reports, then their rows in chunks.

    report_export(actor, report_id)              one report the actor sees, else None
    period_export(actor, label, partner_id)      the period's reports the actor sees (a
                                                 Tier 1: its partners'; a Tier 2: its own;
                                                 the platform and the system: all),
                                                 optionally of one partner; None if none
    export_chunks(selection)                     the rows, one line item each, in chunks

The selection is found first, so that the caller can answer "not found" before the first
byte of a streamed response. The rows are then read in keyset pages (reports by id, a
report's lines by customer, then solution), at most ``LINE_CHUNK`` lines per query, so
an export of any size holds one chunk in memory. Each chunk is its own short read: no
transaction is held open while a slow client reads, and a report that changes during
its export can show the change from one chunk on (approved reports, what billing tools
export, change only when a correction is approved: §11, ``corrected_at``).

Rows carry database ids; the caller turns them into the API's global IDs and formats
the CSV (``server.export_csv``). Visibility is ``workflow.access.visibility``'s, as everywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Max

from models import BillingReport, Correction
from vocabulary.enums import AdjustmentReason, CorrectionStatus, ReportStatus
from workflow.access.visibility import visible_reports
from workflow.core.actors import Actor
from workflow.core.periods import Month
from workflow.database.sql import as_date, connection, fetch

LINE_CHUNK = 1000
REPORT_PAGE = 100


@dataclass(frozen=True, slots=True)
class ExportReport:
    """The report's own columns, the same on each of its rows."""

    id: int
    period: str
    partner_id: int
    partner_name: str
    status: ReportStatus
    approved_at: datetime | None  # when it was approved; None unless APPROVED
    purchase_order: str | None = None
    corrected_at: datetime | None = None  # when its last approved correction was approved (§11)


@dataclass(frozen=True, slots=True)
class ExportLine:
    customer_id: int
    customer_name: str
    solution_code: str
    solution_name: str
    billing_unit: str
    reference_day: date | None
    provisioned_units: int
    used_units: int
    over_provisioned_units: int
    chargeable_units: int
    credits_e4: int
    comment: str | None
    adjustment_reason: AdjustmentReason | None = None


@dataclass(frozen=True, slots=True)
class ExportSelection:
    """The reports of one export: a filter already checked to match at least one."""

    reports: Q
    description: str  # for messages: "report 12", "2026-10"


@dataclass(frozen=True, slots=True)
class ExportChunk:
    report: ExportReport
    lines: list[ExportLine]


async def report_export(actor: Actor, report_id: int) -> ExportSelection | None:
    return await _selection(Q(visible_reports(actor), id=report_id), f"report {report_id}")


async def period_export(actor: Actor, period: Month, partner_id: int | None = None) -> ExportSelection | None:
    """``partner_id`` narrows to one Tier 2 partner, or to a Tier 1's partners."""
    reports = Q(visible_reports(actor), period__label=period.label)
    if partner_id is not None:
        reports &= Q(partner_id=partner_id) | Q(partner__parent_id=partner_id)
    return await _selection(reports, period.label)


async def export_chunks(selection: ExportSelection, line_chunk: int = LINE_CHUNK) -> AsyncIterator[ExportChunk]:
    """The selection's rows, report by report in id order, a report's lines by customer, then solution."""
    after_report = 0
    while True:
        reports = await _report_page(selection.reports, after_report)
        for report in reports:
            async for lines in _line_chunks(report.id, line_chunk):
                yield ExportChunk(report, lines)
        if len(reports) < REPORT_PAGE:
            return
        after_report = reports[-1].id


async def _selection(reports: Q, description: str) -> ExportSelection | None:
    exists = await BillingReport.filter(reports).exists()
    return ExportSelection(reports, description) if exists else None


_REPORT_FIELDS = ("id", "period__label", "partner_id", "partner__name", "status", "reviewed_at", "purchase_order")


async def _report_page(reports: Q, after: int) -> list[ExportReport]:
    rows = await BillingReport.filter(reports, id__gt=after).order_by("id").limit(REPORT_PAGE).values(*_REPORT_FIELDS)
    corrected = await _corrected_at([row["id"] for row in rows])
    return [
        ExportReport(
            id=row["id"],
            period=row["period__label"],
            partner_id=row["partner_id"],
            partner_name=row["partner__name"],
            status=ReportStatus(row["status"]),
            approved_at=row["reviewed_at"] if row["status"] == ReportStatus.APPROVED.value else None,
            purchase_order=row["purchase_order"],
            corrected_at=corrected.get(row["id"]),
        )
        for row in rows
    ]


async def _corrected_at(report_ids: list[int]) -> dict[int, datetime]:
    """When each report's last approved correction was approved (one query per page of reports)."""
    if not report_ids:
        return {}
    rows = (
        await Correction.filter(report_id__in=report_ids, status=CorrectionStatus.APPROVED)
        .annotate(last=Max("reviewed_at"))
        .group_by("report_id")
        .values("report_id", "last")
    )
    return {row["report_id"]: row["last"] for row in rows if row["last"] is not None}


# One report's lines after a (customer, solution): the order of the report's unique key
# (report, customer, solution), so each chunk is one range scan of that index on both
# databases, however large the report. (By line id, PostgreSQL would sort the whole
# report for every chunk.)
_LINES = """
SELECT li.customer_id, li.solution_id, c.name AS customer_name, s.code AS solution_code,
       li.name AS solution_name, li.billing_unit, li.reference_day, li.provisioned_units,
       li.used_units, li.over_provisioned_units, li.chargeable_units, li.credits_e4, li.comment,
       li.adjustment_reason
FROM line_item li
JOIN customer c ON c.id = li.customer_id
JOIN solution s ON s.id = li.solution_id
WHERE li.report_id = :report_id AND (li.customer_id, li.solution_id) > (:after_customer, :after_solution)
ORDER BY li.customer_id, li.solution_id
LIMIT :limit
"""


async def _line_chunks(report_id: int, size: int) -> AsyncIterator[list[ExportLine]]:
    after = (0, 0)
    while True:
        rows = await fetch(
            connection(), _LINES, report_id=report_id, after_customer=after[0], after_solution=after[1], limit=size
        )
        if rows:
            yield [_line(row) for row in rows]
        if len(rows) < size:
            return
        after = (rows[-1]["customer_id"], rows[-1]["solution_id"])


def _line(row: dict[str, Any]) -> ExportLine:
    return ExportLine(
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        solution_code=row["solution_code"],
        solution_name=row["solution_name"],
        billing_unit=row["billing_unit"],
        reference_day=as_date(row["reference_day"]),
        provisioned_units=row["provisioned_units"],
        used_units=row["used_units"],
        over_provisioned_units=row["over_provisioned_units"],
        chargeable_units=row["chargeable_units"],
        credits_e4=row["credits_e4"],
        comment=row["comment"],
        adjustment_reason=None if row["adjustment_reason"] is None else AdjustmentReason(row["adjustment_reason"]),
    )
