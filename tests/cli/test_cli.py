"""The ``billing-reports`` command, run for real (``python -m server.cli``) on a temp SQLite file.

With ``TEST_DATABASE_URL`` pointing at PostgreSQL, migrate and demo also run against a
scratch PostgreSQL database that the test creates (through ``migrate``) and drops.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from server.database_session import open_database
from tests.cli.runner import Cli
from vocabulary.enums import DEFAULT_SCOPES, AggregationRule, Scope, Tier
from workflow.access.tokens import authenticate
from workflow.core.periods import Month


def test_migrate_is_idempotent(cli: Cli, sqlite_file: Path) -> None:
    first = cli.ok("migrate")
    second = cli.ok("migrate")

    # Every migration file, in order (0001_initial, 0002_idempotency_key, ...).
    shipped = sorted(p.stem for p in (Path(__file__).parents[2] / "models" / "migrations").glob("0*.py"))
    assert f"{len(shipped)} migration(s) applied" in first.stdout
    assert "0 migration(s) applied" in second.stdout
    with sqlite3.connect(sqlite_file) as db:
        applied = db.execute("SELECT app, name FROM tortoise_migrations").fetchall()
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert applied == [("models", name) for name in shipped]
    assert {"organization", "billing_report", "line_item", "daily_usage", "idempotency_key"} <= tables


def test_commands_on_an_unmigrated_database_say_to_migrate(cli: Cli) -> None:
    done = cli("demo", "--json")

    assert done.returncode == 1
    assert done.stdout == ""
    assert "billing-reports migrate" in done.stderr


def test_demo_json_is_the_only_output_and_has_the_promised_shape(demo: dict) -> None:
    assert set(demo) == {"period", "organizations", "customers", "solutions"}
    assert demo["period"] == Month.of(datetime.now(UTC).date()).previous().label

    orgs = demo["organizations"]
    assert all(set(o) == {"id", "name", "tier", "parentId", "token"} for o in orgs)
    by_tier = Counter(o["tier"] for o in orgs)
    assert by_tier["PLATFORM"] == 1 and by_tier["TIER1"] == 2
    tier1_ids = {o["id"] for o in orgs if o["tier"] == "TIER1"}
    tier2s = [o for o in orgs if o["tier"] == "TIER2"]
    assert all(o["parentId"] in tier1_ids for o in tier2s)
    assert all(o["parentId"] is None for o in orgs if o["tier"] != "TIER2")
    assert all(n >= 2 for n in Counter(o["parentId"] for o in tier2s).values())
    assert len({o["token"] for o in orgs}) == len(orgs)

    customers = demo["customers"]
    assert len(customers) >= 40
    assert {c["partnerId"] for c in customers} <= {o["id"] for o in tier2s}
    assert max(Counter(c["partnerId"] for c in customers).values()) >= 10

    solutions = demo["solutions"]
    assert len(solutions) >= 6
    assert {s["aggregationRule"] for s in solutions} == {r.value for r in AggregationRule}
    assert all(s["code"] and s["name"] and s["billingUnit"] for s in solutions)


def test_demo_generates_one_report_per_tier2_partner_with_usage(demo: dict, sqlite_file: Path) -> None:
    with sqlite3.connect(sqlite_file) as db:
        with_usage = {
            r[0]
            for r in db.execute(
                "SELECT DISTINCT c.partner_id FROM daily_usage u JOIN customer c ON c.id = u.customer_id"
            )
        }
        reported = Counter(
            r[0]
            for r in db.execute(
                "SELECT r.partner_id FROM billing_report r JOIN billing_period p ON p.id = r.period_id "
                "WHERE p.label = ?",
                (demo["period"],),
            )
        )
        lines = db.execute("SELECT COUNT(*) FROM line_item").fetchone()[0]
        tier2_count = db.execute("SELECT COUNT(*) FROM organization WHERE tier = 'TIER2'").fetchone()[0]

    assert len(with_usage) == tier2_count
    assert set(reported) == with_usage
    assert set(reported.values()) == {1}
    assert lines >= len(demo["customers"])


async def test_demo_tokens_authenticate_with_their_tier_default_scopes(demo: dict, sqlite_file: Path) -> None:
    async with open_database(f"sqlite://{sqlite_file}"):
        for org in demo["organizations"]:
            actor = await authenticate(org["token"])
            assert actor is not None, org["name"]
            assert actor.tier is Tier(org["tier"])
            assert actor.scopes == frozenset(DEFAULT_SCOPES[Tier(org["tier"])])


def test_demo_refuses_a_database_with_data_unless_reset(cli: Cli, demo: dict) -> None:
    refused = cli("demo", "--json")
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert "--reset" in refused.stderr

    again = json.loads(cli.ok("demo", "--json", "--reset").stdout)
    assert len(again["customers"]) == len(demo["customers"])
    assert {o["token"] for o in again["organizations"]}.isdisjoint({o["token"] for o in demo["organizations"]})


def test_generate_with_a_bad_period_exits_2_with_a_message(cli: Cli) -> None:
    cli.ok("migrate")
    done = cli("generate", "2026-13")

    assert done.returncode == 2
    assert "YYYY-MM" in done.stderr
    assert done.stderr.count("\n") == 1  # one line, no traceback


def test_generate_again_leaves_unchanged_reports_alone(cli: Cli, demo: dict) -> None:
    done = cli.ok("generate", demo["period"])

    assert done.stdout.strip() == f"{demo['period']}: 0 report(s) created, 0 regenerated"


async def test_token_create_prints_a_token_that_authenticates(cli: Cli, demo: dict, sqlite_file: Path) -> None:
    partner = next(o for o in demo["organizations"] if o["tier"] == "TIER2")
    by_id = cli.ok(
        "token", "create", "--organization", partner["id"], "--scope", "reports:read", "--expires-in-days", "7"
    ).stdout.strip()
    by_name = cli.ok("token", "create", "--organization", partner["name"]).stdout.strip()

    async with open_database(f"sqlite://{sqlite_file}"):
        read_only = await authenticate(by_id)
        default = await authenticate(by_name)
    assert read_only is not None and default is not None
    assert read_only.organization_id == default.organization_id
    assert read_only.scopes == frozenset({Scope.REPORTS_READ})
    assert default.scopes == frozenset(DEFAULT_SCOPES[Tier.TIER2])


async def test_a_revoked_token_no_longer_authenticates(cli: Cli, demo: dict, sqlite_file: Path) -> None:
    token = demo["organizations"][0]["token"]

    cli.ok("token", "revoke", token)
    again = cli("token", "revoke", token)

    assert again.returncode == 1
    async with open_database(f"sqlite://{sqlite_file}"):
        assert await authenticate(token) is None


def test_a_token_cannot_get_a_scope_outside_its_tier(cli: Cli, demo: dict) -> None:
    partner = next(o for o in demo["organizations"] if o["tier"] == "TIER2")
    done = cli("token", "create", "--organization", partner["id"], "--scope", "usage:write")

    assert done.returncode == 2
    assert done.stdout == ""
    assert "usage:write" in done.stderr


def test_token_create_for_an_unknown_organization_fails(cli: Cli, demo: dict) -> None:
    done = cli("token", "create", "--organization", "Nobody Ltd")

    assert done.returncode == 1
    assert "Nobody Ltd" in done.stderr


def test_serve_refuses_several_workers_on_sqlite(cli: Cli) -> None:
    done = cli("serve", "--workers", "2")

    assert done.returncode == 2
    assert "PostgreSQL" in done.stderr


def test_export_schema_prints_the_sdl(cli: Cli, tmp_path: Path) -> None:
    printed = cli.ok("export-schema").stdout
    cli.ok("export-schema", "--output", str(tmp_path / "schema.graphql"))

    assert "type Query" in printed and "type BillingReport" in printed and "enum UserErrorCode" in printed
    assert (tmp_path / "schema.graphql").read_text() == printed


@pytest.mark.parametrize("access_log", ["", "1"], ids=["default", "BILLING_REPORTS_ACCESS_LOG=1"])
def test_serve_answers_graphql_with_a_demo_token_and_logs_to_stderr_without_an_access_log_unless_asked(
    cli: Cli, demo: dict, access_log: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILLING_REPORTS_ACCESS_LOG", access_log)
    port = _free_port()
    platform = next(o for o in demo["organizations"] if o["tier"] == "PLATFORM")
    server = cli.start("serve", "--port", str(port))
    try:
        answer = _post_until_up(port, platform["token"], "{ viewer { organization { name tier } } }")
    finally:
        server.terminate()
        stdout, stderr = server.communicate(timeout=30)

    assert answer == {"data": {"viewer": {"organization": {"name": platform["name"], "tier": "PLATFORM"}}}}
    assert stdout == ""
    assert "Uvicorn running on" in stderr  # the server's own log, on stderr
    assert ("POST /graphql" in stderr) == bool(access_log)  # one line per request only when asked


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post_until_up(port: int, token: str, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError:
            raise  # the server is up and said no
        except (ConnectionError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.postgres_only
def test_migrate_and_demo_on_a_fresh_postgresql_database(tmp_path: Path) -> None:
    base = os.environ["TEST_DATABASE_URL"].partition("?")[0].rsplit("/", 1)[0]
    name = f"cli_test_{uuid.uuid4().hex[:12]}"
    cli = Cli(tmp_path, f"{base}/{name}")
    try:
        cli.ok("migrate")  # creates the database
        cli.ok("migrate")
        # Migration 0003: a line item keeps only its report's foreign key (docs/decisions.md).
        assert asyncio.run(_foreign_keys_of_line_item(base, name)) == ["line_item_report_id_fkey"]
        world = json.loads(cli.ok("demo", "--json").stdout)
        assert len(world["customers"]) >= 40
        assert cli.ok("generate", world["period"]).stdout.strip().endswith("0 report(s) created, 0 regenerated")
    finally:
        asyncio.run(_drop_postgres_database(base, name))


async def _foreign_keys_of_line_item(base: str, name: str) -> list[str]:
    conn = await asyncpg.connect(base.replace("asyncpg://", "postgres://", 1) + f"/{name}")
    try:
        rows = await conn.fetch(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'line_item'::regclass AND contype = 'f'"
        )
        return sorted(r["conname"] for r in rows)
    finally:
        await conn.close()


async def _drop_postgres_database(base: str, name: str) -> None:
    conn = await asyncpg.connect(base.replace("asyncpg://", "postgres://", 1) + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
