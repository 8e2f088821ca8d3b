"""``billing-reports import-usage FILE [--skip-invalid]``: a CSV file of daily usage, of any size.

The file's format is ``workflow.usage.csv_format``'s (docs/integrations.md, "Usage in, in bulk"); the import
itself, one transaction, is ``workflow.usage.importer``'s. Here: the file, the progress
bar (stderr), the refused rows (stderr, one line each, in line order) and the summary
(stdout). ``FILE`` may be ``-`` for standard input.

Exit codes: 0 imported (with ``--skip-invalid``, also when rows were refused and
skipped); 1 rows were refused and nothing was imported, or the file cannot be read as
usage (no header, not UTF-8, missing).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import time
from collections.abc import Iterator
from stat import S_ISREG
from typing import Any, BinaryIO, TextIO

from schema.ids import CUSTOMER, decode_as
from server.database import database_url
from server.database_session import CommandError, open_database, require_migrated
from workflow.core.actors import SYSTEM
from workflow.usage.csv_format import CsvFormatError, StagedRow, staged_rows
from workflow.usage.importer import ImportResult, RefusedRow, import_usage

# The bar is redrawn at most this often; the file position is read every this many rows.
_REDRAW_SECONDS = 0.2
_ROWS_PER_LOOK = 4096


def add_parser(sub: Any) -> None:
    p = sub.add_parser("import-usage", help="import a CSV file of daily usage (streamed, with a progress bar)")
    p.add_argument("file", metavar="FILE", help="the CSV file, or - for standard input (columns: docs/integrations.md)")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows and list the others (default: any invalid row imports nothing)",
    )
    p.set_defaults(run=_import_usage)


def _import_usage(args: argparse.Namespace) -> None:
    asyncio.run(import_file(database_url(), args.file, skip_invalid=args.skip_invalid))


async def import_file(db_url: str, path: str, *, skip_invalid: bool) -> ImportResult:
    binary = _open(path)
    bar = ProgressBar(sys.stderr, _size(binary))
    try:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        try:
            rows = staged_rows(text, lambda ref: decode_as(CUSTOMER, ref))
        except CsvFormatError as error:
            raise CommandError(str(error)) from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text") from None
        async with open_database(db_url):
            await require_migrated()
            try:
                result = await import_usage(
                    SYSTEM,
                    _with_progress(rows, binary, bar),
                    skip_invalid=skip_invalid,
                    on_refused=lambda row: _print_refused(bar, row),
                    on_phase=bar.phase,
                )
            except UnicodeDecodeError:
                raise CommandError(
                    f"{path} is not UTF-8 text (near byte {bar.bytes_read:,}): nothing was imported"
                ) from None
    finally:
        bar.close()
        if binary is not sys.stdin.buffer:
            binary.close()
    _summarize(path, result)
    return result


def _open(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None


def _size(binary: BinaryIO) -> int | None:
    try:
        stat = os.fstat(binary.fileno())
    except (OSError, io.UnsupportedOperation):
        return None
    # A pipe has no size: the bar then counts rows only.
    return stat.st_size if S_ISREG(stat.st_mode) and stat.st_size > 0 else None


def _with_progress(rows: Iterator[StagedRow], binary: BinaryIO, bar: ProgressBar) -> Iterator[StagedRow]:
    count = 0
    for row in rows:
        count += 1
        if count % _ROWS_PER_LOOK == 0:
            bar.update(count, _position(binary))
        yield row
    bar.update(count, _position(binary), final=True)


def _position(binary: BinaryIO) -> int | None:
    try:
        return binary.tell()  # ahead of the rows read by the reader's buffer: a few KiB
    except (OSError, io.UnsupportedOperation):
        return None


def _print_refused(bar: ProgressBar, row: RefusedRow) -> None:
    where = f" [{row.column}]" if row.column else ""
    bar.message(f"line {row.line}: {row.reason}{where}")


def _summarize(path: str, result: ImportResult) -> None:
    name = "standard input" if path == "-" else path
    if not result.committed:
        raise CommandError(
            f"{result.refused:,} of {_count(result.rows, 'row')} refused (listed above): nothing was imported. "
            "Correct them, or import the other rows with --skip-invalid"
        )
    summary = f"{name}: {_count(result.rows, 'row')} read, {_count(result.days_written, 'day')} of usage stored"
    if result.superseded:
        summary += (
            f" ({_count(result.superseded, 'row')} replaced by a later line of the same customer, solution and day)"
        )
    if result.refused:
        summary += f", {_count(result.refused, 'row')} refused (listed above) and skipped"
    print(summary)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


class ProgressBar:
    """``[#####.....]  52%  520,000 rows`` redrawn in place on a terminal; elsewhere (a
    log file, a pipe) one line per tenth of the file, so logs stay readable."""

    WIDTH = 30

    def __init__(self, stream: TextIO, total_bytes: int | None) -> None:
        self.stream = stream
        self.total = total_bytes
        self.tty = stream.isatty()
        self.rows = 0
        self.bytes_read = 0
        self._drawn_at = 0.0
        self._tenths_shown = 0
        self._on_screen = False

    def update(self, rows: int, position: int | None, *, final: bool = False) -> None:
        self.rows = rows
        self.bytes_read = position if position is not None else self.bytes_read
        if self.tty:
            now = time.monotonic()
            if final or now - self._drawn_at >= _REDRAW_SECONDS:
                self._drawn_at = now
                self._draw()
            return
        fraction = self._fraction()
        tenths = int(fraction * 10) if fraction is not None else rows // 100_000
        if final or tenths > self._tenths_shown:
            self._tenths_shown = tenths
            self.stream.write(f"import-usage: {self._label()}\n")
            self.stream.flush()

    def phase(self, text: str) -> None:
        self.message(f"import-usage: {text}")

    def message(self, text: str) -> None:
        """A line of its own, under the bar (which is redrawn at the next update)."""
        self._clear()
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        self._clear()

    def _fraction(self) -> float | None:
        if not self.total:
            return None
        return min(self.bytes_read / self.total, 1.0)

    def _label(self) -> str:
        fraction = self._fraction()
        if fraction is None:
            return f"{self.rows:,} rows"
        return f"{fraction:4.0%}  {self.rows:,} rows"

    def _draw(self) -> None:
        fraction = self._fraction()
        if fraction is None:
            bar = ""
        else:
            filled = int(fraction * self.WIDTH)
            bar = "[" + "#" * filled + "." * (self.WIDTH - filled) + "]  "
        self.stream.write(f"\r{bar}{self._label()}\x1b[K")
        self.stream.flush()
        self._on_screen = True

    def _clear(self) -> None:
        if self._on_screen:
            self.stream.write("\r\x1b[K")
            self._on_screen = False
