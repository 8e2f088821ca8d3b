"""The CSV file of daily usage that ``billing-reports import-usage`` reads (docs/integrations.md).

    customer_id,solution_code,day,provisioned_units,used_units,allocated_credits
    Q3VzdG9tZXI6MQ==,EPP,2026-10-01,12,10,12.5

The first line is the header: these six columns, in any order, nothing else. Every
other line is one record, with the values ``recordUsage`` takes, checked by the same
rules (``workflow.core.usage_rules``): ``customer_id`` is the customer's ID as the API
returns it, ``solution_code`` the solution's code, ``day`` ``YYYY-MM-DD``, the units
whole numbers written with digits only, ``allocated_credits`` a decimal string. Empty
lines are skipped. A row gets one reason, the first found, in the order of the columns
above; whether its customer and solution exist is checked afterwards, set-based, in
the database.

Reading is streamed (one row at a time) and turns each row into a staging row: its
line, then its values as stored, or NULLs and the reason it is refused.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, TextIO

from workflow.core.usage_rules import UsageRuleError, check_day, credits_e4, plain_figures, units_from_text

COLUMNS = ("customer_id", "solution_code", "day", "provisioned_units", "used_units", "allocated_credits")
# Solution codes are at most this long in the catalog (models.Solution.code).
MAX_CODE_LENGTH = 64
# Decoded customer IDs and days are remembered (a file repeats them on every row), up to
# this many distinct ones, so a file of a million different bad values stays in bounded memory.
_CACHE_LIMIT = 100_000

# line, customer_id, solution_code, day, provisioned, used, credits_e4, problem_column, problem
StagedRow = tuple[int, int | None, str | None, date | None, int | None, int | None, int | None, str | None, str | None]


class CsvFormatError(ValueError):
    """The file as a whole cannot be read as usage (no header, other columns)."""


def staged_rows(text: TextIO, decode_customer_id: Callable[[str], int | None]) -> Iterator[StagedRow]:
    """Check the header now, then stream the rows as staging rows.

    ``text`` is opened with ``newline=""`` (the csv module's rule); ``decode_customer_id``
    turns an API customer ID into its key, or None when the text is not a customer's ID.
    """
    reader = csv.reader(text)
    positions = _positions(next(reader, None))
    return _rows(reader, positions, _RowChecker(decode_customer_id))


def _positions(header: list[str] | None) -> tuple[int, ...]:
    expected = ",".join(COLUMNS)
    if header is None:
        raise CsvFormatError(f"the file is empty: its first line must be the header {expected}")
    names = [name.strip().lstrip("\ufeff") for name in header]
    if sorted(names) != sorted(COLUMNS):
        raise CsvFormatError(f"line 1 must be the header {expected} (in any order), not {','.join(names)[:200]}")
    return tuple(names.index(column) for column in COLUMNS)


def _rows(reader: Any, positions: tuple[int, ...], checker: _RowChecker) -> Iterator[StagedRow]:
    width = len(COLUMNS)
    in_order = positions == tuple(range(width))
    for fields in reader:
        if len(fields) != width:
            if fields:  # else an empty line
                yield _refused(reader.line_num, None, f"expected {width} fields, found {len(fields)}")
            continue
        # line_num: the record's last physical line, as an editor numbers it
        yield checker.check(reader.line_num, fields if in_order else [fields[p] for p in positions])


class _RowChecker:
    def __init__(self, decode_customer_id: Callable[[str], int | None]) -> None:
        self._decode = decode_customer_id
        self._customers: dict[str, int | None] = {}
        self._days: dict[str, date | str] = {}  # a day, or why the text is not one

    def check(self, line: int, fields: list[str]) -> StagedRow:
        customer_text, code, day_text, provisioned_text, used_text, credits_text = fields
        customer_id = (
            self._customers[customer_text] if customer_text in self._customers else self._customer(customer_text)
        )
        if customer_id is None:
            return _refused(line, "customer_id", "no such customer")
        if not code or len(code) > MAX_CODE_LENGTH or "\x00" in code:
            return _refused(line, "solution_code", f"no such solution {code[:MAX_CODE_LENGTH]!r}")
        day = self._days[day_text] if day_text in self._days else self._day(day_text)
        if isinstance(day, str):
            return _refused(line, "day", day)
        figures = plain_figures(provisioned_text, used_text, credits_text)
        if figures is None:
            column = "provisioned_units"
            try:
                provisioned = units_from_text(column, provisioned_text)
                column = "used_units"
                used = units_from_text(column, used_text)
                column = "allocated_credits"
                figures = (provisioned, used, credits_e4(credits_text))
            except UsageRuleError as error:
                return _refused(line, column, str(error))
        return (line, customer_id, code, day, *figures, None, None)

    def _customer(self, text: str) -> int | None:
        if len(self._customers) >= _CACHE_LIMIT:
            self._customers.clear()
        customer_id = self._customers[text] = self._decode(text)
        return customer_id

    def _day(self, text: str) -> date | str:
        if len(self._days) >= _CACHE_LIMIT:
            self._days.clear()
        try:
            day: date | str = check_day(text)
        except UsageRuleError as error:
            day = str(error)
        self._days[text] = day
        return day


def _refused(line: int, column: str | None, reason: str) -> StagedRow:
    return (line, None, None, None, None, None, None, column, reason)
