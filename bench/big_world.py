"""A large channel for the throughput benches (bench/ingest.py, bench/generation.py).

    platform "Vendor" → Tier 1 "Distribution 1..T" → Tier 2 "MSP 1..P" → customers

Organizations, customers and solutions go through the ORM's ``bulk_create`` (seconds);
the millions of daily usage rows the generation bench needs are COPYed straight into
``daily_usage`` (``copy_usage``). Every figure is a pure function of (customer, solution,
day), so each run holds the same data, and credits are exact ten-thousandths.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg
from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate

from models import Customer, Organization, Solution
from server.database import tortoise_config
from vocabulary.enums import AggregationRule, Tier
from workflow.access import tokens

USAGE_COLUMNS = ("customer_id", "solution_id", "day", "provisioned_units", "used_units", "credits_e4")
# (customer_id, solution_id, day, provisioned, used, credits_e4), as COPY and executemany take it
UsageRow = tuple[int, int, date, int, int, int]


@dataclass(frozen=True, slots=True)
class BigWorld:
    customer_ids: list[int]
    solution_ids: list[int]
    solution_codes: list[str]
    platform_token: str  # usage:write, reports:generate


async def build(
    db_url: str,
    *,
    customers: int,
    partners: int,
    solutions: int,
    rule: AggregationRule | None = AggregationRule.PEAK_CREDITS_DAY,
) -> BigWorld:
    """Migrate the empty database at ``db_url`` and create the channel (no usage yet).

    ``rule``: every solution's aggregation rule; None gives the solutions each rule in turn.
    """
    await Tortoise.init(config=tortoise_config(db_url))
    try:
        await migrate(config=tortoise_config(db_url))
        platform = await Organization.create(name="Vendor", tier=Tier.PLATFORM)
        tier1s = [await Organization.create(name=f"Distribution {n}", tier=Tier.TIER1) for n in range(1, 6)]
        await Organization.bulk_create(
            [
                Organization(name=f"MSP {n}", tier=Tier.TIER2, parent_id=tier1s[n % len(tier1s)].id)
                for n in range(1, partners + 1)
            ]
        )
        partner_ids = await Organization.filter(tier=Tier.TIER2).order_by("id").values_list("id", flat=True)
        await Customer.bulk_create(
            [Customer(name=f"Customer {n}", partner_id=partner_ids[n % partners]) for n in range(1, customers + 1)],
            batch_size=10_000,
        )
        rules = list(AggregationRule)
        await Solution.bulk_create(
            [
                Solution(
                    code=f"S{n}",
                    name=f"Solution {n}",
                    billing_unit="seat",
                    aggregation_rule=rule or rules[n % len(rules)],
                )
                for n in range(1, solutions + 1)
            ]
        )
        customer_ids = [int(c[0]) for c in await Customer.all().order_by("id").values_list("id")]
        solution_rows = await Solution.all().order_by("id").values_list("id", "code")
        issued = await tokens.issue_token(platform, "metering feed")
    finally:
        await Tortoise.close_connections()
    return BigWorld(customer_ids, [int(s[0]) for s in solution_rows], [str(s[1]) for s in solution_rows], issued.token)


def usage_rows(world: BigWorld, first_day: date, days: int, *, customers: int | None = None) -> Iterator[UsageRow]:
    """Every (customer, solution, day), in the order of the table's unique key."""
    day_list = [first_day + timedelta(days=d) for d in range(days)]
    for c in world.customer_ids[:customers]:
        for s_index, s in enumerate(world.solution_ids):
            for d_index, day in enumerate(day_list):
                used = 5 + (c * 7 + d_index * 13 + s_index * 3) % 40
                # ties on purpose: credits repeat within a month (c + d) % 9 of the time
                credits = used * 12_345 + ((c + d_index * 5) % 9) * 1_000
                yield (c, s, day, used + (c + d_index) % 5, used, credits)


async def ensure_partitions(conn: asyncpg.Connection, first_day: date, days: int) -> None:
    """Create the monthly partitions of ``daily_usage`` these days fall in (migration 0005), as the service would."""
    months = sorted({(first_day + timedelta(days=d)).replace(day=1) for d in range(days)})
    await conn.execute("SELECT daily_usage_ensure_partitions($1::date[])", months)


async def copy_usage(dsn: str, rows: Iterator[UsageRow], *, skip_foreign_key_checks: bool) -> None:
    """COPY rows into ``daily_usage`` (their months' partitions must exist: ``ensure_partitions``).

    ``skip_foreign_key_checks`` (seeding only, the rows are consistent by construction):
    the two foreign keys cost ~8 µs a row in triggers; ``session_replication_role =
    replica`` skips them, which needs a superuser, so without one the COPY just takes longer.
    """
    conn = await asyncpg.connect(dsn)
    try:
        if skip_foreign_key_checks:
            with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
                await conn.execute("SET session_replication_role = replica")
        await conn.copy_records_to_table("daily_usage", records=rows, columns=USAGE_COLUMNS)
        await conn.execute("ANALYZE daily_usage")
    finally:
        await conn.close()
