"""The corrections of reports (docs/contract.md §11), a batch of reports at a time.

Like ``workflow.reads.contents``, these take the ids of reports the caller has already
read through ``workflow.reads.reports`` (where visibility is applied) and answer for all
of them in two queries, whatever their number: the corrections with who requested and
who reviewed them, then the requested line changes (those of each request's
``CORRECTION_REQUESTED`` history entry). ``visible_correction`` applies visibility itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from models import Correction
from vocabulary.enums import CorrectionStatus, Tier
from workflow.core.actors import Actor
from workflow.reads.contents import changes_of_entries
from workflow.reads.reports import visible_reports_by_id
from workflow.reads.views import ActorView, CorrectionView, OrganizationView

_FIELDS = (
    "id",
    "report_id",
    "status",
    "request_entry_id",
    "requested_at",
    "comment",
    "reviewed_at",
    "review_comment",
    "requested_by__name",
    "requested_by_organization__id",
    "requested_by_organization__name",
    "requested_by_organization__tier",
    "reviewed_by__name",
    "reviewed_by_organization__id",
    "reviewed_by_organization__name",
    "reviewed_by_organization__tier",
)


async def corrections_by_report(report_ids: Iterable[int]) -> dict[int, list[CorrectionView]]:
    """Each report's corrections, oldest first (an empty list for a report without any)."""
    ids = sorted(set(report_ids))
    result: dict[int, list[CorrectionView]] = {rid: [] for rid in ids}
    if not ids:
        return result
    rows = await Correction.filter(report_id__in=ids).order_by("id").values(*_FIELDS)
    for view in await _views(rows):
        result[view.report_id].append(view)
    return result


async def visible_correction(actor: Actor, correction_id: int) -> CorrectionView | None:
    rows = await Correction.filter(id=correction_id).values(*_FIELDS)
    if not rows or not await visible_reports_by_id(actor, [rows[0]["report_id"]]):
        return None
    (view,) = await _views(rows)
    return view


async def _views(rows: list[dict[str, Any]]) -> list[CorrectionView]:
    if not rows:
        return []
    changes = await changes_of_entries([r["request_entry_id"] for r in rows])
    return [
        CorrectionView(
            id=row["id"],
            report_id=row["report_id"],
            status=CorrectionStatus(row["status"]),
            requested_at=row["requested_at"],
            requested_by=_actor(row, "requested_by"),
            comment=row["comment"],
            changes=changes.get(row["request_entry_id"], []),
            reviewed_at=row["reviewed_at"],
            reviewed_by=_actor(row, "reviewed_by"),
            review_comment=row["review_comment"],
        )
        for row in rows
    ]


def _actor(row: dict[str, Any], prefix: str) -> ActorView | None:
    org_id = row[f"{prefix}_organization__id"]
    if org_id is None:
        return None
    organization = OrganizationView(
        org_id, row[f"{prefix}_organization__name"], Tier(row[f"{prefix}_organization__tier"])
    )
    return ActorView(row[f"{prefix}__name"] or "", organization)
