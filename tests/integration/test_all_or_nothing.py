"""All or nothing (docs/contract.md §6): a step, its history entry and its line changes commit together.

A failure is injected into the history write, after the status, version and lines were
already written in the same transaction; everything must be as before.
"""

from __future__ import annotations

from typing import Any

import pytest

from models import BillingPeriod, BillingReport, HistoryEntry, HistoryLineChange, LineItem
from tests.integration.scenarios import given_generated_reports, lines_of, report_of, snapshot, usage
from tests.world import PERIOD, World
from workflow.core.adjustments import Adjustment
from workflow.generation import generate as generation
from workflow.generation.generate import generate_reports
from workflow.reports import steps as report_steps
from workflow.reports.actions import approve_report, save_report_draft, submit_report


class HistoryDown(Exception):
    pass


async def fail(*args: Any, **kwargs: Any) -> None:
    raise HistoryDown("the history write failed")


async def test_a_failed_history_write_rolls_back_a_submit_and_its_adjustments(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_generated_reports(world)
    report = await report_of(world.tier2_a1)
    first, second = (await lines_of(report.id))[:2]
    before = await snapshot(report.id)
    monkeypatch.setattr(HistoryLineChange, "bulk_create", fail)  # the entry is written, its changes fail

    with pytest.raises(HistoryDown):
        await submit_report(
            world.tier2_a1.actor,
            report.id,
            1,
            [
                Adjustment(first.id, 0, "trial"),
                Adjustment(second.id, 1, "retired"),
            ],
        )

    assert await snapshot(report.id) == before
    monkeypatch.undo()
    after = await submit_report(world.tier2_a1.actor, report.id, 1)  # the report is still usable
    assert after.version == 2


async def test_a_failed_history_write_rolls_back_a_saved_draft(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    await given_generated_reports(world)
    report = await report_of(world.tier2_a1)
    line = (await lines_of(report.id))[0]
    before = await snapshot(report.id)
    monkeypatch.setattr(report_steps, "record_step", fail)

    with pytest.raises(HistoryDown):
        await save_report_draft(world.tier2_a1.actor, report.id, 1, [Adjustment(line.id, 0, "trial")])

    assert await snapshot(report.id) == before


async def test_a_failed_history_write_rolls_back_an_approval(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    await given_generated_reports(world)
    report = await report_of(world.tier2_a1)
    report = await submit_report(world.tier2_a1.actor, report.id, 1)
    before = await snapshot(report.id)
    monkeypatch.setattr(report_steps, "record_step", fail)

    with pytest.raises(HistoryDown):
        await approve_report(world.tier1_a.actor, report.id, report.version)

    assert await snapshot(report.id) == before


async def test_a_failed_history_write_rolls_back_a_regeneration(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    await given_generated_reports(world)
    reports = await BillingReport.all()
    before = {r.id: await snapshot(r.id) for r in reports}
    await world.add_usage([usage(p.customers[0].id, "MAIL", 20, 50) for p in world.tier2s])
    monkeypatch.setattr(report_steps, "record_step", fail)

    with pytest.raises(HistoryDown):
        await generate_reports(world.platform.actor, PERIOD)

    assert {r.id: await snapshot(r.id) for r in reports} == before


async def test_a_failed_first_generation_leaves_no_report_no_line_and_no_period(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.add_month_of_usage(days=2)
    real_run = generation.run

    async def run_failing_on_history(conn: Any, sql: str, **params: Any) -> int:
        if sql is generation.q.INSERT_GENERATED_ENTRIES:
            raise HistoryDown("the history write failed")
        return await real_run(conn, sql, **params)

    monkeypatch.setattr(generation, "run", run_failing_on_history)

    with pytest.raises(HistoryDown):
        await generate_reports(world.platform.actor, PERIOD)

    counts = [await m.all().count() for m in (BillingPeriod, BillingReport, LineItem, HistoryEntry)]
    assert counts == [0, 0, 0, 0]
