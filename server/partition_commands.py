"""``billing-reports usage-partitions``: the monthly partitions of ``daily_usage`` (PostgreSQL only).

    billing-reports usage-partitions list
        the attached months (partition, bounds, estimated rows, size) and the archived ones
    billing-reports usage-partitions create [--months-ahead 3] [YYYY-MM ...]
        create the partitions of this month and the next ones (what ``migrate`` does on
        every run), and of the months named; idempotent
    billing-reports usage-partitions archive YYYY-MM [--output FILE] [--drop] [--force]
        detach a past month's partition (``DETACH … CONCURRENTLY``: no query is blocked)
        and keep it as the table ``daily_usage_archived_YYYY_MM``; ``--output`` writes its
        rows as a CSV file in the import format (``billing-reports import-usage FILE``
        restores them), ``--drop`` then drops the table. A month whose reports are not all
        approved is refused without ``--force``.

The months go through ``workflow.usage.partitions``. On SQLite, where ``daily_usage`` is
one table, each says so and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from server.commands import parse_period, progress
from server.database import database_url
from server.database_session import CommandError, open_database, require_migrated
from workflow.core.periods import Month
from workflow.usage.csv_format import COLUMNS
from workflow.usage.partitions import (
    PartitionError,
    archive_month,
    ensure_month_partitions,
    list_partitions,
    months_ahead,
)


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("usage-partitions", help="list, create or archive the monthly partitions of usage (PostgreSQL)")
    actions = p.add_subparsers(dest="partitions_command", required=True, metavar="ACTION")
    a = actions.add_parser("list", help="the attached and the archived months")
    a.set_defaults(run=_list)
    a = actions.add_parser("create", help="create this month's and the next months' partitions (idempotent)")
    a.add_argument("--months-ahead", type=int, default=3, metavar="N", help="besides this month (default 3)")
    a.add_argument("months", nargs="*", metavar="YYYY-MM", help="other months to create")
    a.set_defaults(run=_create)
    a = actions.add_parser("archive", help="detach a past month, keep it aside, optionally write and drop it")
    a.add_argument("month", metavar="YYYY-MM")
    a.add_argument("--output", metavar="FILE", help="write its rows as CSV in the import-usage format")
    a.add_argument("--drop", action="store_true", help="drop the detached table (after --output succeeded)")
    a.add_argument("--force", action="store_true", help="even if some of its reports are not approved yet")
    a.set_defaults(run=_archive)


def _list(args: argparse.Namespace) -> None:
    asyncio.run(_run(_list_async()))


def _create(args: argparse.Namespace) -> None:
    if not 0 <= args.months_ahead <= 36:
        raise CommandError("--months-ahead must be from 0 to 36", exit_code=2)
    months = [Month.parse(parse_period(m)).starts_on for m in args.months]
    asyncio.run(_run(_create_async(months_ahead(ahead=args.months_ahead) + months)))


def _archive(args: argparse.Namespace) -> None:
    month = Month.parse(parse_period(args.month))
    asyncio.run(_run(_archive_async(month, args.output, drop=args.drop, force=args.force)))


async def _run(command: Any) -> None:
    async with open_database(database_url()):
        await require_migrated()
        try:
            await command
        except PartitionError as error:
            raise CommandError(str(error)) from None


async def _list_async() -> None:
    attached, archived = await list_partitions()
    for p in attached:
        print(f"{p.name}  {p.bounds}  ~{p.estimated_rows:,} rows  {p.bytes / 2**20:,.1f} MiB")
    for p in archived:
        print(f"{p.name}  (archived, detached)  ~{p.estimated_rows:,} rows  {p.bytes / 2**20:,.1f} MiB")


async def _create_async(months: list[Any]) -> None:
    from workflow.usage.partitions import is_partitioned

    if not await is_partitioned():
        raise PartitionError("daily_usage is not partitioned here (SQLite, or not migrated): nothing to create")
    created = await ensure_month_partitions(months)
    print(f"{created} partition(s) created")


async def _archive_async(month: Month, output: str | None, *, drop: bool, force: bool) -> None:
    write = None
    if output is not None:
        target = Path(output)

        async def write(raw: Any, query: str) -> int:
            # Beside the final name, renamed when complete: a failed write leaves no half file.
            fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
            os.close(fd)
            try:
                with open(partial, "wb") as out:
                    out.write((",".join(COLUMNS) + "\n").encode())
                    status = await raw.copy_from_query(query, output=out, format="csv")
                os.replace(partial, target)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
            return int(status.rsplit(" ", 1)[1])

    result = await archive_month(month, write=write, drop=drop, force=force)
    if result.rows_written is not None:
        progress(f"wrote {result.rows_written:,} rows of {month.label} to {output}")
    if result.dropped:
        print(f"{month.label}: detached and dropped")
    else:
        print(f"{month.label}: detached, kept as the table {result.table}")
