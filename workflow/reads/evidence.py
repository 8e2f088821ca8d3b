"""The evidence behind lines (docs/contract.md §12): their period's daily usage, the rule
that chose their figures, one sentence saying how, and whether usage recorded since
would give other figures.

One query for any number of lines. The sentence and the comparison come from
``workflow.core.aggregation.choose`` — the rule generation is checked against — so the
explanation cannot drift from the figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from workflow.core.aggregation import DayUsage, choose, explain
from workflow.database.sql import as_date, connection, read
from workflow.reads.views import DailyUsageView, EvidenceView, LineView

# The usage of each line's customer and solution in its report's period, oldest day first.
_USAGE = """
SELECT li.id AS line_id, u.day, u.provisioned_units, u.used_units, u.credits_e4
FROM line_item li
JOIN billing_report r ON r.id = li.report_id
JOIN billing_period p ON p.id = r.period_id
JOIN daily_usage u ON u.customer_id = li.customer_id AND u.solution_id = li.solution_id
                  AND u.day >= p.starts_on AND u.day <= p.ends_on
WHERE li.id IN ({line_ids})
ORDER BY li.id, u.day
"""


async def evidence_of_lines(lines: Sequence[LineView]) -> dict[int, EvidenceView]:
    """Each line's evidence, by line id, in one query."""
    ids = sorted({line.id for line in lines})
    if not ids:
        return {}
    sql = _USAGE.format(line_ids=", ".join(f":l{n}" for n in range(len(ids))))
    days: dict[int, list[DayUsage]] = {line_id: [] for line_id in ids}
    for row in await read(connection(), sql, **{f"l{n}": line_id for n, line_id in enumerate(ids)}):
        days[row["line_id"]].append(
            DayUsage(as_date(row["day"]), int(row["provisioned_units"]), int(row["used_units"]), int(row["credits_e4"]))
        )
    return {line.id: evidence(line, days[line.id]) for line in lines}


def evidence(line: LineView, days: Sequence[DayUsage]) -> EvidenceView:
    """A line's evidence from its period's usage (oldest day first)."""
    rule = line.aggregation_rule
    if days:
        figures = choose(rule, days).figures
        shown = (line.reference_day, line.provisioned_units, line.used_units, line.credits_e4)
        now = (figures.reference_day, figures.provisioned_units, figures.used_units, figures.credits_e4)
        changed = shown != now
    else:
        changed = True  # the line's usage is gone: it would not be generated now
    return EvidenceView(
        daily_usage=[DailyUsageView(d.day, d.provisioned_units, d.used_units, d.credits_e4) for d in days],
        aggregation_rule=rule,
        explanation=explain(rule, days),
        usage_changed=changed,
    )
