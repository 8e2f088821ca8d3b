"""A real deployment for the multi-process tests: PostgreSQL, ``migrate``, and ``serve`` workers.

``Deployment.start()`` creates a throwaway database on the ``TEST_DATABASE_URL``
cluster through ``billing-reports migrate`` (which creates it), and starts each worker
as its own ``billing-reports serve --workers 1`` process on a free loopback port (so
a test knows which worker it talks to). ``stop()`` stops them and drops the database.
Each test seeds a channel of its own in a period of its own (``seed_channel``), through
the project's services, on the same database.

Every wait is bounded: a worker must answer within 30 s, a command within 120 s.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from bench.throwaway_db import asyncpg_dsn, database_url
from models import BillingReport, Customer, Organization, Solution
from schema import ids
from server.database_session import open_database
from server.events.postgres_listener import APPLICATION_NAME
from vocabulary.enums import Tier
from workflow.access import tokens
from workflow.core.actors import Actor
from workflow.core.periods import Month
from workflow.generation.generate import generate_reports
from workflow.usage.record import UsageRecord, record_usage

REPO = Path(__file__).resolve().parents[2]

# A deferred constraint trigger fails the COMMIT of a step whose comment says so: the
# failure comes after the step's NOTIFY was queued, inside the served worker, unmocked.
FAIL_AT_COMMIT = "injected: fail at commit"
_FAILING_COMMIT_TRIGGER = f"""
CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the commit failed (injected by the test)'; END $$;
CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON history_entry
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.comment = '{FAIL_AT_COMMIT}')
EXECUTE FUNCTION fail_at_commit();
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def listener_name(self) -> str:
        """The ``application_name`` of this worker's LISTEN connection (``serve --workers 1``: same pid)."""
        return f"{APPLICATION_NAME} {self.process.pid}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def running_deployment(
    tmp_path_factory: pytest.TempPathFactory, name: str, worker_count: int = 2, env: dict[str, str] | None = None
) -> Iterator[Deployment]:
    """A module's deployment (its fixture yields from this): started on TEST_DATABASE_URL's cluster, stopped after."""
    test_url = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/brtest")
    started = Deployment.start(test_url, tmp_path_factory.mktemp(name), worker_count=worker_count, env=env)
    try:
        yield started
    finally:
        started.stop()


@dataclass
class Deployment:
    db_url: str
    log_dir: Path
    workers: list[Worker] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)  # for the workers and the CLI

    @classmethod
    def start(
        cls, test_url: str, log_dir: Path, worker_count: int = 2, env: dict[str, str] | None = None
    ) -> Deployment:
        """On the cluster of ``test_url``; the database is named after its own (CI drops leftovers by name)."""
        prefix = urlsplit(test_url).path.strip("/").replace("_{}", "").replace("{}", "") or "brtest"
        deployment = cls(database_url(test_url, f"{prefix}_live_{secrets.token_hex(4)}"), log_dir, extra_env=env or {})
        try:
            deployment.cli("migrate")
            asyncio.run(deployment.execute(_FAILING_COMMIT_TRIGGER))
            for n in range(worker_count):
                deployment.workers.append(deployment.serve(f"worker{n + 1}"))
        except BaseException:
            deployment.stop()
            raise
        return deployment

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "AUTO_SUBMIT_INTERVAL_SECONDS": "0",  # no background sweep: the tests' reports are overdue
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            **self.extra_env,
        }

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "server.cli", *args],
            cwd=self.log_dir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"billing-reports {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    def serve(self, name: str, workers: int = 1, timeout: float = 30.0) -> Worker:
        """``billing-reports serve`` on a free port; returns once it answers ``/health``."""
        port = _free_port()
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", str(workers)],
                cwd=self.log_dir,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(name, process, port, log_path)
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited at start:\n{worker.log_tail()}")
            try:
                with urllib.request.urlopen(f"{worker.http_url}/health", timeout=1):
                    return worker
            except OSError as error:
                if time.monotonic() > deadline:
                    worker.stop()
                    raise RuntimeError(f"{name} did not answer within {timeout:.0f} s:\n{worker.log_tail()}") from error
                time.sleep(0.2)

    async def execute(self, statements: str) -> None:
        conn = await asyncpg.connect(asyncpg_dsn(self.db_url), timeout=10)
        try:
            await conn.execute(statements)
        finally:
            await conn.close()

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(asyncpg_dsn(self.db_url), timeout=10)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def listeners(self) -> list[str]:
        """The application names of the LISTEN connections open on the database now."""
        rows = await self.fetch(
            "SELECT application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name LIKE $1",
            f"{APPLICATION_NAME} %",
        )
        return sorted(r["application_name"] for r in rows)

    async def kill_listener(self, worker: Worker) -> int:
        """``pg_terminate_backend`` on the worker's LISTEN connection; how many were killed."""
        rows = await self.fetch(
            "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = $1",
            worker.listener_name,
        )
        return sum(1 for r in rows if r["killed"])

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

        async def drop() -> None:
            admin = await asyncpg.connect(asyncpg_dsn(database_url(self.db_url, "postgres")), timeout=10)
            try:
                name = urlsplit(self.db_url).path.lstrip("/")
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()

        asyncio.run(drop())


# --- one channel per test ------------------------------------------------------------------

_periods = itertools.count()


@dataclass
class Party:
    name: str
    organization_id: int
    token: str
    actor: Actor

    @property
    def id(self) -> str:
        return ids.encode(ids.ORGANIZATION, self.organization_id)


@dataclass
class Channel:
    """North above Alpha and Beta, South above Gamma, in a period of their own; reports generated."""

    period: str
    platform: Party
    north: Party
    south: Party
    alpha: Party
    beta: Party
    gamma: Party
    reports: dict[str, str]  # partner name -> the API's report ID


async def seed_channel(db_url: str) -> Channel:
    n = next(_periods)
    month = Month.parse(f"{2020 + n // 12}-{n % 12 + 1:02d}")
    tag = secrets.token_hex(3)
    async with open_database(db_url):

        async def party(name: str, tier: Tier, parent: Party | None = None) -> Party:
            org = await Organization.create(
                name=f"{name} {tag}", tier=tier, parent_id=None if parent is None else parent.organization_id
            )
            issued = await tokens.issue_token(org, f"{name} user")
            actor = await tokens.authenticate(issued.token)
            assert actor is not None
            return Party(name, org.id, issued.token, actor)

        platform = await party("Platform", Tier.PLATFORM)
        north, south = await party("North", Tier.TIER1), await party("South", Tier.TIER1)
        alpha, beta = await party("Alpha", Tier.TIER2, north), await party("Beta", Tier.TIER2, north)
        gamma = await party("Gamma", Tier.TIER2, south)
        code = f"EPP{tag}".upper()
        await Solution.create(code=code, name="Endpoint Security Pro", billing_unit="endpoint")
        records = []
        for partner in (alpha, beta, gamma):
            customer = await Customer.create(name=f"{partner.name} customer", partner_id=partner.organization_id)
            for day in range(3):
                records.append(
                    UsageRecord(
                        customer.id, code, (month.starts_on + timedelta(days=day)).isoformat(), 12, 10 + day, "2.5"
                    )
                )
        result = await record_usage(platform.actor, records)
        assert not result.problems, result.problems
        await generate_reports(platform.actor, month.label)
        reports = {
            partner.name: ids.encode(ids.BILLING_REPORT, report.id)
            for partner in (alpha, beta, gamma)
            for report in await BillingReport.filter(partner_id=partner.organization_id, period__label=month.label)
        }
    return Channel(month.label, platform, north, south, alpha, beta, gamma, reports)
