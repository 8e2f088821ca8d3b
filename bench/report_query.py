"""Bench: the report detail query (50 lines) through the service, beside the baseline.

    python -m bench.report_query                 # both, 2 rounds of 10 s each, ratio
    python -m bench.report_query --baseline-only # the harness and the baseline alone

One run: create a throwaway PostgreSQL database, migrate and seed it (bench/seed.py),
serve the GraphQL service and the hand-written baseline (bench/baseline_app.py) in one
uvicorn worker each, check that both answer the same JSON, then load them alternately
with wrk and print each one's median req/s and the ratio service / baseline
(bench/README.md, Targets: absolute figures drift between runs on shared machines, the ratio less).
The database is dropped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import parity, servers
from bench.load import LoadResult, LoadSettings, ensure_wrk, run_wrk
from bench.report_detail import PAGE_SIZE, request_body
from bench.seed import BenchWorld, seed
from bench.throwaway_db import DEFAULT_SERVER_URL, throwaway_database


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    settings = LoadSettings(args.duration, args.warmup, args.connections, args.threads)
    ensure_wrk()
    try:
        return asyncio.run(_run(args, settings))
    except parity.ParityError as error:
        print(f"\nPARITY FAILED — nothing was timed.\n{error}", file=sys.stderr)
        return 2


async def _run(args: argparse.Namespace, settings: LoadSettings) -> int:
    async with throwaway_database(args.server_url) as db_url:
        world = await seed(db_url, alpha_lines=args.lines)
        print(
            f"database {db_url.rsplit('/', 1)[-1]}: seeded, report {world.report_id} has {args.lines} lines"
            f" (the screen shows the first {PAGE_SIZE})"
        )
        with tempfile.TemporaryDirectory(prefix="brbench_") as tmp:
            # Blocking from here on (subprocesses, wrk): the event loop has nothing else to do.
            return _measure(args, settings, world, Path(tmp))


def _measure(args: argparse.Namespace, settings: LoadSettings, world: BenchWorld, tmp: Path) -> int:
    body_file = tmp / "body.json"
    body_file.write_bytes(request_body(world.report_id))
    started: list[servers.Server] = []
    try:
        started.append(servers.start("baseline", servers.BASELINE_FACTORY, world.db_url, tmp))
        if not args.baseline_only:
            started.append(servers.start("service", servers.SERVICE_FACTORY, world.db_url, tmp))
        _check_answers(started, world, args.lines)
        results: dict[str, list[LoadResult]] = {s.name: [] for s in started}
        for round_no in range(1, args.rounds + 1):
            # A-B, B-A, …: a drift of the machine's load over the run hits both sides alike.
            for server in started if round_no % 2 else started[::-1]:
                if settings.warmup_s:
                    run_wrk(server.url, body_file, world.tier1_token, settings.warmup_s, settings)
                result = run_wrk(server.url, body_file, world.tier1_token, settings.duration_s, settings)
                _fail_on_errors(server, result)
                results[server.name].append(result)
                print(
                    f"round {round_no} {server.name:8} {result.rps:8.0f} req/s   "
                    f"p50 {result.p50_ms:6.1f} ms   p99 {result.p99_ms:6.1f} ms",
                    flush=True,
                )
        # Still the same answers after the load (a server that degrades would be timed on errors).
        _check_answers(started, world, args.lines)
        _report(started, results, settings, args.rounds, args.lines)
    except parity.ParityError:
        for server in started:
            tail = server.log_tail()
            if tail:
                print(f"\n--- {server.name} log (tail) ---\n{tail}", file=sys.stderr)
        raise
    finally:
        for server in started:
            server.stop()
    return 0


def _check_answers(started: list[servers.Server], world: BenchWorld, report_lines: int) -> None:
    """The measured screen, a 3-line one and another tenant's report: same JSON on both sides."""
    # label, report ID, lines on the page (None: the report must not exist for this token)
    cases = [
        (f"{report_lines}-line report", world.report_id, PAGE_SIZE),
        ("3-line report", world.small_report_id, 3),
        ("another tenant's report", world.foreign_report_id, None),
    ]
    for label, report_id, lines in cases:
        answers = {s.name: parity.post(s.url, request_body(report_id), world.tier1_token) for s in started}
        _check_baseline_shape(label, answers["baseline"], lines)
        if "service" in answers:
            parity.check_same(label, answers["baseline"], answers["service"])
    print(
        "parity: "
        + (
            "baseline and service answer the same JSON"
            if len(started) > 1
            else "baseline answers the expected shape (no service)"
        )
    )


def _check_baseline_shape(label: str, answer: Any, lines: int | None) -> None:
    report = answer.get("data", {}).get("report")
    ok = report is None if lines is None else report is not None and len(report["lineItems"]["edges"]) == lines
    if not ok or "errors" in answer:
        raise parity.ParityError(f"{label}: the baseline's own answer is wrong: {str(answer)[:500]}")


def _fail_on_errors(server: servers.Server, result: LoadResult) -> None:
    if result.failed or result.requests == 0:
        raise SystemExit(f"{server.name}: {result.requests} requests, errors {result.errors}\n{server.log_tail()}")


def _report(
    started: list[servers.Server],
    results: dict[str, list[LoadResult]],
    settings: LoadSettings,
    rounds: int,
    report_lines: int,
) -> None:
    load1, load5, _ = os.getloadavg()
    print(
        f"\nreport detail query, {PAGE_SIZE} lines of a {report_lines}-line report — "
        f"{rounds} round(s) of {settings.duration_s} s each "
        f"(+{settings.warmup_s} s warm-up), {settings.connections} connections, {settings.threads} wrk threads, "
        "1 uvicorn worker each"
    )
    print(
        f"machine: {os.cpu_count()} cores, load average {load1:.2f} (1 min) {load5:.2f} (5 min) at the end "
        "(other work on the machine lowers both figures; the ratio drifts less)"
    )
    print(f"{'':10}{'median req/s':>14}{'p50 ms':>10}{'p99 ms':>10}{'RSS MiB':>10}")
    medians: dict[str, float] = {}
    for server in started:
        runs = results[server.name]
        medians[server.name] = statistics.median(r.rps for r in runs)
        rss = server.rss_mib()
        print(
            f"{server.name:10}{medians[server.name]:14.0f}"
            f"{statistics.median(r.p50_ms for r in runs):10.1f}"
            f"{statistics.median(r.p99_ms for r in runs):10.1f}"
            f"{rss if rss is not None else float('nan'):10.0f}"
        )
    if "service" in medians:
        print(f"ratio service / baseline: {medians['service'] / medians['baseline']:.2f}x  (target >= 0.5x)")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.report_query", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each timed run (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of untimed load before each run (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per endpoint (default 2)")
    parser.add_argument(
        "--server-url",
        default=DEFAULT_SERVER_URL,
        help=f"PostgreSQL cluster for the throwaway database (default {DEFAULT_SERVER_URL})",
    )
    parser.add_argument(
        "--lines",
        type=int,
        default=PAGE_SIZE,
        help=f"lines of the measured report, a multiple of 5 (default {PAGE_SIZE}; "
        f"the screen shows the first {PAGE_SIZE} either way)",
    )
    parser.add_argument(
        "--baseline-only",
        action="store_true",
        help="serve and time only the baseline (checks the harness without the service)",
    )
    args = parser.parse_args(argv)
    if not (
        1 <= args.duration <= 120
        and 0 <= args.warmup <= 30
        and 1 <= args.connections <= 256
        and 1 <= args.threads <= 8
        and 1 <= args.rounds <= 10
        and PAGE_SIZE <= args.lines <= 5000
        and args.lines % 5 == 0
    ):
        parser.error(
            "keep the load bounded: duration 1-120 s, warm-up 0-30 s, connections 1-256, "
            "threads 1-8, rounds 1-10, lines 50-5000 (a multiple of 5)"
        )
    return args


if __name__ == "__main__":
    sys.exit(main())
