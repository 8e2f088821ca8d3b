"""Allocated credits: non-negative decimals with at most 4 decimal places, never floats.

They are stored as whole ten-thousandths (``credits_e4``, a 64-bit integer), which both
SQLite and PostgreSQL compare, sum and order exactly; SQLite would otherwise keep a
decimal as text and compare it as text. ``Decimal`` is used at the edges.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

SCALE = 10_000
QUANTUM = Decimal("0.0001")
# 10^13 credits a day: far beyond any real usage, and a DAILY_SUM line of 31 such days
# (3.1 * 10^18 ten-thousandths) still fits the BIGINT it is stored in (< 9.2 * 10^18).
MAX_CREDITS = Decimal("10000000000000")


class CreditsError(ValueError):
    pass


def parse_credits(text: str | Decimal) -> Decimal:
    """Parse a credit amount as the API receives it; raise ``CreditsError`` with a reason."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip())
    except InvalidOperation:
        raise CreditsError("allocated credits must be a decimal number such as \"12.5\"") from None
    if not value.is_finite():
        raise CreditsError("allocated credits must be a finite number")
    if value < 0:
        raise CreditsError("allocated credits must not be negative")
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
    """The decimal string the API shows: always 4 places, e.g. ``"12.5000"``."""
    return str(from_e4(scaled))
