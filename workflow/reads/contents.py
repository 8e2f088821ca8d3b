"""The contents of reports: line item pages, totals and history, a batch of reports at a time.

These take the ids of reports the caller has already read through ``workflow.reads.reports``
(that is where visibility is applied), and answer for all of them in one query each, so
a page of reports with their lines and history costs the same few queries as one
report. The single-item lookups at the end (``visible_line_item``,
``visible_event``) apply visibility themselves.

Line items are ordered by id (generation order) and paged by id; history is oldest
first and not paged (a report has a handful of steps).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from vocabulary.enums import AdjustmentReason, AggregationRule, ReportEventAction, ReportStatus, Tier
from workflow.core.actors import Actor, can_see
from workflow.database.sql import Row, as_date, as_datetime, connection, read
from workflow.reads.reports import id_params, report_of_row, reports_by_id_sql, visible_reports_by_id
from workflow.reads.views import (
    ChangeView,
    EventView,
    LineFilter,
    LineView,
    OrganizationView,
    Page,
    ReportView,
    Totals,
)

# --- line items ----------------------------------------------------------------------------

# The columns of a line view, in LineView's order (_line reads them by position).
_LINE_COLUMNS = """li.id, li.report_id, li.customer_id, c.name AS customer_name,
           s.code AS solution_code, s.name AS solution_name,
           s.billing_unit AS solution_billing_unit, s.aggregation_rule,
           li.name, li.billing_unit, li.reference_day, li.provisioned_units, li.used_units,
           li.over_provisioned_units, li.chargeable_units, li.credits_e4, li.comment,
           li.adjustment_reason"""

# Several reports: each report's lines numbered after the cursor, the first ``limit`` kept.
_LINES = (
    """
SELECT * FROM (
    SELECT """
    + _LINE_COLUMNS
    + """,
           COUNT(*) OVER (PARTITION BY li.report_id) AS total_count,
           SUM(CASE WHEN li.id > :after THEN 1 ELSE 0 END)
               OVER (PARTITION BY li.report_id ORDER BY li.id ROWS UNBOUNDED PRECEDING) AS position
    FROM line_item li
    JOIN customer c ON c.id = li.customer_id
    JOIN solution s ON s.id = li.solution_id
    WHERE li.report_id IN ({report_ids}){conditions}
) numbered
WHERE numbered.id > :after AND numbered.position <= :limit
ORDER BY numbered.report_id, numbered.id
"""
)

# One report (a report screen): the page read up to its limit, the count in a subquery (the
# window functions above number every line, which a 1,000-line report feels on every page).
_LINES_OF_ONE_REPORT = (
    """
SELECT """
    + _LINE_COLUMNS
    + """,
       (SELECT COUNT(*) FROM line_item li JOIN solution s ON s.id = li.solution_id
        WHERE li.report_id = :r0{conditions}) AS total_count
FROM line_item li
JOIN customer c ON c.id = li.customer_id
JOIN solution s ON s.id = li.solution_id
WHERE li.report_id = :r0{conditions} AND li.id > :after
ORDER BY li.id
LIMIT :limit
"""
)


async def line_pages(
    report_ids: Iterable[int], line_filter: LineFilter, first: int, after: int | None = None
) -> dict[int, Page[LineView]]:
    """A page of lines of each report (same filter and cursor for all), in one query.

    ``total_count`` counts the report's lines that pass the filter (not the cursor).
    """
    ids = sorted(set(report_ids))
    pages: dict[int, Page[LineView]] = {rid: Page([], 0, False) for rid in ids}
    if not ids:
        return pages
    params: dict[str, Any] = {"after": after if after is not None else 0, "limit": first + 1}
    params.update({f"r{n}": rid for n, rid in enumerate(ids)})
    conditions = ""
    if line_filter.customer_id is not None:
        conditions += " AND li.customer_id = :customer_id"
        params["customer_id"] = line_filter.customer_id
    if line_filter.solution_code is not None:
        conditions += " AND s.code = :solution_code"
        params["solution_code"] = line_filter.solution_code
    if line_filter.adjusted is not None:
        conditions += (
            " AND li.chargeable_units < li.used_units"
            if line_filter.adjusted
            else " AND li.chargeable_units >= li.used_units"
        )
    if len(ids) == 1:
        sql = _LINES_OF_ONE_REPORT.format(conditions=conditions)
    else:
        sql = _LINES.format(report_ids=", ".join(f":r{n}" for n in range(len(ids))), conditions=conditions)
    rows = await read(connection(), sql, **params)
    grouped: dict[int, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row["report_id"], []).append(row)
    for rid, group in grouped.items():
        lines = [_line(r) for r in group[:first]]
        pages[rid] = Page(lines, int(group[0]["total_count"]), len(group) > first)
    # A report whose page is empty (cursor at the end) still has a total: count it apart.
    missing = [rid for rid in ids if rid not in grouped]
    if missing and after is not None:
        for rid, count in (await _line_counts(missing, line_filter)).items():
            pages[rid] = Page([], count, False)
    return pages


async def _line_counts(report_ids: Sequence[int], line_filter: LineFilter) -> dict[int, int]:
    pages = await line_pages(report_ids, line_filter, first=1, after=None)
    return {rid: page.total_count for rid, page in pages.items()}


_RULES = {rule.value: rule for rule in AggregationRule}  # a dict lookup: ~10x cheaper than the enum's call


def _line(row: Row) -> LineView:
    # By position (the columns of _LINES are LineView's fields, in order): a page builds up
    # to 100, and reading 17 columns by name cost as much again as building the view.
    return LineView(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        _RULES[row[7]],
        row[8],
        row[9],
        as_date(row[10]),
        row[11],
        row[12],
        row[13],
        row[14],
        row[15],
        row[16],
        None if row[17] is None else AdjustmentReason(row[17]),
    )


async def visible_line_item(actor: Actor, line_item_id: int) -> LineView | None:
    rows = await read(
        connection(),
        _LINES.format(report_ids=_REPORT_OF_LINE, conditions=" AND li.id = :line_id"),
        after=0,
        limit=1,
        line_id=line_item_id,
    )
    if not rows or not await visible_reports_by_id(actor, [rows[0]["report_id"]]):
        return None
    return _line(rows[0])


_REPORT_OF_LINE = "SELECT report_id FROM line_item WHERE id = :line_id"


# --- totals --------------------------------------------------------------------------------

_TOTALS = """
SELECT report_id, COUNT(*) AS line_count,
       SUM(provisioned_units) AS provisioned_units, SUM(used_units) AS used_units,
       SUM(over_provisioned_units) AS over_provisioned_units,
       SUM(chargeable_units) AS chargeable_units, SUM(credits_e4) AS credits_e4
FROM line_item WHERE report_id IN ({report_ids})
GROUP BY report_id
"""


async def totals(report_ids: Iterable[int]) -> dict[int, Totals]:
    ids = sorted(set(report_ids))
    result = {rid: Totals() for rid in ids}
    if not ids:
        return result
    sql = _TOTALS.format(report_ids=", ".join(f":r{n}" for n in range(len(ids))))
    for row in await read(connection(), sql, **id_params(ids)):
        result[row["report_id"]] = _totals_of_row(row)
    return result


async def visible_report_with_totals(actor: Actor, report_id: int) -> tuple[ReportView, Totals] | None:
    """``visible_reports_by_id`` and ``totals`` for one report, in one query (the report screen's)."""
    sql = reports_by_id_sql(1, columns=_TOTALS_COLUMNS, joins=_TOTALS_JOIN)
    rows = await read(connection(), sql, **id_params([report_id]))
    if not rows:
        return None
    view = report_of_row(rows[0])
    if not can_see(actor, view.ownership):
        return None
    # A report without lines has no totals row: the LEFT JOIN gives NULLs, Totals() zeros.
    return view, (Totals() if rows[0]["line_count"] is None else _totals_of_row(rows[0]))


def _totals_of_row(row: Row) -> Totals:
    # PostgreSQL sums BIGINT as NUMERIC: back to exact Python ints.
    return Totals(*(int(row[name]) for name in _TOTALS_FIELDS))


_TOTALS_FIELDS = (
    "line_count",
    "provisioned_units",
    "used_units",
    "over_provisioned_units",
    "chargeable_units",
    "credits_e4",
)
_TOTALS_COLUMNS = ", " + ", ".join(f"t.{name}" for name in _TOTALS_FIELDS)
_TOTALS_JOIN = "\nLEFT JOIN (" + _TOTALS.strip() + ") t ON t.report_id = r.id"  # {report_ids} stays


# --- history -------------------------------------------------------------------------------

# Raw SQL, as the other hot reads, and one statement: the entries with their line changes
# (a row per change, or one without for an entry that changed none). Through the ORM's
# values() a history cost ~1 ms of CPU to build two queries (bench/README.md, the history bench).
_EVENTS = """
SELECT h.id, h.report_id, h.action, h.from_status, h.to_status, h.version, h.occurred_at, h.comment,
       h.purchase_order,
       p.name AS principal_name, o.id AS organization_id, o.name AS organization_name, o.tier AS organization_tier,
       c.line_item_id, c.old_chargeable_units, c.new_chargeable_units, c.old_comment, c.new_comment,
       c.old_reason, c.new_reason
FROM history_entry h
LEFT JOIN principal p ON p.id = h.principal_id
LEFT JOIN organization o ON o.id = h.organization_id
LEFT JOIN history_line_change c ON c.entry_id = h.id
WHERE {condition}
ORDER BY h.id, c.id
"""
_CHANGES = """
SELECT c.entry_id, c.line_item_id, c.old_chargeable_units, c.new_chargeable_units, c.old_comment, c.new_comment,
       c.old_reason, c.new_reason
FROM history_line_change c
JOIN history_entry h ON h.id = c.entry_id
WHERE {condition}
ORDER BY c.id
"""


async def histories(report_ids: Iterable[int]) -> dict[int, list[EventView]]:
    """Each report's history, oldest first, with the line changes of each entry."""
    ids = sorted(set(report_ids))
    result: dict[int, list[EventView]] = {rid: [] for rid in ids}
    if not ids:
        return result
    condition = f"h.report_id IN ({', '.join(f':r{n}' for n in range(len(ids)))})"
    rows = await read(connection(), _EVENTS.format(condition=condition), **id_params(ids))
    for event in _events_of(rows):
        result[event.report_id].append(event)
    return result


async def visible_event(actor: Actor, event_id: int) -> EventView | None:
    rows = await read(connection(), _EVENTS.format(condition="h.id = :event"), event=event_id)
    if not rows or not await visible_reports_by_id(actor, [rows[0]["report_id"]]):
        return None
    return _events_of(rows)[0]


def _events_of(rows: Sequence[Row], p: str = "") -> list[EventView]:
    """The entries of ``_EVENTS``' rows (ordered by entry, then change), each with its changes.

    ``p``: the prefix of their columns in a wider row (``visible_report_with_history``'s).
    """
    events: list[EventView] = []
    changes: list[ChangeView] = []
    for row in rows:
        if row[p + "id"] is None:  # a report without entries (never: generation writes one)
            continue
        if not events or events[-1].id != row[p + "id"]:
            changes = []
            events.append(_event(row, changes, p))
        if row[p + "line_item_id"] is not None:
            changes.append(_change(row, p))
    return events


async def visible_report_with_history(actor: Actor, report_id: int) -> tuple[ReportView, list[EventView]] | None:
    """``visible_reports_by_id`` and ``histories`` for one report, in one query (a history screen's)."""
    sql = reports_by_id_sql(1, columns=_HISTORY_COLUMNS, joins=_HISTORY_JOINS) + "ORDER BY h.id, c.id\n"
    rows = await read(connection(), sql, **id_params([report_id]))
    if not rows:
        return None
    view = report_of_row(rows[0])
    if not can_see(actor, view.ownership):
        return None
    return view, _events_of(rows, "h_")


# _EVENTS' columns beside a report's (reads.reports_by_id_sql), prefixed "h_".
_HISTORY_COLUMNS = """,
       h.id AS h_id, h.report_id AS h_report_id, h.action AS h_action, h.from_status AS h_from_status,
       h.to_status AS h_to_status, h.version AS h_version, h.occurred_at AS h_occurred_at,
       h.comment AS h_comment, h.purchase_order AS h_purchase_order, hp.name AS h_principal_name,
       ho.id AS h_organization_id, ho.name AS h_organization_name, ho.tier AS h_organization_tier,
       c.line_item_id AS h_line_item_id, c.old_chargeable_units AS h_old_chargeable_units,
       c.new_chargeable_units AS h_new_chargeable_units, c.old_comment AS h_old_comment,
       c.new_comment AS h_new_comment, c.old_reason AS h_old_reason, c.new_reason AS h_new_reason"""
_HISTORY_JOINS = """
LEFT JOIN history_entry h ON h.report_id = r.id
LEFT JOIN principal hp ON hp.id = h.principal_id
LEFT JOIN organization ho ON ho.id = h.organization_id
LEFT JOIN history_line_change c ON c.entry_id = h.id"""


async def events_by_id(entry_ids: Iterable[int]) -> dict[int, EventView]:
    """History entries by id, with their line changes (the caller has checked who may see them)."""
    ids = sorted(set(entry_ids))
    if not ids:
        return {}
    condition = f"h.id IN ({', '.join(f':e{n}' for n in range(len(ids)))})"
    params = {f"e{n}": entry_id for n, entry_id in enumerate(ids)}
    rows = await read(connection(), _EVENTS.format(condition=condition), **params)
    return {event.id: event for event in _events_of(rows)}


async def changes_of_entries(entry_ids: Sequence[int]) -> dict[int, list[ChangeView]]:
    """The line changes of these history entries, by entry, in id order."""
    if not entry_ids:
        return {}
    condition = f"h.id IN ({', '.join(f':e{n}' for n in range(len(entry_ids)))})"
    return await _changes_of(condition, {f"e{n}": entry_id for n, entry_id in enumerate(entry_ids)})


async def _changes_of(condition: str, params: dict[str, Any]) -> dict[int, list[ChangeView]]:
    by_entry: dict[int, list[ChangeView]] = {}
    for row in await read(connection(), _CHANGES.format(condition=condition), **params):
        by_entry.setdefault(row["entry_id"], []).append(_change(row))
    return by_entry


def _change(row: Row, p: str = "") -> ChangeView:
    return ChangeView(
        row[p + "line_item_id"],
        int(row[p + "old_chargeable_units"]),
        int(row[p + "new_chargeable_units"]),
        row[p + "old_comment"],
        row[p + "new_comment"],
        _reason(row[p + "old_reason"]),
        _reason(row[p + "new_reason"]),
    )


def _reason(value: str | None) -> AdjustmentReason | None:
    return None if value is None else AdjustmentReason(value)


def _event(row: Row, changes: list[ChangeView], p: str = "") -> EventView:
    organization = None
    if row[p + "organization_id"] is not None:
        organization = OrganizationView(
            row[p + "organization_id"], row[p + "organization_name"], Tier(row[p + "organization_tier"])
        )
    from_status = row[p + "from_status"]
    return EventView(
        id=row[p + "id"],
        report_id=row[p + "report_id"],
        action=ReportEventAction(row[p + "action"]),
        from_status=None if from_status is None else ReportStatus(from_status),
        to_status=ReportStatus(row[p + "to_status"]),
        version=row[p + "version"],
        occurred_at=as_datetime(row[p + "occurred_at"]),
        principal_name=row[p + "principal_name"],
        organization=organization,
        comment=row[p + "comment"],
        changes=changes,
        purchase_order=row[p + "purchase_order"],
    )
