"""The console as the tests drive it: signing in, its screens' elements, waiting for what they show.

Tests read as what a person does (``sign_in_as("Harbor IT Services")``, ``lower(line, 40,
"TRIAL", "trial seats")``) and wait for what the page shows through the data attributes
the console writes for that (``#report-status[data-status]``, ``tr[data-report-id]``,
``tr.line[data-line-id]``). Given steps that are not the point of a test go through the
API over HTTP, as another person's browser would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Locator, Page

from tests.api.client import gql
from tests.api.served import ServedApp
from tests.clients.browsers import WAIT_MS, watch

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("CONSOLE_SCREENSHOTS", "") or REPO / "build" / "console-screenshots")
SAVED_SCREENSHOTS: list[Path] = []
# Browser context options: a laptop's window, and a phone's screen (touch, mobile viewport).
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


@dataclass
class Demo:
    """The demo world's JSON (docs/contract.md §9) and the file it was written to."""

    world: dict[str, Any]
    path: Path

    def organization(self, name: str) -> dict[str, Any]:
        return next(o for o in self.world["organizations"] if o["name"] == name)

    def token(self, name: str) -> str:
        return str(self.organization(name)["token"])


@dataclass
class Console:
    """One person's console page (its own browser context: its own tab storage)."""

    page: Page
    errors: list[str] = field(default_factory=list)

    # --- signing in and moving around ----------------------------------------------------

    async def sign_in_as(self, organization: str) -> None:
        """Pick the demo organization on the sign-in screen; wait until live."""
        await self.page.click(f'button.organization[data-name="{organization}"]')
        await self.live()

    async def live(self) -> None:
        await self.page.wait_for_selector('#live[data-state="live"]', timeout=WAIT_MS)

    async def open_report(self, report_id: str) -> None:
        await self.page.click(f'a[href="#/reports/{report_id}"]')
        await self.report_status()

    async def report_status(self, status: str | None = None, version: int | None = None) -> None:
        """Wait until Report Details shows the report (in ``status``, at ``version``)."""
        selector = "#report-status"
        if status:
            selector += f'[data-status="{status}"]'
        if version is not None:
            selector += f'[data-version="{version}"]'
        await self.page.wait_for_selector(selector, timeout=WAIT_MS)

    async def list_row(self, report_id: str, status: str) -> Locator:
        """Wait until a list shows the report in ``status``; its row."""
        selector = f'tr[data-report-id="{report_id}"][data-status="{status}"]'
        await self.page.wait_for_selector(selector, timeout=WAIT_MS)
        return self.page.locator(selector)

    # --- a report's lines ----------------------------------------------------------------

    def line(self, line_id: str) -> Locator:
        return self.page.locator(f'tr.line[data-line-id="{line_id}"]')

    async def lower(self, line_id: str, units: int, reason: str | None, comment: str | None) -> None:
        row = self.line(line_id)
        await row.locator("input.chargeable").fill(str(units))
        if reason is not None:
            await row.locator("select.reason").select_option(reason)
        if comment is not None:
            await row.locator("input.comment").fill(comment)

    async def line_errors(self, line_id: str) -> list[str]:
        """The codes shown beside a line after a refused save."""
        selector = f'tr.line-errors[data-line-id="{line_id}"] li'
        await self.page.wait_for_selector(selector, timeout=WAIT_MS)
        return await self.page.locator(selector).evaluate_all("items => items.map(i => i.dataset.code)")  # type: ignore[no-any-return]

    # --- the keyboard ------------------------------------------------------------------------

    async def tab_to(self, selector: str, limit: int = 80) -> None:
        """Press Tab until the focused element matches ``selector`` (as a keyboard user moves)."""
        for _ in range(limit):
            await self.page.keyboard.press("Tab")
            if await self.page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
                return
        raise AssertionError(f"{limit} presses of Tab never reached {selector}")

    async def focus_is_visible(self) -> bool:
        """Whether the focused element is drawn with an outline (the :focus-visible ring)."""
        style = await self.page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
        )
        return style[0] != "none" and style[1] != "0px"  # type: ignore[no-any-return]

    # --- checks ----------------------------------------------------------------------------

    async def mark_loaded(self) -> None:
        """Mark this document, so that ``not_reloaded`` can tell it was never loaded again."""
        await self.page.evaluate("() => { window.__consoleTestMark = true; }")

    async def not_reloaded(self) -> bool:
        return bool(await self.page.evaluate("() => window.__consoleTestMark === true"))

    async def screenshot(self, name: str, *, of: str | None = None) -> None:
        """Save the window (or the element ``of`` selects) as ``<name>.png`` in SCREENSHOTS."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if of is None:
            await self.page.screenshot(path=str(path), animations="disabled")
        else:
            await self.page.locator(of).screenshot(path=str(path), animations="disabled")
        SAVED_SCREENSHOTS.append(path)


async def open_console(browser: Browser, served: ServedApp, *, device: dict[str, Any] = DESKTOP) -> Console:
    """A new person (browser context) opening the console."""
    context = await browser.new_context(**device)
    watched = watch(await context.new_page())
    await watched.page.goto(f"http://127.0.0.1:{served.port}/console/", timeout=WAIT_MS)
    await watched.page.wait_for_selector("#sign-in, #top:not([hidden])", timeout=WAIT_MS)
    return Console(watched.page, watched.errors)


# --- given steps over the API ------------------------------------------------------------

REPORT = """
query Report($id: ID!) { report(id: $id) {
  id status version purchaseOrder availableActions
  lineItems(first: 100) { edges { node {
    id usedUnits chargeableUnits comment adjustmentReason referenceDay aggregationRule explanation
  } } }
  history {
    action fromStatus toStatus comment purchaseOrder
    changes { lineItemId newChargeableUnits newComment newReason }
  }
  corrections { status comment reviewComment }
} }"""

REPORTS = """
query Reports { reports(first: 100) { edges { node { id status version partner { name } } } } }"""


async def report_of(http: httpx.AsyncClient, token: str, partner: str) -> dict[str, Any]:
    """The report of ``partner`` (a Tier 2 partner's name) as ``token`` sees it, with its lines."""
    data = await gql(http, token, REPORTS)
    (report_id,) = [e["node"]["id"] for e in data["reports"]["edges"] if e["node"]["partner"]["name"] == partner]
    report = (await gql(http, token, REPORT, {"id": report_id}))["report"]
    report["lines"] = [e["node"] for e in report.pop("lineItems")["edges"]]
    return report  # type: ignore[no-any-return]


async def act(http: httpx.AsyncClient, token: str, mutation: str, input_type: str, **input: Any) -> dict[str, Any]:
    """A report mutation over the API; fails unless it succeeded; the report as it now stands."""
    document = (
        f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{"
        " errors { code message } report { id version status } } }"
    )
    payload = (await gql(http, token, document, {"input": input}))[mutation]
    assert payload["errors"] == [], payload["errors"]
    return payload["report"]  # type: ignore[no-any-return]
