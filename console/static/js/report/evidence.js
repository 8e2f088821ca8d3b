// The evidence of a line (docs/contract.md §12): its daily usage as a chart with the
// reference day marked, the rule's sentence that explains the figures, and the figures
// themselves in a table (exact, and readable without the chart).

import { h, scrolling } from "../dom.js";
import { RULE_LABELS, credits, units } from "../format.js";
import { EVIDENCE } from "../operations.js";
import { usageChart } from "./chart.js";

/** Loads the evidence of each line once per screen. */
export class EvidenceCache {
  constructor(query) {
    this.query = query;
    this.loaded = new Map();
  }

  async load(lineId) {
    if (!this.loaded.has(lineId)) {
      const data = await this.query(EVIDENCE, { id: lineId });
      this.loaded.set(lineId, data.node);
    }
    return this.loaded.get(lineId);
  }

  clear() {
    this.loaded.clear();
  }
}

export function evidencePanel(line, evidence) {
  if (!evidence) return h("p", { class: "loading" }, "Loading the daily usage…");
  const referenceDay = evidence.referenceDay;
  const chartLabel =
    `Allocated credits per day for ${line.customer.name}, ${line.name} ` +
    `(${RULE_LABELS[evidence.aggregationRule] ?? evidence.aggregationRule})` +
    (referenceDay ? `; the reference day ${referenceDay} is marked.` : "; summed over the period, no single reference day.");
  return h(
    "div",
    { class: "evidence", dataset: { lineId: line.id } },
    h(
      "figure",
      {},
      evidence.dailyUsage.length
        ? usageChart({ days: evidence.dailyUsage, referenceDay, label: chartLabel })
        : h("p", { class: "empty" }, "No usage is recorded for this line any more."),
      h("figcaption", { dataset: { rule: evidence.aggregationRule } }, h("span", { class: "explanation" }, evidence.explanation)),
    ),
    evidence.usageChanged
      ? h(
          "p",
          { class: "warning", role: "note" },
          "The usage recorded since would give this line other figures (late usage): a correction may be due.",
        )
      : null,
    h(
      "details",
      {},
      h("summary", {}, `The ${evidence.dailyUsage.length} days with usage`),
      scrolling(
        h(
          "table",
          { class: "daily" },
          h(
            "thead",
            {},
            h("tr", {}, ["Day", "Provisioned", "Used", "Allocated credits"].map((t) => h("th", { scope: "col" }, t))),
          ),
          h(
            "tbody",
            {},
            evidence.dailyUsage.map((d) =>
              h(
                "tr",
                { class: d.day === referenceDay ? "reference" : null },
                h("th", { scope: "row" }, d.day, d.day === referenceDay ? " (reference day)" : ""),
                h("td", { class: "number" }, units(d.provisionedUnits)),
                h("td", { class: "number" }, units(d.usedUnits)),
                h("td", { class: "number" }, credits(d.allocatedCredits)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
