// Report Details' line items: per line the customer and the solution's name, its billing
// unit, the reference day, provisioned, used, over-provisioned, chargeable (editable, with a
// reason and a comment when lowered), allocated credits, and its evidence; a refused
// save's errors beside the lines they are about.

import { domId, h, hiddenLabel } from "../dom.js";
import { REASON_LABELS, credits, units } from "../format.js";
import { evidencePanel } from "./evidence.js";

const COLUMNS = [
  "Line",
  "Billing unit",
  "Reference day",
  "Provisioned",
  "Used",
  "Over-provisioned",
  "Chargeable",
  "Reason and comment",
  "Allocated credits",
  "Evidence",
];

/** The figures a line shows now: the user's unsaved edit, else the API's. */
export function shownValues(line, edit) {
  return {
    chargeableUnits: edit?.chargeableUnits ?? String(line.chargeableUnits),
    reason: edit?.reason ?? line.adjustmentReason ?? "",
    comment: edit?.comment ?? line.comment ?? "",
  };
}

/**
 * The table. editable: an input for the chargeable units, and for a lowered line a reason
 * and a comment (they appear as soon as the units go below the used ones); edits:
 * Map(lineId -> shownValues) of unsaved changes; errors: Map(lineId -> [UserError]);
 * evidence: {open: Set, cache: Map}; onEdit(line, values); onEvidence(line).
 */
export function linesTable({ lines, editable, edits, errors, evidence, onEdit, onEvidence }) {
  const rows = lines.flatMap((line) => {
    const values = shownValues(line, edits.get(line.id));
    const lowered = Number(values.chargeableUnits) < line.usedUnits;
    const lineErrors = errors.get(line.id) ?? [];
    const invalid = (field) => lineErrors.some((e) => e.field === field || (!e.field && field === "chargeableUnits"));
    const errorsId = domId("errors", line.id);
    const describedBy = lineErrors.length ? errorsId : null;
    const name = `${line.customer.name}, ${line.name}`;
    const open = evidence.open.has(line.id);

    const change = (field) => (event) => {
      const next = { ...shownValues(line, edits.get(line.id)), [field]: event.target.value };
      onEdit(line, next);
      event.target.closest("tr").classList.toggle("lowered", Number(next.chargeableUnits) < line.usedUnits);
    };

    const chargeableCell = editable
      ? h(
          "td",
          { class: "number edit" },
          hiddenLabel(domId("chargeable", line.id), `Chargeable units, ${name} (0 to ${line.usedUnits})`),
          h("input", {
            id: domId("chargeable", line.id),
            class: "chargeable",
            type: "number",
            inputmode: "numeric",
            min: "0",
            max: String(line.usedUnits),
            step: "1",
            value: values.chargeableUnits,
            "aria-invalid": invalid("chargeableUnits") ? "true" : null,
            "aria-describedby": describedBy,
            oninput: change("chargeableUnits"),
          }),
        )
      : h("td", { class: "number" }, units(line.chargeableUnits));
    const adjustmentCell = editable
      ? h(
          "td",
          { class: "edit adjustment" },
          h(
            "div",
            { class: "adjustment-fields" },
            hiddenLabel(domId("reason", line.id), `Reason for lowering, ${name}`),
            h(
              "select",
              {
                id: domId("reason", line.id),
                class: "reason",
                value: values.reason,
                "aria-invalid": invalid("reason") ? "true" : null,
                "aria-describedby": describedBy,
                onchange: change("reason"),
              },
              h("option", { value: "" }, "Reason…"),
              Object.entries(REASON_LABELS).map(([code, label]) => h("option", { value: code }, label)),
            ),
            hiddenLabel(domId("comment", line.id), `Comment on lowering, ${name}`),
            h("input", {
              id: domId("comment", line.id),
              class: "comment",
              type: "text",
              maxlength: "1000",
              placeholder: "Comment (required)",
              value: values.comment,
              "aria-invalid": invalid("comment") ? "true" : null,
              "aria-describedby": describedBy,
              oninput: change("comment"),
            }),
          ),
          h("span", { class: "not-lowered" }, "—"),
        )
      : h(
          "td",
          { class: "adjustment-text" },
          line.adjustmentReason ? h("span", { class: "reason" }, REASON_LABELS[line.adjustmentReason]) : null,
          line.comment ? h("span", { class: "comment" }, line.comment) : null,
          !line.adjustmentReason && !line.comment ? "—" : null,
        );

    const row = h(
      "tr",
      { dataset: { lineId: line.id }, class: lowered ? "line lowered" : "line" },
      h("th", { scope: "row" }, h("span", { class: "customer" }, line.customer.name), h("span", { class: "solution" }, line.name)),
      h("td", {}, line.billingUnit),
      h("td", { class: "day" }, line.referenceDay ?? "period sum"),
      h("td", { class: "number" }, units(line.provisionedUnits)),
      h("td", { class: "number" }, units(line.usedUnits)),
      h("td", { class: "number" }, units(line.overProvisionedUnits)),
      chargeableCell,
      adjustmentCell,
      h("td", { class: "number" }, credits(line.allocatedCredits)),
      h(
        "td",
        {},
        h(
          "button",
          {
            type: "button",
            id: domId("evidence-button", line.id),
            class: "evidence-toggle",
            "aria-expanded": open ? "true" : "false",
            "aria-controls": domId("evidence", line.id),
            "aria-label": `Evidence for ${name}`,
            onclick: () => onEvidence(line),
          },
          line.usageChanged ? "Evidence (usage changed)" : "Evidence",
        ),
      ),
    );
    const extra = [];
    if (lineErrors.length) {
      extra.push(
        h(
          "tr",
          { class: "line-errors", dataset: { lineId: line.id } },
          h(
            "td",
            { colspan: COLUMNS.length },
            h(
              "ul",
              { id: errorsId },
              lineErrors.map((e) =>
                h("li", { dataset: { code: e.code, field: e.field ?? "" } }, `${name}: ${e.message}`),
              ),
            ),
          ),
        ),
      );
    }
    if (open) {
      extra.push(
        h(
          "tr",
          { class: "evidence-row", id: domId("evidence", line.id), dataset: { lineId: line.id } },
          h("td", { colspan: COLUMNS.length }, evidencePanel(line, evidence.cache.get(line.id))),
        ),
      );
    }
    return [row, ...extra];
  });
  return h(
    "table",
    { class: editable ? "lines editable" : "lines" },
    h("caption", { class: "visually-hidden" }, "Line items"),
    h("thead", {}, h("tr", {}, COLUMNS.map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, rows),
  );
}

/**
 * The adjustments to send: the edited lines that differ from what the API holds.
 * invalid: Map(lineId -> [error]) for figures that are not whole numbers (never sent:
 * GraphQL's Int could not carry them); everything else is the API's to judge.
 */
export function adjustmentsFrom(lines, edits) {
  const adjustments = [];
  const invalid = new Map();
  for (const line of lines) {
    const edit = edits.get(line.id);
    if (!edit) continue;
    const text = edit.chargeableUnits.trim();
    if (!/^\d{1,9}$/.test(text)) {
      invalid.set(line.id, [
        { code: "INVALID_INPUT", field: "chargeableUnits", message: `Enter a whole number of units from 0 to ${line.usedUnits}.` },
      ]);
      continue;
    }
    const chargeableUnits = Number(text);
    const lowered = chargeableUnits < line.usedUnits;
    // A line at its used units carries no reason, and no comment: its fields are hidden then.
    const comment = lowered ? edit.comment.trim() : "";
    const reason = lowered ? edit.reason || null : null;
    const unchanged =
      chargeableUnits === line.chargeableUnits &&
      comment === (line.comment ?? "") &&
      reason === (line.adjustmentReason ?? null);
    if (!unchanged) adjustments.push({ lineItemId: line.id, chargeableUnits, comment: comment || null, reason });
  }
  return { adjustments, invalid };
}
