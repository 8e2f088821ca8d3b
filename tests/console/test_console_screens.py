"""The console's screens one by one, in a real browser: each as a person uses it, none logging an error.

The keyboard alone through sign-in and a refused then accepted save; the evidence of a line
as a chart with its reference day marked; a phone's width; a Tier 1 partner approving many
reports at once (refused per report without the purchase order its settings require); a
correction requested and reviewed; signing in with a pasted token where no demo is offered.
"""

from __future__ import annotations

from playwright.async_api import Browser

from server.settings import Settings
from tests.api.client import gql
from tests.api.served import ServedApp, serving
from tests.console.pages import PHONE, Demo, act, open_console, report_of

HARBOR, PINECREST, BLUEGATE = "Harbor IT Services", "Pinecrest Managed Services", "Bluegate Networks"
NORTHWIND = "Northwind Distribution"


async def test_the_keyboard_alone_signs_in_lowers_a_line_and_saves_showing_the_refusal_beside_the_line(
    browser: Browser, demo: Demo, console_app: ServedApp
) -> None:
    report = await report_of(console_app.http, demo.token(PINECREST), PINECREST)
    line = next(line for line in report["lines"] if line["usedUnits"] >= 1)
    console = await open_console(browser, console_app)

    await console.tab_to("#token")
    await console.page.keyboard.type(demo.token(PINECREST))
    await console.page.keyboard.press("Enter")
    await console.live()
    await console.tab_to(f'a[href="#/reports/{report["id"]}"]')
    assert await console.focus_is_visible()
    await console.page.keyboard.press("Enter")
    await console.report_status("PREPARING", version=1)
    await console.tab_to(f'tr.line[data-line-id="{line["id"]}"] input.chargeable')
    await console.page.keyboard.press("ControlOrMeta+a")
    await console.page.keyboard.type(str(line["usedUnits"] - 1))
    await console.page.keyboard.press("Tab")  # the reason, shown once the line is lowered
    await console.page.keyboard.press("ArrowDown")  # its first reason
    await console.page.keyboard.press("Tab")  # the comment
    await console.page.keyboard.press("Enter")  # left empty: the save is refused

    assert await console.line_errors(line["id"]) == ["COMMENT_REQUIRED"]
    await console.report_status("PREPARING", version=1)
    assert await console.page.evaluate(
        "() => document.activeElement.classList.contains('comment')"
    )  # focus on the fault
    await console.page.keyboard.type("customer left mid-month")
    await console.page.keyboard.press("Enter")
    await console.report_status("PREPARING", version=2)

    saved = await report_of(console_app.http, demo.token(PINECREST), PINECREST)
    assert next(x for x in saved["lines"] if x["id"] == line["id"]) | {} == {
        **line,
        "chargeableUnits": line["usedUnits"] - 1,
        "comment": "customer left mid-month",
        "adjustmentReason": "TRIAL",
    }
    assert await console.page.locator("tr.line-errors").count() == 0
    assert console.errors == []


async def test_a_lines_evidence_is_a_chart_of_its_daily_usage_with_the_reference_day_marked_and_the_rule_explained(
    browser: Browser, demo: Demo, console_app: ServedApp
) -> None:
    report = await report_of(console_app.http, demo.token(HARBOR), HARBOR)
    peak = next(line for line in report["lines"] if line["aggregationRule"] == "PEAK_CREDITS_DAY")
    summed = next(line for line in report["lines"] if line["aggregationRule"] == "DAILY_SUM")
    console = await open_console(browser, console_app)
    await console.sign_in_as(HARBOR)
    await console.open_report(report["id"])

    toggle = console.line(peak["id"]).locator("button.evidence-toggle")
    await toggle.click()
    panel = console.page.locator(f'tr.evidence-row[data-line-id="{peak["id"]}"]')
    await panel.locator("svg.chart").wait_for()
    await panel.scroll_into_view_if_needed()
    await console.screenshot("evidence")

    assert await toggle.get_attribute("aria-expanded") == "true"
    reference = panel.locator("rect.bar.reference")
    assert await reference.count() == 1
    assert await reference.get_attribute("data-day") == peak["referenceDay"]
    assert peak["referenceDay"] in (await panel.locator(".reference-marker text").text_content() or "")
    assert await panel.locator(".explanation").text_content() == peak["explanation"]
    days = await panel.locator("table.daily tbody tr").count()
    assert days >= 1 and await panel.locator("rect.bar").count() == days
    assert await panel.locator("table.daily tr.reference").count() == 1

    await console.line(summed["id"]).locator("button.evidence-toggle").click()
    summed_panel = console.page.locator(f'tr.evidence-row[data-line-id="{summed["id"]}"]')
    await summed_panel.locator("svg.chart").wait_for()
    assert await summed_panel.locator("rect.reference").count() == 0  # a daily sum has no reference day
    assert await summed_panel.locator(".explanation").text_content() == summed["explanation"]

    await toggle.click()
    assert await panel.count() == 0 and await toggle.get_attribute("aria-expanded") == "false"
    assert console.errors == []


async def test_on_a_phone_the_page_fits_its_width_the_tables_scroll_and_a_line_can_be_saved(
    browser: Browser, demo: Demo, console_app: ServedApp
) -> None:
    report = await report_of(console_app.http, demo.token(HARBOR), HARBOR)
    line = next(line for line in report["lines"] if line["usedUnits"] >= 1)
    console = await open_console(browser, console_app, device=PHONE)
    await console.sign_in_as(HARBOR)
    await console.list_row(report["id"], "PREPARING")
    assert await fits_the_width(console.page)
    await console.open_report(report["id"])

    assert await fits_the_width(console.page)
    lines_box = console.page.locator(".lines-section .table-scroll")
    assert await lines_box.evaluate("box => box.scrollWidth > box.clientWidth")  # the table scrolls in its box
    await console.screenshot("phone-report-details")
    await console.lower(line["id"], 0, "DUPLICATE", "metered twice")
    await console.page.locator("#save-draft").tap()
    await console.report_status("PREPARING", version=2)
    assert await fits_the_width(console.page)
    assert console.errors == []


async def fits_the_width(page: object) -> bool:
    return await page.evaluate(  # type: ignore[attr-defined, no-any-return]
        "() => document.documentElement.scrollWidth <= window.innerWidth"
    )


async def test_a_tier1_partner_approves_many_reports_at_once_each_refusal_shown_on_its_row(
    browser: Browser, demo: Demo, console_app: ServedApp
) -> None:
    http = console_app.http
    submitted = []
    for partner in (HARBOR, PINECREST, BLUEGATE):
        report = await report_of(http, demo.token(partner), partner)
        await act(http, demo.token(partner), "submitReport", "SubmitReportInput", reportId=report["id"], version=1)
        submitted.append(report["id"])
    await gql(
        http,
        demo.token(NORTHWIND),
        "mutation { updatePartnerSettings(input: {requirePurchaseOrder: true}) { errors { code } } }",
    )
    console = await open_console(browser, console_app)
    await console.sign_in_as(NORTHWIND)
    await console.list_row(submitted[0], "UNDER_REVIEW")
    await console.page.get_by_label("Under review").check()  # the filter: the address says it, the list follows
    await console.page.wait_for_selector('tr[data-status="PREPARING"]', state="detached")
    assert "status=UNDER_REVIEW" in console.page.url
    assert await console.page.evaluate("() => document.activeElement.id") == "filter-UNDER_REVIEW"  # focus kept

    await console.page.check("#select-all")
    assert await console.page.text_content("#approve-selected") == "Approve selected (3)"
    await console.page.click("#approve-selected")  # Northwind requires a purchase order
    await console.page.wait_for_selector("tr.row-errors")
    codes = await console.page.locator("tr.row-errors li").evaluate_all("items => items.map(i => i.dataset.code)")
    assert codes == ["PURCHASE_ORDER_REQUIRED"] * 3
    await console.page.check("#select-all")
    await console.page.fill("#bulk-po", "PO-77")
    await console.screenshot("tier1-bulk-approval")
    await console.page.click("#approve-selected")
    await console.page.wait_for_selector("p.empty")  # none left under review

    for report_id in submitted:
        data = await gql(
            http,
            demo.token(NORTHWIND),
            "query($id: ID!) { report(id: $id) { status purchaseOrder } }",
            {"id": report_id},
        )
        assert data["report"] == {"status": "APPROVED", "purchaseOrder": "PO-77"}
    assert console.errors == []


async def test_a_correction_is_requested_after_approval_and_reviewed_by_the_tier1_partner(
    browser: Browser, demo: Demo, console_app: ServedApp
) -> None:
    http = console_app.http
    report = await report_of(http, demo.token(PINECREST), PINECREST)
    line = next(line for line in report["lines"] if line["usedUnits"] >= 1)
    await act(http, demo.token(PINECREST), "submitReport", "SubmitReportInput", reportId=report["id"], version=1)
    await act(http, demo.token(NORTHWIND), "approveReport", "ApproveReportInput", reportId=report["id"], version=2)
    northwind = await open_console(browser, console_app)
    await northwind.sign_in_as(NORTHWIND)
    await northwind.list_row(report["id"], "APPROVED")
    pinecrest = await open_console(browser, console_app)
    await pinecrest.sign_in_as(PINECREST)
    await pinecrest.open_report(report["id"])

    await pinecrest.page.click("#start-correction")
    await pinecrest.lower(line["id"], 0, "DECOMMISSIONED", "removed on the 3rd")
    await pinecrest.page.fill("#correction-comment", "one endpoint was decommissioned")
    await pinecrest.page.click("#send-correction")
    await pinecrest.page.wait_for_selector(".pending-correction")
    assert await pinecrest.page.locator("#approve-correction-form").count() == 0  # the owner asks, never decides

    to_review = northwind.page.locator(f'.corrections-to-review tr[data-report-id="{report["id"]}"]')
    await to_review.wait_for()  # live: the list heard the request
    await to_review.get_by_role("link").click()
    await northwind.page.wait_for_selector("#approve-correction-form")
    await northwind.page.locator(".pending-correction").scroll_into_view_if_needed()
    await northwind.screenshot("tier1-correction-review")
    await northwind.page.click("#reject-correction")  # a rejection needs a reason
    await northwind.page.wait_for_selector('#reject-correction-errors li[data-code="REASON_REQUIRED"]')
    await northwind.page.fill("#approve-correction-comment", "agreed")
    await northwind.page.click("#approve-correction")
    await northwind.page.wait_for_selector('ol.corrections-list li[data-status="APPROVED"]')
    assert await northwind.page.locator(".pending-correction").count() == 0
    await pinecrest.page.wait_for_selector('ol.corrections-list li[data-status="APPROVED"]')  # heard live

    corrected = await report_of(http, demo.token(PINECREST), PINECREST)
    assert next(x for x in corrected["lines"] if x["id"] == line["id"])["chargeableUnits"] == 0
    assert corrected["corrections"] == [
        {"status": "APPROVED", "comment": "one endpoint was decommissioned", "reviewComment": "agreed"}
    ]
    assert [e["action"] for e in corrected["history"]][-2:] == ["CORRECTION_REQUESTED", "CORRECTION_APPROVED"]
    assert pinecrest.errors == [] and northwind.errors == []


async def test_without_a_demo_file_one_signs_in_by_pasting_a_token_and_a_wrong_one_is_said_so(
    browser: Browser, demo: Demo
) -> None:
    async with serving(Settings(console=True)) as served:
        console = await open_console(browser, served)
        assert await console.page.locator("section.demo, button.organization").count() == 0

        await console.page.fill("#token", "brt_not-a-token")
        await console.page.press("#token", "Enter")
        await console.page.wait_for_selector("#sign-in-error:has-text('refused')")
        assert all("401" in error for error in console.errors), console.errors  # the browser logs the 401 itself
        console.errors.clear()

        await console.page.fill("#token", demo.token(HARBOR))
        await console.page.press("#token", "Enter")
        await console.live()
        assert await console.page.text_content("#organization-name") == HARBOR
        await console.page.click("#sign-out")
        await console.page.wait_for_selector("#sign-in")
        assert await console.page.evaluate("() => sessionStorage.length") == 0
        assert console.errors == []
