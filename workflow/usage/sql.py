"""The SQL that writes daily usage: ``recordUsage``'s upsert and the CSV import's staging.

``recordUsage`` writes up to 5,000 checked rows with one statement: on PostgreSQL one
``INSERT … SELECT FROM unnest(arrays)`` (one round trip, no per-row statement), on
SQLite one ``executemany`` of the same upsert.

The CSV import (``workflow.usage.importer``) streams every row of the file into the
temporary table ``usage_import`` — its line, the values as stored, or the reason the
row is refused — then checks customers and solutions set-based, lists the refused rows
and upserts the rest with one ``INSERT … SELECT``. These statements are one text for
both databases (``workflow.database.sql`` binds ``:name``).
"""

_SET_FIGURES = """
ON CONFLICT (customer_id, solution_id, day) DO UPDATE SET
    provisioned_units = excluded.provisioned_units,
    used_units = excluded.used_units,
    credits_e4 = excluded.credits_e4
"""

UPSERT_ARRAYS_POSTGRES = (
    """
INSERT INTO daily_usage (customer_id, solution_id, day, provisioned_units, used_units, credits_e4)
SELECT * FROM unnest($1::integer[], $2::integer[], $3::date[], $4::bigint[], $5::bigint[], $6::bigint[])
"""
    + _SET_FIGURES
)

UPSERT_ROW_SQLITE = (
    """
INSERT INTO daily_usage (customer_id, solution_id, day, provisioned_units, used_units, credits_e4)
VALUES (?, ?, ?, ?, ?, ?)
"""
    + _SET_FIGURES
)

# --- the CSV import ---------------------------------------------------------------------

STAGING_COLUMNS = (
    "line",
    "customer_id",
    "solution_code",
    "day",
    "provisioned_units",
    "used_units",
    "credits_e4",
    "problem_column",
    "problem",
)

DROP_STAGING = "DROP TABLE IF EXISTS usage_import"

# Temporary: private to this connection, gone with it. A refused row keeps only its
# line and why (problem_column, problem); its values stay NULL.
CREATE_STAGING = """
CREATE TEMPORARY TABLE usage_import (
    line BIGINT NOT NULL,
    customer_id BIGINT,
    solution_code VARCHAR(64),
    day DATE,
    provisioned_units BIGINT,
    used_units BIGINT,
    credits_e4 BIGINT,
    problem_column VARCHAR(32),
    problem TEXT
)
"""

INSERT_STAGING_ROW_SQLITE = f"INSERT INTO usage_import ({', '.join(STAGING_COLUMNS)}) VALUES ({', '.join('?' * 9)})"

# Without statistics the planner takes the freshly filled table for a tiny one.
ANALYZE_STAGING = "ANALYZE usage_import"

MARK_UNKNOWN_CUSTOMERS = """
UPDATE usage_import SET problem_column = 'customer_id', problem = 'no such customer'
WHERE problem IS NULL
  AND NOT EXISTS (SELECT 1 FROM customer c WHERE c.id = usage_import.customer_id)
"""

MARK_UNKNOWN_SOLUTIONS = """
UPDATE usage_import SET problem_column = 'solution_code',
                        problem = 'no such solution ''' || solution_code || ''''
WHERE problem IS NULL
  AND NOT EXISTS (SELECT 1 FROM solution s WHERE s.code = usage_import.solution_code)
"""

# Only refused rows are in this index: listing them in line order stays cheap.
INDEX_REFUSED = "CREATE INDEX usage_import_refused ON usage_import (line) WHERE problem IS NOT NULL"

REFUSED_AFTER = """
SELECT line, problem_column, problem FROM usage_import
WHERE problem IS NOT NULL AND line > :after
ORDER BY line LIMIT :page_size
"""

# The last line of a (customer, solution, day) wins, as a resent day replaces the
# earlier one. The upsert's count is the number of distinct days written.
UPSERT_FROM_STAGING = (
    """
INSERT INTO daily_usage (customer_id, solution_id, day, provisioned_units, used_units, credits_e4)
SELECT customer_id, solution_id, day, provisioned_units, used_units, credits_e4
FROM (
    SELECT u.customer_id, s.id AS solution_id, u.day, u.provisioned_units, u.used_units, u.credits_e4,
           ROW_NUMBER() OVER (PARTITION BY u.customer_id, s.id, u.day ORDER BY u.line DESC) AS newest_first
    FROM usage_import u
    JOIN solution s ON s.code = u.solution_code
    WHERE u.problem IS NULL
) AS valid
WHERE newest_first = 1
"""
    + _SET_FIGURES
)
