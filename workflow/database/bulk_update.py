"""Tortoise's ``bulk_update``, one field per statement.

Why: Tortoise 1.1's ``BulkUpdateQuery`` adds its ``WHERE id IN (...)`` once per field, so
an update of F fields holds F identical lists, ANDed. PostgreSQL 15 scans the primary key
once per combination of the lists' elements, and the cost grows with the fields: measured
on a 1M-line table, 100 lines × 3 fields took 151 ms (12 ms one field at a time), 1,000
lines 937 ms (160 ms), and regeneration's 8 fields of 4 lines 140 ms. One field per
statement keeps one list.

``tests/integration/test_bulk_update.py`` fails loudly when an upgrade of Tortoise writes
the list once: then this module can go, and its callers use ``bulk_update`` again.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model


async def update_fields(
    model: type[Model], rows: Sequence[Model], fields: Sequence[str], conn: BaseDBAsyncClient
) -> None:
    """Write ``fields`` of ``rows`` (instances of ``model``), as ``model.bulk_update`` would."""
    if not rows:
        return
    for field in fields:
        await model.bulk_update(rows, fields=[field], using_db=conn)
