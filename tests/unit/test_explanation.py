"""A line's explanation (docs/contract.md §12) comes from the same rule call as its figures.

Per rule, ties and a single or zero-credit day; then the property that the day an
explanation names is the figures' reference day, on random months.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocabulary.enums import AggregationRule
from workflow.core.aggregation import DayUsage, aggregate, choose, explain

PEAK, P85, SUM = AggregationRule.PEAK_CREDITS_DAY, AggregationRule.PERCENTILE_85_DAY, AggregationRule.DAILY_SUM


def day(n: int, credits: int) -> DayUsage:
    return DayUsage(date(2026, 11, n), 10, 8, credits)


def test_the_peak_day_names_its_day_its_credits_and_the_days_counted() -> None:
    days = [day(1, 10_000), day(17, 425_000), day(20, 5_000)]
    assert (
        explain(PEAK, days)
        == "Peak-credit day: 2026-11-17 had the most allocated credits (42.5000) of 3 days with usage."
    )


def test_a_tie_on_the_peak_says_how_many_tied_and_that_the_latest_was_taken() -> None:
    days = [day(3, 425_000), day(17, 425_000), day(20, 5_000)]
    assert explain(PEAK, days) == (
        "Peak-credit day: 2026-11-17 had the most allocated credits (42.5000) of 3 days with usage; "
        "2 days tied, the latest was taken."
    )


def test_the_85th_percentile_day_names_its_rank() -> None:
    days = [day(n, n * 10_000) for n in range(1, 21)]  # ceil(0.85 × 20) = 17
    assert explain(P85, days) == (
        "85th-percentile day: 2026-11-17 is at rank 17 of 20 days with usage ordered by allocated credits (17.0000)."
    )


def test_a_daily_sum_counts_the_days() -> None:
    assert explain(SUM, [day(n, 1) for n in range(1, 31)]) == "Daily sum over 30 days with usage."
    assert explain(SUM, [day(4, 1)]) == "Daily sum over 1 day with usage."


def test_days_of_zero_credits_count_and_tie() -> None:
    days = [day(1, 0), day(2, 0)]
    assert explain(PEAK, days) == (
        "Peak-credit day: 2026-11-02 had the most allocated credits (0.0000) of 2 days with usage; "
        "2 days tied, the latest was taken."
    )
    assert choose(PEAK, days).figures.reference_day == date(2026, 11, 2)


@pytest.mark.parametrize("rule", list(AggregationRule))
def test_no_days_is_said_not_raised(rule: AggregationRule) -> None:
    assert "no days with usage" in explain(rule, [])


months = st.lists(
    st.builds(day, st.integers(1, 30), st.integers(0, 50).map(lambda c: c * 10_000)),
    min_size=1,
    max_size=30,
    unique_by=lambda d: d.day,
)


@given(rule=st.sampled_from([PEAK, P85]), days=months)
def test_the_day_an_explanation_names_is_the_figures_reference_day(rule: AggregationRule, days: list[DayUsage]) -> None:
    figures = aggregate(rule, days)
    assert figures.reference_day is not None
    assert f": {figures.reference_day.isoformat()} " in explain(rule, days)
    assert choose(rule, days).figures == figures
