"""Debian's headless chromium for the browser tests: one browser per test module, pages that record errors.

``chromium_endpoint`` (module scope) starts ``/usr/bin/chromium`` once per module with its
DevTools endpoint on a free loopback port; each test connects to it with Playwright
(``connect_over_cdp``, on the test's own event loop) and works in fresh browser contexts
(separate cookies and storage, like separate people), which ``browser`` closes after the
test. Starting chromium costs ~1 s; a context, milliseconds.

``watched(context, url)`` opens a page and records every console error and uncaught
exception of it in ``WatchedPage.errors``: the tests assert that none appeared.

Playwright never downloads a browser here: it drives /usr/bin/chromium
(``tests.clients.tools.chromium_executable``; missing, the tests skip, or fail under CI).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Error, Page, async_playwright

from tests.clients.tools import chromium_executable

WAIT_MS = 15_000
# Headless, as root with no sandbox, no GPU, nothing of Chromium's own traffic (this machine
# has no network but loopback: its background requests would only fail, and fill the log),
# and no throttling of timers in pages that are not in front (two pages act at once).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--password-store=basic",
    "--use-mock-keychain",
    "--hide-scrollbars",
    "--mute-audio",
    "--force-color-profile=srgb",
]


@pytest.fixture(scope="module")
def chromium_endpoint() -> Iterator[str]:
    """One chromium for the module; the WebSocket URL of its DevTools endpoint."""
    executable = chromium_executable()
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    process = subprocess.Popen(
        [executable, "--remote-debugging-port=0", f"--user-data-dir={profile}", *CHROMIUM_ARGS, "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield _devtools_url(Path(profile), process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _devtools_url(profile: Path, process: subprocess.Popen[bytes]) -> str:
    """Chromium writes the port it took and the browser's path to DevToolsActivePort."""
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"chromium exited at start ({process.returncode})")
        lines = port_file.read_text().splitlines() if port_file.exists() else []
        if len(lines) >= 2:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.05)
    pytest.fail("chromium did not open its DevTools endpoint within 30 s")


@pytest_asyncio.fixture
async def browser(chromium_endpoint: str) -> AsyncIterator[Browser]:
    """The module's chromium, connected for this test; the contexts it opens are closed after it."""
    async with async_playwright() as playwright:
        connected = await playwright.chromium.connect_over_cdp(chromium_endpoint, timeout=30_000)
        try:
            yield connected
        finally:
            for context in connected.contexts[1:]:  # the first is chromium's default context
                await context.close()
            await connected.close()  # disconnects; the module's chromium goes on


@dataclass
class WatchedPage:
    page: Page
    errors: list[str] = field(default_factory=list)


def watch(page: Page) -> WatchedPage:
    """Record the page's console errors and uncaught exceptions."""
    watched = WatchedPage(page)

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.errors.append(message.text)

    def uncaught(error: Error) -> None:
        watched.errors.append(f"uncaught: {error.message}")

    page.on("console", console)
    page.on("pageerror", uncaught)
    return watched


@contextlib.asynccontextmanager
async def watched(context: BrowserContext, url: str) -> AsyncIterator[WatchedPage]:
    """A new page of ``context`` at ``url``, its errors recorded from the start."""
    page = watch(await context.new_page())
    await page.page.goto(url, timeout=WAIT_MS)
    try:
        yield page
    finally:
        await page.page.close()
