"""``daily_usage`` partitioned by month on PostgreSQL (migration 0005, ``workflow.usage.partitions``).

These tests run on a database made by the migrations, as ``billing-reports migrate``
makes it (the other tests' databases are made from the models, unpartitioned):
existing rows move into their months' partitions; ``migrate`` creates the months
ahead; the import and ``recordUsage`` create the months they meet (never a failed
insert); a month's generation reads only its own partition; and an old month is
detached, written out in the import format, and put back by the import.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
import pytest_asyncio
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.migrations.api.migrate import migrate

from models import BillingReport, DailyUsage
from schema.ids import CUSTOMER, decode_as, encode
from server.database import tortoise_config
from server.database_session import apply_migrations, create_postgres_database_if_missing, open_database
from tests.conftest import drop_postgres_database, fresh_database_url
from tests.world import World, build_world
from vocabulary.enums import AggregationRule, ReportStatus
from workflow.core.actors import SYSTEM
from workflow.core.periods import Month
from workflow.database.sql import fetch, run
from workflow.generation import sql as generation_sql
from workflow.generation.generate import generate_reports
from workflow.usage.csv_format import staged_rows
from workflow.usage.importer import import_usage
from workflow.usage.partitions import (
    PartitionError,
    archive_month,
    ensure_month_partitions,
    list_partitions,
    months_ahead,
)
from workflow.usage.record import UsageRecord, record_usage

pytestmark = pytest.mark.postgres_only


@pytest_asyncio.fixture
async def migrated() -> AsyncIterator[World]:
    url = fresh_database_url()
    try:
        await apply_migrations(url, lambda message: None)
        async with open_database(url):
            await ensure_month_partitions(months_ahead())  # what `migrate` does after the migrations
            yield await build_world()
    finally:
        await drop_postgres_database(url)


async def partitions() -> list[str]:
    attached, _ = await list_partitions()
    return [p.name for p in attached]


async def given_usage_before_partitions(conn: Any, months: list[str]) -> None:
    """8 customers of one Tier 2 partner, 3 days of one solution in each month: 24 rows a month."""
    await run(
        conn,
        "INSERT INTO organization (id, name, tier, parent_id, auto_approve, created_at) VALUES "
        "(901, 'North', 'TIER1', NULL, false, now()), (902, 'Alpha', 'TIER2', 901, false, now())",
    )
    await run(
        conn,
        "INSERT INTO solution (id, code, name, billing_unit, aggregation_rule) "
        "VALUES (901, 'OLD', 'Old', 'seat', 'PEAK_CREDITS_DAY')",
    )
    for n in range(8):
        await run(
            conn, "INSERT INTO customer (id, name, partner_id) VALUES (:id, :name, 902)", id=901 + n, name=f"c{n}"
        )
    for month in months:
        first = Month.parse(month).starts_on
        for n in range(8):
            for d in range(3):
                await run(
                    conn,
                    "INSERT INTO daily_usage (customer_id, solution_id, day, provisioned_units, used_units, credits_e4)"
                    " VALUES (:customer, 901, :day, 12, :used, 25000)",
                    customer=901 + n, day=first + timedelta(days=d), used=10 + d,
                )  # fmt: skip


def month_usage(world: World, month: str, days: int = 3) -> list[UsageRecord]:
    first = Month.parse(month).starts_on
    return [
        UsageRecord(customer.id, "EPP", (first + timedelta(days=d)).isoformat(), 12, 10 + d, "2.5")
        for party in world.tier2s
        for customer in party.customers
        for d in range(days)
    ]


async def test_migrate_creates_this_month_and_the_next_three(migrated: World) -> None:
    expected = [f"daily_usage_{first:%Y_%m}" for first in months_ahead()]

    assert await partitions() == expected
    assert await ensure_month_partitions(months_ahead()) == 0  # idempotent


async def test_record_usage_creates_the_partition_of_a_month_that_has_none(migrated: World) -> None:
    assert "daily_usage_2019_03" not in await partitions()

    result = await record_usage(migrated.platform.actor, month_usage(migrated, "2019-03"))

    assert result.problems == [] and result.accepted_count == 24
    assert "daily_usage_2019_03" in await partitions()
    rows = await fetch(connections.get("default"), "SELECT count(*) AS n FROM daily_usage_2019_03")
    assert rows[0]["n"] == 24


async def test_the_import_creates_the_partitions_of_its_months(migrated: World) -> None:
    lines = ["customer_id,solution_code,day,provisioned_units,used_units,allocated_credits"]
    customer = encode(CUSTOMER, migrated.tier2_a1.customers[0].id)
    for day in ("2018-01-31", "2018-02-01", "2018-04-15"):
        lines.append(f"{customer},EPP,{day},12,10,2.5")
    rows = staged_rows(io.StringIO("\n".join(lines) + "\n", newline=""), lambda ref: decode_as(CUSTOMER, ref))

    result = await import_usage(SYSTEM, rows, on_refused=lambda row: None)

    assert result.committed and result.days_written == 3
    assert {"daily_usage_2018_01", "daily_usage_2018_02", "daily_usage_2018_04"} <= set(await partitions())
    assert "daily_usage_2018_03" not in await partitions()


async def test_a_months_generation_reads_only_its_partition(migrated: World) -> None:
    for month in ("2026-09", "2026-10", "2026-11"):
        await migrated.add_usage(month_usage(migrated, month))
    period = Month.parse("2026-10")
    conn = connections.get("default")

    # The statement first generation runs (as CREATE TABLE AS), explained with its parameters.
    plan = "\n".join(
        row["QUERY PLAN"]
        for row in await fetch(
            conn,
            "EXPLAIN "
            + generation_sql.create_period_figures_postgres(frozenset(AggregationRule)).replace(" ON COMMIT DROP", ""),
            starts_on=period.starts_on,
            ends_on=period.ends_on,
            **{
                generation_sql.RULE_SOLUTIONS_PARAMETER[rule]: [
                    s.id for s in migrated.solutions.values() if s.aggregation_rule == rule
                ]
                for rule in AggregationRule
            },
        )
    )

    assert "daily_usage_2026_10" in plan
    assert "daily_usage_2026_09" not in plan and "daily_usage_2026_11" not in plan
    result = await generate_reports(SYSTEM, "2026-10")
    assert result.created_count == 4


async def test_an_old_month_is_archived_to_a_file_and_the_import_puts_it_back(migrated: World, tmp_path) -> None:
    await migrated.add_usage(month_usage(migrated, "2025-01") + month_usage(migrated, "2025-02"))
    await generate_reports(SYSTEM, "2025-01")
    month = Month.parse("2025-01")

    with pytest.raises(PartitionError, match="not yet approved"):
        await archive_month(month)
    await BillingReport.all().update(status=ReportStatus.APPROVED)
    with pytest.raises(PartitionError, match="not over yet"):
        await archive_month(Month.of(date.today()))

    target = tmp_path / "2025-01.csv"

    async def write(raw, query: str) -> int:
        with target.open("wb") as out:
            out.write(b"customer_id,solution_code,day,provisioned_units,used_units,allocated_credits\n")
            status = await raw.copy_from_query(query, output=out, format="csv")
        return int(status.rsplit(" ", 1)[1])

    result = await archive_month(month, write=write, drop=True)

    assert result.rows_written == 24 and result.dropped
    assert "daily_usage_2025_01" not in await partitions()
    assert await DailyUsage.filter(day__lt=date(2025, 2, 1)).count() == 0
    assert await DailyUsage.filter(day__gte=date(2025, 2, 1)).count() == 24  # the other month stays
    with target.open(newline="") as text:
        back = await import_usage(
            SYSTEM, staged_rows(text, lambda ref: decode_as(CUSTOMER, ref)), on_refused=lambda row: None
        )
    assert back.committed and back.days_written == 24 and back.refused == 0
    assert await DailyUsage.filter(day__lt=date(2025, 2, 1)).count() == 24


async def test_migration_0005_moves_the_existing_rows_into_their_months() -> None:
    url = fresh_database_url()
    try:
        await create_postgres_database_if_missing(url)
        async with open_database(url):
            await migrate(config=tortoise_config(url), target="models.0004_month_end_close")
            # Rows as that schema holds them, in raw SQL: today's models (and the world's
            # tokens) have columns of later migrations, and recordUsage the partitions'.
            await given_usage_before_partitions(connections.get("default"), ["2024-11", "2024-12"])
            before = await DailyUsage.all().order_by("id").values_list("id", "customer_id", "day", "used_units")

            await migrate(config=tortoise_config(url))

            after = await DailyUsage.all().order_by("id").values_list("id", "customer_id", "day", "used_units")
            assert after == before
            assert {"daily_usage_2024_11", "daily_usage_2024_12"} <= set(await partitions())
            counts = await fetch(
                connections.get("default"),
                "SELECT tableoid::regclass::text AS part, count(*) AS n FROM daily_usage GROUP BY 1 ORDER BY 1",
            )
            assert [(c["part"], c["n"]) for c in counts] == [("daily_usage_2024_11", 24), ("daily_usage_2024_12", 24)]
            world = await build_world()
            await world.add_usage(month_usage(world, "2024-12", days=4))  # the sequence goes on: no key clash
            assert await DailyUsage.all().count() == 48 + 4 * sum(len(p.customers) for p in world.tier2s)
    finally:
        await drop_postgres_database(url)


async def test_migration_0005_goes_back_to_one_table_and_forward_again_keeping_every_row() -> None:
    url = fresh_database_url()
    try:
        await create_postgres_database_if_missing(url)
        async with open_database(url):
            await migrate(config=tortoise_config(url), target="models.0004_month_end_close")
            await given_usage_before_partitions(connections.get("default"), ["2024-11", "2024-12"])
            await migrate(config=tortoise_config(url))
            conn = connections.get("default")
            before = await fetch(conn, "SELECT id, customer_id, day, used_units FROM daily_usage ORDER BY id")

            # Back past 0007, 0006 and 0005: one table again, as 0001-0004 made it.
            await migrate(config=tortoise_config(url), target="models.0004_month_end_close")

            assert await fetch(conn, "SELECT id, customer_id, day, used_units FROM daily_usage ORDER BY id") == before
            (kind,) = await fetch(
                conn, "SELECT relkind::text AS relkind FROM pg_class WHERE oid = 'daily_usage'::regclass"
            )
            assert kind["relkind"] == "r"
            assert not await fetch(conn, "SELECT 1 FROM pg_proc WHERE proname = 'daily_usage_ensure_partitions'")
            indexes = {
                row["indexname"]
                for row in await fetch(conn, "SELECT indexname FROM pg_indexes WHERE tablename = 'daily_usage'")
            }
            assert indexes == {"daily_usage_pkey", "uid_daily_usage_custome_30d743", "idx_daily_usage_day_5544b2"}
            with pytest.raises(IntegrityError):  # the unique key and the foreign keys are back
                await run(
                    conn,
                    "INSERT INTO daily_usage (customer_id, solution_id, day, provisioned_units, used_units, credits_e4)"
                    " SELECT customer_id, solution_id, day, 1, 1, 1 FROM daily_usage LIMIT 1",
                )

            # And forward again: partitioned, the same rows, and the sequence goes on.
            await migrate(config=tortoise_config(url))

            assert await fetch(conn, "SELECT id, customer_id, day, used_units FROM daily_usage ORDER BY id") == before
            assert {"daily_usage_2024_11", "daily_usage_2024_12"} <= set(await partitions())
            world = await build_world()
            await world.add_usage(month_usage(world, "2024-12", days=2))
            assert await DailyUsage.all().count() == len(before) + 2 * sum(len(p.customers) for p in world.tier2s)
    finally:
        await drop_postgres_database(url)
