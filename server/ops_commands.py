"""Operations commands of ``billing-reports``: the deadline sweep and the CSV exports (docs/contract.md §9).

    billing-reports auto-submit [--as-of TIMESTAMP]
        auto-submit every editable report whose deadline passed by TIMESTAMP (ISO 8601,
        e.g. 2099-01-01T00:00:00Z; default now; without an offset it is UTC), then
        auto-approve what the Tier 1 partners' settings allow; prints the counts. Safe from
        cron and from several hosts at once (``workflow.reports.deadline_sweep``).
    billing-reports export report REPORT_ID [--output FILE]
    billing-reports export period YYYY-MM [--partner ID_OR_NAME] [--output FILE]
        the CSV of the HTTP exports (``server.export_csv``), to stdout or FILE. The command
        line acts as the system and sees every report; ``--partner`` narrows to one Tier 2
        partner or to a Tier 1's partners (an organization's ID as the API shows it, or
        its exact name).

A FILE is written beside its final name and renamed when complete, so a failed export
never leaves half a file. Counts and progress go to stderr; the CSV alone to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from schema import ids
from server.commands import find_organization, parse_period, progress
from server.database import database_url
from server.database_session import CommandError, open_database, require_migrated
from server.export_csv import HEADER, chunk_text, csv_text
from workflow.core.actors import SYSTEM
from workflow.core.periods import Month
from workflow.reads.exports import ExportSelection, export_chunks, period_export, report_export
from workflow.reports.deadline_sweep import run_deadline_sweep, utc


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "auto-submit", help="apply the submission deadlines passed by now (or --as-of), then auto-approve"
    )
    p.add_argument(
        "--as-of",
        metavar="TIMESTAMP",
        help="ISO 8601 instant, e.g. 2099-01-01T00:00:00Z (default: now; no offset means UTC)",
    )
    p.set_defaults(run=_auto_submit)

    p = sub.add_parser("export", help="write reports as CSV (the format of the HTTP exports)")
    export_sub = p.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    e = export_sub.add_parser("report", help="one report")
    e.add_argument("report_id", metavar="REPORT_ID", help="the report's ID, as the API shows it")
    e.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    e.set_defaults(run=_export_report)
    e = export_sub.add_parser("period", help="every report of a period")
    e.add_argument("period", metavar="PERIOD", help="YYYY-MM, e.g. 2026-10")
    e.add_argument(
        "--partner",
        metavar="ID_OR_NAME",
        help="only this Tier 2 partner's report, or a Tier 1 partner's partners' reports",
    )
    e.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    e.set_defaults(run=_export_period)


def parse_instant(text: str) -> datetime:
    try:
        return utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise CommandError(
            f"--as-of takes an ISO 8601 instant such as 2099-01-01T00:00:00Z, got {text!r}", exit_code=2
        ) from None


def _auto_submit(args: argparse.Namespace) -> None:
    as_of = None if args.as_of is None else parse_instant(args.as_of)
    asyncio.run(auto_submit(database_url(), as_of))


async def auto_submit(db_url: str, as_of: datetime | None) -> None:
    async with open_database(db_url):
        await require_migrated()
        result = await run_deadline_sweep(as_of)
    moment = result.as_of.isoformat(timespec="seconds").replace("+00:00", "Z")
    print(
        f"{result.auto_submitted} report(s) auto-submitted (deadlines passed by {moment}), "
        f"{result.auto_approved} auto-approved"
    )


def _export_report(args: argparse.Namespace) -> None:
    report_id = ids.decode_as(ids.BILLING_REPORT, args.report_id.strip())
    if report_id is None:
        raise CommandError(f"{args.report_id!r} is not a report ID (as the API shows it)", exit_code=2)
    asyncio.run(export_report(database_url(), report_id, args.output))


async def export_report(db_url: str, report_id: int, output: str | None) -> None:
    async with open_database(db_url):
        await require_migrated()
        selection = await report_export(SYSTEM, report_id)
        if selection is None:
            raise CommandError(f"no report has the ID {ids.encode(ids.BILLING_REPORT, report_id)}")
        await _write(selection, output)


def _export_period(args: argparse.Namespace) -> None:
    label = parse_period(args.period)
    asyncio.run(export_period(database_url(), label, args.partner, args.output))


async def export_period(db_url: str, label: str, partner: str | None, output: str | None) -> None:
    async with open_database(db_url):
        await require_migrated()
        partner_id = None if partner is None else (await find_organization(partner)).id
        selection = await period_export(SYSTEM, Month.parse(label), partner_id)
        if selection is None:
            of = "" if partner is None else f" of {partner}"
            raise CommandError(f"no reports for {label}{of}")
        await _write(selection, output)


async def _write(selection: ExportSelection, output: str | None) -> None:
    if output is None:
        try:
            rows, reports = await _copy(selection, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # `... | head`: the reader left; say so once, without a traceback
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise CommandError("the output was closed before the export ended") from None
    else:
        target = Path(output)
        fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent or ".")
        try:
            with os.fdopen(fd, "wb") as out:
                rows, reports = await _copy(selection, out)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    where = "" if output is None else f" to {output}"
    progress(f"exported {rows} line(s) of {reports} report(s){where}")


async def _copy(selection: ExportSelection, out: BinaryIO) -> tuple[int, int]:
    out.write(csv_text([HEADER]).encode("utf-8"))
    rows, reports = 0, set()
    async for chunk in export_chunks(selection):
        out.write(chunk_text(chunk).encode("utf-8"))
        rows += len(chunk.lines)
        reports.add(chunk.report.id)
    return rows, len(reports)
