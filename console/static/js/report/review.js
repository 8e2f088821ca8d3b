// The Tier 1 partner's decisions: approve a submitted report (with a purchase order and a
// comment) or reject it with a reason; approve or reject a pending correction.

import { h, scrolling } from "../dom.js";
import { REASON_LABELS, actorName, dateTime, units } from "../format.js";

function formError(errors, id) {
  return h(
    "div",
    { class: "form-error", id, role: "alert" },
    errors?.length ? h("ul", {}, errors.map((e) => h("li", { dataset: { code: e.code ?? "" } }, e.message))) : null,
  );
}

/** actions: the report's availableActions; errors: {approve, reject} of the last refusal (form -> [UserError]). */
export function reviewPanel({ report, actions, errors, onApprove, onReject }) {
  if (!actions.includes("APPROVE") && !actions.includes("REJECT")) return null;
  const approve = actions.includes("APPROVE")
    ? h(
        "form",
        {
          class: "decision approve",
          id: "approve-form",
          "aria-labelledby": "approve-title",
          onsubmit: (event) => {
            event.preventDefault();
            const data = new FormData(event.target);
            onApprove({ purchaseOrder: data.get("purchaseOrder"), comment: data.get("comment") });
          },
        },
        h("h3", { id: "approve-title" }, "Approve"),
        h("p", { class: "help" }, "The chargeable units become final for billing."),
        h(
          "label",
          { class: "field" },
          "Purchase order",
          h("input", {
            name: "purchaseOrder",
            id: "approve-po",
            maxlength: "64",
            autocomplete: "off",
            value: report.purchaseOrder ?? "",
            "aria-describedby": "approve-errors",
          }),
        ),
        h("label", { class: "field" }, "Comment (optional)", h("input", { name: "comment", id: "approve-comment" })),
        h("button", { type: "submit", id: "approve" }, "Approve"),
        formError(errors.approve, "approve-errors"),
      )
    : null;
  const reject = actions.includes("REJECT")
    ? h(
        "form",
        {
          class: "decision reject",
          id: "reject-form",
          "aria-labelledby": "reject-title",
          onsubmit: (event) => {
            event.preventDefault();
            onReject({ reason: new FormData(event.target).get("reason") });
          },
        },
        h("h3", { id: "reject-title" }, "Reject"),
        h("p", { class: "help" }, `Send it back to ${report.partner.name}, who corrects and submits again.`),
        h(
          "label",
          { class: "field" },
          "Reason (required)",
          h("input", { name: "reason", id: "reject-reason", maxlength: "1000", "aria-describedby": "reject-errors" }),
        ),
        h("button", { type: "submit", id: "reject" }, "Reject"),
        formError(errors.reject, "reject-errors"),
      )
    : null;
  return h(
    "section",
    { class: "review", "aria-labelledby": "review-title" },
    h("h2", { id: "review-title" }, "Your decision"),
    h("div", { class: "decisions" }, approve, reject),
  );
}

/** The pending correction: what it would change; the Tier 1 partner's decision when offered. */
export function pendingCorrectionPanel({ correction, actions, lineName, lineById, errors, onApprove, onReject }) {
  if (!correction) return null;
  const decide = actions.includes("APPROVE_CORRECTION") || actions.includes("REJECT_CORRECTION");
  return h(
    "section",
    { class: "pending-correction", "aria-labelledby": "pending-title", dataset: { correctionId: correction.id } },
    h("h2", { id: "pending-title" }, "Correction requested"),
    h(
      "p",
      {},
      `Requested ${dateTime(correction.requestedAt)} by ${actorName(correction.requestedBy)}: `,
      h("q", { class: "comment" }, correction.comment),
      ". The figures stay as they are until it is approved.",
    ),
    scrolling(
      h(
        "table",
        { class: "correction-changes" },
        h(
          "thead",
          {},
          h("tr", {}, ["Line", "Used", "Chargeable now", "Requested", "Reason", "Comment"].map((t) => h("th", { scope: "col" }, t))),
        ),
        h(
          "tbody",
          {},
          correction.changes.map((c) =>
            h(
              "tr",
              { dataset: { lineId: c.lineItemId } },
              h("th", { scope: "row" }, lineName(c.lineItemId)),
              h("td", { class: "number" }, units(lineById.get(c.lineItemId)?.usedUnits)),
              h("td", { class: "number" }, units(c.oldChargeableUnits)),
              h("td", { class: "number" }, units(c.newChargeableUnits)),
              h("td", {}, c.newReason ? REASON_LABELS[c.newReason] : "—"),
              h("td", {}, c.newComment ?? "—"),
            ),
          ),
        ),
      ),
    ),
    decide
      ? h(
          "div",
          { class: "decisions" },
          actions.includes("APPROVE_CORRECTION")
            ? h(
                "form",
                {
                  class: "decision approve",
                  id: "approve-correction-form",
                  onsubmit: (event) => {
                    event.preventDefault();
                    onApprove({ comment: new FormData(event.target).get("comment") });
                  },
                },
                h("label", { class: "field" }, "Comment (optional)", h("input", { name: "comment", id: "approve-correction-comment" })),
                h("button", { type: "submit", id: "approve-correction" }, "Approve the correction"),
                formError(errors["approve-correction"], "approve-correction-errors"),
              )
            : null,
          actions.includes("REJECT_CORRECTION")
            ? h(
                "form",
                {
                  class: "decision reject",
                  id: "reject-correction-form",
                  onsubmit: (event) => {
                    event.preventDefault();
                    onReject({ reason: new FormData(event.target).get("reason") });
                  },
                },
                h(
                  "label",
                  { class: "field" },
                  "Reason (required)",
                  h("input", { name: "reason", id: "reject-correction-reason", maxlength: "1000" }),
                ),
                h("button", { type: "submit", id: "reject-correction" }, "Reject the correction"),
                formError(errors["reject-correction"], "reject-correction-errors"),
              )
            : null,
        )
      : null,
  );
}

export { formError };
