"""Allocated credits: non-negative decimals with at most 4 decimal places, never floats.

They are written in plain decimal notation only (docs/contract.md §3): ASCII digits with
an optional point and more digits, such as ``12.5`` or ``0.0001``. No sign (not even
``-0``), exponent (``1e3``), surrounding or inner spaces, underscores (``1_000``),
thousands separators or other scripts' digits (``١٢``): Python's ``Decimal`` reads all of
those, and a feed that sends them has a bug the service must not paper over.

They are stored as whole ten-thousandths (``credits_e4``, a 64-bit integer), which both
SQLite and PostgreSQL compare, sum and order exactly; SQLite would otherwise keep a
decimal as text and compare it as text. ``Decimal`` is used at the edges.
"""

from __future__ import annotations

import re
from decimal import Decimal

SCALE = 10_000
QUANTUM = Decimal("0.0001")
# 10^13 credits a day: far beyond any real usage, and a DAILY_SUM line of 31 such days
# (3.1 * 10^18 ten-thousandths) still fits the BIGINT it is stored in (< 9.2 * 10^18).
MAX_CREDITS = Decimal("10000000000000")
# [0-9] is ASCII only, unlike \d, which also matches other scripts' digits.
_PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_NOTATION = (
    'allocated credits must be written as a plain decimal number such as "12.5" '
    "(ASCII digits and an optional point: no sign, exponent, spaces or separators)"
)


class CreditsError(ValueError):
    pass


def parse_credits(text: str | Decimal) -> Decimal:
    """Parse a credit amount as the API receives it; raise ``CreditsError`` with a reason.

    A ``Decimal`` (the service's own values, e.g. the demo's) is taken as it is, within
    the same range and precision.
    """
    if isinstance(text, Decimal):
        value = text
        if not value.is_finite() or value.is_signed():
            raise CreditsError("allocated credits must be a finite, non-negative number")
    elif isinstance(text, str) and _PLAIN_DECIMAL.fullmatch(text):
        value = Decimal(text)
    else:
        raise CreditsError(_NOTATION)
    if value > MAX_CREDITS:
        raise CreditsError("allocated credits are too large")
    if value != value.quantize(QUANTUM):
        raise CreditsError("allocated credits have at most 4 decimal places")
    return value


def to_e4(value: Decimal) -> int:
    return int(value.quantize(QUANTUM) * SCALE)


def from_e4(scaled: int) -> Decimal:
    return (Decimal(scaled) / SCALE).quantize(QUANTUM)


def format_credits(scaled: int) -> str:
    """The decimal string the API shows: always 4 places, e.g. ``"12.5000"``.

    ``str(from_e4(scaled))`` in whole-number arithmetic: a page of lines writes one per
    line, and ``Decimal`` takes ~1.5 µs where this takes a fraction
    (tests/unit/test_credits.py holds the two equal).
    """
    whole, fraction = divmod(abs(scaled), SCALE)
    return f"{'-' if scaled < 0 else ''}{whole}.{fraction:04d}"
