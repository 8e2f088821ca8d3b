"""Bench: live event fan-out — 100 subscribed dashboards across 2 workers, beside a bare NOTIFY.

    python -m bench.event_fanout                  # 100 dashboards, 40 timed mutations (+5 warm-up)

One run: create a throwaway PostgreSQL database, migrate and seed it (``bench/seed.py``:
North's 50-line report from Alpha, under review), serve the service in two uvicorn
processes (one worker each, each with its own LISTEN connection), and connect the
dashboards — half to each worker — as North, each subscribed to ``reportEvents``.
Then, one at a time, a mutation goes to the first worker over HTTP (North rejects
Alpha's report, Alpha resubmits it, ...); every dashboard must hear its event (the
report's new version) before the next one. Measured per (mutation, dashboard): the
time from the mutation's response to that dashboard's event, and from the request
being sent (which includes the mutation itself). In the same run, the baseline: a bare
NOTIFY round trip between two asyncpg connections on the same database.

The target (bench/README.md, Targets): p99 < 50 ms to 100 subscribers. Every event must arrive, once,
in order; a missing one fails the run. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
import orjson
import uvloop
from tortoise import Tortoise
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench import servers
from bench.seed import PERIOD, BenchWorld, seed
from bench.throwaway_db import DEFAULT_SERVER_URL, asyncpg_dsn, throwaway_database
from models import Organization
from server.database import tortoise_config
from workflow.access import tokens

SUBSCRIPTION = (
    "subscription Dashboard($filter: ReportEventFilter) { reportEvents(filter: $filter) "
    "{ id action version report { id status version } } }"
)
REJECT = (
    "mutation($input: RejectReportInput!) { rejectReport(input: $input) "
    "{ errors { code message } report { version } } }"
)
SUBMIT = (
    "mutation($input: SubmitReportInput!) { submitReport(input: $input) "
    "{ errors { code message } report { version } } }"
)
TARGET_P99_MS = 50.0


class Dashboard:
    """One subscribed WebSocket; records when each version's event arrived (before parsing it)."""

    def __init__(self, ws: ClientConnection, tally: dict[int, int], everyone: asyncio.Event) -> None:
        self.ws = ws
        self.arrivals: dict[int, float] = {}
        self.order: list[int] = []
        self._tally = tally
        self._everyone = everyone

    async def read(self, count: int) -> None:
        async for raw in self.ws:
            arrived = time.perf_counter()
            message = orjson.loads(raw)
            if message.get("type") != "next" or message["payload"].get("errors"):
                raise RuntimeError(f"a dashboard got {str(message)[:300]}")
            version = message["payload"]["data"]["reportEvents"]["version"]
            self.arrivals[version] = arrived
            self.order.append(version)
            self._tally[version] = self._tally.get(version, 0) + 1
            if self._tally[version] == count:
                self._everyone.set()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


async def notify_round_trips(db_url: str, samples: int) -> list[float]:
    """The baseline: NOTIFY on one connection, heard on another (ms), one at a time."""
    listener = await asyncpg.connect(asyncpg_dsn(db_url))
    notifier = await asyncpg.connect(asyncpg_dsn(db_url))
    heard: asyncio.Queue[float] = asyncio.Queue()
    try:
        await listener.add_listener("bench_baseline", lambda *_: heard.put_nowait(time.perf_counter()))
        times = []
        for n in range(samples + 10):
            sent = time.perf_counter()
            await notifier.execute(f"NOTIFY bench_baseline, '{n}'")
            received = await asyncio.wait_for(heard.get(), 5)
            if n >= 10:  # the first ones warm the connections up
                times.append((received - sent) * 1000)
        return times
    finally:
        await listener.close()
        await notifier.close()


async def issue_tokens(db_url: str, principals: int) -> tuple[str, list[str]]:
    """A token of Alpha (it resubmits), and one per dashboard principal of North."""
    await Tortoise.init(config=tortoise_config(db_url))
    try:
        alpha = await Organization.get(name="Alpha MSP")
        north = await Organization.get(name="North Distribution")
        dashboards = [(await tokens.issue_token(north, f"North dashboard {n}")).token for n in range(principals)]
        return (await tokens.issue_token(alpha, "Alpha billing (bench)")).token, dashboards
    finally:
        await Tortoise.close_connections()


async def run(args: argparse.Namespace) -> int:
    async with throwaway_database(args.server_url) as db_url:
        world = await seed(db_url)
        alpha, dashboard_tokens = await issue_tokens(db_url, args.principals)
        print(f"database {db_url.rsplit('/', 1)[-1]}: seeded; Alpha's report {world.report_id} is under review")
        with tempfile.TemporaryDirectory(prefix="brbench_") as tmp:
            os.environ["AUTO_SUBMIT_INTERVAL_SECONDS"] = "0"  # no background sweep in the workers
            workers = [servers.start(f"worker{n}", servers.SERVICE_FACTORY, db_url, Path(tmp)) for n in (1, 2)]
            try:
                return await measure(args, world, alpha, dashboard_tokens, workers)
            except BaseException:
                for worker in workers:
                    print(f"\n--- {worker.name} log (tail) ---\n{worker.log_tail()}", file=sys.stderr)
                raise
            finally:
                for worker in workers:
                    worker.stop()


async def measure(
    args: argparse.Namespace, world: BenchWorld, alpha: str, dashboard_tokens: list[str], workers: list[servers.Server]
) -> int:
    baseline = await notify_round_trips(world.db_url, args.notify_samples)
    tally: dict[int, int] = {}
    everyone = asyncio.Event()
    sockets: list[ClientConnection] = []
    dashboards: list[Dashboard] = []
    readers: list[asyncio.Task[None]] = []
    http = httpx.AsyncClient(base_url=workers[0].url.removesuffix("/graphql"), timeout=10)
    try:
        for n in range(args.dashboards):
            ws = await connect(
                workers[n % len(workers)].url.replace("http://", "ws://"),
                subprotocols=[Subprotocol("graphql-transport-ws")],
                open_timeout=10,
            )
            sockets.append(ws)
            await ws.send(
                orjson.dumps(
                    {
                        "type": "connection_init",
                        "payload": {"Authorization": f"Bearer {dashboard_tokens[n % len(dashboard_tokens)]}"},
                    }
                ).decode()
            )
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
            await ws.send(
                orjson.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": SUBSCRIPTION, "variables": {"filter": {"period": PERIOD}}},
                    }
                ).decode()
            )
            await ws.send('{"type": "ping"}')  # the pong comes once the subscription is registered
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "pong"
            dashboard = Dashboard(ws, tally, everyone)
            dashboards.append(dashboard)
            readers.append(asyncio.create_task(dashboard.read(args.dashboards)))
        print(
            f"{args.dashboards} dashboards subscribed ({args.dashboards // len(workers)} per worker), "
            f"as {len(dashboard_tokens)} principal(s) of North"
        )

        from_response: list[float] = []
        from_request: list[float] = []
        mutation_ms: list[float] = []
        spread: list[float] = []  # per event and worker: its first dashboard's event to its last one's
        version = 2  # Alpha's report after the seed's submit
        for n in range(args.warmup + args.mutations):
            everyone.clear()
            token, operation = (world.tier1_token, REJECT) if n % 2 == 0 else (alpha, SUBMIT)
            variables = {
                "input": {
                    "reportId": world.report_id,
                    "version": version,
                    **({"reason": "please check line 1"} if operation is REJECT else {}),
                }
            }
            sent = time.perf_counter()
            response = await http.post(
                "/graphql",
                json={"query": operation, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
            answered = time.perf_counter()
            (payload,) = response.json()["data"].values()
            if payload["errors"]:
                raise RuntimeError(f"the mutation was refused: {payload['errors']}")
            version = payload["report"]["version"]
            try:
                await asyncio.wait_for(everyone.wait(), 10)
            except TimeoutError:
                raise RuntimeError(
                    f"only {tally.get(version, 0)} of {args.dashboards} dashboards heard version {version} within 10 s"
                ) from None
            if n >= args.warmup:
                mutation_ms.append((answered - sent) * 1000)
                for dashboard in dashboards:
                    from_response.append((dashboard.arrivals[version] - answered) * 1000)
                    from_request.append((dashboard.arrivals[version] - sent) * 1000)
                for w in range(len(workers)):
                    times = [d.arrivals[version] for d in dashboards[w :: len(workers)]]
                    spread.append((max(times) - min(times)) * 1000)
            await asyncio.sleep(args.pause_ms / 1000)
        if any(d.order != list(range(3, version + 1)) for d in dashboards):
            raise RuntimeError("a dashboard heard an event twice, out of order, or missed one")
        report(args, baseline, from_response, from_request, mutation_ms, spread, workers)
        return 0
    finally:
        for task in readers:
            task.cancel()
        for ws in sockets:
            await ws.close()
        await http.aclose()


def report(
    args: argparse.Namespace,
    baseline: list[float],
    from_response: list[float],
    from_request: list[float],
    mutation_ms: list[float],
    spread: list[float],
    workers: list[servers.Server],
) -> None:
    load1, load5, _ = os.getloadavg()
    print(
        f"\nevent fan-out: {args.dashboards} dashboards ({args.principals} principal(s)) on {len(workers)} workers, "
        f"{args.mutations} mutations "
        f"(+{args.warmup} warm-up), {len(from_response)} events timed"
    )
    print(f"machine: {os.cpu_count()} cores, load average {load1:.2f} (1 min) {load5:.2f} (5 min) at the end")
    print(f"{'':50}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    rows = [
        ("bare NOTIFY round trip (baseline)", baseline),
        ("mutation response -> each dashboard's event", from_response),
        ("mutation request sent -> each dashboard's event", from_request),
        ("the mutation itself (HTTP round trip)", mutation_ms),
        ("one worker's fan-out: its first to last dashboard", spread),
    ]
    for label, values in rows:
        print(f"{label:50}{percentile(values, 50):9.2f}{percentile(values, 99):9.2f}{max(values):9.2f}")
    early = sum(1 for v in from_response if v < 0)
    if early:
        print(
            f"({early} events reached their dashboard before the mutation's response reached its client: "
            "negative times)"
        )
    p99 = percentile(from_response, 99)
    print(
        f"p99 from response / NOTIFY p99: {p99 / percentile(baseline, 99):.1f}x; "
        f"target p99 < {TARGET_P99_MS:.0f} ms: {'met' if p99 < TARGET_P99_MS else 'NOT met'}"
    )
    for worker in workers:
        rss = worker.rss_mib()
        print(f"{worker.name} RSS after: {rss:.0f} MiB" if rss is not None else f"{worker.name} RSS: unknown")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.event_fanout", description=__doc__.split("\n")[0])
    parser.add_argument("--dashboards", type=int, default=100, help="subscribed dashboards (default 100)")
    parser.add_argument("--mutations", type=int, default=100, help="timed mutations (default 100)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed mutations first (default 5)")
    parser.add_argument("--pause-ms", type=int, default=50, help="pause between mutations (default 50)")
    parser.add_argument(
        "--principals",
        type=int,
        default=1,
        help="distinct North principals the dashboards use (default 1: all share one token; "
        "as many as dashboards: no two share an execution)",
    )
    parser.add_argument("--notify-samples", type=int, default=200, help="baseline NOTIFY round trips (default 200)")
    parser.add_argument(
        "--server-url",
        default=DEFAULT_SERVER_URL,
        help=f"PostgreSQL cluster for the throwaway database (default {DEFAULT_SERVER_URL})",
    )
    args = parser.parse_args(argv)
    if not (
        2 <= args.dashboards <= 500
        and 1 <= args.principals <= args.dashboards
        and 1 <= args.mutations <= 500
        and 0 <= args.warmup <= 50
        and 0 <= args.pause_ms <= 5000
        and 10 <= args.notify_samples <= 10_000
    ):
        parser.error(
            "keep it bounded: dashboards 2-500, principals 1-dashboards, mutations 1-500, warm-up 0-50, "
            "pause 0-5000 ms, NOTIFY samples 10-10000"
        )
    # uvloop, as the servers (bench/servers.py): the 100 dashboards' reader is the measuring instrument.
    return uvloop.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
