"""Several hosts over one PostgreSQL database, as docker-compose.yml runs them (without Docker).

Each "host" is a ``billing-reports serve`` process of its own on its own port, with its own
pool, LISTEN connection and metrics: nothing is shared but the database. A dashboard on one
hears a mutation made through the other (events cross hosts through NOTIFY), and the
deadline sweep, run by both at once, acts on each overdue report exactly once
(``FOR UPDATE SKIP LOCKED`` and a compare-and-set on the version).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.api import operations as op
from tests.api.dashboards import Dashboard
from tests.api.test_metrics import parse
from tests.live.deployment import Channel, Deployment, Worker, running_deployment, seed_channel

pytestmark = pytest.mark.postgres_only


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    yield from running_deployment(tmp_path_factory, "hosts", worker_count=2)


async def test_a_dashboard_on_one_host_hears_a_mutation_made_on_the_other(
    deployment: Deployment, channel: Channel
) -> None:
    host_a, host_b = deployment.workers
    async with Dashboard.open(host_a.ws_url, channel.north.token) as dashboard:
        events = await dashboard.subscribe({"filter": {"period": channel.period}})
        async with httpx.AsyncClient(base_url=host_b.http_url, timeout=15) as client:
            answer = await client.post(
                "/graphql",
                json={"query": op.SUBMIT, "variables": {"input": {"reportId": channel.reports["Beta"], "version": 1}}},
                headers={"Authorization": f"Bearer {channel.beta.token}"},
            )
        assert answer.json()["data"]["submitReport"]["errors"] == []

        heard = await dashboard.next_event(events)
        assert (heard["report"]["id"], heard["action"], heard["version"]) == (channel.reports["Beta"], "SUBMITTED", 2)


async def sweep_metrics(host: Worker) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=host.http_url, timeout=10) as client:
        return parse((await client.get("/metrics")).text)


async def test_the_deadline_sweep_run_by_both_hosts_at_once_acts_once_on_each_report(deployment: Deployment) -> None:
    channels = [await seed_channel(deployment.db_url) for _ in range(8)]  # 24 reports
    periods = [c.period for c in channels]
    await deployment.execute(  # all overdue now
        "UPDATE billing_report SET submission_deadline = now() - interval '1 day' WHERE period_id IN "
        f"(SELECT id FROM billing_period WHERE label IN ({', '.join(repr(p) for p in periods)}))"
    )
    sweepers = Deployment(deployment.db_url, deployment.log_dir, extra_env={"AUTO_SUBMIT_INTERVAL_SECONDS": "0.2"})
    # Both start (and so sweep) at the same time, and go on sweeping every 0.2 s.
    hosts = await asyncio.gather(
        asyncio.to_thread(sweepers.serve, "sweeper-a"), asyncio.to_thread(sweepers.serve, "sweeper-b")
    )
    try:
        async with asyncio.timeout(30):
            while (
                await deployment.fetch(
                    "SELECT count(*) AS n FROM billing_report r JOIN billing_period p ON p.id = r.period_id "
                    "WHERE p.label = ANY($1) AND r.status = 'PREPARING'",
                    periods,
                )
            )[0]["n"]:
                await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # a few more runs of each: they must find nothing left to do

        entries = await deployment.fetch(
            "SELECT r.id, count(h.id) AS n FROM billing_report r JOIN billing_period p ON p.id = r.period_id "
            "LEFT JOIN history_entry h ON h.report_id = r.id AND h.action = 'AUTO_SUBMITTED' "
            "WHERE p.label = ANY($1) GROUP BY r.id",
            periods,
        )
        assert len(entries) == 24 and {e["n"] for e in entries} == {1}, entries
        submitted = [await sweep_metrics(host) for host in hosts]
        by_host = [m.get('billing_reports_deadline_sweep_reports_total{action="auto_submitted"}', 0) for m in submitted]
        assert sum(by_host) == 24, by_host  # each report counted by the one host that submitted it
        assert all(m['billing_reports_deadline_sweeps_total{result="ok"}'] >= 2 for m in submitted)  # both swept
    finally:
        for host in hosts:
            await asyncio.to_thread(host.stop)
