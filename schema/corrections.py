"""``Correction``: a request to change an approved report's figures, and its review (docs/contract.md §11)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema import ids
from schema.channel import Organization, Principal
from schema.enums import CorrectionStatus
from schema.history import LineItemChange
from workflow.reads.views import ActorView, CorrectionView


@strawberry.type(
    description="A correction of an approved report: requested by its Tier 2 partner, decided by the Tier 1."
)
class Correction:
    id: strawberry.ID
    status: CorrectionStatus
    requested_at: datetime
    requested_by: Principal | None = strawberry.field(description="Who requested it.")
    comment: str = strawberry.field(description="Why the report needs correcting.")
    changes: list[LineItemChange] = strawberry.field(
        description="The requested lines, as they stood and as they would be."
    )
    reviewed_at: datetime | None
    reviewed_by: Principal | None
    review_comment: str | None = strawberry.field(description="The approval's comment, or the rejection's reason.")

    @classmethod
    def from_view(cls, view: CorrectionView) -> Correction:
        return cls(
            id=strawberry.ID(ids.encode(ids.CORRECTION, view.id)),
            status=view.status,
            requested_at=view.requested_at,
            requested_by=_principal(view.requested_by),
            comment=view.comment,
            changes=[LineItemChange.from_view(c) for c in view.changes],
            reviewed_at=view.reviewed_at,
            reviewed_by=_principal(view.reviewed_by),
            review_comment=view.review_comment,
        )


def _principal(view: ActorView | None) -> Principal | None:
    if view is None:
        return None
    return Principal(name=view.name, organization=Organization.from_view(view.organization))
