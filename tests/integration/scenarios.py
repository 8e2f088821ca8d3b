"""Helpers that make the integration tests read as scenarios: given a generated report,
when a principal acts, then this is what the database holds.

``Snapshot`` is everything an action may change about a report (status, version,
timestamps, every line, the history); a refused action must leave it equal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest

from models import BillingReport, HistoryEntry, HistoryLineChange, LineItem
from tests.world import PERIOD, PERIOD_START, Party, World
from vocabulary.enums import Scope, Tier
from workflow.access import tokens
from workflow.core.actors import Actor
from workflow.core.errors import DomainError, ErrorCode
from workflow.core.scopes import beyond_tier
from workflow.generation.generate import generate_reports
from workflow.usage.record import UsageRecord

MISSING_REPORT_ID = 987_654


def usage(
    customer_id: int, code: str, day: date | int, used: int, credits: str = "1", provisioned: int | None = None
) -> UsageRecord:
    """One day of usage; ``day`` may be a day of the test period."""
    if isinstance(day, int):
        day = PERIOD_START + timedelta(days=day - 1)
    return UsageRecord(customer_id, code, day.isoformat(), used if provisioned is None else provisioned, used, credits)


async def given_generated_reports(world: World, days: int = 3) -> None:
    """A few days of usage for every partner, and the period's reports generated from it."""
    await world.add_month_of_usage(days)
    result = await generate_reports(world.platform.actor, PERIOD)
    assert result.created_count == 4


async def report_of(party: Party) -> BillingReport:
    return await BillingReport.get(partner_id=party.organization.id).select_related("partner")


async def lines_of(report_id: int) -> list[LineItem]:
    return await LineItem.filter(report_id=report_id).order_by("id")


async def history_of(report_id: int) -> list[HistoryEntry]:
    return await HistoryEntry.filter(report_id=report_id).order_by("id").prefetch_related("changes")


async def actor_with(world: World, party: Party, scopes: Iterable[Scope]) -> Actor:
    """Another principal of ``party``'s organization, with exactly ``scopes``.

    Scopes beyond the organization's tier cannot be on a token (``workflow.core.scopes``):
    the principal gets a token of the rest, and the actor is then given all of ``scopes``
    by hand, as a forged credential would, to show that its role still refuses it.
    """
    wanted = frozenset(scopes)
    tier = Tier(party.organization.tier)
    issued = await tokens.issue_token(
        party.organization, "limited user", scopes=[s for s in wanted if not beyond_tier(tier, [s])]
    )
    actor = await tokens.authenticate(issued.token)
    assert actor is not None
    return replace(actor, scopes=wanted)


@dataclass(frozen=True)
class Snapshot:
    status: str
    version: int
    submitted_at: datetime | None
    reviewed_at: datetime | None
    lines: tuple[tuple[object, ...], ...]
    history: tuple[tuple[object, ...], ...]
    line_changes: int


async def snapshot(report_id: int) -> Snapshot:
    report = await BillingReport.get(id=report_id)
    lines = (
        await LineItem.filter(report_id=report_id)
        .order_by("id")
        .values_list(
            "id",
            "reference_day",
            "provisioned_units",
            "used_units",
            "over_provisioned_units",
            "chargeable_units",
            "credits_e4",
            "comment",
        )
    )
    history = await HistoryEntry.filter(report_id=report_id).order_by("id").values_list("id", "action", "version")
    changes = await HistoryLineChange.filter(entry__report_id=report_id).count()
    return Snapshot(
        report.status.value,
        report.version,
        report.submitted_at,
        report.reviewed_at,
        tuple(map(tuple, lines)),
        tuple(map(tuple, history)),
        changes,
    )


async def refused(action: Awaitable[object], code: ErrorCode, report_id: int | None = None) -> DomainError:
    """Run ``action``, which must fail with ``code`` and leave ``report_id`` exactly as it was."""
    before = await snapshot(report_id) if report_id is not None else None
    with pytest.raises(DomainError) as error:
        await action
    assert [p.code for p in error.value.problems][:1] == [code], error.value.problems
    if report_id is not None:
        assert await snapshot(report_id) == before
    return error.value
