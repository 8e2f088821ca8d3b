"""The CSV of the exports (docs/contract.md §8): the header row, and rows as the API shows them.

Shared by the HTTP routes (``server.exports``) and the CLI (``billing-reports export``).

- One row per line item; the columns are docs/contract.md §8's header, in its order.
- IDs are the API's global IDs (``schema.ids``): report, partner (an Organization),
  customer. Credits are 4-decimal strings (``"12.5000"``); ``reference_day`` is an ISO
  date, empty for a ``DAILY_SUM`` line; ``approved_at`` is ISO 8601 UTC with a ``Z``
  (``2026-11-03T09:15:00Z``), empty unless the report is APPROVED; an empty comment is
  an empty cell. Then (docs/contract.md §10–11) ``adjustment_reason`` (empty unless the
  line is lowered), ``purchase_order`` (free text) and ``corrected_at`` (when the last
  approved correction was approved, else empty).
- RFC 4180 quoting: a cell with a comma, a quote or a line break is quoted, quotes are
  doubled; lines end with CRLF. UTF-8, no byte order mark.
- Formula injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return as a formula. Such a cell of free text (names,
  billing unit, solution code, comment) gets a leading apostrophe (``'=1+1``), as OWASP
  recommends; numbers, IDs, dates and statuses are ours and never start that way. A
  program that wants the raw text drops a leading ``'`` that precedes one of those
  characters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime

from schema import ids
from workflow.core.credits import format_credits
from workflow.reads.exports import ExportChunk, ExportLine, ExportReport, ExportSelection, export_chunks

HEADER = (
    "period",
    "partner_id",
    "partner_name",
    "report_id",
    "report_status",
    "customer_id",
    "customer_name",
    "solution_code",
    "solution_name",
    "billing_unit",
    "reference_day",
    "provisioned_units",
    "used_units",
    "over_provisioned_units",
    "chargeable_units",
    "allocated_credits",
    "comment",
    "approved_at",
    # §10–11: appended at the end only, so a program reading the columns by position keeps working.
    "adjustment_reason",
    "purchase_order",
    "corrected_at",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str | None) -> str:
    """Free text, safe to open in a spreadsheet."""
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def iso_utc(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def row_of(report: ExportReport, line: ExportLine) -> list[str | int]:
    return [
        report.period,
        ids.encode(ids.ORGANIZATION, report.partner_id),
        text_cell(report.partner_name),
        ids.encode(ids.BILLING_REPORT, report.id),
        report.status.value,
        ids.encode(ids.CUSTOMER, line.customer_id),
        text_cell(line.customer_name),
        text_cell(line.solution_code),
        text_cell(line.solution_name),
        text_cell(line.billing_unit),
        "" if line.reference_day is None else line.reference_day.isoformat(),
        line.provisioned_units,
        line.used_units,
        line.over_provisioned_units,
        line.chargeable_units,
        format_credits(line.credits_e4),
        text_cell(line.comment),
        iso_utc(report.approved_at),
        "" if line.adjustment_reason is None else line.adjustment_reason.value,
        text_cell(report.purchase_order),
        iso_utc(report.corrected_at),
    ]


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def chunk_text(chunk: ExportChunk) -> str:
    return csv_text([row_of(chunk.report, line) for line in chunk.lines])


async def csv_pieces(selection: ExportSelection) -> AsyncIterator[str]:
    """The header, then the text of each chunk of rows as it is read."""
    yield csv_text([HEADER])
    async for chunk in export_chunks(selection):
        yield chunk_text(chunk)
