// A report's history (oldest first: every step, who, the reason, the line changes) and its
// corrections after approval.

import { h } from "../dom.js";
import { ACTION_LABELS, REASON_LABELS, STATUS_LABELS, actorName, dateTime, units } from "../format.js";

/** lineName(id): how to name a line of the report in a change ("Customer · Solution"). */
export function historyList(history, lineName) {
  return h(
    "ol",
    { class: "history" },
    history.map((event) =>
      h(
        "li",
        { dataset: { action: event.action } },
        h(
          "p",
          { class: "step" },
          h("strong", {}, ACTION_LABELS[event.action] ?? event.action),
          event.fromStatus && event.fromStatus !== event.toStatus
            ? ` · ${STATUS_LABELS[event.fromStatus]} → ${STATUS_LABELS[event.toStatus]}`
            : "",
          ` · ${dateTime(event.occurredAt)} · by ${actorName(event.actor)}`,
        ),
        event.comment ? h("p", { class: "comment" }, `“${event.comment}”`) : null,
        event.purchaseOrder ? h("p", { class: "po" }, `Purchase order ${event.purchaseOrder}`) : null,
        changesList(event.changes, lineName),
      ),
    ),
  );
}

export function changesList(changes, lineName) {
  if (!changes?.length) return null;
  return h(
    "ul",
    { class: "changes" },
    changes.map((c) => {
      const parts = [`${units(c.oldChargeableUnits)} → ${units(c.newChargeableUnits)} chargeable`];
      if (c.newReason !== c.oldReason) parts.push(c.newReason ? `reason: ${REASON_LABELS[c.newReason]}` : "reason cleared");
      if (c.newComment !== c.oldComment) parts.push(c.newComment ? `comment: “${c.newComment}”` : "comment cleared");
      return h("li", { dataset: { lineId: c.lineItemId } }, h("span", { class: "line-name" }, lineName(c.lineItemId)), `: ${parts.join("; ")}`);
    }),
  );
}

export function correctionsList(corrections, lineName) {
  return h(
    "ol",
    { class: "corrections-list" },
    corrections.map((c) =>
      h(
        "li",
        { dataset: { status: c.status, correctionId: c.id } },
        h(
          "p",
          { class: "step" },
          h("strong", {}, `Correction ${c.status.toLowerCase()}`),
          ` · requested ${dateTime(c.requestedAt)} by ${actorName(c.requestedBy)}`,
          c.reviewedAt ? ` · decided ${dateTime(c.reviewedAt)} by ${actorName(c.reviewedBy)}` : "",
        ),
        h("p", { class: "comment" }, `“${c.comment}”`),
        c.reviewComment ? h("p", { class: "comment" }, `Answer: “${c.reviewComment}”`) : null,
        changesList(c.changes, lineName),
      ),
    ),
  );
}
