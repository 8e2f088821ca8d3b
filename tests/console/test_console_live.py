"""The console live: after a break it refetches what it shows; a revoked token signs it out.

docs/dashboards.md's rule, held in the browser: nothing is replayed, so after any break the
page subscribes again, waits for the pong, and refetches. Here the server ends every
subscription (EVENTS_MISSED, as when a worker loses its database events) and refuses new
ones for a while (EVENTS_UNAVAILABLE); a report is submitted meanwhile, unheard; once
subscribed again the list shows it, without a reload.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser

from tests.api.served import ServedApp
from tests.console.pages import Demo, act, open_console, report_of
from workflow.access import tokens

HARBOR, NORTHWIND = "Harbor IT Services", "Northwind Distribution"


async def test_after_its_subscription_ends_the_list_subscribes_again_and_refetches_what_it_missed(
    browser: Browser, demo: Demo, console_app: ServedApp
) -> None:
    report = await report_of(console_app.http, demo.token(HARBOR), HARBOR)
    northwind = await open_console(browser, console_app)
    await northwind.sign_in_as(NORTHWIND)
    await northwind.list_row(report["id"], "PREPARING")
    await northwind.mark_loaded()
    hub = console_app.hub

    hub.set_available(False)  # new subscriptions are refused (EVENTS_UNAVAILABLE) ...
    hub.interrupt_all("the test cut the events")  # ... and the open one ends (EVENTS_MISSED)
    await northwind.page.wait_for_selector('#live:not([data-state="live"])')
    await act(
        console_app.http, demo.token(HARBOR), "submitReport", "SubmitReportInput", reportId=report["id"], version=1
    )
    await asyncio.sleep(0.5)  # the page retries meanwhile, and is refused
    hub.set_available(True)

    await northwind.live()
    await northwind.list_row(report["id"], "UNDER_REVIEW")  # refetched: the event itself was never heard
    assert await northwind.not_reloaded()
    assert northwind.errors == []


async def test_a_revoked_token_closes_the_live_connection_and_signs_the_console_out(
    browser: Browser, demo: Demo, console_app: ServedApp
) -> None:
    harbor = await open_console(browser, console_app)
    await harbor.sign_in_as(HARBOR)

    await tokens.revoke_token(demo.token(HARBOR))

    await harbor.page.wait_for_selector("#sign-in-error:has-text('refused the token')")
    assert await harbor.page.locator("#top").is_hidden()
    assert await harbor.page.evaluate("() => sessionStorage.length") == 0
    assert harbor.errors == []
