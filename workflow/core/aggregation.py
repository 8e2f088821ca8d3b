"""The aggregation rules of docs/contract.md §4, in plain Python: the reference the SQL is checked against.

Generation itself runs set-based in SQL (``workflow.generation.sql``); this module is
what the rules *mean*, small enough to read at a glance, and the tests compare the two
on random usage.

Each rule turns the daily usage of one (customer, solution) in one period into the
figures of one line. Only days with a usage record count (zeros included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from vocabulary.enums import AggregationRule


@dataclass(frozen=True, slots=True)
class DayUsage:
    day: date
    provisioned_units: int
    used_units: int
    credits_e4: int


@dataclass(frozen=True, slots=True)
class LineFigures:
    reference_day: date | None
    provisioned_units: int
    used_units: int
    credits_e4: int

    @property
    def over_provisioned_units(self) -> int:
        return max(self.provisioned_units - self.used_units, 0)


def aggregate(rule: AggregationRule, days: Sequence[DayUsage]) -> LineFigures:
    if not days:
        raise ValueError("a line needs at least one day with usage")
    if rule is AggregationRule.PEAK_CREDITS_DAY:
        return _of_day(peak_credits_day(days))
    if rule is AggregationRule.PERCENTILE_85_DAY:
        return _of_day(percentile_85_day(days))
    if rule is AggregationRule.DAILY_SUM:
        return LineFigures(
            reference_day=None,
            provisioned_units=sum(d.provisioned_units for d in days),
            used_units=sum(d.used_units for d in days),
            credits_e4=sum(d.credits_e4 for d in days),
        )
    raise ValueError(f"unknown aggregation rule {rule!r}")


def peak_credits_day(days: Sequence[DayUsage]) -> DayUsage:
    """The day with the most allocated credits; ties go to the latest such day."""
    return max(days, key=lambda d: (d.credits_e4, d.day))


def percentile_85_day(days: Sequence[DayUsage]) -> DayUsage:
    """Nearest rank: sort credits ascending, take position ceil(0.85 N) (1-based),
    then the latest day with exactly that value."""
    ranked = sorted(d.credits_e4 for d in days)
    position = -(-85 * len(ranked) // 100)  # ceil(0.85 N) in integers
    value = ranked[position - 1]
    return max((d for d in days if d.credits_e4 == value), key=lambda d: d.day)


def _of_day(day: DayUsage) -> LineFigures:
    return LineFigures(day.day, day.provisioned_units, day.used_units, day.credits_e4)
