"""Adjustment rules (docs/contract.md §5): ``plan_adjustments`` validates a whole save at once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocabulary.enums import AdjustmentReason
from workflow.core.adjustments import (
    MAX_COMMENT_LENGTH,
    Adjustment,
    LineChange,
    LineState,
    keeps_adjustment,
    plan_adjustments,
)
from workflow.core.errors import ErrorCode, InvalidInput

OTHER, TRIAL = AdjustmentReason.OTHER, AdjustmentReason.TRIAL

# Line 1 and 2 as generated; line 3 already lowered from 8 to 6 with a comment.
LINES = {
    1: LineState(line_item_id=1, used_units=10, chargeable_units=10, comment=None),
    2: LineState(line_item_id=2, used_units=5, chargeable_units=5, comment=None),
    3: LineState(line_item_id=3, used_units=8, chargeable_units=6, comment="two servers retired", reason=OTHER),
}


def refused(*adjustments: Adjustment) -> list[tuple[ErrorCode, int | None, int | None, str | None]]:
    """The problems of a refused save, as (code, line item, index, field)."""
    with pytest.raises(InvalidInput) as error:
        plan_adjustments(LINES, list(adjustments))
    return [(p.code, p.line_item_id, p.index, p.field) for p in error.value.problems]


def test_lowering_a_line_with_a_comment_is_one_change() -> None:
    changes = plan_adjustments(LINES, [Adjustment(1, 7, "three endpoints decommissioned")])
    assert changes == [LineChange(1, 10, 7, None, "three endpoints decommissioned", None, OTHER)]


def test_chargeable_units_may_go_down_to_zero() -> None:
    assert plan_adjustments(LINES, [Adjustment(2, 0, "trial, not billable")])[0].new_chargeable_units == 0


@pytest.mark.parametrize("chargeable", [-1, 11, 10**12])
def test_chargeable_units_outside_zero_to_used_are_out_of_range(chargeable: int) -> None:
    assert refused(Adjustment(1, chargeable, "why")) == [(ErrorCode.CHARGEABLE_OUT_OF_RANGE, 1, 0, "chargeableUnits")]


def test_units_can_only_be_lowered_never_raised_above_used() -> None:
    assert refused(Adjustment(3, 9, "more than used")) == [(ErrorCode.CHARGEABLE_OUT_OF_RANGE, 3, 0, "chargeableUnits")]


def test_a_lowered_line_needs_a_comment() -> None:
    assert refused(Adjustment(1, 9)) == [(ErrorCode.COMMENT_REQUIRED, 1, 0, "comment")]


@pytest.mark.parametrize("blank", ["", "   ", "\n\t "])
def test_a_blank_comment_counts_as_no_comment(blank: str) -> None:
    assert refused(Adjustment(1, 9, blank)) == [(ErrorCode.COMMENT_REQUIRED, 1, 0, "comment")]


def test_a_comment_is_stored_without_its_surrounding_white_space() -> None:
    (change,) = plan_adjustments(LINES, [Adjustment(1, 9, "  one retired \n")])
    assert change.new_comment == "one retired"


def test_a_comment_of_1000_characters_is_accepted() -> None:
    comment = "x" * MAX_COMMENT_LENGTH
    (change,) = plan_adjustments(LINES, [Adjustment(1, 9, f"  {comment}  ")])  # white space does not count
    assert change.new_comment == comment


def test_a_comment_of_1001_characters_is_too_long() -> None:
    assert refused(Adjustment(1, 9, "x" * (MAX_COMMENT_LENGTH + 1))) == [(ErrorCode.COMMENT_TOO_LONG, 1, 0, "comment")]


def test_a_too_long_comment_is_refused_even_where_none_is_needed() -> None:
    assert refused(Adjustment(1, 10, "x" * 1001)) == [(ErrorCode.COMMENT_TOO_LONG, 1, 0, "comment")]


def test_setting_a_line_back_to_its_used_units_clears_the_need_for_a_comment() -> None:
    changes = plan_adjustments(LINES, [Adjustment(3, 8)])
    assert changes == [LineChange(3, 6, 8, "two servers retired", None, OTHER, None)]


def test_a_line_back_at_its_used_units_may_keep_a_comment() -> None:
    changes = plan_adjustments(LINES, [Adjustment(3, 8, "all servers back")])
    assert changes == [LineChange(3, 6, 8, "two servers retired", "all servers back", OTHER, None)]


def test_a_line_of_another_report_is_an_unknown_line_item() -> None:
    assert refused(Adjustment(99, 1, "x")) == [(ErrorCode.UNKNOWN_LINE_ITEM, 99, 0, "lineItemId")]


def test_the_same_line_twice_in_one_save_is_invalid_input() -> None:
    problems = refused(Adjustment(1, 9, "first"), Adjustment(1, 8, "second"))
    assert problems == [(ErrorCode.INVALID_INPUT, 1, 1, "lineItemId")]


def test_every_invalid_adjustment_is_reported_together_with_its_line_and_position() -> None:
    problems = refused(
        Adjustment(1, 9, "fine on its own"),
        Adjustment(2, 6, "above used"),
        Adjustment(3, 1),
        Adjustment(404, 0, "unknown"),
        Adjustment(1, 8, "twice"),
    )
    assert problems == [
        (ErrorCode.CHARGEABLE_OUT_OF_RANGE, 2, 1, "chargeableUnits"),
        (ErrorCode.COMMENT_REQUIRED, 3, 2, "comment"),
        (ErrorCode.UNKNOWN_LINE_ITEM, 404, 3, "lineItemId"),
        (ErrorCode.INVALID_INPUT, 1, 4, "lineItemId"),
    ]


def test_one_problem_per_line_the_range_first() -> None:
    assert refused(Adjustment(1, 11)) == [(ErrorCode.CHARGEABLE_OUT_OF_RANGE, 1, 0, "chargeableUnits")]


def test_an_adjustment_that_changes_nothing_yields_no_change() -> None:
    assert plan_adjustments(LINES, [Adjustment(1, 10), Adjustment(3, 6, "  two servers retired ")]) == []


def test_an_empty_save_changes_nothing() -> None:
    assert plan_adjustments(LINES, []) == []


def test_rewording_the_comment_alone_is_a_change() -> None:
    assert plan_adjustments(LINES, [Adjustment(3, 6, "two servers sold")]) == [
        LineChange(3, 6, 6, "two servers retired", "two servers sold", OTHER, OTHER)
    ]


def test_only_the_lines_that_change_are_listed_in_input_order() -> None:
    changes = plan_adjustments(LINES, [Adjustment(2, 4, "a"), Adjustment(1, 10), Adjustment(3, 5, "b")])
    assert [c.line_item_id for c in changes] == [2, 3]


@pytest.mark.parametrize(("chargeable", "new_used", "kept"), [(5, 6, True), (5, 5, True), (5, 4, False), (0, 0, True)])
def test_on_regeneration_an_adjustment_survives_while_it_is_not_above_the_new_used_units(
    chargeable: int, new_used: int, kept: bool
) -> None:
    assert keeps_adjustment(chargeable, new_used) is kept


@given(used=st.integers(0, 10**9), data=st.data())
def test_any_chargeable_from_zero_to_used_with_a_comment_is_accepted(used: int, data: st.DataObject) -> None:
    chargeable = data.draw(st.integers(0, used))
    lines = {7: LineState(7, used, used, None)}
    changes = plan_adjustments(lines, [Adjustment(7, chargeable, "reason")])
    reason = OTHER if chargeable < used else None
    assert changes == [LineChange(7, used, chargeable, None, "reason", None, reason)]


@given(used=st.integers(0, 10**9), above=st.integers(1, 10**9))
def test_any_chargeable_above_used_is_refused(used: int, above: int) -> None:
    with pytest.raises(InvalidInput) as error:
        plan_adjustments({7: LineState(7, used, used, None)}, [Adjustment(7, used + above, "reason")])
    assert [p.code for p in error.value.problems] == [ErrorCode.CHARGEABLE_OUT_OF_RANGE]


# --- reason codes (docs/contract.md §10) -------------------------------------------------


def test_a_lowered_line_given_no_reason_gets_other() -> None:
    (change,) = plan_adjustments(LINES, [Adjustment(1, 7, "why")])
    assert change.new_reason is OTHER


def test_a_lowered_line_keeps_the_reason_it_is_given() -> None:
    (change,) = plan_adjustments(LINES, [Adjustment(1, 7, "a trial", TRIAL)])
    assert change.new_reason is TRIAL


def test_setting_a_line_back_to_its_used_units_clears_its_reason() -> None:
    (change,) = plan_adjustments(LINES, [Adjustment(3, 8, None, TRIAL)])
    assert (change.old_reason, change.new_reason) == (OTHER, None)


def test_changing_the_reason_alone_is_a_change() -> None:
    (change,) = plan_adjustments(LINES, [Adjustment(3, 6, "two servers retired", TRIAL)])
    assert (change.old_reason, change.new_reason) == (OTHER, TRIAL)


def test_a_reason_given_to_a_line_at_its_used_units_is_not_kept() -> None:
    assert plan_adjustments(LINES, [Adjustment(1, 10, None, TRIAL)]) == []


def test_a_lowered_line_still_needs_a_comment_when_it_has_a_reason() -> None:
    assert refused(Adjustment(1, 9, None, TRIAL)) == [(ErrorCode.COMMENT_REQUIRED, 1, 0, "comment")]
