"""Recording daily usage from the metering feed (docs/contract.md §3, §8 ``recordUsage``).

Every record is validated on its own (``workflow.core.usage_rules``); valid records
are stored (the same customer, solution and day again replaces the earlier values, also
within one call: the last one wins) and invalid ones are reported by their index with a
code, and not stored. Checking costs two queries (the customers and the solutions named)
and writing one statement, whatever the number of records: the feed sends batches of
up to 5,000. Large files go through ``workflow.usage.importer`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields import CharField
from tortoise.transactions import in_transaction

from models import Customer, Solution
from vocabulary.enums import Scope
from workflow.core.actors import Actor, is_platform_with
from workflow.core.errors import ErrorCode, Forbidden, Problem
from workflow.core.usage_rules import MAX_UNITS, UsageRuleError, check_day, check_units, credits_e4
from workflow.database.sql import is_postgres
from workflow.usage import sql as usage_sql
from workflow.usage.partitions import ensure_month_partitions, is_missing_partition

__all__ = ["MAX_UNITS", "UsageRecord", "UsageResult", "record_usage", "write_usage_rows"]

_CODE_LENGTH = cast(CharField, Solution._meta.fields_map["code"]).max_length

# (customer_id, solution_id, day, provisioned units, used units, credits in ten-thousandths)
UsageRow = tuple[int, int, date, int, int, int]


@dataclass(frozen=True, slots=True)
class UsageRecord:
    customer_id: int | None  # None: the client sent an ID that is not a customer's
    solution_code: str
    day: date | str
    provisioned_units: int
    used_units: int
    allocated_credits: str


@dataclass(frozen=True, slots=True)
class UsageResult:
    accepted_count: int
    problems: list[Problem]


async def record_usage(actor: Actor, records: list[UsageRecord]) -> UsageResult:
    if not is_platform_with(actor, Scope.USAGE_WRITE):
        raise Forbidden("only the platform, with the usage:write scope, records usage")
    customer_ids = {r.customer_id for r in records if r.customer_id is not None}
    codes = {r.solution_code for r in records if _may_be_a_code(r.solution_code)}
    known_customers = (
        cast(set[int], set(await Customer.filter(id__in=customer_ids).values_list("id", flat=True)))
        if customer_ids
        else set()
    )
    solutions = dict(await Solution.filter(code__in=codes).values_list("code", "id")) if codes else {}
    problems: list[Problem] = []
    valid: dict[tuple[int, int, date], UsageRow] = {}
    for index, record in enumerate(records):
        row = _validate(index, record, known_customers, solutions)
        if isinstance(row, Problem):
            problems.append(row)
        else:
            valid[row[:3]] = row  # the last one of a (customer, solution, day) wins
    if valid:
        rows = list(valid.values())
        try:
            async with in_transaction() as conn:
                await write_usage_rows(conn, rows)
        except Exception as error:
            # A month without its partition yet (PostgreSQL): create it, then write again.
            if not is_missing_partition(error) or not await ensure_month_partitions(row[2] for row in rows):
                raise
            async with in_transaction() as conn:
                await write_usage_rows(conn, rows)
    return UsageResult(len(records) - len(problems), problems)


def _may_be_a_code(text: str) -> bool:
    """A text longer than the column, or with a NUL character (which PostgreSQL's text
    cannot hold), names no solution: asking the database for it would fail (Tortoise
    refuses a value longer than the field, the driver a NUL) instead of matching nothing."""
    return len(text) <= _CODE_LENGTH and "\x00" not in text


async def write_usage_rows(conn: BaseDBAsyncClient, rows: list[UsageRow]) -> None:
    """Upsert checked rows, at most one per (customer, solution, day), in one statement."""
    if is_postgres(conn):
        await conn.execute_query(usage_sql.UPSERT_ARRAYS_POSTGRES, [list(column) for column in zip(*rows, strict=True)])
    else:
        await conn.execute_many(usage_sql.UPSERT_ROW_SQLITE, [list(row) for row in rows])


def _validate(index: int, record: UsageRecord, customers: set[int], solutions: dict[str, int]) -> UsageRow | Problem:
    if record.customer_id is None or record.customer_id not in customers:
        return Problem(ErrorCode.NOT_FOUND, "no such customer", field="customerId", index=index)
    solution_id = solutions.get(record.solution_code)
    if solution_id is None:
        return Problem(
            ErrorCode.NOT_FOUND, f"no such solution {record.solution_code!r}", field="solutionCode", index=index
        )
    field = "day"
    try:
        day = check_day(record.day)
        field = "provisionedUnits"
        provisioned = check_units(field, record.provisioned_units)
        field = "usedUnits"
        used = check_units(field, record.used_units)
        field = "allocatedCredits"
        credits = credits_e4(record.allocated_credits)
    except UsageRuleError as error:
        return Problem(ErrorCode.INVALID_INPUT, str(error), field=field, index=index)
    return (record.customer_id, solution_id, day, provisioned, used, credits)
