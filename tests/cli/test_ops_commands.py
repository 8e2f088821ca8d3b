"""``billing-reports auto-submit`` and ``billing-reports export``, run for real on the demo world.

The demo's reports are generated now for the previous month, so they are due days from
now: ``auto-submit`` without ``--as-of`` leaves them, and ``--as-of 2099-…`` takes them all.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from schema import ids
from tests.cli.runner import Cli

FAR_FUTURE = "2099-01-01T00:00:00Z"
HEADER = (
    "period,partner_id,partner_name,report_id,report_status,customer_id,customer_name,solution_code,"
    "solution_name,billing_unit,reference_day,provisioned_units,used_units,over_provisioned_units,"
    "chargeable_units,allocated_credits,comment,approved_at,adjustment_reason,purchase_order,corrected_at"
)


def export(cli: Cli, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``billing-reports export ...`` with stdout as bytes (``Cli`` reads text, which folds CRLF)."""
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "export", *args],
        cwd=cli.workdir,
        env=cli.env(),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done


def csv_out(cli: Cli, *args: str) -> str:
    return export(cli, *args).stdout.decode("utf-8")


def rows_of(text: str) -> list[dict[str, str]]:
    assert text.split("\r\n", 1)[0] == HEADER
    return list(csv.DictReader(io.StringIO(text, newline="")))


def query(sqlite_file: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(sqlite_file) as db:
        return db.execute(sql, params).fetchall()


def org(demo: dict, name: str) -> dict:
    return next(o for o in demo["organizations"] if o["name"] == name)


# --- auto-submit ---------------------------------------------------------------------------


def test_auto_submit_now_leaves_reports_that_are_not_due_yet(cli: Cli, demo: dict) -> None:
    done = cli.ok("auto-submit")

    assert done.stdout.startswith("0 report(s) auto-submitted")


def test_auto_submit_as_of_a_later_instant_submits_every_editable_report_once(
    cli: Cli, demo: dict, sqlite_file: Path
) -> None:
    (reports,) = query(sqlite_file, "SELECT COUNT(*) FROM billing_report")[0]

    first = cli.ok("auto-submit", "--as-of", FAR_FUTURE)
    second = cli.ok("auto-submit", "--as-of", FAR_FUTURE)

    assert first.stdout.strip() == (
        f"{reports} report(s) auto-submitted (deadlines passed by {FAR_FUTURE}), 0 auto-approved"
    )
    assert second.stdout.startswith("0 report(s) auto-submitted")
    assert query(sqlite_file, "SELECT DISTINCT status, version FROM billing_report") == [("UNDER_REVIEW", 2)]
    assert query(
        sqlite_file,
        "SELECT COUNT(*), COUNT(principal_id), COUNT(organization_id) FROM history_entry "
        "WHERE action = 'AUTO_SUBMITTED'",
    ) == [(reports, 0, 0)]


def test_auto_submit_auto_approves_for_a_tier1_that_enabled_it(cli: Cli, demo: dict, sqlite_file: Path) -> None:
    northwind = org(demo, "Northwind Distribution")
    with sqlite3.connect(sqlite_file) as db:
        db.execute(
            "UPDATE organization SET auto_approve = 1 WHERE id = ?", (ids.decode_as(ids.ORGANIZATION, northwind["id"]),)
        )
    partners = sum(1 for o in demo["organizations"] if o["parentId"] == northwind["id"])

    done = cli.ok("auto-submit", "--as-of", FAR_FUTURE)

    assert done.stdout.strip().endswith(f"{partners} auto-approved")
    exported = rows_of(csv_out(cli, "period", demo["period"], "--partner", northwind["id"]))
    assert {r["report_status"] for r in exported} == {"APPROVED"}
    assert all(r["approved_at"].endswith("Z") for r in exported)


@pytest.mark.parametrize("instant", ["tomorrow", "2099-13-01T00:00:00Z", ""])
def test_auto_submit_with_a_malformed_instant_exits_2_and_changes_nothing(
    cli: Cli, demo: dict, sqlite_file: Path, instant: str
) -> None:
    done = cli("auto-submit", "--as-of", instant)

    assert done.returncode == 2
    assert "ISO 8601" in done.stderr and done.stdout == ""
    assert query(sqlite_file, "SELECT DISTINCT status FROM billing_report") == [("PREPARING",)]


# --- export --------------------------------------------------------------------------------


def test_export_period_prints_one_row_per_line_item_of_every_report(cli: Cli, demo: dict, sqlite_file: Path) -> None:
    done = export(cli, "period", demo["period"])

    rows = rows_of(done.stdout.decode("utf-8"))
    (lines,) = query(sqlite_file, "SELECT COUNT(*) FROM line_item")[0]
    (reports,) = query(sqlite_file, "SELECT COUNT(*) FROM billing_report")[0]
    assert len(rows) == lines
    assert len({r["report_id"] for r in rows}) == reports
    assert {r["customer_id"] for r in rows} <= {c["id"] for c in demo["customers"]}
    assert f"exported {lines} line(s) of {reports} report(s)" in done.stderr.decode()


def test_export_period_for_a_tier1_partner_holds_its_partners_reports(cli: Cli, demo: dict) -> None:
    meridian = org(demo, "Meridian Channel Partners")
    theirs = {o["id"] for o in demo["organizations"] if o["parentId"] == meridian["id"]}

    by_id = rows_of(csv_out(cli, "period", demo["period"], "--partner", meridian["id"]))
    by_name = rows_of(csv_out(cli, "period", demo["period"], "--partner", meridian["name"]))

    assert {r["partner_id"] for r in by_id} == theirs
    assert by_name == by_id


def test_export_report_to_a_file_writes_the_file_and_nothing_on_stdout(cli: Cli, demo: dict, tmp_path: Path) -> None:
    everything = rows_of(csv_out(cli, "period", demo["period"]))
    report_id = everything[0]["report_id"]
    target = tmp_path / "out" / "report.csv"
    target.parent.mkdir()

    done = export(cli, "report", report_id, "--output", str(target))

    assert done.stdout == b""
    assert rows_of(target.read_bytes().decode("utf-8")) == [r for r in everything if r["report_id"] == report_id]
    assert [p.name for p in target.parent.iterdir()] == ["report.csv"]  # no partial file left


@pytest.mark.parametrize(
    ("args", "exit_code", "says"),
    [
        (["export", "report", "not-an-id"], 2, "not a report ID"),
        (["export", "report", ids.encode(ids.CUSTOMER, 1)], 2, "not a report ID"),
        (["export", "report", ids.encode(ids.BILLING_REPORT, 987654)], 1, "no report"),
        (["export", "period", "2026-13"], 2, "YYYY-MM"),
        (["export", "period", "2001-01"], 1, "no reports for 2001-01"),
        (["export", "period", "2001-01", "--partner", "Nobody Ltd"], 1, "Nobody Ltd"),
    ],
)
def test_export_refusals_are_one_line_and_a_non_zero_exit(
    cli: Cli, demo: dict, tmp_path: Path, args: list[str], exit_code: int, says: str
) -> None:
    target = tmp_path / "never.csv"

    done = cli(*args, "--output", str(target))

    assert done.returncode == exit_code
    assert says in done.stderr and done.stderr.count("\n") == 1
    assert not target.exists()
