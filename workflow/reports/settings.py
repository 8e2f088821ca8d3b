"""A Tier 1 partner's settings for its partners' reports (docs/contract.md §6).

    submission deadline days   N in "due at the end of day N of the next month, or of the
                               N-day window from first generation" (1..28; default 5)
    auto-approve               the deadline sweep approves its partners' submitted reports
                               that carry no adjustment (``workflow.reports.deadline_sweep``)
    auto-approve reasons       ... or whose lowered lines all carry one of these reasons (§10)
    require purchase order     an approval needs a purchase order; auto-approval passes
                               reports without one by (§10)
    correction window days     N in "a correction may be requested until the end of the Nth
                               day after approval" (0..365; default 90; 0: none) (§11)

Only a Tier 1 principal with ``reports:review`` changes them, and only its own (the tenant
comes from the token). A new number of days applies to reports generated from then on
and moves the deadlines of its partners' still-editable reports (PREPARING, REJECTED),
recomputed from each report's period and first generation exactly as at generation
(``core.deadlines.report_deadline``), so a report's deadline is always what the current
setting says. Reports under review or approved keep theirs: it is history. A moved
deadline is not a step of the report: no history entry, and the version stays, so
nobody's open edit is refused for it. A shorter window can put a deadline in the past:
the next sweep then submits the report.

Reading them: a Tier 1 partner reads its own, a Tier 2 partner its parent's (the rules
it works under), the platform any Tier 1's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import BillingReport, Organization
from vocabulary.enums import EDITABLE_STATUSES, AdjustmentReason, Scope, Tier
from workflow.core.actors import Actor
from workflow.core.auto_approval import decode_reasons, encode_reasons
from workflow.core.corrections import (
    DEFAULT_CORRECTION_WINDOW_DAYS,
    MAX_CORRECTION_WINDOW_DAYS,
    MIN_CORRECTION_WINDOW_DAYS,
)
from workflow.core.deadlines import DEFAULT_DEADLINE_DAYS, MAX_DEADLINE_DAYS, MIN_DEADLINE_DAYS, report_deadline
from workflow.core.errors import ErrorCode, Forbidden, InvalidInput, Problem
from workflow.core.periods import Month
from workflow.database.sql import is_postgres
from workflow.reads.views import OrganizationView, PartnerSettings


@dataclass(frozen=True, slots=True)
class SettingsUpdate:
    settings: PartnerSettings
    rescheduled_count: int  # editable reports whose deadline moved


async def partner_settings(actor: Actor, tier1_id: int | None = None) -> PartnerSettings | None:
    """The settings of ``tier1_id`` (default: the caller's channel), or None if not visible."""
    own = await _channel_tier1(actor)
    wanted = tier1_id if tier1_id is not None else own
    if wanted is None:
        return None
    may_see = actor.is_system or actor.tier is Tier.PLATFORM or wanted == own
    org = await Organization.get_or_none(id=wanted, tier=Tier.TIER1) if may_see else None
    return None if org is None else _settings_of(org)


async def update_partner_settings(
    actor: Actor,
    *,
    deadline_days: int | None = None,
    auto_approve: bool | None = None,
    auto_approve_reasons: list[AdjustmentReason] | None = None,
    require_purchase_order: bool | None = None,
    correction_window_days: int | None = None,
) -> SettingsUpdate:
    """Change the given settings of the caller's own Tier 1 organization (None: unchanged).

    Every invalid value is reported at once, and then nothing changes.
    """
    if actor.tier is not Tier.TIER1 or not actor.has(Scope.REPORTS_REVIEW):
        raise Forbidden("only a Tier 1 partner, with the reports:review scope, changes its settings")
    problems = []
    if deadline_days is not None and not MIN_DEADLINE_DAYS <= deadline_days <= MAX_DEADLINE_DAYS:
        problems.append(
            Problem(
                ErrorCode.INVALID_INPUT,
                f"the submission deadline is {MIN_DEADLINE_DAYS} to {MAX_DEADLINE_DAYS} days",
                field="submissionDeadlineDays",
            )
        )
    if correction_window_days is not None and not (
        MIN_CORRECTION_WINDOW_DAYS <= correction_window_days <= MAX_CORRECTION_WINDOW_DAYS
    ):
        problems.append(
            Problem(
                ErrorCode.INVALID_INPUT,
                f"the correction window is {MIN_CORRECTION_WINDOW_DAYS} to {MAX_CORRECTION_WINDOW_DAYS} days",
                field="correctionWindowDays",
            )
        )
    if problems:
        raise InvalidInput(problems)
    async with in_transaction() as conn:
        query = Organization.filter(id=actor.organization_id, tier=Tier.TIER1).using_db(conn)
        if is_postgres(conn):
            query = query.select_for_update()  # two updates at once: the last one's days win everywhere
        org = await query.first()
        if org is None:  # a token outlived its organization's tier: never expected
            raise Forbidden("only a Tier 1 partner changes its settings")
        rescheduled = 0
        if deadline_days is not None:
            org.deadline_days = deadline_days
            rescheduled = await _reschedule_editable(conn, org.id, deadline_days)
        if auto_approve is not None:
            org.auto_approve = auto_approve
        if auto_approve_reasons is not None:
            org.auto_approve_reasons = encode_reasons(set(auto_approve_reasons))
        if require_purchase_order is not None:
            org.require_purchase_order = require_purchase_order
        if correction_window_days is not None:
            org.correction_window_days = correction_window_days
        await org.save(
            using_db=conn,
            update_fields=[
                "deadline_days",
                "auto_approve",
                "auto_approve_reasons",
                "require_purchase_order",
                "correction_window_days",
            ],
        )
    return SettingsUpdate(_settings_of(org), rescheduled)


async def _reschedule_editable(conn: BaseDBAsyncClient, tier1_id: int, days: int) -> int:
    """Recompute the deadlines of the Tier 1's editable reports; return how many moved.

    On PostgreSQL the reports are locked, so a deadline sweep running now (which skips
    locked reports) cannot submit one by the deadline that is being replaced.
    """
    query = BillingReport.filter(partner__parent_id=tier1_id, status__in=list(EDITABLE_STATUSES)).using_db(conn)
    if is_postgres(conn):
        query = query.select_for_update(of=("billing_report",))
    moved = []
    for report in await query.select_related("period"):
        first_generated_on = report.generated_at.astimezone(UTC).date()
        deadline = report_deadline(Month.parse(report.period.label), first_generated_on, days)
        if deadline != report.submission_deadline:
            report.submission_deadline = deadline
            moved.append(report)
    if moved:
        await BillingReport.bulk_update(moved, fields=["submission_deadline"], using_db=conn)  # one field: one list
    return len(moved)


async def _channel_tier1(actor: Actor) -> int | None:
    """The Tier 1 whose rules the caller works under: itself, or a Tier 2's parent."""
    if actor.tier is Tier.TIER1:
        return actor.organization_id
    if actor.tier is Tier.TIER2:
        row = await Organization.filter(id=actor.organization_id).first().values("parent_id")
        return None if row is None else row["parent_id"]
    return None


def _settings_of(org: Organization) -> PartnerSettings:
    return PartnerSettings(
        partner=OrganizationView(org.id, org.name, Tier(org.tier)),
        deadline_days=org.deadline_days or DEFAULT_DEADLINE_DAYS,
        auto_approve=org.auto_approve,
        auto_approve_reasons=tuple(r for r in AdjustmentReason if r in decode_reasons(org.auto_approve_reasons)),
        require_purchase_order=org.require_purchase_order,
        correction_window_days=(
            DEFAULT_CORRECTION_WINDOW_DAYS if org.correction_window_days is None else org.correction_window_days
        ),
    )
