"""A Tier 1 partner's settings: ``partnerSettings`` (query) and ``updatePartnerSettings`` (docs/contract.md §6)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.outcome import attempt
from schema import ids
from schema.context import Context
from schema.errors import user_errors
from schema.permissions import ensure_reports_read
from schema.settings import PartnerSettings, UpdatePartnerSettingsInput, UpdatePartnerSettingsPayload
from workflow.core.actors import Actor
from workflow.reads.views import PartnerSettings as PartnerSettingsView
from workflow.reports import settings

Info = strawberry.Info[Context, None]


async def partner_settings(
    info: Info,
    partner_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description="A Tier 1 partner's ID. Default: the caller's channel (a Tier 1 itself, a Tier 2 its "
            "parent); the platform names one. Null for a partner the caller may not see.",
        ),
    ] = None,
) -> PartnerSettings | None:
    view = await partner_settings_view(info.context.actor, partner_id)
    return None if view is None else PartnerSettings.from_view(view)


async def partner_settings_view(actor: Actor, partner_id: str | None) -> PartnerSettingsView | None:
    """``partnerSettings``' answer from its argument (also for the compiled query path)."""
    ensure_reports_read(actor)
    tier1_id = None
    if partner_id is not None:
        tier1_id = ids.decode_as(ids.ORGANIZATION, partner_id)
        if tier1_id is None:  # not an organization's ID: like one the caller may not see
            return None
    return await settings.partner_settings(actor, tier1_id)


async def update_partner_settings(info: Info, input: UpdatePartnerSettingsInput) -> UpdatePartnerSettingsPayload:
    actor = info.context.actor
    result, problems = await attempt(
        lambda: settings.update_partner_settings(
            actor,
            deadline_days=input.submission_deadline_days,
            auto_approve=input.auto_approve,
            auto_approve_reasons=input.auto_approve_reasons,
            require_purchase_order=input.require_purchase_order,
            correction_window_days=input.correction_window_days,
        )
    )
    # As with the report mutations, the payload shows what now stands only to a caller who
    # may read it (``partnerSettings`` needs reports:read too).
    now = None
    if not info.context.can_read_reports:
        now = None
    elif result is not None:
        now = result.settings
    else:
        now = await settings.partner_settings(actor)
    return UpdatePartnerSettingsPayload(
        settings=None if now is None else PartnerSettings.from_view(now),
        rescheduled_report_count=0 if result is None else result.rescheduled_count,
        errors=user_errors(problems),
    )
