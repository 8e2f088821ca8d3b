"""What one daily usage record must be (docs/contract.md §3), whichever way it arrives.

``recordUsage`` (``workflow.usage.record``) and the CSV import (``workflow.usage.csv_format``) check
their values with these functions, so both accept exactly the same days, units and
credits. Each check returns the value as stored or raises ``UsageRuleError`` with a
reason a feed operator can act on.
"""

from __future__ import annotations

import re
from datetime import date

from workflow.core.credits import MAX_CREDITS, SCALE, CreditsError, parse_credits, to_e4

# Units of one customer, solution and day. The API shows units as GraphQL Int (32-bit
# signed), so a month of them summed by DAILY_SUM (31 days) must stay below 2^31:
# 50 million a day is far beyond any seat count and leaves that room.
MAX_UNITS = 50_000_000
# A day outside these is a feed's mistake (a zero or a far-future date), not usage.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2999, 12, 31)

_MAX_CREDITS_E4 = int(MAX_CREDITS) * SCALE
# Plain decimals, what nearly every feed sends: read with integers alone, which give
# exactly what ``parse_credits`` gives (a test holds them to it). Anything else
# (exponents, signs, spaces) takes the Decimal path.
_PLAIN_CREDITS = re.compile(r"([0-9]{1,14})(?:\.([0-9]{1,4}))?")
_DIGITS = re.compile(r"[0-9]{1,18}")
# Provisioned units, used units and credits of one CSV row, joined by commas, when each
# is written plainly: one regular expression instead of three checks, for the millions
# of rows of an import. What it leaves out goes through the checks one by one.
_PLAIN_FIGURES = re.compile(r"([0-9]{1,8}),([0-9]{1,8}),([0-9]{1,14})(?:\.([0-9]{1,4}))?")


class UsageRuleError(ValueError):
    """A value a usage record may not have; the message says why."""


def check_day(value: date | str) -> date:
    """A UTC calendar day, given as a date or as ``YYYY-MM-DD``, within the sane range."""
    if isinstance(value, str):
        # Only the extended form: Python 3.11 would also read "20261031" or "2026-W44-6".
        if len(value) != 10 or value[4] != "-" or value[7] != "-":
            raise UsageRuleError("day must be an ISO date such as 2026-10-31")
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise UsageRuleError("day must be an ISO date such as 2026-10-31") from None
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise UsageRuleError(f"day must be between {EARLIEST_DAY} and {LATEST_DAY}")
    return value


def check_units(name: str, value: int) -> int:
    """Provisioned or used units: a whole number from 0 to ``MAX_UNITS``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UNITS:
        raise UsageRuleError(f"{name} must be a whole number from 0 to {MAX_UNITS}")
    return value


def units_from_text(name: str, text: str) -> int:
    """Units written as text (a CSV field): digits only, then ``check_units``."""
    if _DIGITS.fullmatch(text) is None:
        raise UsageRuleError(f"{name} must be a whole number from 0 to {MAX_UNITS}")
    return check_units(name, int(text))


def credits_e4(text: str) -> int:
    """Allocated credits as stored, in ten-thousandths (``workflow.core.credits``)."""
    plain = _PLAIN_CREDITS.fullmatch(text) if isinstance(text, str) else None
    if plain is not None:
        whole, fraction = plain.groups()
        scaled = int(whole) * SCALE + (int(fraction.ljust(4, "0")) if fraction else 0)
        if scaled <= _MAX_CREDITS_E4:
            return scaled
    try:
        return to_e4(parse_credits(text))
    except CreditsError as error:
        raise UsageRuleError(str(error)) from None


def plain_figures(provisioned: str, used: str, credits: str) -> tuple[int, int, int] | None:
    """The three figures of a row written plainly and within range, as stored; else None.

    Exactly what ``units_from_text`` and ``credits_e4`` give for such text (a test holds
    them to it); None sends the caller to those checks, which accept or explain the rest.
    """
    plain = _PLAIN_FIGURES.fullmatch(f"{provisioned},{used},{credits}")
    if plain is None:
        return None
    p, u, whole, fraction = plain.groups()
    provisioned_units, used_units = int(p), int(u)
    scaled = int(whole) * SCALE + (int(fraction.ljust(4, "0")) if fraction else 0)
    if provisioned_units > MAX_UNITS or used_units > MAX_UNITS or scaled > _MAX_CREDITS_E4:
        return None
    return provisioned_units, used_units, scaled
