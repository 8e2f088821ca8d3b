"""Billing periods: calendar months in UTC, named ``YYYY-MM``."""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

_LABEL = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$", re.ASCII)  # ASCII: no other scripts' digits


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, label: str) -> Month:
        match = _LABEL.match(label.strip()) if isinstance(label, str) else None
        if not match:
            raise PeriodError(f"a period is written YYYY-MM, e.g. 2026-10; got {label!r}")
        year, month = int(match[1]), int(match[2])
        if year < 2000:
            raise PeriodError("periods start in the year 2000")
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def starts_on(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def ends_on(self) -> date:
        return date(self.year, self.month, monthrange(self.year, self.month)[1])

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)
