// A line's daily usage as a small bar chart, inline SVG: one bar per day with usage, its
// height the day's allocated credits (what the day-picking rules rank), the reference day
// marked by colour, a marker line and its date written above it (not by colour alone).

import { s } from "../dom.js";
import { credits, units } from "../format.js";

const WIDTH = 640;
const HEIGHT = 190;
const PAD = { left: 52, right: 12, top: 30, bottom: 30 };

/** days: [{day, provisionedUnits, usedUnits, allocatedCredits}], oldest first; referenceDay or null. */
export function usageChart({ days, referenceDay, label }) {
  const values = days.map((d) => Number(d.allocatedCredits)); // for drawing only: the figures shown are the API's strings
  const highest = values.indexOf(Math.max(...values));
  const top = values[highest] || 1;
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = plotWidth / Math.max(days.length, 1);
  const barWidth = Math.max(2, step * 0.72);
  const x = (i) => PAD.left + i * step + (step - barWidth) / 2;
  const y = (v) => PAD.top + plotHeight - (v / top) * plotHeight;
  const base = PAD.top + plotHeight;

  const bars = days.map((d, i) => {
    const isReference = d.day === referenceDay;
    return s(
      "rect",
      {
        class: isReference ? "bar reference" : "bar",
        x: x(i).toFixed(1),
        y: y(values[i]).toFixed(1),
        width: barWidth.toFixed(1),
        height: Math.max(0, base - y(values[i])).toFixed(1),
        dataset: { day: d.day },
      },
      s(
        "title",
        {},
        `${d.day}${isReference ? " (reference day)" : ""}: ${credits(d.allocatedCredits)} credits, ` +
          `${units(d.usedUnits)} used of ${units(d.provisionedUnits)} provisioned`,
      ),
    );
  });

  const ticks = days
    .map((d, i) => ({ d, i }))
    .filter(({ i }) => i === 0 || i === days.length - 1 || (i % 7 === 0 && days.length - 1 - i > 3))
    .map(({ d, i }) =>
      s("text", { class: "tick", x: (x(i) + barWidth / 2).toFixed(1), y: HEIGHT - 10, "text-anchor": "middle" }, d.day.slice(5)),
    );

  const referenceIndex = days.findIndex((d) => d.day === referenceDay);
  let marker = null;
  if (referenceIndex >= 0) {
    const cx = x(referenceIndex) + barWidth / 2;
    const anchor = cx < PAD.left + 80 ? "start" : cx > WIDTH - 90 ? "end" : "middle";
    marker = s(
      "g",
      { class: "reference-marker" },
      s("line", { x1: cx.toFixed(1), x2: cx.toFixed(1), y1: PAD.top - 6, y2: base }),
      s("text", { x: cx.toFixed(1), y: PAD.top - 10, "text-anchor": anchor }, `reference day ${referenceDay}`),
    );
  }

  return s(
    "svg",
    {
      class: "chart",
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: "img",
      "aria-label": label,
      preserveAspectRatio: "xMidYMid meet",
    },
    s("line", { class: "axis", x1: PAD.left, x2: WIDTH - PAD.right, y1: base, y2: base }),
    s("line", { class: "axis", x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: base }),
    s("text", { class: "tick", x: PAD.left - 6, y: PAD.top + 4, "text-anchor": "end" }, topLabel(days[highest])),
    s("text", { class: "tick", x: PAD.left - 6, y: base, "text-anchor": "end" }, "0"),
    s("text", { class: "axis-title", x: 4, y: 12 }, "credits / day"),
    bars,
    marker,
    ticks,
  );
}

/** The highest day's credits, exactly as the API wrote them, trailing zeros dropped: "2.211", "1,250". */
function topLabel(day) {
  if (!day || Number(day.allocatedCredits) === 0) return "0";
  const text = credits(day.allocatedCredits);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}
