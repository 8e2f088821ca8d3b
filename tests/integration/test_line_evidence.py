"""The evidence behind a line (docs/contract.md §12), on a real database.

The days it shows are its customer's and solution's in its period; the explanation
names the reference day the line shows; late usage after submission is seen as
``usage_changed`` while the line keeps its figures. A page of lines reads its evidence
in one query.
"""

from __future__ import annotations

from typing import Any

import pytest

from models import DailyUsage
from tests.integration.scenarios import report_of, usage
from tests.world import PERIOD, World
from workflow.generation.generate import generate_reports
from workflow.reads import evidence as evidence_module
from workflow.reads.contents import line_pages
from workflow.reads.evidence import evidence_of_lines
from workflow.reads.views import LineFilter
from workflow.reports.actions import submit_report


async def test_a_line_shows_its_period_s_usage_and_the_day_its_rule_chose(world: World) -> None:
    await world.add_month_of_usage(5)
    await generate_reports(world.platform.actor, PERIOD)
    report = await report_of(world.tier2_a1)
    page = (await line_pages([report.id], LineFilter(), first=50))[report.id]

    found = await evidence_of_lines(page.items)

    for line in page.items:
        evidence = found[line.id]
        stored = await DailyUsage.filter(customer_id=line.customer_id, solution__code=line.solution_code).order_by(
            "day"
        )
        assert [(d.day, d.used_units) for d in evidence.daily_usage] == [(d.day, d.used_units) for d in stored]
        assert evidence.aggregation_rule == line.aggregation_rule
        assert not evidence.usage_changed
        if line.reference_day is not None:
            assert line.reference_day.isoformat() in evidence.explanation
        else:
            assert evidence.explanation == "Daily sum over 5 days with usage."


async def test_late_usage_after_submission_marks_the_line_usage_changed(world: World) -> None:
    await world.add_month_of_usage(3)
    await generate_reports(world.platform.actor, PERIOD)
    report = await report_of(world.tier2_a1)
    await submit_report(world.tier2_a1.actor, report.id, report.version)
    line = (await line_pages([report.id], LineFilter(), first=1))[report.id].items[0]

    await world.add_usage([usage(line.customer_id, line.solution_code, 9, 500, "900")])

    after = (await line_pages([report.id], LineFilter(), first=50))[report.id].items
    evidence = await evidence_of_lines(after)
    assert evidence[line.id].usage_changed  # the submitted line keeps its figures
    assert len(evidence[line.id].daily_usage) == 4
    others = [
        view for view in after if (view.customer_id, view.solution_code) != (line.customer_id, line.solution_code)
    ]
    assert others and not any(evidence[view.id].usage_changed for view in others)


async def test_a_page_of_lines_reads_its_evidence_in_one_query(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    await world.add_month_of_usage(3)
    await generate_reports(world.platform.actor, PERIOD)
    report = await report_of(world.tier2_a1)
    lines = (await line_pages([report.id], LineFilter(), first=50))[report.id].items
    assert len(lines) > 1
    statements: list[str] = []
    real_read = evidence_module.read

    async def counted(conn: Any, sql: str, **params: Any) -> Any:
        statements.append(sql)
        return await real_read(conn, sql, **params)

    monkeypatch.setattr(evidence_module, "read", counted)
    await evidence_of_lines(lines)
    assert len(statements) == 1
