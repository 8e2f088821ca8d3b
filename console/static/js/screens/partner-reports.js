// Tier 1 (and the platform): the partners' reports across periods, filtered by status and
// period, updated live; corrections to review; approving many at once.

import { debounced, domId, fill, h, hiddenLabel, keepingFocus, scrolling } from "../dom.js";
import { ACTION_LABELS, STATUSES, STATUS_LABELS, actorName, credits, dateTime, statusBadge, units } from "../format.js";
import { APPROVE_MANY, MORE_REPORTS, PARTNER_REPORTS } from "../operations.js";
import { RecentChanges, ReportPages } from "./lists.js";

/** The API's ReportFilter for the chosen statuses and period. */
function reportFilter({ statuses, period }) {
  return { ...(statuses.length ? { statuses } : {}), ...(period ? { period } : {}) };
}

/** filters: {statuses: [...], period} from the address (#/reports?status=UNDER_REVIEW&period=2026-11). */
export function partnerReportsScreen(ctx, filters) {
  const isPlatform = ctx.viewer.organization.tier === "PLATFORM";
  let filter = reportFilter(filters);
  const notice = h("p", { class: "notice", role: "alert" });
  const filterBox = h("div", { class: "filters-box" });
  const corrections = h("div", { class: "corrections-box" });
  const body = h("div", { class: "list-body" }, h("p", { class: "loading" }, "Loading…"));
  const recent = new RecentChanges();
  const selected = new Set();
  const rowErrors = new Map(); // report id -> [UserError] of the last bulk approval
  let periods = [];
  let approved = []; // the approved reports, for their pending corrections
  let loadFailed = false;
  const pages = new ReportPages({ query: ctx.query, document: MORE_REPORTS, variables: { filter }, onChange: render });

  function filtersForm() {
    const form = h(
      "form",
      {
        class: "filters",
        role: "search",
        "aria-label": "Filter the reports",
        onsubmit: (event) => {
          event.preventDefault();
          apply(form);
        },
        onchange: () => apply(form),
      },
      h(
        "fieldset",
        {},
        h("legend", {}, "Status"),
        STATUSES.map((status) =>
          h(
            "label",
            { class: "check" },
            h("input", {
              type: "checkbox",
              id: `filter-${status}`,
              name: "status",
              value: status,
              checked: filters.statuses.includes(status),
            }),
            STATUS_LABELS[status],
          ),
        ),
      ),
      h(
        "label",
        { class: "field" },
        "Period ",
        h(
          "select",
          { name: "period", id: "filter-period", value: filters.period ?? "" },
          h("option", { value: "" }, "All periods"),
          [...new Set([...periods, ...(filters.period ? [filters.period] : [])])].map((label) =>
            h("option", { value: label }, label),
          ),
        ),
      ),
      h("button", { type: "submit" }, "Apply"),
    );
    return form;
  }

  /** Filter in place: the address records the filter (Back returns to the former one), the list reloads. */
  function apply(form) {
    const data = new FormData(form);
    filters = { statuses: data.getAll("status"), period: data.get("period") || null };
    filter = reportFilter(filters);
    pages.variables = { filter };
    selected.clear();
    rowErrors.clear();
    const query = new URLSearchParams();
    for (const status of filters.statuses) query.append("status", status);
    if (filters.period) query.set("period", filters.period);
    const text = query.toString();
    history.pushState(null, "", `#/reports${text ? `?${text}` : ""}`);
    refetch();
  }

  function approvable(r) {
    return r.availableActions.includes("APPROVE");
  }

  function render() {
    keepingFocus(renderList);
  }

  function renderList() {
    fill(filterBox, filtersForm());
    renderCorrections();
    for (const id of [...selected]) if (!pages.rows.some((r) => r.id === id && approvable(r))) selected.delete(id);
    if (!pages.rows.length) {
      fill(body, h("p", { class: "empty" }, "No report matches."));
      return;
    }
    const canApprove = pages.rows.some(approvable);
    const columns = [
      "Period",
      "Partner",
      "Status",
      "Submission deadline",
      "Submitted",
      "Lines",
      "Chargeable / used",
      "Credits",
      "Purchase order",
    ];
    const approveButton = h("button", { type: "submit", id: "approve-selected", disabled: selected.size === 0 }, approveLabel());
    const selectAll = canApprove
      ? h("input", {
          type: "checkbox",
          id: "select-all",
          "aria-label": "Select every report awaiting approval",
          onchange: (event) => {
            for (const r of pages.rows.filter(approvable)) {
              if (event.target.checked) selected.add(r.id);
              else selected.delete(r.id);
            }
            render();
          },
        })
      : null;
    if (selectAll) {
      const count = pages.rows.filter(approvable).length;
      selectAll.checked = count > 0 && selected.size === count;
    }
    const rows = pages.rows.flatMap((r) => {
      const label = `${r.partner.name}, ${r.period.label}`;
      const errors = rowErrors.get(r.id);
      const row = h(
        "tr",
        { dataset: { reportId: r.id, status: r.status }, class: recent.has(r.id) ? "updated" : null },
        canApprove
          ? h(
              "td",
              { class: "select" },
              approvable(r)
                ? [
                    hiddenLabel(domId("select", r.id), `Select ${label}`),
                    h("input", {
                      type: "checkbox",
                      id: domId("select", r.id),
                      class: "select-report",
                      checked: selected.has(r.id),
                      onchange: (event) => {
                        if (event.target.checked) selected.add(r.id);
                        else selected.delete(r.id);
                        approveButton.textContent = approveLabel();
                        approveButton.disabled = selected.size === 0;
                      },
                    }),
                  ]
                : null,
            )
          : null,
        h("td", { class: "nowrap" }, r.period.label),
        h(
          "th",
          { scope: "row" },
          h("a", { href: `#/reports/${encodeURIComponent(r.id)}`, "aria-label": `Open ${label}` }, r.partner.name),
        ),
        h(
          "td",
          {},
          statusBadge(r.status),
          r.pendingCorrection ? h("span", { class: "badge correction" }, "Correction pending") : null,
          recent.has(r.id) ? h("span", { class: "badge live-mark" }, "updated") : null,
        ),
        h("td", { class: "nowrap" }, dateTime(r.submissionDeadline)),
        h("td", { class: "nowrap" }, dateTime(r.submittedAt)),
        h("td", { class: "number" }, units(r.totals.lineCount)),
        h("td", { class: "number" }, `${units(r.totals.chargeableUnits)} / ${units(r.totals.usedUnits)}`),
        h("td", { class: "number" }, credits(r.totals.allocatedCredits)),
        h("td", {}, r.purchaseOrder ?? "—"),
      );
      if (!errors?.length) return [row];
      return [
        row,
        h(
          "tr",
          { class: "row-errors", dataset: { reportId: r.id } },
          h(
            "td",
            { colspan: columns.length + (canApprove ? 1 : 0) },
            h("ul", {}, errors.map((e) => h("li", { dataset: { code: e.code } }, `${e.message} (${e.code})`))),
          ),
        ),
      ];
    });
    const table = h(
      "table",
      { class: "reports partner-reports" },
      h("caption", { class: "visually-hidden" }, "The partners' reports"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          canApprove ? h("th", { scope: "col", class: "select" }, selectAll) : null,
          columns.map((title) => h("th", { scope: "col" }, title)),
        ),
      ),
      h("tbody", {}, rows),
    );
    if (!canApprove) {
      fill(body, h("p", { class: "count" }, countText()), scrolling(table), pages.moreButton());
      return;
    }
    const bulk = h(
      "form",
      { class: "bulk", id: "bulk-approve", onsubmit: (event) => approveSelected(event) },
      h("p", { class: "count" }, countText()),
      scrolling(table),
      pages.moreButton(),
      h(
        "fieldset",
        { class: "bulk-actions" },
        h("legend", {}, "Approve the selected reports"),
        h(
          "label",
          { class: "field" },
          "Purchase order (optional) ",
          h("input", { name: "purchaseOrder", id: "bulk-po", maxlength: "64", autocomplete: "off" }),
        ),
        h("label", { class: "field" }, "Comment (optional) ", h("input", { name: "comment", id: "bulk-comment" })),
        approveButton,
      ),
    );
    fill(body, bulk);
  }

  function approveLabel() {
    return `Approve selected (${selected.size})`;
  }

  function countText() {
    return `${pages.totalCount} report${pages.totalCount === 1 ? "" : "s"}${pages.rows.length < pages.totalCount ? `, ${pages.rows.length} shown` : ""}`;
  }

  function renderCorrections() {
    const pending = approved.filter((r) => r.pendingCorrection);
    if (!pending.length || isPlatform) {
      fill(corrections);
      return;
    }
    fill(
      corrections,
      h(
        "section",
        { class: "corrections-to-review", "aria-labelledby": "corrections-title" },
        h("h2", { id: "corrections-title" }, `Corrections to review (${pending.length})`),
        scrolling(
          h(
            "table",
            { class: "corrections" },
            h(
              "thead",
              {},
              h("tr", {}, ["Partner", "Period", "Requested", "By", "Why", ""].map((t) => h("th", { scope: "col" }, t))),
            ),
            h(
              "tbody",
              {},
              pending.map((r) =>
                h(
                  "tr",
                  { dataset: { reportId: r.id } },
                  h("th", { scope: "row" }, r.partner.name),
                  h("td", { class: "nowrap" }, r.period.label),
                  h("td", {}, dateTime(r.pendingCorrection.requestedAt)),
                  h("td", {}, actorName(r.pendingCorrection.requestedBy)),
                  h("td", {}, r.pendingCorrection.comment),
                  h(
                    "td",
                    {},
                    h(
                      "a",
                      { href: `#/reports/${encodeURIComponent(r.id)}`, "aria-label": `Review the correction of ${r.partner.name}, ${r.period.label}` },
                      "Review",
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function approveSelected(event) {
    event.preventDefault();
    const form = event.target;
    const chosen = pages.rows.filter((r) => selected.has(r.id));
    if (!chosen.length) return;
    const data = new FormData(form);
    const button = form.querySelector("#approve-selected");
    button.disabled = true;
    try {
      const result = await ctx.query(APPROVE_MANY, {
        input: {
          reports: chosen.map((r) => ({ reportId: r.id, version: r.version })),
          comment: data.get("comment").trim() || null,
          purchaseOrder: data.get("purchaseOrder").trim() || null,
        },
      });
      const outcome = result.approveReports;
      rowErrors.clear();
      for (const item of outcome.results) if (item.errors.length) rowErrors.set(item.reportId, item.errors);
      selected.clear();
      notice.textContent = outcome.errors.map((e) => e.message).join(" ");
      ctx.announce(`Approved ${outcome.approvedCount} of ${chosen.length} report${chosen.length === 1 ? "" : "s"}.`);
      await load();
    } catch (error) {
      notice.textContent = ctx.failed(error);
      button.disabled = false;
    }
  }

  async function load() {
    try {
      const data = await ctx.query(PARTNER_REPORTS, { filter, first: pages.shownCount });
      pages.take(data.reports);
      approved = data.approved.edges.map((e) => e.node);
      periods = data.billingPeriods.edges.map((e) => e.node.label);
      if (loadFailed) notice.textContent = "";
      loadFailed = false;
      render();
    } catch (error) {
      notice.textContent = ctx.failed(error);
      loadFailed = true;
    }
  }
  const refetch = debounced(load, 100);
  const title = isPlatform ? "All reports" : "Partners' reports";

  return {
    title,
    element: h(
      "div",
      { class: "screen" },
      h("h1", { tabindex: "-1" }, title),
      h(
        "p",
        { class: "lead" },
        isPlatform
          ? "Every partner's report, as the platform sees them (read only)."
          : "Your Tier 2 partners' reports, across periods. Submitted ones wait for your approval; this list follows every change live.",
      ),
      notice,
      filterBox,
      corrections,
      body,
    ),
    load,
    refresh: load,
    onEvent(event) {
      recent.note(event.report.id);
      const who = event.actor ? ` by ${event.actor.organization?.name ?? event.actor.name}` : "";
      ctx.announce(
        `${event.report.partner.name}, ${event.report.period.label}: ${ACTION_LABELS[event.action] ?? event.action}${who}, now ${STATUS_LABELS[event.report.status]}.`,
      );
      refetch();
    },
    dispose: () => refetch.cancel(),
  };
}
