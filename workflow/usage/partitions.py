"""The monthly partitions of ``daily_usage`` on PostgreSQL (migration 0005; SQLite has none).

Each month is a partition ``daily_usage_YYYY_MM``. They are created

- ahead, by ``billing-reports migrate`` (this month and the next ``MONTHS_AHEAD``) and by
  ``billing-reports usage-partitions create``;
- on demand, so that no insert ever fails for want of one: the CSV import creates the
  months of its file after reading it and before writing (``workflow.usage.importer``);
  ``recordUsage``, whose months nearly always exist, tries its insert first and, only if
  PostgreSQL answers "no partition … found for row", creates them and runs it again.

The database function ``daily_usage_ensure_partitions`` does the creating (serialized,
without blocking readers and writers: see the migration). It always runs in a short
transaction of its own, on a connection of the pool, never inside the caller's: the lock
it takes on ``daily_usage`` must not be held for the length of an import.

An old month is archived by detaching its partition (``DETACH PARTITION … CONCURRENTLY``,
which waits for the queries using it but blocks none), renaming it
``daily_usage_archived_YYYY_MM``, and, if asked, writing it out as a CSV file in the
import format (``billing-reports import-usage`` puts it back) and dropping it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from vocabulary.enums import ReportStatus
from workflow.core.periods import Month
from workflow.database.sql import connection, fetch, is_postgres, run

MONTHS_AHEAD = 3
_NO_PARTITION = "no partition of relation"

IS_PARTITIONED = """
SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass('daily_usage') AND relkind = 'p') AS partitioned
"""
ENSURE = "SELECT daily_usage_ensure_partitions(:months::date[]) AS created"

PARTITIONS = """
SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bounds,
       greatest(c.reltuples, 0)::bigint AS estimated_rows, pg_total_relation_size(c.oid) AS bytes
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'daily_usage'::regclass
ORDER BY c.relname
"""
ARCHIVED = """
SELECT c.relname AS name, greatest(c.reltuples, 0)::bigint AS estimated_rows, pg_total_relation_size(c.oid) AS bytes
FROM pg_class c
WHERE c.relkind = 'r' AND c.relname LIKE 'daily\\_usage\\_archived\\_%' AND c.relnamespace = 'public'::regnamespace
ORDER BY c.relname
"""
ATTACHED = """
SELECT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'daily_usage'::regclass AND c.relname = :name) AS attached
"""
TABLE_EXISTS = "SELECT to_regclass(:name) IS NOT NULL AS present"
OPEN_REPORTS = f"""
SELECT count(*) AS open_reports FROM billing_report r JOIN billing_period p ON p.id = r.period_id
WHERE p.label = :label AND r.status <> '{ReportStatus.APPROVED.value}'
"""
# The import-usage format (workflow.usage.csv_format): the customer's global ID, the solution's code.
ARCHIVE_ROWS = """
SELECT encode(convert_to('Customer:' || u.customer_id, 'UTF8'), 'base64') AS customer_id,
       s.code AS solution_code, to_char(u.day, 'YYYY-MM-DD') AS day,
       u.provisioned_units, u.used_units, (u.credits_e4::numeric / 10000)::numeric(30, 4) AS allocated_credits
FROM {table} u JOIN solution s ON s.id = u.solution_id
ORDER BY u.customer_id, s.code, u.day
"""


class PartitionError(Exception):
    """An archive the database's state does not allow (not partitioned, the current month...)."""


def partition_name(month: Month) -> str:
    return f"daily_usage_{month.starts_on:%Y_%m}"


def archived_name(month: Month) -> str:
    return f"daily_usage_archived_{month.starts_on:%Y_%m}"


def months_ahead(today: date | None = None, ahead: int = MONTHS_AHEAD) -> list[date]:
    """The first day of this month and of the next ``ahead`` ones."""
    month = Month.of(today or datetime.now(UTC).date())
    found = []
    for _ in range(ahead + 1):
        found.append(month.starts_on)
        month = month.next()
    return found


async def is_partitioned(conn: BaseDBAsyncClient | None = None) -> bool:
    conn = conn or connection()
    if not is_postgres(conn):
        return False
    rows = await fetch(conn, IS_PARTITIONED)
    return bool(rows[0]["partitioned"])


async def ensure_month_partitions(months: Iterable[date], conn: BaseDBAsyncClient | None = None) -> int:
    """Create the missing partitions of the months of these days; how many were created.

    ``conn`` must not be in a transaction (the pool's client: see the module docstring).
    Nothing on SQLite, nor on a PostgreSQL table that is not partitioned.
    """
    conn = conn or connection()
    firsts = sorted({day.replace(day=1) for day in months})
    if not firsts or not await is_partitioned(conn):
        return 0
    rows = await fetch(conn, ENSURE, months=firsts)
    return int(rows[0]["created"])


def is_missing_partition(error: BaseException) -> bool:
    """True for PostgreSQL's refusal of a row whose month has no partition."""
    return _NO_PARTITION in str(error)


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    bounds: str  # "FOR VALUES FROM ('2026-10-01') TO ('2026-11-01')", or "" for an archived table
    estimated_rows: int
    bytes: int


async def list_partitions() -> tuple[list[Partition], list[Partition]]:
    """The attached partitions and the archived (detached, kept) months."""
    conn = connection()
    if not await is_partitioned(conn):
        raise PartitionError("daily_usage is not partitioned here (SQLite, or not migrated): nothing to list")
    attached = [
        Partition(r["name"], r["bounds"], r["estimated_rows"], r["bytes"]) for r in await fetch(conn, PARTITIONS)
    ]
    archived = [Partition(r["name"], "", r["estimated_rows"], r["bytes"]) for r in await fetch(conn, ARCHIVED)]
    return attached, archived


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    table: str  # the detached table (dropped if ``dropped``)
    rows_written: int | None  # rows written to the file, if one was asked for
    dropped: bool


async def archive_month(
    month: Month,
    *,
    write: Callable[[Any, str], Any] | None = None,
    drop: bool = False,
    force: bool = False,
    today: date | None = None,
) -> ArchiveResult:
    """Detach a past month's partition and keep it as ``daily_usage_archived_YYYY_MM``.

    ``write(raw_connection, query)``: called with an asyncpg connection and the query of the
    month's rows in the import format, to write them out (returns the row count). ``drop``:
    drop the table afterwards (only after ``write`` succeeded, if given). A month whose
    reports are not all approved is refused unless ``force``. Running it again on a month
    already detached goes on from there (writes, drops).
    """
    conn = connection()
    if not await is_partitioned(conn):
        raise PartitionError("daily_usage is not partitioned here (SQLite, or not migrated): nothing to archive")
    if month.starts_on >= Month.of(today or datetime.now(UTC).date()).starts_on:
        raise PartitionError(f"{month.label} is not over yet: only past months can be archived")
    if not force:
        open_reports = (await fetch(conn, OPEN_REPORTS, label=month.label))[0]["open_reports"]
        if open_reports:
            raise PartitionError(
                f"{month.label} has {open_reports} report(s) not yet approved, which may still be "
                "regenerated from its usage: approve them first, or use --force"
            )
    name, kept = partition_name(month), archived_name(month)
    if (await fetch(conn, ATTACHED, name=name))[0]["attached"]:
        # CONCURRENTLY: outside a transaction, waits for the queries using the partition, blocks none.
        await run(conn, f'ALTER TABLE daily_usage DETACH PARTITION "{name}" CONCURRENTLY')
        await run(conn, f'ALTER TABLE "{name}" RENAME TO "{kept}"')
    elif not (await fetch(conn, TABLE_EXISTS, name=kept))[0]["present"]:
        raise PartitionError(f"{month.label} has no partition and no archived table: nothing to archive")
    rows_written = None
    if write is not None:
        async with conn.acquire_connection() as raw:
            rows_written = await write(raw, ARCHIVE_ROWS.format(table=f'"{kept}"'))
    if drop:
        await run(conn, f'DROP TABLE "{kept}"')
    return ArchiveResult(kept, rows_written, drop)
