"""``workflow.database.bulk_update``: why it exists, and that it writes what ``bulk_update`` would.

The first test holds the reason: Tortoise writes the key list once per field. When an
upgrade fixes that, it fails, and the module can go (its docstring says how).
"""

from __future__ import annotations

from models import LineItem
from tests.integration.scenarios import given_generated_reports, lines_of, report_of
from tests.world import World
from workflow.database.bulk_update import update_fields
from workflow.database.sql import connection

FIELDS = ["chargeable_units", "comment", "adjustment_reason"]


async def test_tortoise_still_writes_the_key_list_once_per_field(world: World) -> None:
    await given_generated_reports(world)
    rows = await lines_of((await report_of(world.tier2_a1)).id)

    statement = LineItem.bulk_update(rows, fields=FIELDS).sql()

    assert statement.count(" IN (") == len(FIELDS), (
        "Tortoise's bulk_update now writes its key list once: workflow/database/bulk_update.py can go "
        "(its callers may use bulk_update with every field again)\n" + statement
    )


async def test_each_field_is_written_to_its_own_row(world: World) -> None:
    await given_generated_reports(world)
    rows = await lines_of((await report_of(world.tier2_a1)).id)
    untouched = await lines_of((await report_of(world.tier2_a2)).id)
    for n, row in enumerate(rows):
        row.chargeable_units = row.used_units - 1 if row.used_units else 0
        row.comment = f"line {n}"

    await update_fields(LineItem, rows, ["chargeable_units", "comment"], connection())

    after = {li.id: li for li in await lines_of(rows[0].report_id)}
    assert [(after[r.id].chargeable_units, after[r.id].comment) for r in rows] == [
        (r.chargeable_units, r.comment) for r in rows
    ]
    assert [(li.chargeable_units, li.comment) for li in await lines_of(untouched[0].report_id)] == [
        (li.chargeable_units, li.comment) for li in untouched
    ]
