"""A real browser: Debian's headless chromium, driven by Playwright, runs a dashboard page.

The page (``browser/dashboard.html``) is served by a small static server on its own
loopback port, so it is another origin than the API: the served app lists that origin in
``allowed_origins``, as BILLING_REPORTS_ALLOWED_ORIGINS would in production. The page opens
the browser's own ``WebSocket`` with the ``graphql-transport-ws`` subprotocol, speaks the
protocol by hand and shows what it hears in the DOM, which the test reads. No console
error may appear on the page (a binary frame, for one, would throw in ``JSON.parse``).

The browser is the module's one chromium (``tests.clients.browsers``): Playwright never
downloads a browser.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page
from tortoise.context import TortoiseContext

from server.settings import Settings
from tests.api.served import ServedApp, serving
from tests.clients.browsers import WAIT_MS, browser, chromium_endpoint, watched  # noqa: F401 - the fixtures
from tests.clients.scenario import (
    FORBIDDEN,
    REPORT_EVENTS,
    UNKNOWN_TOKEN,
    given_a_report_to_save,
    save_a_draft_over_http,
    the_save_of,
)
from tests.world import World

PAGE = (Path(__file__).parent / "browser" / "dashboard.html").read_bytes()


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass  # no line per request on the test's stderr


@pytest.fixture
def page_origin() -> Iterator[str]:
    """The dashboard page, served at ``<origin>/`` from a thread; the origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, name="dashboard page", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest_asyncio.fixture
async def app_for_the_page(db: TortoiseContext, page_origin: str) -> AsyncIterator[ServedApp]:
    """The app served with the page's origin allowed (BILLING_REPORTS_ALLOWED_ORIGINS)."""
    async with serving(Settings(debug=False, allowed_origins=(page_origin,))) as served:
        yield served


@dataclass
class Dashboard:
    page: Page
    console_errors: list[str]

    async def watch(self, ws_url: str, token: str) -> None:
        await self.page.evaluate("([url, token, query]) => watch(url, token, query)", [ws_url, token, REPORT_EVENTS])

    async def state(self, state: str) -> None:
        """Wait until the page shows ``state``; fail at once if it could not read a message."""
        status = await self.page.wait_for_selector(
            f'#status[data-state="{state}"], #status[data-state="failed"]', timeout=WAIT_MS
        )
        assert status is not None and await status.get_attribute("data-state") == state, (
            await self.page.text_content("#status"),
            self.console_errors,
        )

    async def events(self) -> list[dict[str, object]]:
        """Once the page shows an event: the events it shows (fails at once if it could not read one)."""
        await self.page.wait_for_selector('li.event, #status[data-state="failed"]', timeout=WAIT_MS)
        assert await self.page.get_attribute("#status", "data-state") != "failed", (
            await self.page.text_content("#status"),
            self.console_errors,
        )
        return await self.page.locator("li.event").evaluate_all(  # type: ignore[no-any-return]
            "items => items.map(i => ({action: i.dataset.action, id: i.dataset.reportId,"
            " status: i.dataset.status, version: Number(i.dataset.version)}))"
        )

    async def close_code(self) -> int:
        await self.state("closed")
        return int(await self.page.get_attribute("#status", "data-close-code") or "0")


@contextlib.asynccontextmanager
async def dashboard(browser: Browser, page_origin: str) -> AsyncIterator[Dashboard]:
    context = await browser.new_context()
    try:
        async with watched(context, f"{page_origin}/") as page:
            yield Dashboard(page.page, page.errors)
    finally:
        await context.close()


async def test_a_browser_page_hears_a_save_made_over_http(
    browser: Browser, world: World, app_for_the_page: ServedApp, page_origin: str
) -> None:
    report_id = await given_a_report_to_save(world, app_for_the_page)
    async with dashboard(browser, page_origin) as north:
        await north.watch(app_for_the_page.ws_url, world.tier1_a.token)
        await north.state("subscribed")
        await app_for_the_page.subscribers(1)

        await save_a_draft_over_http(world, app_for_the_page, report_id)

        shown = await north.events()
        assert north.console_errors == []
    expected = the_save_of(report_id)
    assert shown == [{"action": expected["action"], **expected["report"]}]


async def test_a_browser_page_with_an_unknown_token_sees_the_socket_closed_with_4403(
    browser: Browser, world: World, app_for_the_page: ServedApp, page_origin: str
) -> None:
    async with dashboard(browser, page_origin) as page:
        await page.watch(app_for_the_page.ws_url, UNKNOWN_TOKEN)

        assert await page.close_code() == FORBIDDEN
        assert await page.page.locator("li.event").count() == 0
        assert page.console_errors == []
    assert app_for_the_page.hub.subscriber_count == 0


async def test_a_browser_page_of_an_origin_the_server_does_not_list_cannot_open_the_socket(
    browser: Browser, world: World, served_app: ServedApp, page_origin: str
) -> None:
    async with dashboard(browser, page_origin) as page:  # served_app allows no other origin
        await page.watch(served_app.ws_url, world.tier1_a.token)

        assert await page.close_code() == 1006  # the handshake was refused: never opened
        assert any("403" in error for error in page.console_errors), page.console_errors
    assert served_app.hub.subscriber_count == 0
