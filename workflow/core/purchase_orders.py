"""A report's purchase order (docs/contract.md §10), as a pure rule.

A purchase order is null, or 1 to 64 characters with no control characters. Surrounding
white space is not part of it, and an empty (or blank) value clears it. The Tier 2 owner
sets it on save or submit; the Tier 1 partner sets or replaces it on approval, and may
require one (``PURCHASE_ORDER_REQUIRED``).
"""

from __future__ import annotations

import unicodedata

from workflow.core.errors import ErrorCode, InvalidInput, Problem

MAX_PURCHASE_ORDER_LENGTH = 64


def parse_purchase_order(given: str, field: str = "purchaseOrder") -> str | None:
    """The purchase order to store for ``given`` (None: clear it), or ``InvalidInput``."""
    value = given.strip()
    if not value:
        return None
    if len(value) > MAX_PURCHASE_ORDER_LENGTH:
        raise InvalidInput(
            [
                Problem(
                    ErrorCode.INVALID_INPUT,
                    f"a purchase order is at most {MAX_PURCHASE_ORDER_LENGTH} characters",
                    field=field,
                )
            ]
        )
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise InvalidInput(
            [Problem(ErrorCode.INVALID_INPUT, "a purchase order may not contain control characters", field=field)]
        )
    return value


def ensure_purchase_order(required: bool, purchase_order: str | None) -> None:
    """An approval that would leave the report without a required purchase order is refused."""
    if required and purchase_order is None:
        raise InvalidInput(
            [
                Problem(
                    ErrorCode.PURCHASE_ORDER_REQUIRED,
                    "the Tier 1 partner requires a purchase order to approve a report",
                    field="purchaseOrder",
                )
            ]
        )
