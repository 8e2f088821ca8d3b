"""Concurrency on PostgreSQL (docs/architecture.md, "What the tests hold"): many requests on one report at once.

Tortoise's asyncpg client hands each transaction its own pooled connection, so tasks
gathered here really race: the row lock (SELECT ... FOR UPDATE) orders them, and the
compare-and-set on the version lets exactly one through per version.
"""

from __future__ import annotations

import asyncio

import pytest

from models import BillingReport, HistoryEntry, LineItem
from tests.integration.scenarios import given_generated_reports, lines_of, report_of, usage
from tests.world import PERIOD, World
from vocabulary.enums import ReportEventAction, ReportStatus
from workflow.core.adjustments import Adjustment
from workflow.core.errors import DomainError, ErrorCode
from workflow.generation.generate import generate_reports
from workflow.reports.actions import approve_report, reject_report, save_report_draft, submit_report

pytestmark = pytest.mark.postgres_only


def codes(outcomes: list[object]) -> list[str]:
    """Each outcome as "ok" or its error code; anything but a domain error is a bug."""
    result = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            assert isinstance(outcome, DomainError), repr(outcome)
            result.append(outcome.problems[0].code.value)
        else:
            result.append("ok")
    return result


async def test_twenty_concurrent_submits_one_succeeds_and_one_entry_is_written(world: World) -> None:
    await given_generated_reports(world)
    report = await report_of(world.tier2_a1)

    outcomes = await asyncio.gather(
        *(submit_report(world.tier2_a1.actor, report.id, 1) for _ in range(20)), return_exceptions=True
    )

    assert sorted(codes(outcomes)) == ["VERSION_CONFLICT"] * 19 + ["ok"]
    stored = await BillingReport.get(id=report.id)
    assert (stored.status, stored.version) == (ReportStatus.UNDER_REVIEW, 2)
    submitted = await HistoryEntry.filter(report_id=report.id, action=ReportEventAction.SUBMITTED).count()
    assert submitted == 1


async def test_concurrent_saves_on_one_version_one_wins_the_others_conflict(world: World) -> None:
    await given_generated_reports(world)
    report = await report_of(world.tier2_a1)
    line = (await lines_of(report.id))[0]

    outcomes = await asyncio.gather(
        *(
            save_report_draft(world.tier2_a1.actor, report.id, 1, [Adjustment(line.id, n, f"save number {n}")])
            for n in range(5)
        ),
        return_exceptions=True,
    )

    assert sorted(codes(outcomes)) == ["VERSION_CONFLICT"] * 4 + ["ok"]
    (winner,) = [n for n, outcome in enumerate(outcomes) if not isinstance(outcome, BaseException)]
    stored = await LineItem.get(id=line.id)
    assert (stored.chargeable_units, stored.comment) == (winner, f"save number {winner}")
    assert (await BillingReport.get(id=report.id)).version == 2
    assert await HistoryEntry.filter(report_id=report.id, action=ReportEventAction.SAVED).count() == 1


async def test_a_concurrent_approval_and_rejection_cannot_both_happen(world: World) -> None:
    await given_generated_reports(world)
    report = await report_of(world.tier2_a1)
    await submit_report(world.tier2_a1.actor, report.id, 1)

    outcomes = await asyncio.gather(
        approve_report(world.tier1_a.actor, report.id, 2),
        reject_report(world.tier1_a.actor, report.id, 2, "no"),
        return_exceptions=True,
    )

    assert sorted(codes(outcomes)) == ["VERSION_CONFLICT", "ok"]
    reviews = await HistoryEntry.filter(
        report_id=report.id, action__in=[ReportEventAction.APPROVED, ReportEventAction.REJECTED]
    ).count()
    assert reviews == 1


async def test_a_submit_racing_a_regeneration_never_submits_unseen_figures(world: World) -> None:
    await given_generated_reports(world)
    report = await report_of(world.tier2_a1)
    await world.add_usage([usage(world.tier2_a1.customers[0].id, "MAIL", 25, 40)])

    outcomes = await asyncio.gather(
        generate_reports(world.platform.actor, PERIOD),
        submit_report(world.tier2_a1.actor, report.id, 1),
        return_exceptions=True,
    )

    generated, submitted = outcomes
    assert not isinstance(generated, BaseException), generated
    stored = await BillingReport.get(id=report.id)
    if isinstance(submitted, BaseException):
        # Regeneration went first: the owner's version 1 is stale, the report stays editable.
        assert codes([submitted]) == [ErrorCode.VERSION_CONFLICT.value]
        assert (generated.regenerated_count, stored.status, stored.version) == (1, ReportStatus.PREPARING, 2)
    else:
        # The submit went first: regeneration leaves the report under review alone.
        assert (generated.regenerated_count, stored.status, stored.version) == (0, ReportStatus.UNDER_REVIEW, 2)
