"""Writing a report's history: one entry per step, with its per-line changes.

Every step of every report passes through ``record_step`` (called by the step writer,
``workflow.reports.steps``), inside the step's unit of work, so the state change and its
history commit together or not at all. The entry's live event for dashboards is
published here too, with the same unit (``workflow.database.unit_of_work``): so every history
entry becomes an event, delivered when the unit commits, and a rolled-back step emits
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from models import BillingReport, HistoryEntry, HistoryLineChange
from vocabulary.enums import ReportEventAction, ReportStatus
from workflow.core.actors import Actor
from workflow.core.adjustments import LineChange
from workflow.database.unit_of_work import UnitOfWork
from workflow.events.messages import ONE_ENTRY


async def record_step(
    work: UnitOfWork,
    *,
    report: BillingReport,
    action: ReportEventAction,
    from_status: ReportStatus | None,
    actor: Actor,
    occurred_at: datetime,
    comment: str | None = None,
    changes: Sequence[LineChange] = (),
    purchase_order: str | None = None,
) -> HistoryEntry:
    """Append one entry for ``report`` as it now stands (its new status and version).

    ``purchase_order`` is the one this step set, if it set one (docs/contract.md §10).
    """
    entry = await HistoryEntry.create(
        report_id=report.id,
        action=action,
        from_status=from_status,
        to_status=report.status,
        version=report.version,
        occurred_at=occurred_at,
        principal_id=actor.principal_id,
        organization_id=actor.organization_id,
        comment=comment,
        purchase_order=purchase_order,
        using_db=work.conn,
    )
    if changes:
        await HistoryLineChange.bulk_create(
            [
                HistoryLineChange(
                    entry_id=entry.id,
                    line_item_id=c.line_item_id,
                    old_chargeable_units=c.old_chargeable_units,
                    new_chargeable_units=c.new_chargeable_units,
                    old_comment=c.old_comment,
                    new_comment=c.new_comment,
                    old_reason=c.old_reason,
                    new_reason=c.new_reason,
                )
                for c in changes
            ],
            using_db=work.conn,
        )
    await work.publish_entries(ONE_ENTRY, entry_id=entry.id)
    return entry
