// Tier 2: the billing periods, each with its report's status and deadline (newest first).

import { debounced, fill, h, scrolling } from "../dom.js";
import { ACTION_LABELS, STATUS_LABELS, credits, dateTime, statusBadge, units } from "../format.js";
import { PERIODS } from "../operations.js";
import { RecentChanges, ReportPages } from "./lists.js";

export function periodsScreen(ctx) {
  const notice = h("p", { class: "notice", role: "alert" });
  const body = h("div", { class: "list-body" }, h("p", { class: "loading" }, "Loading…"));
  const recent = new RecentChanges();
  const pages = new ReportPages({ query: ctx.query, document: PERIODS, variables: {}, onChange: render });

  function render() {
    if (!pages.rows.length) {
      fill(body, h("p", { class: "empty" }, "No report yet: reports appear when a period is generated."));
      return;
    }
    const table = h(
      "table",
      { class: "reports periods" },
      h("caption", { class: "visually-hidden" }, "Billing periods and their reports"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Period", "Status", "Submission deadline", "Submitted", "Reviewed", "Lines", "Chargeable / used", "Credits", "Purchase order"].map(
            (title) => h("th", { scope: "col" }, title),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        pages.rows.map((r) =>
          h(
            "tr",
            { dataset: { reportId: r.id, status: r.status }, class: recent.has(r.id) ? "updated" : null },
            h("th", { scope: "row" }, h("a", { href: `#/reports/${encodeURIComponent(r.id)}` }, r.period.label)),
            h(
              "td",
              {},
              statusBadge(r.status),
              r.pendingCorrection ? h("span", { class: "badge correction" }, "Correction pending") : null,
            ),
            h("td", { class: "nowrap" }, dateTime(r.submissionDeadline)),
            h("td", { class: "nowrap" }, dateTime(r.submittedAt)),
            h("td", { class: "nowrap" }, dateTime(r.reviewedAt)),
            h("td", { class: "number" }, units(r.totals.lineCount)),
            h("td", { class: "number" }, `${units(r.totals.chargeableUnits)} / ${units(r.totals.usedUnits)}`),
            h("td", { class: "number" }, credits(r.totals.allocatedCredits)),
            h("td", {}, r.purchaseOrder ?? "—"),
          ),
        ),
      ),
    );
    fill(body, scrolling(table), pages.moreButton());
  }

  async function load() {
    try {
      const data = await ctx.query(PERIODS, { first: pages.shownCount });
      pages.take(data.reports);
      notice.textContent = "";
      render();
    } catch (error) {
      notice.textContent = ctx.failed(error);
    }
  }
  const refetch = debounced(load, 100);

  return {
    title: "Billing periods",
    element: h(
      "div",
      { class: "screen" },
      h("h1", { tabindex: "-1" }, "Billing periods"),
      h(
        "p",
        { class: "lead" },
        "Your report of each monthly period (UTC). Open one to review its lines, lower what should not be billed, ",
        "save a draft and submit it to your Tier 1 partner before the deadline.",
      ),
      notice,
      body,
    ),
    load,
    refresh: load,
    onEvent(event) {
      recent.note(event.report.id);
      ctx.announce(
        `Your report for ${event.report.period.label}: ${ACTION_LABELS[event.action] ?? event.action}, now ${STATUS_LABELS[event.report.status]}.`,
      );
      refetch();
    },
    dispose: () => refetch.cancel(),
  };
}

