"""Bulk approval (docs/contract.md §10): ``approveReports``, 1 to 100 reports, each on its own.

Each report is approved exactly as ``approveReport`` would (``workflow.reports.actions
.approve_report``): its own unit of work, its own version check, its own refusals. One
refused report does not stop the others; the outcomes come back in input order. An
empty list, or more than ``MAX_BULK_APPROVAL``, is refused before anything is approved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from workflow.core.actors import Actor
from workflow.core.errors import DomainError, ErrorCode, InvalidInput, NotFound, Problem
from workflow.reports.actions import approve_report

MAX_BULK_APPROVAL = 100


@dataclass(frozen=True, slots=True)
class BulkItem:
    report_id: int | None  # None: an ID that is not a report's (answered as not found)
    version: int


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    report_id: int | None
    problems: list[Problem]  # empty: approved

    @property
    def approved(self) -> bool:
        return not self.problems


async def approve_reports(
    actor: Actor,
    items: list[BulkItem],
    comment: str | None = None,
    purchase_order: str | None = None,
    now: datetime | None = None,
) -> list[BulkOutcome]:
    if not 1 <= len(items) <= MAX_BULK_APPROVAL:
        raise InvalidInput(
            [
                Problem(
                    ErrorCode.INVALID_INPUT,
                    f"approve 1 to {MAX_BULK_APPROVAL} reports at once (got {len(items)})",
                    field="reports",
                )
            ]
        )
    now = now or datetime.now(UTC)
    outcomes = []
    for index, item in enumerate(items):
        try:
            if item.report_id is None:
                raise NotFound("no such report")
            await approve_report(actor, item.report_id, item.version, comment, purchase_order, now=now)
            problems: list[Problem] = []
        except DomainError as error:
            problems = [replace(p, index=index) for p in error.problems]
        outcomes.append(BulkOutcome(item.report_id, problems))
    return outcomes
