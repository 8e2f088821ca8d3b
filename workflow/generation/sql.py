"""The set-based SQL of report generation, one text for SQLite and PostgreSQL.

``FIGURES`` is a CTE that yields one row per (customer, solution) with usage in the
period: its reference day and the figures of that day, by the solution's aggregation
rule (``workflow.core.aggregation`` is the plain-Python meaning the tests hold it to):

- PEAK_CREDITS_DAY: the first row ordered by credits desc, day desc.
- PERCENTILE_85_DAY: the credits value at nearest rank ceil(0.85 N) in ascending order
  ((85 N + 99) / 100 in integers), then the latest day with exactly that value.
- DAILY_SUM: sums over the period's days, no reference day.

Credits are whole ten-thousandths (BIGINT), so every comparison and sum is exact on both
databases.

On PostgreSQL, first generation computes the same figures another way, several times
faster on a vendor's month (bench/generation.py): ``create_period_figures_postgres``.

Statuses and actions are written into the text from their enums, never typed by hand.
"""

from functools import lru_cache

from vocabulary.enums import EDITABLE_STATUSES, AggregationRule, ReportEventAction, ReportStatus

# The statuses regeneration may change, as an SQL list: 'PREPARING', 'REJECTED'.
_EDITABLE = ", ".join(f"'{status.value}'" for status in sorted(EDITABLE_STATUSES))

FIGURES = """
period_usage AS (
    SELECT u.customer_id, u.solution_id, u.day, u.provisioned_units, u.used_units,
           u.credits_e4, s.aggregation_rule
    FROM daily_usage u
    JOIN solution s ON s.id = u.solution_id
    WHERE u.day >= :starts_on AND u.day <= :ends_on {usage_scope}
),
peak AS (
    SELECT customer_id, solution_id, day, provisioned_units, used_units, credits_e4,
           ROW_NUMBER() OVER (PARTITION BY customer_id, solution_id
                              ORDER BY credits_e4 DESC, day DESC) AS peak_rank
    FROM period_usage WHERE aggregation_rule = 'PEAK_CREDITS_DAY'
),
p85_ranked AS (
    SELECT customer_id, solution_id, day, provisioned_units, used_units, credits_e4,
           ROW_NUMBER() OVER (PARTITION BY customer_id, solution_id
                              ORDER BY credits_e4, day) AS ascending_rank,
           ROW_NUMBER() OVER (PARTITION BY customer_id, solution_id, credits_e4
                              ORDER BY day DESC) AS latest_of_value,
           COUNT(*) OVER (PARTITION BY customer_id, solution_id) AS day_count
    FROM period_usage WHERE aggregation_rule = 'PERCENTILE_85_DAY'
),
p85_value AS (
    SELECT customer_id, solution_id, credits_e4
    FROM p85_ranked WHERE ascending_rank = (85 * day_count + 99) / 100
),
figures AS (
    SELECT customer_id, solution_id, day AS reference_day,
           provisioned_units, used_units, credits_e4
    FROM peak WHERE peak_rank = 1
    UNION ALL
    SELECT r.customer_id, r.solution_id, r.day,
           r.provisioned_units, r.used_units, r.credits_e4
    FROM p85_ranked r
    JOIN p85_value v ON v.customer_id = r.customer_id AND v.solution_id = r.solution_id
                    AND v.credits_e4 = r.credits_e4
    WHERE r.latest_of_value = 1
    UNION ALL
    SELECT customer_id, solution_id, NULL,
           SUM(provisioned_units), SUM(used_units), SUM(credits_e4)
    FROM period_usage WHERE aggregation_rule = 'DAILY_SUM'
    GROUP BY customer_id, solution_id
)
"""

# Partners with usage in the period and no report for it yet, with their Tier 1's deadline days.
PARTNERS_WITHOUT_REPORT = """
SELECT o.id AS partner_id, t1.deadline_days AS deadline_days
FROM organization o
LEFT JOIN organization t1 ON t1.id = o.parent_id
WHERE o.tier = 'TIER2'
  AND NOT EXISTS (SELECT 1 FROM billing_report r WHERE r.period_id = :period_id AND r.partner_id = o.id)
  AND EXISTS (
      SELECT 1 FROM customer c JOIN daily_usage u ON u.customer_id = c.id
      WHERE c.partner_id = o.id AND u.day >= :starts_on AND u.day <= :ends_on)
"""


# New reports are created at version 0 ("being generated"); their lines and their
# GENERATED entries are inserted by these statements, then they become version 1.
def _insert_lines_of_new_reports(figures: str, order_by: str = "") -> str:
    """One line per row of ``figures`` into the new (version 0) report of its customer's partner."""
    return f"""
INSERT INTO line_item (report_id, customer_id, solution_id, name, billing_unit, reference_day,
                       provisioned_units, used_units, over_provisioned_units, chargeable_units,
                       credits_e4, comment)
SELECT r.id, f.customer_id, f.solution_id, s.name, s.billing_unit, f.reference_day,
       f.provisioned_units, f.used_units,
       CASE WHEN f.provisioned_units > f.used_units THEN f.provisioned_units - f.used_units ELSE 0 END,
       f.used_units, f.credits_e4, NULL
FROM {figures} f
JOIN customer c ON c.id = f.customer_id
JOIN solution s ON s.id = f.solution_id
JOIN billing_report r ON r.partner_id = c.partner_id AND r.period_id = :period_id AND r.version = 0
{order_by}"""


INSERT_LINES_OF_NEW_REPORTS = "WITH " + FIGURES.format(usage_scope="") + _insert_lines_of_new_reports("figures")

INSERT_GENERATED_ENTRIES = f"""
INSERT INTO history_entry (report_id, action, from_status, to_status, version, occurred_at,
                           principal_id, organization_id, comment)
SELECT id, '{ReportEventAction.GENERATED.value}', NULL, '{ReportStatus.PREPARING.value}', 1,
       :occurred_at::timestamptz, :principal_id::integer, :organization_id::integer, NULL
FROM billing_report WHERE period_id = :period_id AND version = 0
"""

FINISH_NEW_REPORTS = "UPDATE billing_report SET version = 1 WHERE period_id = :period_id AND version = 0"


# Regeneration: the fresh figures of the lines of reports that may still change, only where
# they differ from the line's (or the line is new). Only a pre-filter: the comparison that
# decides is ``generate._regenerate_one``'s; this one keeps a re-run over a vendor's month
# from carrying a million unchanged lines into Python (bench/README.md). The reference day
# compares null-safely (DAILY_SUM has none), in SQL both databases know.
def _changed_lines_of_editable_reports(figures: str) -> str:
    return f"""
SELECT r.id AS report_id, f.customer_id, f.solution_id, s.name, s.billing_unit, f.reference_day,
       f.provisioned_units, f.used_units, f.credits_e4, li.id AS line_id
FROM {figures} f
JOIN customer c ON c.id = f.customer_id
JOIN solution s ON s.id = f.solution_id
JOIN billing_report r ON r.partner_id = c.partner_id AND r.period_id = :period_id
LEFT JOIN line_item li ON li.report_id = r.id AND li.customer_id = f.customer_id AND li.solution_id = f.solution_id
WHERE r.status IN ({_EDITABLE})
  AND (li.id IS NULL
       OR li.reference_day <> f.reference_day
       OR (li.reference_day IS NULL) <> (f.reference_day IS NULL)
       OR li.provisioned_units <> f.provisioned_units
       OR li.used_units <> f.used_units
       OR li.credits_e4 <> f.credits_e4)
"""


CHANGED_LINES_OF_EDITABLE_REPORTS = (
    "WITH "
    + FIGURES.format(
        usage_scope=f"""AND u.customer_id IN (
            SELECT c.id FROM customer c JOIN billing_report r ON r.partner_id = c.partner_id
            WHERE r.period_id = :period_id AND r.status IN ({_EDITABLE}))"""
    )
    + _changed_lines_of_editable_reports("figures")
)


# --- PostgreSQL: first generation ------------------------------------------------------
#
# One scan of the period's usage per rule in use, grouped by (customer, solution), into a
# temporary table ``period_figures`` (dropped at commit). As CREATE TABLE AS it may run in
# parallel, which INSERT … SELECT never does; the partners to report on and the lines are
# then read from it.
#
# - PEAK_CREDITS_DAY: max(ARRAY[credits, day, provisioned, used]) (arrays compare element
#   by element, so the most credits win and then the latest day), a hash aggregate where
#   the window function needs a sort of every row.
# - DAILY_SUM: the three sums.
# - PERCENTILE_85_DAY: the value at rank (85 N + 99) / 100 of the sorted credits, then the
#   latest day holding it (two more passes).
#
# Each rule reads only its own solutions' rows (``solution_id = ANY(:<rule>)``; no filter
# when the solutions all share one rule), and a rule no solution uses is not in the
# statement at all. Measured on 31M daily rows (bench/README.md): one aggregate computing
# the peak and the sums for every pair, then joined to the solutions' rules, took twice as
# long as the peak alone — the sums' states doubled the hash table's memory (it spilled),
# and a join to ``solution`` per row costs more than the ``ANY`` test of a short array.
# Each branch names the table's columns (the first one's names are the table's). Day
# offsets count from 2000-01-01.
_BRANCHES_POSTGRES: dict[AggregationRule, str] = {
    AggregationRule.PEAK_CREDITS_DAY: """
    SELECT customer_id, solution_id, DATE '2000-01-01' + peak[2]::integer AS reference_day,
           peak[3] AS provisioned_units, peak[4] AS used_units, peak[1] AS credits_e4
    FROM (SELECT u.customer_id, u.solution_id,
                 max(ARRAY[u.credits_e4, u.day - DATE '2000-01-01', u.provisioned_units, u.used_units]) AS peak
          FROM daily_usage u
          WHERE u.day >= :starts_on AND u.day <= :ends_on{only}
          GROUP BY u.customer_id, u.solution_id) by_pair""",
    AggregationRule.DAILY_SUM: """
    SELECT u.customer_id, u.solution_id, NULL::date AS reference_day,
           SUM(u.provisioned_units)::bigint AS provisioned_units, SUM(u.used_units)::bigint AS used_units,
           SUM(u.credits_e4)::bigint AS credits_e4
    FROM daily_usage u
    WHERE u.day >= :starts_on AND u.day <= :ends_on{only}
    GROUP BY u.customer_id, u.solution_id""",
    AggregationRule.PERCENTILE_85_DAY: """
    SELECT customer_id, solution_id, DATE '2000-01-01' + latest[1]::integer AS reference_day,
           latest[2] AS provisioned_units, latest[3] AS used_units, credits_e4
    FROM (SELECT u.customer_id, u.solution_id, v.credits_e4,
                 max(ARRAY[u.day - DATE '2000-01-01', u.provisioned_units, u.used_units]) AS latest
          FROM daily_usage u
          JOIN (SELECT u.customer_id, u.solution_id,
                       (array_agg(u.credits_e4 ORDER BY u.credits_e4))[((85 * COUNT(*) + 99) / 100)::integer]
                           AS credits_e4
                FROM daily_usage u
                WHERE u.day >= :starts_on AND u.day <= :ends_on{only}
                GROUP BY u.customer_id, u.solution_id) v
            ON v.customer_id = u.customer_id AND v.solution_id = u.solution_id AND v.credits_e4 = u.credits_e4
          WHERE u.day >= :starts_on AND u.day <= :ends_on{only}
          GROUP BY u.customer_id, u.solution_id, v.credits_e4) p85""",
}

# The placeholder holding the IDs of a rule's solutions.
RULE_SOLUTIONS_PARAMETER: dict[AggregationRule, str] = {
    AggregationRule.PEAK_CREDITS_DAY: "peak_solutions",
    AggregationRule.DAILY_SUM: "sum_solutions",
    AggregationRule.PERCENTILE_85_DAY: "p85_solutions",
}


@lru_cache(maxsize=8)
def create_period_figures_postgres(rules: frozenset[AggregationRule]) -> str:
    """The CREATE TEMPORARY TABLE of the period's figures for the rules in ``rules``.

    With more than one rule, each branch takes its solutions' IDs as the list parameter
    ``RULE_SOLUTIONS_PARAMETER[rule]``; with one, no parameter (every row is that rule's).
    """
    if not rules:
        raise ValueError("no aggregation rule in use: there is nothing to aggregate")
    filtered = len(rules) > 1
    branches = [
        _BRANCHES_POSTGRES[rule].format(
            only=f" AND u.solution_id = ANY(:{RULE_SOLUTIONS_PARAMETER[rule]})" if filtered else ""
        )
        for rule in AggregationRule
        if rule in rules
    ]
    return "CREATE TEMPORARY TABLE period_figures ON COMMIT DROP AS" + "\n    UNION ALL".join(branches)


# The solutions by rule: which branches the statement above needs, and their IDs.
SOLUTIONS_BY_RULE = "SELECT id, aggregation_rule FROM solution"

# In key order: the unique index fills left to right, and a report's lines get their IDs
# in customer order.
INSERT_LINES_FROM_PERIOD_FIGURES = _insert_lines_of_new_reports(
    "period_figures", order_by="ORDER BY r.id, f.customer_id, f.solution_id"
)

# Regeneration on PostgreSQL, from the month's figures computed once for both steps.
CHANGED_LINES_FROM_PERIOD_FIGURES = _changed_lines_of_editable_reports("period_figures")

# The partners with a line in the period's figures and no report yet.
PARTNERS_WITH_FIGURES_POSTGRES = """
SELECT o.id AS partner_id, t1.deadline_days AS deadline_days
FROM organization o
LEFT JOIN organization t1 ON t1.id = o.parent_id
WHERE o.id IN (SELECT c.partner_id FROM period_figures f JOIN customer c ON c.id = f.customer_id)
  AND NOT EXISTS (SELECT 1 FROM billing_report r WHERE r.period_id = :period_id AND r.partner_id = o.id)
"""

# A temporary table has no statistics until analyzed, and without them the planner may
# join the lines to their reports row by row (measured: 55 s instead of 1.5 s).
ANALYZE_PERIOD_FIGURES_POSTGRES = "ANALYZE period_figures"

# The period's aggregation holds one group per (customer, solution) in memory: about 210
# bytes for the peak (1M lines: 213 MB measured, within work_mem × hash_mem_multiplier,
# 2 by default); with the default 4 MB it spills to disk. For this transaction only.
AGGREGATION_MEMORY_POSTGRES = "SET LOCAL work_mem = '128MB'"
