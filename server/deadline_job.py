"""The deadline sweep in the background of the server (docs/contract.md §6, ``workflow.reports.deadline_sweep``).

Each server process runs ``run_deadline_sweep`` at startup and then every
``AUTO_SUBMIT_INTERVAL_SECONDS`` (default 300; 0 turns it off). Several workers or hosts
running it at once is safe: the sweep claims each report with ``FOR UPDATE SKIP LOCKED``
and a compare-and-set on its version, so each report is auto-submitted once. The same
job runs from cron with ``billing-reports auto-submit``; both may be used together.

A failed run (the database restarting, say) is logged and retried at the next interval;
it never stops the server. At shutdown the task is cancelled: a report being swept then
rolls back whole and is taken by the next run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from server import metrics
from workflow.reports.deadline_sweep import SweepResult, run_deadline_sweep

log = logging.getLogger("billing_reports.deadlines")


@asynccontextmanager
async def deadline_sweeps(interval_seconds: float) -> AsyncIterator[asyncio.Task[None] | None]:
    """Run the sweep every ``interval_seconds`` while the block runs (not at all if 0)."""
    if interval_seconds <= 0:
        yield None
        return
    task = asyncio.create_task(_every(interval_seconds), name="deadline-sweep")
    try:
        yield task
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def _every(interval_seconds: float) -> None:
    while True:
        await sweep_once()
        await asyncio.sleep(interval_seconds)


async def sweep_once() -> SweepResult | None:
    started = time.perf_counter()
    try:
        result = await run_deadline_sweep()
    except Exception:  # logged, retried at the next interval: a bad run must not stop the server
        log.exception("the deadline sweep failed; it runs again at the next interval")
        metrics.observe_sweep(time.perf_counter() - started, auto_submitted=0, auto_approved=0, failed=True)
        return None
    metrics.observe_sweep(
        time.perf_counter() - started,
        auto_submitted=result.auto_submitted,
        auto_approved=result.auto_approved,
        failed=False,
    )
    if result.auto_submitted or result.auto_approved:
        log.info(
            "deadline sweep: %d report(s) auto-submitted, %d auto-approved", result.auto_submitted, result.auto_approved
        )
    return result
