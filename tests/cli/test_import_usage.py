"""``billing-reports import-usage FILE [--skip-invalid]``, run for real in a subprocess.

On a SQLite file, and also on a scratch PostgreSQL database (COPY) when
``TEST_DATABASE_URL`` points at PostgreSQL. The demo world is loaded once per database
kind and copied for each test (a file copy; ``CREATE DATABASE … TEMPLATE``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "usage.csv"
HEADER = "customer_id,solution_code,day,provisioned_units,used_units,allocated_credits"
# Customer 1 and the solution EPP exist in every freshly loaded demo world; the demo's
# usage is of last month, never of 2099.
ROW = "Q3VzdG9tZXI6MQ==,EPP,2099-11-{day:02d},40,36,1.25"


@dataclass
class Target:
    """One database with the demo world loaded, and the command pointed at it."""

    url: str
    workdir: Path

    def run(self, *args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
        return subprocess.run(
            [sys.executable, "-m", "server.cli", *args],
            cwd=self.workdir,
            env=env,
            capture_output=True,
            input=stdin.encode() if isinstance(stdin, str) else stdin,
            timeout=120,
        )

    def usage_after(self, day: str = "2099-01-01") -> list[tuple[int, int, str, int, int, int]]:
        """The daily usage stored from ``day`` on."""
        sql = (
            "SELECT customer_id, solution_id, day, provisioned_units, used_units, credits_e4 FROM daily_usage "
            "WHERE day >= {} ORDER BY customer_id, solution_id, day"
        )
        if self.url.startswith("sqlite://"):
            with sqlite3.connect(self.url.removeprefix("sqlite://")) as conn:
                return [tuple(r) for r in conn.execute(sql.format("?"), (day,))]  # type: ignore[misc]
        return asyncio.run(_fetch_postgres(self.url, sql.format("$1::text::date"), day))


async def _fetch_postgres(url: str, sql: str, day: str) -> list[tuple]:
    conn = await asyncpg.connect(url)
    try:
        return [(r[0], r[1], r[2].isoformat(), r[3], r[4], r[5]) for r in await conn.fetch(sql, day)]
    finally:
        await conn.close()


def _demo_template(workdir: Path, url: str) -> None:
    for args in (("migrate",), ("demo",)):
        done = Target(url, workdir).run(*args)
        assert done.returncode == 0, done.stderr.decode()


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("import_template")
    _demo_template(workdir, f"sqlite://{workdir / 'demo.sqlite3'}")
    return workdir / "demo.sqlite3"


@pytest.fixture(scope="module")
def postgres_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    base = os.environ["TEST_DATABASE_URL"].partition("?")[0].rsplit("/", 1)[0]
    name = f"import_tpl_{uuid.uuid4().hex[:12]}"
    try:
        _demo_template(tmp_path_factory.mktemp("import_template"), f"{base}/{name}")
        yield base, name
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(base: str, statement: str) -> None:
    conn = await asyncpg.connect(base.replace("asyncpg://", "postgres://", 1) + "/postgres")
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres_only)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    if request.param == "sqlite":
        copy = tmp_path / "demo.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), copy)
        yield Target(f"sqlite://{copy}", tmp_path)
        return
    base, template = request.getfixturevalue("postgres_template")
    name = f"import_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield Target(f"{base}/{name}", tmp_path)
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def write(tmp_path: Path, *lines: str, name: str = "usage.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_the_example_file_imports_into_a_fresh_demo_world(target: Target) -> None:
    done = target.run("import-usage", str(EXAMPLE))

    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().splitlines() == [
        f"{EXAMPLE}: 13 rows read, 12 days of usage stored "
        "(1 row replaced by a later line of the same customer, solution and day)"
    ]
    stored = target.usage_after("2026-11-01")  # the example's month (the demo's may be it too, later on)
    assert {(1, 1, "2026-11-01", 40, 36, 11_880), (2, 1, "2026-11-02", 25, 24, 7_920)} <= set(stored)
    assert (2, 1, "2026-11-02", 25, 25, 8_250) not in stored  # the example's last line won


def test_a_bad_row_is_listed_by_its_line_and_nothing_of_the_file_is_imported(target: Target, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ROW.format(day=1),
        ROW.format(day=2).replace(",40,", ",-40,"),
        ROW.format(day=3),
        "Q3VzdG9tZXI6OTk5OQ==,EPP,2099-11-04,1,1,1",
    )

    done = target.run("import-usage", str(path))

    assert done.returncode == 1
    stderr = done.stderr.decode()
    assert "line 3: provisioned_units must be a whole number from 0 to 50000000 [provisioned_units]" in stderr
    assert "line 5: no such customer [customer_id]" in stderr
    assert "2 of 4 rows refused (listed above): nothing was imported" in stderr
    assert done.stdout == b""
    assert target.usage_after() == []


def test_with_skip_invalid_the_valid_rows_are_imported_and_the_others_listed(target: Target, tmp_path: Path) -> None:
    path = write(tmp_path, ROW.format(day=1), ROW.format(day=2).replace("EPP", "NOPE"), ROW.format(day=3))

    done = target.run("import-usage", "--skip-invalid", str(path))

    assert done.returncode == 0, done.stderr.decode()
    assert "line 3: no such solution 'NOPE' [solution_code]" in done.stderr.decode()
    assert done.stdout.decode().strip().endswith("2 days of usage stored, 1 row refused (listed above) and skipped")
    assert [r[2] for r in target.usage_after()] == ["2099-11-01", "2099-11-03"]


def test_standard_input_is_read_with_a_dash(target: Target, tmp_path: Path) -> None:
    text = write(tmp_path, ROW.format(day=5)).read_text()

    done = target.run("import-usage", "-", stdin=text)

    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().startswith("standard input: 1 row read, 1 day of usage stored")
    assert len(target.usage_after()) == 1


def test_progress_goes_to_stderr_and_reaches_the_whole_file(target: Target, tmp_path: Path) -> None:
    path = write(tmp_path, *(ROW.format(day=d) for d in range(1, 31)))

    done = target.run("import-usage", str(path))

    assert done.returncode == 0
    assert "import-usage: 100%  30 rows" in done.stderr.decode()
    assert len(done.stdout.decode().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"customer,solution,day\n", "line 1 must be the header"),
        (HEADER.encode() + b"\nQ3VzdG9tZXI6MQ==,EPP,2099-11-01,1,1,\xff\n", "is not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_usage_csv_exits_1_with_a_reason(
    target: Target, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "wrong.csv"
    path.write_bytes(content)

    done = target.run("import-usage", str(path))

    assert done.returncode == 1
    assert message in done.stderr.decode()
    assert target.usage_after() == []


def test_a_missing_file_exits_1(target: Target, tmp_path: Path) -> None:
    done = target.run("import-usage", str(tmp_path / "nowhere.csv"))

    assert done.returncode == 1
    assert "cannot read" in done.stderr.decode()
