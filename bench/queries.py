"""Bench: one query shape through the service, beside its hand-written baseline.

    python -m bench.queries screen               # the report screen (50 lines), ratio
    python -m bench.queries screen --lines 1000  # the same screen of a 1,000-line report
    python -m bench.queries list                 # reports(first: 20) with totals
    python -m bench.queries history              # a report's 6-entry history
    python -m bench.queries list --baseline-only # the harness and the baseline alone

One run: create a throwaway PostgreSQL database, migrate and seed it (bench/seed.py),
serve the GraphQL service and the hand-written baseline (bench/baseline_app.py, one
route per shape) in one uvicorn worker each, check that both answer the same JSON
(bench/shapes.py: the measured request and a few others), then load them alternately
with wrk and print each one's median req/s, CPU per request, resident memory and the
ratio service / baseline (bench/README.md, Targets: absolute figures drift between runs
on shared machines, the ratio less). The database is dropped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bench import parity, servers
from bench.load import LoadResult, LoadSettings, ensure_wrk, run_wrk
from bench.report_detail import PAGE_SIZE
from bench.seed import BenchWorld, seed
from bench.shapes import SHAPES, Case, Shape
from bench.throwaway_db import DEFAULT_SERVER_URL, throwaway_database


@dataclass(frozen=True, slots=True)
class Timed:
    """One timed wrk run and the CPU the server's worker used meanwhile."""

    load: LoadResult
    cpu_s: float | None

    @property
    def cpu_us_per_request(self) -> float | None:
        return None if self.cpu_s is None or not self.load.requests else self.cpu_s / self.load.requests * 1e6


def main(argv: list[str] | None = None, *, prog: str = "python -m bench.queries", shape: str | None = None) -> int:
    args = _parse_args(argv, prog, shape)
    settings = LoadSettings(args.duration, args.warmup, args.connections, args.threads)
    ensure_wrk()
    try:
        return asyncio.run(_run(args, SHAPES[args.shape], settings))
    except parity.ParityError as error:
        print(f"\nPARITY FAILED — nothing was timed.\n{error}", file=sys.stderr)
        return 2


async def _run(args: argparse.Namespace, shape: Shape, settings: LoadSettings) -> int:
    async with throwaway_database(args.server_url) as db_url:
        world = await seed(db_url, alpha_lines=args.lines)
        lines_note = f", report {world.report_id} has {args.lines} lines" if shape.name == "screen" else ""
        print(f"database {db_url.rsplit('/', 1)[-1]}: seeded{lines_note}; measuring the {shape.title}")
        with tempfile.TemporaryDirectory(prefix="brbench_") as tmp:
            # Blocking from here on (subprocesses, wrk): the event loop has nothing else to do.
            return _measure(args, shape, settings, world, Path(tmp))


def _measure(args: argparse.Namespace, shape: Shape, settings: LoadSettings, world: BenchWorld, tmp: Path) -> int:
    cases = shape.cases(world, args.lines)
    measured = cases[0]
    body_file = tmp / "body.json"
    body_file.write_bytes(measured.body)
    started: list[servers.Server] = []
    try:
        started.append(servers.start("baseline", servers.BASELINE_FACTORY, world.db_url, tmp))
        if not args.baseline_only:
            started.append(servers.start("service", servers.SERVICE_FACTORY, world.db_url, tmp))
        urls = {s.name: s.url_for(shape.baseline_path) if s.name == "baseline" else s.url for s in started}
        _check_answers(started, urls, cases)
        results: dict[str, list[Timed]] = {s.name: [] for s in started}
        load_before = os.getloadavg()
        started_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        for round_no in range(1, args.rounds + 1):
            # A-B, B-A, …: a drift of the machine's load over the run hits both sides alike.
            for server in started if round_no % 2 else started[::-1]:
                url = urls[server.name]
                if settings.warmup_s:
                    run_wrk(url, body_file, measured.token, settings.warmup_s, settings)
                cpu_before = server.cpu_seconds()
                result = run_wrk(url, body_file, measured.token, settings.duration_s, settings)
                cpu_after = server.cpu_seconds()
                _fail_on_errors(server, result)
                cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
                timed = Timed(result, cpu)
                results[server.name].append(timed)
                per_request = timed.cpu_us_per_request
                print(
                    f"round {round_no} {server.name:8} {result.rps:8.0f} req/s   "
                    f"p50 {result.p50_ms:6.1f} ms   p99 {result.p99_ms:6.1f} ms   "
                    f"CPU {per_request if per_request is not None else float('nan'):6.0f} µs/request",
                    flush=True,
                )
        # Still the same answers after the load (a server that degrades would be timed on errors).
        _check_answers(started, urls, cases)
        _report(args, shape, started, results, settings, started_at, load_before)
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


def _check_answers(started: list[servers.Server], urls: dict[str, str], cases: list[Case]) -> None:
    """Every case of the shape: the same bytes on both sides, and the expected shape on the baseline's."""
    for case in cases:
        answers = {s.name: parity.post_raw(urls[s.name], case.body, case.token) for s in started}
        baseline = orjson.loads(answers["baseline"])
        if "errors" in baseline or not case.expect(baseline):
            raise parity.ParityError(f"{case.label}: the baseline's own answer is wrong: {str(baseline)[:500]}")
        if "service" in answers:
            parity.check_same_bytes(case.label, answers["baseline"], answers["service"])
    print(
        f"parity ({len(cases)} cases): "
        + (
            "baseline and service answer the same JSON, byte for byte"
            if len(started) > 1
            else "baseline answers the expected shape (no service)"
        )
    )


def _fail_on_errors(server: servers.Server, result: LoadResult) -> None:
    if result.failed or result.requests == 0:
        raise SystemExit(f"{server.name}: {result.requests} requests, errors {result.errors}\n{server.log_tail()}")


def _report(
    args: argparse.Namespace,
    shape: Shape,
    started: list[servers.Server],
    results: dict[str, list[Timed]],
    settings: LoadSettings,
    started_at: str,
    load_before: tuple[float, float, float],
) -> None:
    load1, load5, _ = os.getloadavg()
    size = f", {PAGE_SIZE} lines of a {args.lines}-line report" if shape.name == "screen" else ""
    print(
        f"\n{shape.name}: {shape.title}{size} — started {started_at}, "
        f"{args.rounds} round(s) of {settings.duration_s} s each "
        f"(+{settings.warmup_s} s warm-up), {settings.connections} connections, {settings.threads} wrk threads, "
        "1 uvicorn worker each"
    )
    print(
        f"machine: {os.cpu_count()} cores, load average (1 min) {load_before[0]:.2f} before the load, "
        f"{load1:.2f} at the end ({load5:.2f} over 5 min; other work on the machine lowers both figures, "
        "the ratio drifts less)"
    )
    print(f"{'':10}{'median req/s':>14}{'p50 ms':>10}{'p99 ms':>10}{'CPU µs/req':>12}{'RSS MiB':>10}{'peak MiB':>10}")
    medians: dict[str, float] = {}
    for server in started:
        runs = results[server.name]
        medians[server.name] = statistics.median(r.load.rps for r in runs)
        cpu = [c for c in (r.cpu_us_per_request for r in runs) if c is not None]
        print(
            f"{server.name:10}{medians[server.name]:14.0f}"
            f"{statistics.median(r.load.p50_ms for r in runs):10.1f}"
            f"{statistics.median(r.load.p99_ms for r in runs):10.1f}"
            f"{statistics.median(cpu) if cpu else float('nan'):12.0f}"
            f"{_or_nan(server.rss_mib()):10.0f}"
            f"{_or_nan(server.peak_rss_mib()):10.0f}"
        )
    if "service" in medians:
        ratio = medians["service"] / medians["baseline"]
        verdict = "met" if ratio >= shape.target else "not met"
        print(f"ratio service / baseline: {ratio:.2f}x  (target >= {shape.target}x: {verdict})")
    print("CPU µs/req: the worker's user + system time over a timed run / requests served (PostgreSQL's not counted)")


def _or_nan(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _parse_args(argv: list[str] | None, prog: str, shape: str | None) -> argparse.Namespace:
    description = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog=prog, description=description)
    if shape is None:
        parser.add_argument("shape", choices=sorted(SHAPES), help="the query to measure")
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
        help=f"lines of the report screen's report, a multiple of 5 (default {PAGE_SIZE}; "
        f"the screen shows the first {PAGE_SIZE} either way; the other shapes do not read it)",
    )
    parser.add_argument(
        "--baseline-only",
        action="store_true",
        help="serve and time only the baseline (checks the harness without the service)",
    )
    args = parser.parse_args(argv)
    if shape is not None:
        args.shape = shape
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
