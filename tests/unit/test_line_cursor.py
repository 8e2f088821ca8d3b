"""Line and report cursors, written by hand for speed, are the generic cursors of their keysets, byte for byte."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from resolvers.queries import report_cursor
from schema.pagination import decode_cursor, encode_cursor, key_id
from schema.reports import LINE_CURSOR, line_cursor
from vocabulary.enums import AggregationRule, ReportStatus, Tier
from workflow.reads.views import LineView, OrganizationView, PeriodView, ReportView


def _line(line_id: int) -> LineView:
    return LineView(
        line_id, 1, 1, "c", "EPP", "s", "u", AggregationRule.PEAK_CREDITS_DAY, "s", "u", None, 1, 1, 0, 1, 0, None
    )


@pytest.mark.parametrize("line_id", [1, 9, 10, 12345, 2**31 - 1])
def test_a_line_cursor_is_the_generic_cursor_and_decodes_to_the_line(line_id: int) -> None:
    cursor = line_cursor(_line(line_id))

    assert cursor == encode_cursor(LINE_CURSOR, [line_id])
    assert decode_cursor(LINE_CURSOR, cursor, key_id) == line_id


@pytest.mark.parametrize(("starts_on", "report_id"), [(date(2026, 10, 1), 1), (date(1999, 1, 1), 2**31 - 1)])
def test_a_report_cursor_is_the_generic_cursor_and_decodes_to_the_report(starts_on: date, report_id: int) -> None:
    view = ReportView(
        report_id,
        PeriodView(1, "p", starts_on, starts_on),
        OrganizationView(1, "o", Tier.TIER2),
        None,
        ReportStatus.PREPARING,
        1,
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
        None,
        None,
    )

    assert report_cursor(view) == encode_cursor("report", [starts_on.isoformat(), report_id])
