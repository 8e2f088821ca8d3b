"""Fixtures of the CLI tests: the command on a temporary SQLite file, and the demo world in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.runner import Cli


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "cli.sqlite3"


@pytest.fixture
def cli(tmp_path: Path, sqlite_file: Path) -> Cli:
    return Cli(tmp_path, f"sqlite://{sqlite_file}")


@pytest.fixture
def demo(cli: Cli) -> dict:
    cli.ok("migrate")
    return json.loads(cli.ok("demo", "--json").stdout)
