// Report Details: the report's facts and totals, its lines (editable while the Tier 2
// owner may save), Save draft and Submit — offered only from `availableActions` — the
// errors of a refused save beside their lines, the Tier 1 partner's decision, corrections
// after approval, each line's evidence, and the history. Follows the report live.

import { debounced, fill, h, keepingFocus, scrolling } from "../dom.js";
import { ACTION_LABELS, STATUS_LABELS, actorName, credits, dateTime, statusBadge, units } from "../format.js";
import {
  APPROVE,
  APPROVE_CORRECTION,
  MORE_LINES,
  REJECT,
  REJECT_CORRECTION,
  REPORT,
  REQUEST_CORRECTION,
  SAVE_DRAFT,
  SUBMIT,
} from "../operations.js";
import { EvidenceCache } from "../report/evidence.js";
import { correctionsList, historyList } from "../report/history.js";
import { adjustmentsFrom, linesTable } from "../report/lines.js";
import { formError, pendingCorrectionPanel, reviewPanel } from "../report/review.js";

const LINES_PAGE = 100;

export function reportScreen(ctx, reportId) {
  const state = {
    report: null,
    lines: [],
    linesPage: { hasNextPage: false, endCursor: null },
    edits: new Map(), // lineId -> {chargeableUnits, reason, comment}: unsaved changes
    lineErrors: new Map(), // lineId -> [UserError] of the last refused save
    errors: {}, // form -> [UserError] (its #<form>-errors box): lines, approve, reject, approve-correction, reject-correction
    notice: "", // a conflict, a live change, a failed load
    correcting: false,
    purchaseOrder: null, // the purchase order being typed (null: untouched)
    busy: false, // a mutation of this page is on its way
    heardVersion: 0, // the newest version an event announced meanwhile
  };
  const evidence = { open: new Set(), cache: new Map() };
  const evidenceLoader = new EvidenceCache(ctx.query);
  const element = h("div", { class: "screen report-screen" }, h("p", { class: "loading" }, "Loading…"));
  const screen = { title: "Report", element };

  const lineById = () => new Map(state.lines.map((l) => [l.id, l]));
  const lineName = (id) => {
    const line = lineById().get(id);
    return line ? `${line.customer.name} · ${line.name}` : "a line not shown here";
  };
  const actions = () => state.report?.availableActions ?? [];
  const editable = () => state.correcting || actions().includes("SAVE_DRAFT") || actions().includes("SUBMIT");

  async function load() {
    try {
      const data = await ctx.query(REPORT, { id: reportId, first: LINES_PAGE });
      if (!data.report) {
        fill(
          element,
          h("h1", { tabindex: "-1" }, "No such report"),
          h("p", {}, "This report does not exist, or your organization may not see it."),
          h("p", {}, h("a", { href: "#/reports" }, "Back to the reports")),
        );
        return;
      }
      take(data.report);
      render();
    } catch (error) {
      state.notice = ctx.failed(error);
      render();
    }
  }

  function take(report) {
    const { lineItems, ...rest } = report;
    state.report = rest;
    state.lines = lineItems.edges.map((e) => e.node);
    state.linesPage = lineItems.pageInfo;
    state.lineCount = lineItems.totalCount;
    if (!rest.availableActions.includes("REQUEST_CORRECTION")) state.correcting = false;
    if (!editable()) state.edits.clear();
    evidenceLoader.clear(); // figures may have changed
    for (const id of evidence.open) loadEvidence(id);
    screen.title = `${rest.partner.name}, ${rest.period.label}`;
    document.title = `${screen.title} · Billing Reports console`;
  }

  async function loadMoreLines() {
    const data = await ctx.query(MORE_LINES, { id: reportId, first: LINES_PAGE, after: state.linesPage.endCursor });
    state.lines = [...state.lines, ...data.report.lineItems.edges.map((e) => e.node)];
    state.linesPage = data.report.lineItems.pageInfo;
    render();
  }

  async function loadEvidence(lineId) {
    try {
      evidence.cache.set(lineId, await evidenceLoader.load(lineId));
    } catch (error) {
      state.notice = ctx.failed(error);
    }
    if (evidence.open.has(lineId)) render();
  }

  function toggleEvidence(line) {
    if (evidence.open.has(line.id)) {
      evidence.open.delete(line.id);
    } else {
      evidence.open.add(line.id);
      if (!evidence.cache.has(line.id)) loadEvidence(line.id);
    }
    render();
  }

  // --- the actions -------------------------------------------------------------------

  /** Send a mutation; show its refusals where they belong; reload after a success. */
  async function act(form, document, input, succeeded) {
    if (state.busy) return;
    state.busy = true;
    try {
      const data = await ctx.query(document, { input });
      const payload = Object.values(data)[0];
      if (!payload.errors.length) {
        state.errors = {};
        state.lineErrors = new Map();
        state.edits.clear();
        state.purchaseOrder = null;
        state.correcting = false;
        state.notice = "";
        if (payload.report) state.report.version = payload.report.version; // its own live event is old news
        ctx.announce(succeeded(payload.report));
        await load();
        return;
      }
      showRefusal(form, payload.errors);
      if (payload.errors.some((e) => e.code === "VERSION_CONFLICT")) {
        state.notice =
          "The report changed since it was loaded: it is shown again as it now stands, with your unsaved changes kept. Check them, then try again.";
        await load();
      } else {
        render();
      }
      ctx.announce(`Not done: ${payload.errors.length} problem${payload.errors.length === 1 ? "" : "s"}, shown on the page.`);
      focusFirstProblem(form);
    } catch (error) {
      showRefusal(form, [{ code: error.code, message: ctx.failed(error) }]);
      render();
    } finally {
      state.busy = false;
      if (state.heardVersion > (state.report?.version ?? 0)) reload();
      state.heardVersion = 0;
    }
  }

  function showRefusal(form, errors) {
    state.lineErrors = new Map();
    for (const e of errors.filter((e) => e.lineItemId)) {
      state.lineErrors.set(e.lineItemId, [...(state.lineErrors.get(e.lineItemId) ?? []), e]);
    }
    const general = errors.filter((e) => !e.lineItemId || !lineById().has(e.lineItemId));
    state.errors = { [form]: general };
  }

  function focusFirstProblem(form) {
    const first = element.querySelector('[aria-invalid="true"]') ?? element.querySelector(`#${form}-errors li`);
    if (first) (first.matches("input, select") ? first : first.closest("form")?.querySelector("input"))?.focus();
  }

  function linesSubmitted(event) {
    event.preventDefault();
    const kind = event.submitter?.value ?? (state.correcting ? "correction" : "save");
    const { adjustments, invalid } = adjustmentsFrom(state.lines, state.edits);
    if (invalid.size) {
      state.lineErrors = invalid;
      state.errors = {};
      render();
      focusFirstProblem("lines");
      return;
    }
    const { id, version } = state.report;
    const purchaseOrder = state.purchaseOrder === null ? null : state.purchaseOrder.trim();
    if (kind === "correction") {
      const comment = new FormData(event.target).get("correctionComment") ?? "";
      act("lines", REQUEST_CORRECTION, { reportId: id, version, adjustments, comment: comment.trim() || null }, () =>
        "Correction requested: your Tier 1 partner decides.",
      );
    } else if (kind === "submit") {
      act("lines", SUBMIT, { reportId: id, version, adjustments, purchaseOrder }, (r) =>
        `Submitted for review (version ${r.version}).`,
      );
    } else {
      act("lines", SAVE_DRAFT, { reportId: id, version, adjustments, purchaseOrder }, (r) =>
        `Draft saved (version ${r.version}).`,
      );
    }
  }

  function approve({ purchaseOrder, comment }) {
    const current = state.report.purchaseOrder ?? "";
    const po = purchaseOrder.trim();
    act(
      "approve",
      APPROVE,
      {
        reportId: state.report.id,
        version: state.report.version,
        comment: comment.trim() || null,
        purchaseOrder: po === current ? null : po, // null keeps the report's own
      },
      (r) => `Approved (version ${r.version}).`,
    );
  }

  function reject({ reason }) {
    act(
      "reject",
      REJECT,
      { reportId: state.report.id, version: state.report.version, reason: reason.trim() || null },
      () => `Rejected: sent back to ${state.report.partner.name}.`,
    );
  }

  function pendingCorrection() {
    const id = state.report.pendingCorrection?.id;
    return id ? state.report.corrections.find((c) => c.id === id) : null;
  }

  function decideCorrection(form, document, input, text) {
    act(form, document, { correctionId: pendingCorrection().id, version: state.report.version, ...input }, () => text);
  }

  // --- the page --------------------------------------------------------------------------

  function render() {
    if (!state.report) {
      fill(element, h("h1", { tabindex: "-1" }, "Report"), h("p", { class: "notice", role: "alert" }, state.notice));
      return;
    }
    keepingFocus(() => fill(element, page()));
  }

  function page() {
    const r = state.report;
    const isTier2 = ctx.viewer.organization.tier === "TIER2";
    return [
      h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/reports" }, isTier2 ? "← Billing periods" : "← Reports")),
      h(
        "h1",
        { tabindex: "-1" },
        isTier2 ? `Report for ${r.period.label}` : `${r.partner.name} · ${r.period.label}`,
      ),
      h(
        "p",
        { class: "status-line", id: "report-status", dataset: { status: r.status, version: r.version } },
        statusBadge(r.status),
        r.pendingCorrection ? h("span", { class: "badge correction" }, "Correction pending") : null,
        h("span", { class: "version" }, `version ${r.version}`),
      ),
      h("div", { class: "notice", role: "alert", id: "report-notice" }, state.notice || null),
      rejectionNotice(),
      facts(r),
      totals(r),
      pendingCorrectionPanel({
        correction: pendingCorrection(),
        actions: actions(),
        lineName,
        lineById: lineById(),
        errors: state.errors,
        onApprove: ({ comment }) =>
          decideCorrection("approve-correction", APPROVE_CORRECTION, { comment: comment.trim() || null }, "Correction approved: the lines are corrected."),
        onReject: ({ reason }) =>
          decideCorrection("reject-correction", REJECT_CORRECTION, { reason: reason.trim() || null }, "Correction rejected: the figures stay."),
      }),
      reviewPanel({ report: r, actions: actions(), errors: state.errors, onApprove: approve, onReject: reject }),
      linesSection(),
      h(
        "section",
        { class: "history-section", "aria-labelledby": "history-title" },
        h("h2", { id: "history-title" }, "History"),
        historyList(r.history, lineName),
      ),
      r.corrections.length
        ? h(
            "section",
            { class: "corrections-section", "aria-labelledby": "corrections-title" },
            h("h2", { id: "corrections-title" }, "Corrections"),
            correctionsList(r.corrections, lineName),
          )
        : null,
    ];
  }

  function rejectionNotice() {
    if (state.report.status !== "REJECTED") return null;
    const rejection = [...state.report.history].reverse().find((e) => e.action === "REJECTED");
    if (!rejection) return null;
    return h(
      "div",
      { class: "rejection", id: "rejection", role: "note" },
      h("strong", {}, `Rejected ${dateTime(rejection.occurredAt)} by ${actorName(rejection.actor)}: `),
      h("q", {}, rejection.comment ?? ""),
      actions().includes("SUBMIT") ? " Correct the lines and submit again." : null,
    );
  }

  function facts(r) {
    const rows = [
      ["Partner", r.partner.name],
      ["Period", `${r.period.label} (${r.period.startsOn} to ${r.period.endsOn}, UTC)`],
      ["Submission deadline", dateTime(r.submissionDeadline)],
      ["Submitted", dateTime(r.submittedAt)],
      ["Reviewed", dateTime(r.reviewedAt)],
      ["Purchase order", r.purchaseOrder ?? "—"],
    ];
    return h("dl", { class: "facts" }, rows.map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value))));
  }

  function totals(r) {
    const t = r.totals;
    const columns = [
      ["Lines", units(t.lineCount)],
      ["Provisioned", units(t.provisionedUnits)],
      ["Used", units(t.usedUnits)],
      ["Over-provisioned", units(t.overProvisionedUnits)],
      ["Chargeable", units(t.chargeableUnits)],
      ["Allocated credits", credits(t.allocatedCredits)],
    ];
    return h(
      "section",
      { class: "totals", "aria-labelledby": "totals-title" },
      h("h2", { id: "totals-title" }, "Totals"),
      scrolling(
        h(
          "table",
          { class: "totals-table" },
          h("thead", {}, h("tr", {}, columns.map(([title]) => h("th", { scope: "col" }, title)))),
          h("tbody", {}, h("tr", {}, columns.map(([title, value]) => h("td", { class: "number", dataset: { total: title } }, value)))),
        ),
      ),
    );
  }

  function linesSection() {
    const canEdit = editable();
    const table = linesTable({
      lines: state.lines,
      editable: canEdit,
      edits: state.edits,
      errors: state.lineErrors,
      evidence,
      onEdit: (line, values) => state.edits.set(line.id, values),
      onEvidence: toggleEvidence,
    });
    const more = state.linesPage.hasNextPage
      ? h("button", { type: "button", class: "more", onclick: loadMoreLines }, `Load more lines (${state.lines.length} of ${state.lineCount} shown)`)
      : null;
    const heading = h("h2", { id: "lines-title" }, `Line items (${state.lineCount})`);
    const help = canEdit
      ? h(
          "p",
          { class: "help" },
          state.correcting
            ? "Set the chargeable units each line should have had (up to its used units); a lowered line needs a reason and a comment."
            : "Lower the chargeable units of a line that should not be billed in full, with a reason and a comment. Enter saves a draft.",
        )
      : null;
    const section = h("section", { class: "lines-section", "aria-labelledby": "lines-title" }, heading, help);
    if (!canEdit) {
      const correction = actions().includes("REQUEST_CORRECTION")
        ? h(
            "div",
            { class: "actions" },
            h(
              "button",
              {
                type: "button",
                id: "start-correction",
                onclick: () => {
                  state.correcting = true;
                  render();
                  element.querySelector("input.chargeable")?.focus();
                },
              },
              "Request a correction",
            ),
          )
        : null;
      section.append(...[scrolling(table), more, correction].filter(Boolean));
      return section;
    }
    const form = h(
      "form",
      { class: "lines-form", id: "lines-form", onsubmit: linesSubmitted, "aria-labelledby": "lines-title" },
      scrolling(table),
      more,
      formError(state.errors.lines, "lines-errors"),
      state.correcting ? correctionActions() : draftActions(),
    );
    section.append(form);
    return section;
  }

  function draftActions() {
    const r = state.report;
    const can = actions();
    return h(
      "div",
      { class: "actions" },
      h(
        "label",
        { class: "field" },
        "Purchase order (optional)",
        h("input", {
          id: "report-po",
          name: "purchaseOrder",
          maxlength: "64",
          autocomplete: "off",
          value: state.purchaseOrder ?? r.purchaseOrder ?? "",
          oninput: (event) => (state.purchaseOrder = event.target.value),
        }),
      ),
      // The first submit button is the form's default: Enter in a field saves a draft.
      can.includes("SAVE_DRAFT") ? h("button", { type: "submit", value: "save", id: "save-draft" }, "Save draft") : null,
      can.includes("SUBMIT") ? h("button", { type: "submit", value: "submit", id: "submit-report", class: "primary" }, "Submit for review") : null,
    );
  }

  function correctionActions() {
    return h(
      "div",
      { class: "actions" },
      h(
        "label",
        { class: "field" },
        "Why the report needs correcting (required)",
        h("input", { id: "correction-comment", name: "correctionComment", maxlength: "1000" }),
      ),
      h("button", { type: "submit", value: "correction", id: "send-correction", class: "primary" }, "Send the correction request"),
      h(
        "button",
        {
          type: "button",
          id: "cancel-correction",
          onclick: () => {
            state.correcting = false;
            state.edits.clear();
            state.lineErrors = new Map();
            state.errors = {};
            render();
          },
        },
        "Cancel",
      ),
    );
  }

  const reload = debounced(load, 100);

  return Object.assign(screen, {
    load,
    refresh: load,
    onEvent(event) {
      if (!state.report || event.report.id !== state.report.id || event.report.version <= state.report.version) return;
      if (state.busy) {
        // this page's own action (its event may come before its answer), which reloads anyway;
        // anything newer is reloaded once it is done
        state.heardVersion = Math.max(state.heardVersion, event.report.version);
        return;
      }
      const who = event.actor ? ` by ${event.actor.organization?.name ?? event.actor.name}` : "";
      const why = event.comment ? `: “${event.comment}”` : "";
      state.notice = `${ACTION_LABELS[event.action] ?? event.action}${who}${why}. The report is now ${STATUS_LABELS[event.report.status]}.`;
      ctx.announce(state.notice);
      reload();
    },
    dispose: () => reload.cancel(),
  });
}
