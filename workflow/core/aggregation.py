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
from workflow.core.credits import format_credits


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


@dataclass(frozen=True, slots=True)
class Choice:
    """What a rule chose from a line's days, and how: the figures and the evidence for them.

    ``day``: the reference day (None for DAILY_SUM); ``tied``: how many days had the
    deciding value (the latest of them was taken); ``rank``: the 1-based nearest rank of
    PERCENTILE_85_DAY (0 otherwise).
    """

    rule: AggregationRule
    figures: LineFigures
    days_with_usage: int
    day: DayUsage | None = None
    tied: int = 0
    rank: int = 0


def aggregate(rule: AggregationRule, days: Sequence[DayUsage]) -> LineFigures:
    if not days:
        raise ValueError("a line needs at least one day with usage")
    return choose(rule, days).figures


def choose(rule: AggregationRule, days: Sequence[DayUsage]) -> Choice:
    """The one place a rule picks a line's figures; ``explain`` describes its result."""
    if not days:
        raise ValueError("a line needs at least one day with usage")
    if rule is AggregationRule.PEAK_CREDITS_DAY:
        day = peak_credits_day(days)
        return Choice(rule, _of_day(day), len(days), day, _tied(days, day))
    if rule is AggregationRule.PERCENTILE_85_DAY:
        rank = _percentile_85_rank(len(days))
        day = percentile_85_day(days)
        return Choice(rule, _of_day(day), len(days), day, _tied(days, day), rank)
    if rule is AggregationRule.DAILY_SUM:
        figures = LineFigures(
            reference_day=None,
            provisioned_units=sum(d.provisioned_units for d in days),
            used_units=sum(d.used_units for d in days),
            credits_e4=sum(d.credits_e4 for d in days),
        )
        return Choice(rule, figures, len(days))
    raise ValueError(f"unknown aggregation rule {rule!r}")


def peak_credits_day(days: Sequence[DayUsage]) -> DayUsage:
    """The day with the most allocated credits; ties go to the latest such day."""
    return max(days, key=lambda d: (d.credits_e4, d.day))


def percentile_85_day(days: Sequence[DayUsage]) -> DayUsage:
    """Nearest rank: sort credits ascending, take position ceil(0.85 N) (1-based),
    then the latest day with exactly that value."""
    ranked = sorted(d.credits_e4 for d in days)
    value = ranked[_percentile_85_rank(len(ranked)) - 1]
    return max((d for d in days if d.credits_e4 == value), key=lambda d: d.day)


def _percentile_85_rank(n: int) -> int:
    return -(-85 * n // 100)  # ceil(0.85 N) in integers


def _tied(days: Sequence[DayUsage], chosen: DayUsage) -> int:
    return sum(1 for d in days if d.credits_e4 == chosen.credits_e4)


def _of_day(day: DayUsage) -> LineFigures:
    return LineFigures(day.day, day.provisioned_units, day.used_units, day.credits_e4)


def explain(rule: AggregationRule, days: Sequence[DayUsage]) -> str:
    """One sentence a person can check against the days (docs/contract.md §12).

    Computed from ``choose``, the same call that gives the figures, so the two cannot
    drift. No days (the usage was since removed): says so.
    """
    if not days:
        return f"{_RULE_NAMES[rule]}: no days with usage in the period."
    choice = choose(rule, days)
    counted = _days(choice.days_with_usage)
    if choice.day is None:
        return f"Daily sum over {counted} with usage."
    credits = format_credits(choice.day.credits_e4)
    if rule is AggregationRule.PEAK_CREDITS_DAY:
        sentence = (
            f"Peak-credit day: {choice.day.day.isoformat()} had the most allocated credits ({credits}) "
            f"of {counted} with usage"
        )
    else:
        sentence = (
            f"85th-percentile day: {choice.day.day.isoformat()} is at rank {choice.rank} of {counted} "
            f"with usage ordered by allocated credits ({credits})"
        )
    if choice.tied > 1:
        sentence += f"; {choice.tied} days tied, the latest was taken"
    return sentence + "."


_RULE_NAMES = {
    AggregationRule.PEAK_CREDITS_DAY: "Peak-credit day",
    AggregationRule.PERCENTILE_85_DAY: "85th-percentile day",
    AggregationRule.DAILY_SUM: "Daily sum",
}


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"
