"""Recording daily usage from the metering feed (SPEC §3, §8 ``recordUsage``).

Every record is validated on its own; valid records are stored (the same customer,
solution and day again replaces the earlier values, also within one call: the last one
wins) and invalid ones are reported by their index with a code, and not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.transactions import in_transaction

from models import Customer, DailyUsage, Solution
from workflow.core.actors import Actor, is_platform_with
from workflow.core.credits import CreditsError, parse_credits, to_e4
from workflow.core.enums import Scope
from workflow.core.errors import ErrorCode, Forbidden, Problem

# Units of one customer, solution and day. The API shows units as GraphQL Int (32-bit
# signed), so a month of them summed by DAILY_SUM (31 days) must stay below 2^31:
# 50 million a day is far beyond any seat count and leaves that room.
MAX_UNITS = 50_000_000
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2999, 12, 31)


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
    codes = {r.solution_code for r in records}
    known_customers = set(await Customer.filter(id__in=customer_ids).values_list("id", flat=True))
    solutions = dict(await Solution.filter(code__in=codes).values_list("code", "id"))
    problems: list[Problem] = []
    valid: dict[tuple[int, int, date], DailyUsage] = {}
    accepted = 0
    for index, record in enumerate(records):
        row_or_problem = _validate(index, record, known_customers, solutions)
        if isinstance(row_or_problem, Problem):
            problems.append(row_or_problem)
            continue
        row = row_or_problem
        valid[(row.customer_id, row.solution_id, row.day)] = row  # the last one wins
        accepted += 1
    if valid:
        async with in_transaction() as conn:
            await DailyUsage.bulk_create(
                list(valid.values()),
                on_conflict=["customer_id", "solution_id", "day"],
                update_fields=["provisioned_units", "used_units", "credits_e4"],
                using_db=conn,
            )
    return UsageResult(accepted, problems)


def _validate(
    index: int, record: UsageRecord, customers: set[int], solutions: dict[str, int]
) -> DailyUsage | Problem:
    def problem(message: str, field: str) -> Problem:
        return Problem(ErrorCode.INVALID_INPUT, message, field=field, index=index)

    if record.customer_id is None or record.customer_id not in customers:
        return Problem(ErrorCode.NOT_FOUND, "no such customer", field="customerId", index=index)
    solution_id = solutions.get(record.solution_code)
    if solution_id is None:
        return Problem(ErrorCode.NOT_FOUND, f"no such solution {record.solution_code!r}",
                       field="solutionCode", index=index)
    try:
        day = record.day if isinstance(record.day, date) else date.fromisoformat(record.day)
    except (TypeError, ValueError):
        return problem("day must be an ISO date such as 2026-10-31", "day")
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        return problem(f"day must be between {EARLIEST_DAY} and {LATEST_DAY}", "day")
    for name, value in (("provisionedUnits", record.provisioned_units), ("usedUnits", record.used_units)):
        if not 0 <= value <= MAX_UNITS:
            return problem(f"{name} must be a whole number from 0 to {MAX_UNITS}", name)
    try:
        credits = parse_credits(record.allocated_credits)
    except CreditsError as error:
        return problem(str(error), "allocatedCredits")
    return DailyUsage(
        customer_id=record.customer_id,
        solution_id=solution_id,
        day=day,
        provisioned_units=record.provisioned_units,
        used_units=record.used_units,
        credits_e4=to_e4(credits),
    )
