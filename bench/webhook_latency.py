"""Webhooks: the time from a step's commit to the first attempt of each of its deliveries.

One run on a throwaway PostgreSQL database: the seed's world, 100 endpoints of platform
organizations (each hears every report) pointing at a receiver on the loopback, and a
dispatcher in this process; then ``--events`` submissions one at a time. For each
delivery, the time from the submission's commit to the receiver's first request is
measured, beside the NOTIFY round trip of the same run (``bench.event_fanout``'s).

Two dispatchers are measured: one woken by its own process's commits (the serving
process that committed) and one that only polls (``BILLING_REPORTS_WEBHOOKS_POLL_SECONDS``,
as every other process finds them). Target: p95 < 1 s.

    python -m bench.webhook_latency [--events 20] [--endpoints 100] [--server-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from cryptography.fernet import Fernet

from bench.event_fanout import notify_round_trips, percentile
from bench.throwaway_db import DEFAULT_SERVER_URL, throwaway_database
from models import BillingReport, Organization
from schema import ids
from server.database_session import apply_migrations, open_database
from tests.receiver import running_receiver
from tests.world import PERIOD, build_world
from vocabulary.enums import ReportStatus, Tier
from workflow.access import tokens
from workflow.core.webhooks import MAX_ENDPOINTS_PER_ORGANIZATION
from workflow.generation.generate import generate_reports
from workflow.reports.actions import submit_report
from workflow.webhooks import config, endpoints
from workflow.webhooks.dispatcher import Dispatcher


async def measure(db_url: str, events: int, endpoint_count: int, woken: bool) -> list[float]:
    await apply_migrations(db_url, progress=lambda step: None)  # its connections closed after
    async with open_database(db_url), running_receiver() as receiver:
        world = await build_world()
        await world.add_month_of_usage(2)
        await generate_reports(world.platform.actor, PERIOD)
        # At most 10 endpoints an organization: platform organizations of 10 (each hears every report).
        for n in range(endpoint_count):
            if n % MAX_ENDPOINTS_PER_ORGANIZATION == 0:
                platform = await Organization.create(name=f"Bench platform {n}", tier=Tier.PLATFORM)
                actor = await tokens.authenticate((await tokens.issue_token(platform, "bench")).token)
                assert actor is not None
            await endpoints.create_endpoint(actor, receiver.url(f"/{n}"), [], "bench")
        dispatcher = Dispatcher(ids.encode, wake_on_local_commits=woken)
        running = asyncio.create_task(dispatcher.run())
        latencies: list[float] = []
        try:
            parties = [p for p in world.tier2s for _ in range(events)][:events]
            for party in parties:
                report = await BillingReport.filter(
                    partner_id=party.organization.id, status=ReportStatus.PREPARING
                ).first()
                if report is None:  # every report submitted: send it back
                    report = await BillingReport.get(partner_id=party.organization.id)
                    await BillingReport.filter(id=report.id).update(status=ReportStatus.PREPARING)
                    report = await BillingReport.get(id=report.id)
                before = len(receiver.received)
                await submit_report(party.actor, report.id, report.version)
                wall = time.time()
                await receiver.wait_for_total(before + endpoint_count, timeout=30)
                arrivals = receiver.received[before : before + endpoint_count]
                latencies += [(r.at.timestamp() - wall) * 1000 for r in arrivals]
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
        return latencies


async def run(args: argparse.Namespace) -> None:
    os.environ.setdefault(config.SECRET_KEYS, Fernet.generate_key().decode())
    os.environ[config.ALLOW_PRIVATE] = "1"
    os.environ.setdefault(config.CONCURRENCY, "32")
    for woken in (True, False):
        async with throwaway_database(args.server_url) as db_url:
            notify = await notify_round_trips(db_url, 50)
            times = await measure(db_url, args.events, args.endpoints, woken)
        label = "woken by its own commit" if woken else f"polling every {config.current().poll_seconds:g} s"
        print(
            f"{label}: {len(times)} deliveries ({args.events} events x {args.endpoints} endpoints): "
            f"commit -> first attempt p50 {percentile(times, 50):.0f} ms, p95 {percentile(times, 95):.0f} ms, "
            f"max {max(times):.0f} ms; NOTIFY round trip p50 {percentile(notify, 50):.1f} ms, "
            f"p95 {percentile(notify, 95):.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--endpoints", type=int, default=100)
    parser.add_argument("--server-url", default=DEFAULT_SERVER_URL)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
