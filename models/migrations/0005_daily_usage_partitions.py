"""On PostgreSQL, ``daily_usage`` is partitioned by month (declarative, ``PARTITION BY RANGE (day)``).

Why (docs/decisions.md, "A vendor's month of usage"): a large vendor meters ~45M rows a
month and keeps a year. A month's generation then reads one partition (the others are
pruned from its plan, whatever their size), an old month leaves with a ``DETACH`` instead
of a 45M-row ``DELETE`` (``billing-reports usage-partitions archive``), and each month's
indexes stay a month's size.

What this migration does, in its one transaction:

1. renames the table (and its indexes) aside, and creates the partitioned ``daily_usage``
   with the same columns, the same ``id`` sequence and foreign keys; its primary key becomes
   ``(id, day)`` (a partitioned table's unique keys must hold the partition key) and the
   unique key (customer, solution, day) stays; the index on ``day`` alone is not kept:
   every read of usage names a month, which is what pruning does;
2. creates the function ``daily_usage_ensure_partitions(months date[])``, which creates the
   missing partitions of those months (``daily_usage_YYYY_MM``, from the first of the month
   to the first of the next), serialized by an advisory lock: each is created as a table
   of its own, then ``ATTACH``ed, which takes a ``SHARE UPDATE EXCLUSIVE`` lock on
   ``daily_usage`` and so never blocks its readers and writers (``CREATE TABLE … PARTITION
   OF`` would take an ``ACCESS EXCLUSIVE`` one); on a table that is not partitioned it does
   nothing;
3. creates the partitions of every month present, of this month and of the next three,
   and moves the rows in (their ids kept), then drops the old table.

``billing-reports migrate`` creates the months ahead on every run, the import and
``recordUsage`` the months they meet (``workflow.usage.partitions``): an insert never
fails for want of a partition. SQLite keeps its single table: nothing here runs there.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

MONTHS_AHEAD = 3

ENSURE_PARTITIONS_FUNCTION = """
CREATE OR REPLACE FUNCTION daily_usage_ensure_partitions(months date[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    month date;
    partition text;
    created integer := 0;
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = 'daily_usage'::regclass) <> 'p' THEN
        RETURN 0;
    END IF;
    -- Two processes creating the same month wait for each other (until the first commits).
    PERFORM pg_advisory_xact_lock(hashtext('daily_usage partitions'));
    FOR month IN SELECT DISTINCT date_trunc('month', m)::date FROM unnest(months) AS m WHERE m IS NOT NULL ORDER BY 1
    LOOP
        partition := 'daily_usage_' || to_char(month, 'YYYY_MM');
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'daily_usage'::regclass AND c.relname = partition);
        EXECUTE format('CREATE TABLE %I (LIKE daily_usage INCLUDING DEFAULTS)', partition);
        EXECUTE format('ALTER TABLE daily_usage ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       partition, month, (month + interval '1 month')::date);
        created := created + 1;
    END LOOP;
    RETURN created;
END $$;
"""

PARTITION = f"""
LOCK TABLE daily_usage IN ACCESS EXCLUSIVE MODE;
DO $$
DECLARE index_name text;
BEGIN
    FOR index_name IN SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                      WHERE i.indrelid = 'daily_usage'::regclass
    LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', index_name, left(index_name, 50) || '_unpartitioned');
    END LOOP;
END $$;
ALTER TABLE daily_usage RENAME TO daily_usage_unpartitioned;
CREATE TABLE daily_usage (
    id BIGINT NOT NULL DEFAULT nextval('daily_usage_id_seq'),
    day DATE NOT NULL,
    provisioned_units BIGINT NOT NULL,
    used_units BIGINT NOT NULL,
    credits_e4 BIGINT NOT NULL,
    customer_id INT NOT NULL,
    solution_id INT NOT NULL,
    CONSTRAINT daily_usage_pkey PRIMARY KEY (id, day),
    CONSTRAINT uid_daily_usage_custome_30d743 UNIQUE (customer_id, solution_id, day)
) PARTITION BY RANGE (day);
COMMENT ON TABLE daily_usage IS 'One (customer, solution, day), partitioned by month (migration 0005).';
{ENSURE_PARTITIONS_FUNCTION}
SELECT daily_usage_ensure_partitions(ARRAY(
    SELECT DISTINCT date_trunc('month', day)::date FROM daily_usage_unpartitioned
    UNION
    SELECT (date_trunc('month', current_date) + n * interval '1 month')::date
    FROM generate_series(0, {MONTHS_AHEAD}) AS n
));
INSERT INTO daily_usage (id, day, provisioned_units, used_units, credits_e4, customer_id, solution_id)
SELECT id, day, provisioned_units, used_units, credits_e4, customer_id, solution_id FROM daily_usage_unpartitioned;
ALTER SEQUENCE daily_usage_id_seq OWNED BY daily_usage.id;
DROP TABLE daily_usage_unpartitioned;
ALTER TABLE daily_usage
    ADD CONSTRAINT daily_usage_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer (id) ON DELETE RESTRICT,
    ADD CONSTRAINT daily_usage_solution_id_fkey FOREIGN KEY (solution_id) REFERENCES solution (id) ON DELETE RESTRICT;
ANALYZE daily_usage;
"""

# Back to one table, as migrations 0001-0004 left it (the rows of attached partitions only:
# archived months stay where the archive put them).
UNPARTITION = """
LOCK TABLE daily_usage IN ACCESS EXCLUSIVE MODE;
CREATE TABLE daily_usage_single (LIKE daily_usage INCLUDING DEFAULTS);
INSERT INTO daily_usage_single SELECT * FROM daily_usage;
ALTER SEQUENCE daily_usage_id_seq OWNED BY daily_usage_single.id;
DROP TABLE daily_usage CASCADE;
DROP FUNCTION IF EXISTS daily_usage_ensure_partitions(date[]);
ALTER TABLE daily_usage_single RENAME TO daily_usage;
ALTER TABLE daily_usage
    ADD CONSTRAINT daily_usage_pkey PRIMARY KEY (id),
    ADD CONSTRAINT uid_daily_usage_custome_30d743 UNIQUE (customer_id, solution_id, day),
    ADD CONSTRAINT daily_usage_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer (id) ON DELETE RESTRICT,
    ADD CONSTRAINT daily_usage_solution_id_fkey FOREIGN KEY (solution_id) REFERENCES solution (id) ON DELETE RESTRICT;
CREATE INDEX idx_daily_usage_day_5544b2 ON daily_usage (day);
"""


async def partition(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    await schema_editor.client.execute_script(PARTITION)


async def unpartition(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    await schema_editor.client.execute_script(UNPARTITION)


class Migration(migrations.Migration):
    dependencies = [("models", "0004_month_end_close")]

    initial = False

    operations = [ops.RunPython(partition, unpartition)]
