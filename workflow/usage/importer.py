"""Importing a file of daily usage (``billing-reports import-usage``), of any size, in one transaction.

1. Stream every row into the temporary table ``usage_import`` (``workflow.usage.sql``):
   its line and its values as stored, or why it is refused (``workflow.usage.csv_format``
   checks each row with recordUsage's rules as it is read). On PostgreSQL this is one
   ``COPY`` (asyncpg's binary ``copy_records_to_table``, fed by the reader as it goes);
   on SQLite ``executemany`` in batches of 10,000.
2. Refuse the rows whose customer or solution does not exist: two set-based ``UPDATE``s.
3. List the refused rows in line order, a page at a time (memory stays bounded).
4. If a row was refused and the caller did not ask to skip them, roll everything back:
   nothing of the file is stored. Otherwise upsert the valid rows with one
   ``INSERT … SELECT``; of several lines for one (customer, solution, day), the last one
   wins, as a resent day replaces the earlier one.

Python holds one row (and, on SQLite, one batch) at a time, whatever the file's size.

On PostgreSQL, before step 4 writes, the monthly partitions of the file's months are
created if missing (``workflow.usage.partitions``), on another connection of the pool in
a short transaction of its own: the import's long one never holds their lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from vocabulary.enums import Scope
from workflow.core.actors import Actor, is_platform_with
from workflow.core.errors import Forbidden
from workflow.database.sql import connection, fetch, is_postgres, run
from workflow.usage import sql as q
from workflow.usage.csv_format import StagedRow
from workflow.usage.partitions import ensure_month_partitions

SQLITE_BATCH = 10_000
REFUSED_PAGE = 1_000


@dataclass(frozen=True, slots=True)
class RefusedRow:
    line: int
    column: str | None  # None: the row as a whole (e.g. a wrong number of fields)
    reason: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    rows: int  # data rows read
    refused: int
    days_written: int  # distinct (customer, solution, day) stored, new or replaced
    committed: bool

    @property
    def superseded(self) -> int:
        """Valid rows replaced by a later line of the same customer, solution and day."""
        return self.rows - self.refused - self.days_written if self.committed else 0


class _Refused(Exception):
    """Leaves the transaction, so that it rolls back, with what was found."""

    def __init__(self, rows: int, refused: int) -> None:
        self.rows, self.refused = rows, refused


async def import_usage(
    actor: Actor,
    rows: Iterable[StagedRow],
    *,
    skip_invalid: bool = False,
    on_refused: Callable[[RefusedRow], None],
    on_phase: Callable[[str], None] = lambda phase: None,
) -> ImportResult:
    """Store the valid rows of a usage file, or none of them if one is refused (unless ``skip_invalid``)."""
    if not is_platform_with(actor, Scope.USAGE_WRITE):
        raise Forbidden("only the platform, with the usage:write scope, records usage")
    counter = _Counter(rows)
    pool = connection()  # outside the import's transaction: for the partitions
    try:
        async with in_transaction() as conn:
            await run(conn, q.DROP_STAGING)
            await run(conn, q.CREATE_STAGING)
            await _stage(conn, counter)
            on_phase(f"read {counter.rows:,} rows; checking customers and solutions")
            await run(conn, q.ANALYZE_STAGING)
            refused = counter.refused
            refused += await run(conn, q.MARK_UNKNOWN_CUSTOMERS)
            refused += await run(conn, q.MARK_UNKNOWN_SOLUTIONS)
            if refused:
                await _list_refused(conn, on_refused)
                if not skip_invalid:
                    raise _Refused(counter.rows, refused)
            if await ensure_month_partitions(counter.months, pool):
                on_phase(f"created the partitions of {', '.join(sorted(f'{m:%Y-%m}' for m in counter.months))}")
            on_phase(f"writing {counter.rows - refused:,} rows")
            written = await _upsert(conn) if counter.rows > refused else 0
            await run(conn, q.DROP_STAGING)
    except _Refused as outcome:
        return ImportResult(outcome.rows, outcome.refused, 0, committed=False)
    return ImportResult(counter.rows, refused, written, committed=True)


async def _stage(conn: BaseDBAsyncClient, rows: Iterator[StagedRow]) -> None:
    if is_postgres(conn):
        async with conn.acquire_connection() as raw:
            # asyncpg encodes the rows as they come and sends them in 512 KiB messages.
            await raw.copy_records_to_table("usage_import", records=rows, columns=q.STAGING_COLUMNS)
        return
    while batch := list(islice(rows, SQLITE_BATCH)):
        await conn.execute_many(q.INSERT_STAGING_ROW_SQLITE, [list(row) for row in batch])


async def _upsert(conn: BaseDBAsyncClient) -> int:
    """Write the valid rows; the number of days written."""
    if not is_postgres(conn):
        return await run(conn, q.UPSERT_FROM_STAGING)
    async with conn.acquire_connection() as raw:
        # "INSERT 0 <rows>": Tortoise would read the 0 (the OID) as the count.
        status = await raw.execute(q.UPSERT_FROM_STAGING)
    return int(status.rsplit(" ", 1)[1])


async def _list_refused(conn: BaseDBAsyncClient, on_refused: Callable[[RefusedRow], None]) -> None:
    await run(conn, q.INDEX_REFUSED)
    after = 0
    while page := await fetch(conn, q.REFUSED_AFTER, after=after, page_size=REFUSED_PAGE):
        for row in page:
            on_refused(RefusedRow(row["line"], row["problem_column"], row["problem"]))
        after = page[-1]["line"]


class _Counter:
    """Passes the rows through, counting them and those refused on reading."""

    def __init__(self, rows: Iterable[StagedRow]) -> None:
        self._rows = iter(rows)
        self.rows = 0
        self.refused = 0
        self.months: set[date] = set()  # the first day of each month met (a few per file)
        self._last_day: date | None = None

    def __iter__(self) -> Iterator[StagedRow]:
        return self

    def __next__(self) -> StagedRow:
        row = next(self._rows)
        self.rows += 1
        if row[8] is not None:
            self.refused += 1
        elif (day := row[3]) is not self._last_day and day is not None:  # a file repeats its days
            self._last_day = day
            self.months.add(day.replace(day=1))
        return row
