"""The server runs the deadline sweep in the background (``server.deadline_job``, docs/contract.md §6)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from models import BillingReport, HistoryEntry
from server.app import create_app
from server.deadline_job import deadline_sweeps
from server.settings import Settings
from tests.world import PERIOD, World
from vocabulary.enums import ReportEventAction, ReportStatus
from workflow.generation.generate import generate_reports

# Generated on 1 November 2026: due at the end of 5 November, long past on the real clock.
GENERATED = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


async def until(condition_met: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    """Wait for the background task to have done its work (it runs on its own schedule)."""
    async with asyncio.timeout(timeout):
        while not await condition_met():
            await asyncio.sleep(0.02)


async def test_the_servers_lifespan_auto_submits_reports_past_their_deadline(world: World) -> None:
    await world.add_month_of_usage(3)
    await generate_reports(world.platform.actor, PERIOD, now=GENERATED)
    app = create_app(settings=Settings(auto_submit_interval_seconds=0.05), register_orm=False)

    async def all_submitted() -> bool:
        return await BillingReport.filter(status=ReportStatus.PREPARING).count() == 0

    async with app.router.lifespan_context(app):
        await until(all_submitted)

    assert await BillingReport.filter(status=ReportStatus.UNDER_REVIEW).count() == 4
    assert await HistoryEntry.filter(action=ReportEventAction.AUTO_SUBMITTED).count() == 4


async def test_an_interval_of_zero_starts_no_background_task(world: World) -> None:
    async with deadline_sweeps(0) as task:
        assert task is None


async def test_the_background_task_stops_with_the_server(world: World) -> None:
    async with deadline_sweeps(60) as task:
        assert task is not None and not task.done()

    assert task.cancelled() or task.done()
