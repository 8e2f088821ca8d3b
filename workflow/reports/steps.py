"""The one writer of report steps: every action, the deadline sweep and regeneration.

A step is taken in two halves, around whatever the action itself checks and writes
(adjustments, a reason, recomputed lines):

    step = begin_step(report, actor, "submit", version=3)    # may this actor, on this
                                                              # version, by the machine?
    ...                                                       # the action's own input
    await finish_step(work, step, ReportEventAction.SUBMITTED, now, changes=...)

``begin_step`` refuses, in this order and each once: ``Forbidden`` (who asks may never
pull this trigger: ``workflow.core.machine.PERMISSIONS``), ``VersionConflict`` (the
client saw another version), ``InvalidTransition`` (not from this status).

``finish_step`` writes the new status, the next version and the step's timestamps
(``workflow.core.stamps``) with a compare-and-set on the version read — 0 rows means a
writer got there first: ``VersionConflict`` — then the history entry with its line
changes, whose event is published with the unit of work (``workflow.reports.history``).

Callers differ only in what they do with a refusal: a person's action answers it; the
sweep skips the report and leaves it to the next run. The only steps not written here are
the first ``GENERATED`` entries of a period, written set-based for 100,000 reports at once
by ``workflow.generation.generate`` (a creation, not a transition of the machine).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final, Literal

from models import BillingReport, HistoryEntry
from vocabulary.enums import ReportEventAction, ReportStatus
from workflow.core.actors import Actor, ReportOwnership
from workflow.core.adjustments import LineChange
from workflow.core.corrections import NO_CORRECTIONS, CorrectionState
from workflow.core.errors import VersionConflict
from workflow.core.machine import ReportSubject, ensure_permitted, move
from workflow.core.stamps import step_stamps
from workflow.database.unit_of_work import UnitOfWork
from workflow.reports.history import record_step


class _Keep(Enum):
    KEEP = "keep"


# ``finish_step(purchase_order=KEEP)``: the step leaves the report's purchase order as it is.
KEEP: Final = _Keep.KEEP


@dataclass(frozen=True, slots=True)
class Step:
    """A step under way: checked by ``begin_step``, not yet written."""

    report: BillingReport
    actor: Actor
    from_status: ReportStatus
    to_status: ReportStatus


def ownership_of(report: BillingReport) -> ReportOwnership:
    """Needs ``report.partner`` loaded."""
    return ReportOwnership(partner_id=report.partner_id, parent_id=report.partner.parent_id or 0)


def begin_step(
    report: BillingReport,
    actor: Actor,
    trigger: str,
    *,
    version: int | None = None,
    corrections: CorrectionState = NO_CORRECTIONS,
) -> Step:
    """Check the step (see the module docstring); ``version`` None: the system's own step.

    ``corrections`` is what the correction triggers' guards read (§11); after the
    machine's own refusal come the guards' (``CorrectionWindowClosed``, ``CorrectionPending``).
    """
    ownership = ownership_of(report)
    ensure_permitted(trigger, actor, ownership)
    if version is not None and report.version != version:
        raise VersionConflict(
            f"the report is at version {report.version}, not {version}: reload it and try again",
            field="version",
        )
    subject = ReportSubject(report.status, ownership, corrections)
    move(trigger, subject)
    return Step(report, actor, report.status, subject.status)


async def finish_step(
    work: UnitOfWork,
    step: Step,
    action: ReportEventAction,
    now: datetime,
    *,
    comment: str | None = None,
    changes: Sequence[LineChange] = (),
    purchase_order: str | Literal[_Keep.KEEP] | None = KEEP,
) -> HistoryEntry:
    """Write the step: status, version and stamps (compare-and-set), then its history entry.

    ``purchase_order`` (§10): the report's new purchase order (None clears it), written
    with the status; the entry records the value it set. ``KEEP`` leaves it.
    """
    report = step.report
    stamps = step_stamps(step.from_status, step.to_status, now)
    fields: dict[str, object] = dict(stamps)
    if purchase_order is not KEEP:
        fields["purchase_order"] = purchase_order
    moved = (
        await BillingReport.filter(id=report.id, version=report.version)
        .using_db(work.conn)
        .update(status=step.to_status, version=report.version + 1, **fields)
    )
    if moved != 1:
        raise VersionConflict("the report changed meanwhile: reload it and try again", field="version")
    report.status = step.to_status
    report.version += 1
    for name, value in fields.items():
        setattr(report, name, value)
    return await record_step(
        work,
        report=report,
        action=action,
        from_status=step.from_status,
        actor=step.actor,
        occurred_at=now,
        comment=comment,
        changes=changes,
        purchase_order=None if purchase_order is KEEP else purchase_order,
    )
