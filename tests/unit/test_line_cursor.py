"""A line's cursor, written by hand for speed, is the generic cursor of its keyset, byte for byte."""

from __future__ import annotations

import pytest

from schema.pagination import decode_cursor, encode_cursor, key_id
from schema.reports import LINE_CURSOR, line_cursor
from vocabulary.enums import AggregationRule
from workflow.reads.views import LineView


def _line(line_id: int) -> LineView:
    return LineView(
        line_id, 1, 1, "c", "EPP", "s", "u", AggregationRule.PEAK_CREDITS_DAY, "s", "u", None, 1, 1, 0, 1, 0, None
    )


@pytest.mark.parametrize("line_id", [1, 9, 10, 12345, 2**31 - 1])
def test_a_line_cursor_is_the_generic_cursor_and_decodes_to_the_line(line_id: int) -> None:
    cursor = line_cursor(_line(line_id))

    assert cursor == encode_cursor(LINE_CURSOR, [line_id])
    assert decode_cursor(LINE_CURSOR, cursor, key_id) == line_id
