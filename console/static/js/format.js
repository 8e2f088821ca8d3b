// How the console writes the API's values: UTC dates (the product's days are UTC), grouped
// units, credits as the API's exact decimal strings, and the enums in words.

import { h } from "./dom.js";

export const STATUSES = ["PREPARING", "UNDER_REVIEW", "REJECTED", "APPROVED"];

export const STATUS_LABELS = {
  PREPARING: "Preparing",
  UNDER_REVIEW: "Under review",
  REJECTED: "Rejected",
  APPROVED: "Approved",
};

export const TIER_LABELS = { PLATFORM: "Platform", TIER1: "Tier 1", TIER2: "Tier 2" };

export const ACTION_LABELS = {
  GENERATED: "Generated",
  REGENERATED: "Regenerated",
  SAVED: "Draft saved",
  SUBMITTED: "Submitted",
  AUTO_SUBMITTED: "Submitted automatically",
  APPROVED: "Approved",
  AUTO_APPROVED: "Approved automatically",
  REJECTED: "Rejected",
  CORRECTION_REQUESTED: "Correction requested",
  CORRECTION_APPROVED: "Correction approved",
  CORRECTION_REJECTED: "Correction rejected",
};

export const REASON_LABELS = {
  TRIAL: "Trial or evaluation",
  DUPLICATE: "Metered twice",
  DECOMMISSIONED: "Decommissioned",
  CUSTOMER_TERMINATED: "Customer terminated",
  METERING_ERROR: "Metering error",
  PROMOTION: "Promotion",
  OTHER: "Other",
};

export const RULE_LABELS = {
  PEAK_CREDITS_DAY: "Peak-credit day",
  PERCENTILE_85_DAY: "85th-percentile day",
  DAILY_SUM: "Daily sum",
};

/** "2026-12-05 23:59 UTC" from an ISO date-time; "—" for null. */
export function dateTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

export function units(n) {
  return n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US");
}

/** "1,234.5000": the API's decimal string with its digits grouped (never through a float). */
export function credits(text) {
  if (!text) return "—";
  const [whole, fraction] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

export function statusBadge(status) {
  return h("span", { class: "badge", dataset: { status } }, STATUS_LABELS[status] ?? status);
}

/** "Harbor user (Harbor IT Services)", or "the system" for the service's own steps. */
export function actorName(actor) {
  if (!actor) return "the system";
  return actor.organization ? `${actor.name} (${actor.organization.name})` : actor.name;
}
