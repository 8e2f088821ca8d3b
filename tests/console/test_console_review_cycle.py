"""The whole review cycle through the console, two people at once, in a real browser.

Harbor IT Services (Tier 2) and Northwind Distribution (its Tier 1 partner) each have the
console open. Harbor lowers a line with a reason and a comment, saves a draft and submits;
Northwind's list shows the report under review without reloading, and Northwind rejects
it with a reason; Harbor's page shows the rejection as it happens, Harbor corrects and
resubmits; Northwind approves with a purchase order. Neither page logs a console error,
and every query the pages sent was answered by the compiled query path.
"""

from __future__ import annotations

from playwright.async_api import Browser

from resolvers.compiled import FALLBACKS
from tests.api.served import ServedApp
from tests.console.pages import Demo, open_console, report_of

HARBOR, NORTHWIND = "Harbor IT Services", "Northwind Distribution"


async def test_a_report_goes_round_the_review_cycle_between_two_open_consoles(
    browser: Browser, demo: Demo, console_app: ServedApp
) -> None:
    report = await report_of(console_app.http, demo.token(HARBOR), HARBOR)
    line = next(line for line in report["lines"] if line["usedUnits"] >= 2)
    northwind = await open_console(browser, console_app)
    await northwind.screenshot("sign-in")
    await northwind.sign_in_as(NORTHWIND)
    await northwind.list_row(report["id"], "PREPARING")
    await northwind.mark_loaded()
    harbor = await open_console(browser, console_app)
    await harbor.sign_in_as(HARBOR)
    await harbor.list_row(report["id"], "PREPARING")
    await harbor.screenshot("tier2-billing-periods")
    await harbor.open_report(report["id"])
    await harbor.mark_loaded()

    # Harbor lowers a line, with a reason and a comment, saves a draft, then submits.
    await harbor.lower(line["id"], line["usedUnits"] - 1, "TRIAL", "two trial seats")
    await harbor.page.click("#save-draft")
    await harbor.report_status("PREPARING", version=2)
    await harbor.line(line["id"]).scroll_into_view_if_needed()
    await harbor.screenshot("tier2-report-details")
    await harbor.page.click("#submit-report")
    await harbor.report_status("UNDER_REVIEW", version=3)
    assert await harbor.page.locator("#save-draft, #submit-report").count() == 0  # availableActions: none now

    # Northwind's list follows, live; Northwind opens the report and rejects it, with a reason.
    row = await northwind.list_row(report["id"], "UNDER_REVIEW")
    assert await row.locator(".live-mark").count() == 1
    assert await northwind.not_reloaded()
    await northwind.screenshot("tier1-partners-reports")
    await northwind.open_report(report["id"])
    await northwind.page.click("#reject")  # no reason: refused, and said so beside the form
    await northwind.page.wait_for_selector('#reject-errors li[data-code="REASON_REQUIRED"]')
    await northwind.page.fill("#reject-reason", "The trial seats were converted on the 20th")
    await northwind.page.locator("#review-title").scroll_into_view_if_needed()
    await northwind.screenshot("tier1-review")
    await northwind.page.press("#reject-reason", "Enter")
    await northwind.report_status("REJECTED", version=4)

    # Harbor's page shows the rejection and its reason as it happens; Harbor corrects, resubmits.
    await harbor.report_status("REJECTED", version=4)
    assert "The trial seats were converted on the 20th" in (await harbor.page.text_content("#rejection") or "")
    assert await harbor.not_reloaded()
    await harbor.page.evaluate("() => window.scrollTo(0, 0)")
    await harbor.screenshot("tier2-rejected")
    await harbor.lower(line["id"], line["usedUnits"] - 2, "TRIAL", "trial seats until the 20th")
    await harbor.page.click("#submit-report")
    await harbor.report_status("UNDER_REVIEW", version=5)

    # Northwind, on the report, sees it back under review and approves it with its purchase order.
    await northwind.report_status("UNDER_REVIEW", version=5)
    assert await northwind.not_reloaded()
    await northwind.page.fill("#approve-po", "PO-2026-118")
    await northwind.page.click("#approve")
    await northwind.report_status("APPROVED", version=6)
    await harbor.report_status("APPROVED", version=6)
    await northwind.screenshot("report-history", of=".history-section")

    final = await report_of(console_app.http, demo.token(NORTHWIND), HARBOR)
    assert [(e["action"], e["comment"], e["purchaseOrder"]) for e in final["history"]] == [
        ("GENERATED", None, None),
        ("SAVED", None, None),
        ("SUBMITTED", None, None),
        ("REJECTED", "The trial seats were converted on the 20th", None),
        ("SUBMITTED", None, None),
        ("APPROVED", None, "PO-2026-118"),
    ]
    assert final["history"][1]["changes"] == [
        {
            "lineItemId": line["id"],
            "newChargeableUnits": line["usedUnits"] - 1,
            "newComment": "two trial seats",
            "newReason": "TRIAL",
        }
    ]
    assert final["history"][4]["changes"] == [
        {
            "lineItemId": line["id"],
            "newChargeableUnits": line["usedUnits"] - 2,
            "newComment": "trial seats until the 20th",
            "newReason": "TRIAL",
        }
    ]
    assert (
        await harbor.page.locator("ol.history > li").count(),
        await northwind.page.locator("ol.history > li").count(),
    ) == (6, 6)
    assert harbor.errors == [] and northwind.errors == []
    assert dict(FALLBACKS) == {}  # every query of the pages was compiled
