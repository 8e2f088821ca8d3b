"""Bench: usage ingestion, each way beside its baseline measured in the same run.

    python -m bench.ingest                   # both: the CSV import and recordUsage
    python -m bench.ingest --only import     # 1M rows through the CLI vs asyncpg COPY
    python -m bench.ingest --only record     # recordUsage over HTTP vs asyncpg executemany

One throwaway PostgreSQL database, migrated, with a channel of 10,000 customers (200
Tier 2 partners) and 4 solutions (``bench/big_world.py``). Before every timed run
``daily_usage`` is emptied, so each side writes the same rows into the same empty table.

**Import** (``--rows``, default 1,000,000: 10,000 customers × 4 solutions × 25 days):
the rows are written once as a CSV file in the documented format (customer IDs as the
API shows them). The service is the real command, ``billing-reports import-usage FILE``,
in a subprocess, timed from start to exit (start-up, reading, checking, staging COPY,
upsert), its peak memory read from /proc as it runs; the baseline is asyncpg's
``copy_records_to_table`` of the same rows, already built in memory, straight into
``daily_usage``. Also printed, for scale: a COPY of the rows into a table without
indexes or foreign keys. Target (bench/README.md, Targets): import ≥ 0.3× of COPY.

**recordUsage** (``--batches``, default 40 of 5,000 records): the service is one uvicorn
worker (``bench/servers.py``) sent ``recordUsage`` mutations of 5,000 records each, one
after the other over one connection (a feed's way), every answer checked
(``acceptedCount`` 5,000, no error); the baseline is asyncpg's ``executemany`` of the
same upsert, 5,000 rows a call. Target: ≥ 20,000 records/s.

Sides alternate (baseline first in odd rounds), after one untimed run of each. The
database is dropped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import asyncpg
import httpx
import orjson

from bench import big_world, servers
from bench.throwaway_db import DEFAULT_SERVER_URL, asyncpg_dsn, throwaway_database
from schema.ids import CUSTOMER, encode
from workflow.core.credits import format_credits
from workflow.usage.csv_format import COLUMNS

CUSTOMERS, PARTNERS, SOLUTIONS = 10_000, 200, 4
IMPORT_FIRST_DAY = date(2026, 10, 1)
RECORD_FIRST_DAY = date(2026, 11, 1)
BATCH = 5_000

UPSERT = """
INSERT INTO daily_usage (customer_id, solution_id, day, provisioned_units, used_units, credits_e4)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (customer_id, solution_id, day) DO UPDATE SET
    provisioned_units = excluded.provisioned_units, used_units = excluded.used_units,
    credits_e4 = excluded.credits_e4
"""
RECORD_USAGE = (
    "mutation Feed($input: RecordUsageInput!) "
    "{ recordUsage(input: $input) { acceptedCount errors { code index message } } }"
)


@dataclass
class Side:
    name: str
    seconds: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    async with throwaway_database(args.server_url) as db_url:
        world = await big_world.build(db_url, customers=args.customers, partners=PARTNERS, solutions=SOLUTIONS)
        print(f"database {db_url.rsplit('/', 1)[-1]}: {args.customers:,} customers, {SOLUTIONS} solutions", flush=True)
        with tempfile.TemporaryDirectory(prefix="brbench_ingest_") as tmp:
            if args.only in (None, "import"):
                await _bench_import(args, world, db_url, Path(tmp))
            if args.only in (None, "record"):
                await _bench_record(args, world, db_url, Path(tmp))
    return 0


# --- the CSV import -----------------------------------------------------------------------


async def _bench_import(args: argparse.Namespace, world: big_world.BigWorld, db_url: str, tmp: Path) -> None:
    days = args.rows // (args.customers * SOLUTIONS)
    rows = list(big_world.usage_rows(world, IMPORT_FIRST_DAY, days))
    path = tmp / "usage.csv"
    started = time.perf_counter()
    _write_csv(path, rows, world)
    print(
        f"\nimport: {len(rows):,} rows ({days} days of every customer and solution), "
        f"{path.stat().st_size / 2**20:.0f} MiB of CSV written in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    dsn = asyncpg_dsn(db_url)
    conn = await asyncpg.connect(dsn)
    try:
        await big_world.ensure_partitions(conn, IMPORT_FIRST_DAY, days)  # for the baseline's COPY
        unconstrained = await _copy_without_constraints(conn, rows)
        baseline, service = Side("baseline"), Side("service")

        async def copy() -> str:
            await conn.copy_records_to_table("daily_usage", records=rows, columns=big_world.USAGE_COLUMNS)
            return ""

        def cli() -> str:
            return _run_import_command(db_url, path)

        for round_no in range(0, args.rounds + 1):  # round 0: untimed, once each
            for side in [baseline, service] if round_no % 2 == 0 else [service, baseline]:
                await conn.execute("TRUNCATE daily_usage")
                began = time.perf_counter()
                note = await copy() if side is baseline else cli()
                elapsed = time.perf_counter() - began
                stored = await conn.fetchval("SELECT count(*) FROM daily_usage")
                if stored != len(rows):
                    raise SystemExit(f"{side.name}: {stored:,} rows stored, expected {len(rows):,}")
                if round_no:
                    side.seconds.append(elapsed)
                    side.notes.append(note)
                    print(
                        f"round {round_no} {side.name:8} {elapsed:6.2f} s  {len(rows) / elapsed:10,.0f} rows/s  {note}",
                        flush=True,
                    )
    finally:
        await conn.close()
    b, s = statistics.median(baseline.seconds), statistics.median(service.seconds)
    _machine()
    print(f"COPY into a table without indexes or foreign keys (for scale): {len(rows) / unconstrained:10,.0f} rows/s")
    print(f"baseline (asyncpg COPY into daily_usage)      median {b:6.2f} s {len(rows) / b:10,.0f} rows/s")
    print(f"service  (billing-reports import-usage FILE)  median {s:6.2f} s {len(rows) / s:10,.0f} rows/s")
    print(f"ratio service / baseline: {b / s:.2f}x of COPY's throughput  (target >= 0.3x)")


def _write_csv(path: Path, rows: list[big_world.UsageRow], world: big_world.BigWorld) -> None:
    ids = {c: encode(CUSTOMER, c) for c in world.customer_ids}
    codes = dict(zip(world.solution_ids, world.solution_codes, strict=True))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows((ids[c], codes[s], day.isoformat(), p, u, format_credits(e4)) for c, s, day, p, u, e4 in rows)


async def _copy_without_constraints(conn: asyncpg.Connection, rows: list[big_world.UsageRow]) -> float:
    await conn.execute("CREATE TEMPORARY TABLE plain_usage (LIKE daily_usage INCLUDING DEFAULTS)")
    began = time.perf_counter()
    await conn.copy_records_to_table("plain_usage", records=rows, columns=big_world.USAGE_COLUMNS)
    elapsed = time.perf_counter() - began
    await conn.execute("DROP TABLE plain_usage")
    return elapsed


def _run_import_command(db_url: str, path: Path) -> str:
    """Run the command to its exit; its own peak memory.

    Read from /proc (VmHWM, the peak since exec) while it runs: wait4's ru_maxrss would
    count this process's pages the child shared between fork and exec.
    """
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(servers.PROJECT_ROOT)}
    err_path = path.with_suffix(".err")
    peak_kib = 0
    with err_path.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "import-usage", str(path)],
            cwd=servers.PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        while process.poll() is None:
            peak_kib = max(peak_kib, _peak_rss_kib(process.pid))
            time.sleep(0.05)
    if process.returncode != 0:
        raise SystemExit(f"import-usage failed ({process.returncode}):\n{err_path.read_text()[-2000:]}")
    return f"peak RSS {peak_kib / 1024:.0f} MiB"


def _peak_rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


# --- recordUsage over HTTP ------------------------------------------------------------------


async def _bench_record(args: argparse.Namespace, world: big_world.BigWorld, db_url: str, tmp: Path) -> None:
    customers = args.batches * BATCH // (SOLUTIONS * 25)
    rows = list(big_world.usage_rows(world, RECORD_FIRST_DAY, 25, customers=customers))[: args.batches * BATCH]
    batches = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]
    codes = dict(zip(world.solution_ids, world.solution_codes, strict=True))
    bodies = [_request_body(batch, codes) for batch in batches]
    print(
        f"\nrecordUsage: {len(rows):,} records in {len(batches)} requests of {BATCH:,} "
        f"({statistics.median(len(b) for b in bodies) / 2**10:.0f} KiB each)",
        flush=True,
    )
    server = servers.start("service", servers.SERVICE_FACTORY, db_url, tmp)
    conn = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        await big_world.ensure_partitions(conn, RECORD_FIRST_DAY, 25)  # for the baseline's upserts
        baseline, service = Side("baseline"), Side("service")
        async with httpx.AsyncClient(timeout=120) as client:
            for round_no in range(0, args.rounds + 1):  # round 0: untimed, once each
                for side in [baseline, service] if round_no % 2 == 0 else [service, baseline]:
                    await conn.execute("TRUNCATE daily_usage")
                    began = time.perf_counter()
                    if side is baseline:
                        for batch in batches:
                            await conn.executemany(UPSERT, batch)  # atomic: one transaction a call
                    else:
                        for body in bodies:
                            await _post(client, server.url, world.platform_token, body)
                    elapsed = time.perf_counter() - began
                    stored = await conn.fetchval("SELECT count(*) FROM daily_usage")
                    if stored != len(rows):
                        raise SystemExit(f"{side.name}: {stored:,} rows stored, expected {len(rows):,}")
                    if round_no:
                        side.seconds.append(elapsed)
                        print(
                            f"round {round_no} {side.name:8} {elapsed:6.2f} s  {len(rows) / elapsed:10,.0f} records/s",
                            flush=True,
                        )
        rss = server.rss_mib()
    finally:
        await conn.close()
        server.stop()
    b, s = statistics.median(baseline.seconds), statistics.median(service.seconds)
    _machine()
    print(f"baseline (asyncpg executemany, {BATCH:,} a call)          median {len(rows) / b:10,.0f} records/s")
    print(
        f"service  (recordUsage over HTTP, {BATCH:,} a request)     median {len(rows) / s:10,.0f} records/s"
        f"  (worker RSS {rss or float('nan'):.0f} MiB)"
    )
    print(f"ratio service / baseline: {b / s:.2f}x;  service {len(rows) / s:,.0f} records/s (target >= 20,000)")


def _request_body(batch: list[big_world.UsageRow], codes: dict[int, str]) -> bytes:
    records = [
        {
            "customerId": encode(CUSTOMER, c),
            "solutionCode": codes[s],
            "day": day.isoformat(),
            "provisionedUnits": p,
            "usedUnits": u,
            "allocatedCredits": format_credits(e4),
        }
        for c, s, day, p, u, e4 in batch
    ]
    return orjson.dumps({"query": RECORD_USAGE, "variables": {"input": {"records": records}}})


async def _post(client: httpx.AsyncClient, url: str, token: str, body: bytes) -> None:
    response = await client.post(
        url, content=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    )
    answer = response.json()
    result = (answer.get("data") or {}).get("recordUsage") or {}
    if response.status_code != 200 or result.get("acceptedCount") != BATCH or result.get("errors"):
        raise SystemExit(f"recordUsage answered {response.status_code}: {str(answer)[:500]}")


# --- common ---------------------------------------------------------------------------------


def _machine() -> None:
    load1, load5, _ = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load1:.2f} (1 min) {load5:.2f} (5 min) at the end")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["import", "record"], help="run one of the two benches")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the imported file (default 1,000,000)")
    parser.add_argument(
        "--customers",
        type=int,
        default=CUSTOMERS,
        help=f"customers (default {CUSTOMERS:,}); e.g. --customers 80000 --rows 9920000: a month of 9.9M rows",
    )
    parser.add_argument("--batches", type=int, default=40, help=f"recordUsage requests of {BATCH:,} (default 40)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating timed rounds per side (default 2)")
    parser.add_argument(
        "--server-url",
        default=DEFAULT_SERVER_URL,
        help=f"PostgreSQL cluster for the throwaway database (default {DEFAULT_SERVER_URL})",
    )
    args = parser.parse_args(argv)
    pairs = args.customers * SOLUTIONS
    if not (
        1_000 <= args.customers <= 500_000
        and pairs <= args.rows <= 12_000_000
        and 1 <= args.batches <= 100
        and 1 <= args.rounds <= 5
    ):
        parser.error("keep it bounded: customers 1,000-500,000, rows up to 12,000,000, batches 1-100, rounds 1-5")
    if args.rows % pairs:
        parser.error(f"--rows must be a multiple of {pairs:,} (customers x solutions)")
    return args


if __name__ == "__main__":
    sys.exit(main())
