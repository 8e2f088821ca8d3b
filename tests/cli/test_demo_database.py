"""One database for a newcomer: ``make demo`` loads the file every command opens by default.

``make demo`` runs ``migrate`` and ``demo --json`` on a SQLite file and serves it; a
newcomer then runs ``billing-reports ...`` from a second shell in the same directory,
without ``DATABASE_URL``. These tests take the recipe from the Makefile itself
(``make -n demo``), run its loading lines in a temporary directory, and check that a
command run there without ``DATABASE_URL`` sees the demo's data.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server.database import DEFAULT_DATABASE_URL
from tests.cli.runner import REPO

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

DEFAULT_FILE = DEFAULT_DATABASE_URL.removeprefix("sqlite://")


def demo_recipe(bin_dir: Path) -> list[str]:
    """The commands ``make demo`` would run, with ``billing-reports`` from ``bin_dir``."""
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-C", str(REPO), "demo", f"BIN={bin_dir}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


def shim(tmp_path: Path) -> Path:
    """A ``bin`` directory whose ``billing-reports`` runs this checkout's command line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "billing-reports"
    script.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m server.cli "$@"\n')
    script.chmod(0o755)
    return bin_dir


def without_database_url() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return env


def test_make_demo_resets_loads_and_serves_the_command_lines_default_file(tmp_path: Path) -> None:
    bin_dir = shim(tmp_path)
    command = f"{bin_dir}/billing-reports "
    recipe = demo_recipe(bin_dir)
    billing = [line for line in recipe if command in line]

    assert [line.split(command, 1)[1].split()[0] for line in billing] == ["migrate", "demo", "serve"]
    assert all(line.startswith(f"DATABASE_URL={DEFAULT_DATABASE_URL} ") for line in billing), billing
    resets = [line for line in recipe if line.startswith("rm ")]
    assert resets == [f"rm -f {DEFAULT_FILE} {DEFAULT_FILE}-wal {DEFAULT_FILE}-shm"]


def test_a_command_without_database_url_sees_the_demo_that_make_demo_loaded(tmp_path: Path) -> None:
    recipe = demo_recipe(shim(tmp_path))
    start = next(i for i, line in enumerate(recipe) if line.startswith("rm "))
    serve = next(i for i, line in enumerate(recipe) if "/billing-reports serve" in line)
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    (workdir / "other.sqlite3").write_text("not the demo's")
    loading = "\n".join(["set -euo pipefail", *recipe[start:serve]])

    for _ in range(2):  # a second `make demo` starts again from a fresh file
        subprocess.run(
            ["bash", "-c", loading],
            cwd=workdir,
            env=without_database_url(),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    world = json.loads((workdir / "demo.json").read_text())
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "export", "period", world["period"]],
        cwd=workdir,
        env=without_database_url(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    partners = {o["name"] for o in world["organizations"] if o["tier"] == "TIER2"}
    assert {row.split(",")[2] for row in done.stdout.splitlines()[1:]} == partners
    assert (workdir / DEFAULT_FILE).exists()
    assert (workdir / "other.sqlite3").read_text() == "not the demo's"
