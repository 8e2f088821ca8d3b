"""Purchase orders (docs/contract.md §10), ``workflow.core.purchase_orders``."""

from __future__ import annotations

import pytest

from workflow.core.errors import ErrorCode, InvalidInput
from workflow.core.purchase_orders import ensure_purchase_order, parse_purchase_order


def test_a_purchase_order_of_1_to_64_characters_is_kept() -> None:
    assert parse_purchase_order("PO-2026-0042") == "PO-2026-0042"
    assert parse_purchase_order("x" * 64) == "x" * 64


def test_surrounding_white_space_is_not_kept_tabs_and_line_breaks_included() -> None:
    assert parse_purchase_order(" \tPO-42\r\n\u3000") == "PO-42"


@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_purchase_order_clears_it(empty: str) -> None:
    assert parse_purchase_order(empty) is None


@pytest.mark.parametrize("bad", ["x" * 65, "PO\n42", "PO\x0042", "PO\t42", "\x7f", "PO-42\x1f", "\x1cPO-42"])
def test_a_longer_purchase_order_or_one_with_control_characters_is_invalid_input(bad: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_purchase_order(bad)
    assert [(p.code, p.field) for p in error.value.problems] == [(ErrorCode.INVALID_INPUT, "purchaseOrder")]


def test_an_approval_without_a_required_purchase_order_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        ensure_purchase_order(True, None)
    assert error.value.problems[0].code is ErrorCode.PURCHASE_ORDER_REQUIRED
    ensure_purchase_order(True, "PO-1")
    ensure_purchase_order(False, None)
