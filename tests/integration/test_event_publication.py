"""Every history entry becomes a report event, delivered on commit and never on rollback.

On SQLite the events go through the in-process delivery after the commit; on
PostgreSQL through NOTIFY inside the transaction. The same tests hold both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from models import BillingReport, HistoryEntry
from tests.integration.events_heard import Heard, heard  # noqa: F401 - the fixture
from tests.integration.scenarios import given_generated_reports, refused, report_of, usage
from tests.world import PERIOD, World
from vocabulary.enums import ReportEventAction, ReportStatus
from workflow.core.actors import SYSTEM
from workflow.core.errors import ErrorCode
from workflow.database.unit_of_work import BareTransaction, unit_of_work
from workflow.events.messages import ReportEventMessage
from workflow.generation.generate import generate_reports
from workflow.reports import steps as report_steps
from workflow.reports.actions import approve_report, reject_report, save_report_draft, submit_report
from workflow.reports.deadline_sweep import run_deadline_sweep
from workflow.reports.history import record_step


class Injected(Exception):
    pass


async def entry_message(entry: HistoryEntry) -> ReportEventMessage:
    """The message an entry must produce, from the database's own rows."""
    report = await BillingReport.get(id=entry.report_id).select_related("partner", "period")
    return ReportEventMessage(
        entry_id=entry.id,
        report_id=report.id,
        partner_id=report.partner_id,
        parent_id=report.partner.parent_id,
        period=report.period.label,
        action=entry.action,
        status=entry.to_status,
        version=entry.version,
    )


async def test_generation_publishes_one_generated_event_per_new_report(world: World, heard: Heard) -> None:
    await world.add_month_of_usage(3)
    await generate_reports(world.platform.actor, PERIOD)

    messages = await heard.exactly(4)
    entries = await HistoryEntry.filter(action=ReportEventAction.GENERATED).order_by("id")
    assert sorted(messages, key=lambda m: m.entry_id) == [await entry_message(e) for e in entries]
    assert {(m.status, m.version, m.period) for m in messages} == {(ReportStatus.PREPARING, 1, PERIOD)}


async def test_each_step_of_a_report_publishes_its_entry_with_the_new_status_and_version(
    world: World, heard: Heard
) -> None:
    await given_generated_reports(world)
    await heard.exactly(4)
    report = await report_of(world.tier2_a1)
    owner, parent = world.tier2_a1.actor, world.tier1_a.actor

    await save_report_draft(owner, report.id, 1, [])
    await submit_report(owner, report.id, 2)
    await reject_report(parent, report.id, 3, "explain line 2")
    await submit_report(owner, report.id, 4)
    await approve_report(parent, report.id, 5)

    messages = await heard.exactly(5)
    entries = await HistoryEntry.filter(report_id=report.id).order_by("id")
    assert messages == [await entry_message(e) for e in entries[1:]]
    assert [(m.action, m.status, m.version) for m in messages] == [
        (ReportEventAction.SAVED, ReportStatus.PREPARING, 2),
        (ReportEventAction.SUBMITTED, ReportStatus.UNDER_REVIEW, 3),
        (ReportEventAction.REJECTED, ReportStatus.REJECTED, 4),
        (ReportEventAction.SUBMITTED, ReportStatus.UNDER_REVIEW, 5),
        (ReportEventAction.APPROVED, ReportStatus.APPROVED, 6),
    ]
    assert {(m.partner_id, m.parent_id) for m in messages} == {
        (world.tier2_a1.organization.id, world.tier1_a.organization.id)
    }


async def test_regeneration_publishes_only_for_the_reports_it_changed(world: World, heard: Heard) -> None:
    await given_generated_reports(world)
    await heard.exactly(4)
    alpha = await report_of(world.tier2_a1)
    await world.add_usage([usage(world.tier2_a1.customers[0].id, "EPP", 20, used=500, credits="999")])

    await generate_reports(world.platform.actor, PERIOD)

    (message,) = await heard.exactly(1)
    assert (message.report_id, message.action, message.version) == (alpha.id, ReportEventAction.REGENERATED, 2)


async def test_a_refused_action_publishes_nothing(world: World, heard: Heard) -> None:
    await given_generated_reports(world)
    await heard.exactly(4)
    report = await report_of(world.tier2_a1)

    await refused(submit_report(world.tier2_a1.actor, report.id, 7), ErrorCode.VERSION_CONFLICT, report.id)
    await refused(approve_report(world.tier1_a.actor, report.id, 1), ErrorCode.INVALID_TRANSITION, report.id)
    await refused(submit_report(world.tier2_b1.actor, report.id, 1), ErrorCode.NOT_FOUND, report.id)

    await heard.nothing()


async def test_a_step_rolled_back_after_its_event_was_queued_publishes_nothing(
    world: World, heard: Heard, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_generated_reports(world)
    await heard.exactly(4)
    report = await report_of(world.tier2_a1)

    async def record_then_fail(*args: Any, **kwargs: Any) -> None:
        await record_step(*args, **kwargs)  # the entry is written and its event queued (NOTIFY run)
        raise Injected("a failure after the event was queued")

    monkeypatch.setattr(report_steps, "record_step", record_then_fail)
    with pytest.raises(Injected):
        await submit_report(world.tier2_a1.actor, report.id, 1)

    await heard.nothing()
    assert (await BillingReport.get(id=report.id)).version == 1


async def test_nothing_is_delivered_before_the_commit(
    world: World, heard: Heard, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_generated_reports(world)
    await heard.exactly(4)
    report = await report_of(world.tier2_a1)

    async def record_then_look(*args: Any, **kwargs: Any) -> Any:
        entry = await record_step(*args, **kwargs)
        await heard.nothing(0.3)  # still inside the transaction
        return entry

    monkeypatch.setattr(report_steps, "record_step", record_then_look)
    await submit_report(world.tier2_a1.actor, report.id, 1)

    (message,) = await heard.exactly(1)
    assert message.action is ReportEventAction.SUBMITTED


async def test_a_rolled_back_savepoint_drops_its_events_and_the_transaction_keeps_its_own(
    world: World, heard: Heard
) -> None:
    await given_generated_reports(world)
    await heard.exactly(4)
    alpha, beta = await report_of(world.tier2_a1), await report_of(world.tier2_a2)
    now = datetime.now(UTC)

    async with unit_of_work() as work:
        with pytest.raises(Injected):
            async with unit_of_work() as savepoint:
                await record_step(
                    savepoint,
                    report=beta,
                    action=ReportEventAction.SAVED,
                    from_status=beta.status,
                    actor=SYSTEM,
                    occurred_at=now,
                )
                raise Injected("the savepoint rolls back")
        async with unit_of_work() as savepoint:
            await record_step(
                savepoint,
                report=alpha,
                action=ReportEventAction.SAVED,
                from_status=alpha.status,
                actor=SYSTEM,
                occurred_at=now,
            )
        await heard.nothing(0.2)  # a released savepoint's events wait for the outer commit
        await record_step(
            work, report=alpha, action=ReportEventAction.SAVED, from_status=alpha.status, actor=SYSTEM, occurred_at=now
        )
        await heard.nothing(0.2)

    messages = await heard.exactly(2)
    assert {m.report_id for m in messages} == {alpha.id}


async def test_a_unit_of_work_inside_a_bare_transaction_is_refused_rather_than_publishing_early(
    world: World, heard: Heard
) -> None:
    await given_generated_reports(world)
    await heard.exactly(4)

    async with in_transaction():
        with pytest.raises(BareTransaction):
            async with unit_of_work():
                pass

    await heard.nothing()


async def test_the_systems_own_steps_are_published_without_the_sweep_doing_anything_for_it(
    world: World, heard: Heard
) -> None:
    # The deadline sweep writes its entries through record_step in its own in_transaction().
    await given_generated_reports(world)
    await heard.exactly(4)

    result = await run_deadline_sweep(as_of=datetime(2099, 1, 1, tzinfo=UTC))

    messages = await heard.exactly(result.auto_submitted + result.auto_approved)
    assert result.auto_submitted == 4
    assert {(m.action, m.status) for m in messages} == {(ReportEventAction.AUTO_SUBMITTED, ReportStatus.UNDER_REVIEW)}
