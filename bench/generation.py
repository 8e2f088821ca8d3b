"""Bench: generating a period (3.1M daily rows → 100,000 lines) beside one DISTINCT ON query.

    python -m bench.generation                      # 25,000 customers × 4 solutions × 31 days
    python -m bench.generation --customers 2500     # a tenth, for a quick look
    python -m bench.generation --customers 250000 --months-kept 12   # 31M rows → 1M lines, a year kept
    python -m bench.generation --customers 2500 25000 250000 --rounds 1   # how it grows: a table

On PostgreSQL ``daily_usage`` is partitioned by month (migration 0005): ``--months-kept N``
also fills the N - 1 months before the generated one (``--other-months-customers`` each,
default the same as the month's up to 25,000, i.e. 3.1M rows a month), so the generated month
is read beside a year of others, both by the service and by the baseline.

One run: a throwaway PostgreSQL database, migrated; a channel of 500 Tier 2 partners
with 50 customers each, 4 solutions (all PEAK_CREDITS_DAY, the rule the baseline
computes; ``--mixed-rules`` gives them each rule in turn); a month of daily usage for
every (customer, solution), COPYed in. After one untimed run of each side, in turn (each
side first in one round of three):

- **baseline**: one hand-written query, ``SELECT DISTINCT ON (customer_id, solution_id)
  … ORDER BY customer_id, solution_id, credits_e4 DESC, day DESC`` over the month,
  fetched by asyncpg: the peak day's figures of every pair, and nothing else;
- **service**: ``workflow.generation.generate.generate_reports`` for the month, in-process,
  through Tortoise (a report per partner, a line per pair, the history entries and
  events, in one transaction);
- **written**, for scale only: the least hand-written SQL that writes the same reports and
  lines (one ``INSERT`` of the reports, one ``INSERT … SELECT`` of the lines from the
  same DISTINCT ON), without history or events;
- **rerun**: after an untimed generation, ``generate_reports`` again with nothing new (an
  operator's daily re-run of ``billing-reports generate``): the month aggregated again,
  every editable report's lines found unchanged, nothing written.

After each run of a side that writes, the generated rows are deleted again. Prints each
run, the medians, and **service / baseline** (target ≤ 1.5×, bench/README.md, Targets).
The database is dropped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import date

import asyncpg
from tortoise import Tortoise

from bench import big_world
from bench.throwaway_db import DEFAULT_SERVER_URL, asyncpg_dsn, throwaway_database
from server.database import tortoise_config
from vocabulary.enums import AggregationRule
from workflow.core.actors import SYSTEM
from workflow.generation.generate import generate_reports

PERIOD = "2026-10"
FIRST_DAY = date(2026, 10, 1)
DAYS = 31
CUSTOMERS_PER_PARTNER = 50

BASELINE = """
SELECT DISTINCT ON (u.customer_id, u.solution_id)
       u.customer_id, u.solution_id, u.day, u.provisioned_units, u.used_units, u.credits_e4
FROM daily_usage u
WHERE u.day >= $1 AND u.day <= $2
ORDER BY u.customer_id, u.solution_id, u.credits_e4 DESC, u.day DESC
"""
# For scale, not the target: the least SQL that writes the same reports and lines (one
# statement each, the lines from the same DISTINCT ON), without history or events.
HAND_WRITTEN_REPORTS = """
WITH period AS (
    INSERT INTO billing_period (label, starts_on, ends_on) VALUES ($1, $2, $3) RETURNING id
)
INSERT INTO billing_report (period_id, partner_id, status, version, generated_at, submission_deadline)
SELECT period.id, o.id, 'PREPARING', 1, now(), now() + interval '5 days'
FROM period, organization o
WHERE o.tier = 'TIER2'
"""
HAND_WRITTEN_LINES = """
INSERT INTO line_item (report_id, customer_id, solution_id, name, billing_unit, reference_day,
                       provisioned_units, used_units, over_provisioned_units, chargeable_units,
                       credits_e4, comment)
SELECT r.id, p.customer_id, p.solution_id, s.name, s.billing_unit, p.day, p.provisioned_units,
       p.used_units, GREATEST(p.provisioned_units - p.used_units, 0), p.used_units, p.credits_e4, NULL
FROM (
    SELECT DISTINCT ON (u.customer_id, u.solution_id)
           u.customer_id, u.solution_id, u.day, u.provisioned_units, u.used_units, u.credits_e4
    FROM daily_usage u
    WHERE u.day >= $1 AND u.day <= $2
    ORDER BY u.customer_id, u.solution_id, u.credits_e4 DESC, u.day DESC
) p
JOIN customer c ON c.id = p.customer_id
JOIN solution s ON s.id = p.solution_id
JOIN billing_report r ON r.partner_id = c.partner_id
"""
FORGET_GENERATED = "TRUNCATE history_line_change, history_entry, line_item, billing_report, billing_period CASCADE"


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    results = []
    for customers in args.customers:
        times = asyncio.run(_run(args, customers))
        _report(times, args, customers)
        results.append((customers, times))
    if len(results) > 1:
        _growth(results, args)
    return 0


def _growth(results: list[tuple[int, dict[str, list[float]]]], args: argparse.Namespace) -> None:
    print(f"\nhow it grows with the month's size ({args.months_kept} month(s) kept):")
    print(f"{'daily rows':>12} {'lines':>10} {'baseline':>10} {'service':>10} {'ratio':>7}")
    for customers, times in results:
        baseline, service = statistics.median(times["baseline"]), statistics.median(times["service"])
        pairs = customers * args.solutions
        print(f"{pairs * DAYS:>12,} {pairs:>10,} {baseline:>9.2f}s {service:>9.2f}s {service / baseline:>6.2f}x")


async def _run(args: argparse.Namespace, customers: int) -> dict[str, list[float]]:
    async with throwaway_database(args.server_url) as db_url:
        dsn = asyncpg_dsn(db_url)
        started = time.perf_counter()
        world = await big_world.build(
            db_url,
            customers=customers,
            partners=max(1, customers // CUSTOMERS_PER_PARTNER),
            solutions=args.solutions,
            rule=None if args.mixed_rules else AggregationRule.PEAK_CREDITS_DAY,
        )
        conn = await asyncpg.connect(dsn)
        try:
            others = min(customers, args.other_months_customers)
            for back in range(args.months_kept - 1, 0, -1):  # the year before the generated month
                first = date(FIRST_DAY.year - (back > FIRST_DAY.month - 1), (FIRST_DAY.month - 1 - back) % 12 + 1, 1)
                await big_world.ensure_partitions(conn, first, DAYS)
                days = (date(first.year + first.month // 12, first.month % 12 + 1, 1) - first).days
                await big_world.copy_usage(
                    dsn, big_world.usage_rows(world, first, days, customers=others), skip_foreign_key_checks=True
                )
                print(f"  seeded {first:%Y-%m}: {others * args.solutions * days:,} rows", flush=True)
            await big_world.ensure_partitions(conn, FIRST_DAY, DAYS)
            await big_world.copy_usage(dsn, big_world.usage_rows(world, FIRST_DAY, DAYS), skip_foreign_key_checks=True)
            await conn.execute("VACUUM ANALYZE")
            rows = await conn.fetchval("SELECT count(*) FROM daily_usage")
            pairs = customers * args.solutions
            print(
                f"database {db_url.rsplit('/', 1)[-1]}: {rows:,} daily rows in {args.months_kept} month(s), "
                f"{pairs * DAYS:,} in {PERIOD}, {pairs:,} (customer, solution) "
                f"pairs, {len(world.solution_codes)} solutions "
                f"({'each rule in turn' if args.mixed_rules else 'all PEAK_CREDITS_DAY'}); "
                f"seeded in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            await Tortoise.init(config=tortoise_config(db_url))
            try:
                return await _measure(conn, args.rounds, pairs)
            finally:
                await Tortoise.close_connections()
        finally:
            await conn.close()


async def _measure(conn: asyncpg.Connection, rounds: int, pairs: int) -> dict[str, list[float]]:
    last_day = date(FIRST_DAY.year, FIRST_DAY.month, DAYS)

    async def baseline() -> tuple[int, str]:
        return len(await conn.fetch(BASELINE, FIRST_DAY, last_day)), "rows fetched"

    async def service() -> tuple[int, str]:
        result = await generate_reports(SYSTEM, PERIOD)
        return -1, f"{result.created_count} reports, history, events"

    async def rerun() -> tuple[int, str]:
        # The same command again with nothing new (the operator's daily re-run): the
        # aggregation, then regeneration finding every line unchanged. Timed from outside,
        # so the first generation runs before the clock starts (``untimed``).
        result = await generate_reports(SYSTEM, PERIOD)
        if result.created_count or result.regenerated_count:
            raise SystemExit(f"rerun: {result} after a generation with nothing new")
        return -1, "nothing new: 0 created, 0 regenerated"

    async def hand_written() -> tuple[int, str]:
        async with conn.transaction():
            await conn.execute(HAND_WRITTEN_REPORTS, PERIOD, FIRST_DAY, last_day)
            status = await conn.execute(HAND_WRITTEN_LINES, FIRST_DAY, last_day)
        return int(status.rsplit(" ", 1)[1]), "reports and lines, nothing else"

    sides = {"baseline": baseline, "service": service, "written": hand_written, "rerun": rerun}
    untimed = {"rerun": service}  # what a side needs done before its clock starts
    times: dict[str, list[float]] = {name: [] for name in sides}
    # Untimed, once each: the first run reads the table into the cache, plans, JIT-compiles.
    for name, run in sides.items():
        if name in untimed:
            await untimed[name]()
        await run()
        await conn.execute(FORGET_GENERATED)
    names = list(sides)
    for round_no in range(1, rounds + 1):
        shift = (round_no - 1) % len(names)
        for name in names[shift:] + names[:shift]:  # each side first in turn
            if name in untimed:
                await untimed[name]()
            started = time.perf_counter()
            lines, detail = await sides[name]()
            elapsed = time.perf_counter() - started
            if lines < 0:
                lines = await conn.fetchval("SELECT count(*) FROM line_item")
            await conn.execute(FORGET_GENERATED)
            if lines != pairs:
                raise SystemExit(f"{name}: {lines:,} lines, expected {pairs:,}")
            times[name].append(elapsed)
            print(f"round {round_no} {name:8} {elapsed:6.2f} s   {lines:,} lines ({detail})", flush=True)
    return times


def _report(times: dict[str, list[float]], args: argparse.Namespace, customers: int) -> None:
    load1, load5, _ = os.getloadavg()
    baseline, service = statistics.median(times["baseline"]), statistics.median(times["service"])
    written = statistics.median(times["written"])
    print(
        f"\ngenerating a period: {customers * args.solutions * DAYS:,} daily rows into "
        f"{customers * args.solutions:,} lines ({args.months_kept} month(s) kept), {args.rounds} round(s) of each, "
        "in turn"
    )
    print(f"machine: {os.cpu_count()} cores, load average {load1:.2f} (1 min) {load5:.2f} (5 min) at the end")
    print(f"baseline (one DISTINCT ON query, fetched)              median {baseline:6.2f} s")
    print(f"service  (generate_reports)                            median {service:6.2f} s")
    print(
        f"written  (hand-written SQL writing the reports, lines) median {written:6.2f} s"
        f"   service / written: {service / written:.2f}x"
    )
    rerun = statistics.median(times["rerun"])
    print(
        f"rerun    (generate_reports again, nothing new)         median {rerun:6.2f} s"
        f"   rerun / baseline: {rerun / baseline:.2f}x"
    )
    print(f"ratio service / baseline: {service / baseline:.2f}x  (target <= 1.5x)")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.generation", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--customers", type=int, nargs="+", default=[25_000], help="customers (default 25,000); several: a table"
    )
    parser.add_argument("--months-kept", type=int, default=1, help="months in the table, the generated one last")
    parser.add_argument(
        "--other-months-customers", type=int, default=25_000, help="customers of each other month (default 25,000)"
    )
    parser.add_argument("--solutions", type=int, default=4, help="solutions, each used by every customer (default 4)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per side (default 3)")
    parser.add_argument(
        "--mixed-rules",
        action="store_true",
        help="give the solutions each aggregation rule in turn (the baseline stays the peak query)",
    )
    parser.add_argument(
        "--server-url",
        default=DEFAULT_SERVER_URL,
        help=f"PostgreSQL cluster for the throwaway database (default {DEFAULT_SERVER_URL})",
    )
    args = parser.parse_args(argv)
    if not (
        all(CUSTOMERS_PER_PARTNER <= c <= 300_000 for c in args.customers)
        and 1 <= args.solutions <= 8
        and 1 <= args.rounds <= 10
        and 1 <= args.months_kept <= 12
    ):
        parser.error("keep it bounded: customers 50-300,000, solutions 1-8, rounds 1-10, months kept 1-12")
    return args


if __name__ == "__main__":
    sys.exit(main())
