"""A report's purchase order (docs/contract.md §10), as a pure rule.

A purchase order is null, or 1 to 64 characters with no control characters. Surrounding
white space is not part of it, and an empty (or blank) value clears it. The Tier 2 owner
sets it on save or submit; the Tier 1 partner sets or replaces it on approval, and may
require one (``PURCHASE_ORDER_REQUIRED``).

White space is Unicode's (the White_Space property), not ``str.strip()``'s: that one also
takes U+001C to U+001F, the information separators, which are control characters and not
white space — a purchase order ending in one is refused, not cut short.
"""

from __future__ import annotations

import unicodedata

from workflow.core.errors import ErrorCode, InvalidInput, Problem

MAX_PURCHASE_ORDER_LENGTH = 64
# Unicode's White_Space: tab to carriage return, space, NEL, no-break space, Ogham space mark,
# en quad to hair space, line and paragraph separators, narrow no-break, medium mathematical
# and ideographic spaces.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u2028\u2029\u202f\u205f\u3000"
)


def parse_purchase_order(given: str, field: str = "purchaseOrder") -> str | None:
    """The purchase order to store for ``given`` (None: clear it), or ``InvalidInput``."""
    value = given.strip(WHITE_SPACE)
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
