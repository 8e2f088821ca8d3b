"""The console's tests: the demo world in the test database, the app serving the console, chromium.

``demo`` loads the world of ``billing-reports demo`` (``server.demo.load_demo``, in a
fraction of a second) into the test's database — SQLite, or ``TEST_DATABASE_URL``'s
PostgreSQL — and writes its JSON where ``make demo`` would keep ``demo.json``;
``console_app`` serves the app in-process with the console on and that file's picker, as
``make demo`` does. The browser is one chromium per module (``tests.clients.browsers``).
Screenshots of the main screens go to ``build/console-screenshots/`` (or
``CONSOLE_SCREENSHOTS``); the run's summary says where.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from tortoise.context import TortoiseContext

from server.demo import load_demo
from server.settings import Settings
from tests.api.served import ServedApp, serving
from tests.clients.browsers import browser, chromium_endpoint  # noqa: F401 - the fixtures
from tests.console.pages import SAVED_SCREENSHOTS, SCREENSHOTS, Demo


@pytest_asyncio.fixture
async def demo(db: TortoiseContext, tmp_path: Path) -> Demo:
    world = await load_demo(db, lambda _message: None)
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(world), encoding="utf-8")
    return Demo(world, path)


@pytest_asyncio.fixture
async def console_app(demo: Demo) -> AsyncIterator[ServedApp]:
    """The app with the console on and the demo's picker (``make demo``'s settings)."""
    async with serving(Settings(console=True, console_demo_file=str(demo.path))) as served:
        yield served


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SAVED_SCREENSHOTS:
        terminalreporter.write_line(f"console screenshots ({len(SAVED_SCREENSHOTS)}): {SCREENSHOTS}")
