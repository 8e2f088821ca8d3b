"""Line items keep their customer and solution ids without foreign-key constraints.

Why (docs/decisions.md, "The data model"): PostgreSQL checks a foreign key with one lookup per inserted
row, and a period's generation inserts every line of every report at once; the two
checks were most of its write time. The ids come from ``daily_usage``, whose own
constraints guarantee they existed, and the service never deletes customers,
solutions or usage. The report reference keeps its constraint (and its CASCADE).

Tortoise's ``AlterField`` records the change in the migration state but leaves
PostgreSQL's constraints in place, so they are dropped here by name; SQLite's table
rebuild keeps a plain REFERENCES clause, which costs nothing at SQLite's scale.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

_CONSTRAINTS = ("line_item_customer_id_fkey", "line_item_solution_id_fkey")


async def drop_constraints(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    drops = ", ".join(f"DROP CONSTRAINT IF EXISTS {name}" for name in _CONSTRAINTS)
    await schema_editor.client.execute_script(f"ALTER TABLE line_item {drops}")


async def restore_constraints(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    await schema_editor.client.execute_script(
        "ALTER TABLE line_item"
        " ADD CONSTRAINT line_item_customer_id_fkey FOREIGN KEY (customer_id)"
        " REFERENCES customer (id) ON DELETE RESTRICT,"
        " ADD CONSTRAINT line_item_solution_id_fkey FOREIGN KEY (solution_id)"
        " REFERENCES solution (id) ON DELETE RESTRICT"
    )


class Migration(migrations.Migration):
    dependencies = [("models", "0002_idempotency_key")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="LineItem",
            name="customer",
            field=fields.ForeignKeyField(
                "models.Customer",
                source_field="customer_id",
                db_constraint=False,
                to_field="id",
                related_name="line_items",
                on_delete=OnDelete.NO_ACTION,
            ),
        ),
        ops.AlterField(
            model_name="LineItem",
            name="solution",
            field=fields.ForeignKeyField(
                "models.Solution",
                source_field="solution_id",
                db_constraint=False,
                to_field="id",
                related_name="line_items",
                on_delete=OnDelete.NO_ACTION,
            ),
        ),
        ops.RunPython(drop_constraints, restore_constraints),
    ]
