"""The aggregation rules of docs/contract.md §4 in the plain-Python reference (``workflow.core.aggregation``).

Worked examples for each rule, then properties over random months with hypothesis.
Credits are in ten-thousandths, as stored.
"""

from __future__ import annotations

import math
import random
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vocabulary.enums import AggregationRule
from workflow.core.aggregation import DayUsage, LineFigures, aggregate, peak_credits_day, percentile_85_day

PEAK, P85, SUM = AggregationRule.PEAK_CREDITS_DAY, AggregationRule.PERCENTILE_85_DAY, AggregationRule.DAILY_SUM


def day(n: int, credits: int, provisioned: int = 10, used: int = 8) -> DayUsage:
    """Day ``n`` of October 2026."""
    return DayUsage(date(2026, 10, n), provisioned, used, credits)


def shuffled(days: list[DayUsage]) -> list[DayUsage]:
    """The rules may not depend on the order rows arrive in."""
    copy = list(days)
    random.Random(7).shuffle(copy)
    return copy


# --- PEAK_CREDITS_DAY ---------------------------------------------------------------------


def test_peak_rule_takes_the_figures_of_the_day_with_the_most_credits() -> None:
    days = [day(1, 50_000, 12, 9), day(2, 90_000, 20, 15), day(3, 30_000, 30, 30)]
    assert aggregate(PEAK, shuffled(days)) == LineFigures(date(2026, 10, 2), 20, 15, 90_000)


def test_peak_rule_breaks_a_tie_for_the_latest_day() -> None:
    days = [day(3, 90_000, used=1), day(10, 90_000, used=2), day(17, 20_000, used=3)]
    assert aggregate(PEAK, shuffled(days)).reference_day == date(2026, 10, 10)


def test_peak_rule_with_all_credits_zero_takes_the_latest_day() -> None:
    days = [day(n, 0) for n in (1, 9, 30)]
    assert aggregate(PEAK, shuffled(days)).reference_day == date(2026, 10, 30)


def test_a_single_day_of_usage_is_its_own_reference_day() -> None:
    assert aggregate(PEAK, [day(5, 12_345, 4, 2)]) == LineFigures(date(2026, 10, 5), 4, 2, 12_345)


def test_over_provisioned_units_are_provisioned_minus_used_and_never_negative() -> None:
    assert LineFigures(None, 10, 7, 0).over_provisioned_units == 3
    assert LineFigures(None, 7, 10, 0).over_provisioned_units == 0


# --- PERCENTILE_85_DAY: nearest rank ceil(0.85 N), then the latest day with that value -----


def test_p85_of_one_day_is_that_day() -> None:
    assert aggregate(P85, [day(14, 70_000)]).reference_day == date(2026, 10, 14)


def test_p85_of_seven_days_is_the_sixth_lowest() -> None:
    # ceil(0.85 * 7) = ceil(5.95) = 6: ascending 10 20 30 40 50 [60] 70 -> 60 credits, on day 3.
    credits = [70, 10, 60, 20, 50, 30, 40]
    days = [day(n + 1, c * 10_000, used=n) for n, c in enumerate(credits)]
    assert aggregate(P85, shuffled(days)) == LineFigures(date(2026, 10, 3), 10, 2, 600_000)


def test_p85_of_twenty_days_is_the_seventeenth_lowest_exactly() -> None:
    # ceil(0.85 * 20) = 17 exactly (no float rounding up to 18): day n has 21 - n credits,
    # so the 17th lowest value, 17, is on day 4.
    days = [day(n, (21 - n) * 10_000) for n in range(1, 21)]
    assert aggregate(P85, shuffled(days)).reference_day == date(2026, 10, 4)
    assert aggregate(P85, days).credits_e4 == 170_000


def test_p85_of_a_full_month_is_the_twenty_seventh_lowest() -> None:
    # ceil(0.85 * 31) = ceil(26.35) = 27: day n has n credits, so day 27.
    days = [day(n, n * 10_000) for n in range(1, 32)]
    assert aggregate(P85, shuffled(days)).reference_day == date(2026, 10, 27)


def test_p85_with_the_value_on_several_days_takes_the_latest_of_them() -> None:
    # Ascending 1 5 5 5 5 [5] 5: the value is 5, held on days 1..6; the latest is day 6.
    days = [day(n, 50_000) for n in range(1, 7)] + [day(7, 10_000)]
    assert aggregate(P85, shuffled(days)).reference_day == date(2026, 10, 6)


def test_p85_is_not_the_peak() -> None:
    days = [day(n, n * 10_000) for n in range(1, 32)]
    assert aggregate(P85, days).reference_day != aggregate(PEAK, days).reference_day


# --- DAILY_SUM ------------------------------------------------------------------------------


def test_daily_sum_sums_the_days_and_has_no_reference_day() -> None:
    days = [day(1, 12_500, 10, 4), day(2, 7_500, 2, 8), day(31, 1, 5, 5)]
    assert aggregate(SUM, shuffled(days)) == LineFigures(None, 17, 17, 20_001)


def test_daily_sum_over_provisioned_is_of_the_sums_not_the_sum_of_each_day() -> None:
    # Per day 6 + 0 would be 6; of the sums (12 provisioned, 12 used) it is 0.
    days = [day(1, 0, provisioned=10, used=4), day(2, 0, provisioned=2, used=8)]
    assert aggregate(SUM, days).over_provisioned_units == 0


def test_daily_sum_of_zero_days_is_zero_not_missing() -> None:
    assert aggregate(SUM, [day(1, 0, 0, 0), day(2, 0, 0, 0)]) == LineFigures(None, 0, 0, 0)


@pytest.mark.parametrize("rule", list(AggregationRule))
def test_a_line_needs_at_least_one_day_of_usage(rule: AggregationRule) -> None:
    with pytest.raises(ValueError):
        aggregate(rule, [])


# --- Properties -----------------------------------------------------------------------------

# A month of usage: distinct days, credits from a small set so that ties are common.
months = st.dictionaries(
    keys=st.integers(1, 31),
    values=st.tuples(
        st.integers(0, 50),
        st.integers(0, 50),
        st.one_of(st.sampled_from([0, 1, 10_000, 12_345]), st.integers(0, 10**12)),
    ),
    min_size=1,
).map(lambda m: [DayUsage(date(2026, 10, n), p, u, c) for n, (p, u, c) in m.items()])


@given(months)
def test_the_peak_day_has_the_most_credits_and_no_later_day_has_as_many(days: list[DayUsage]) -> None:
    peak = peak_credits_day(days)
    assert peak in days
    assert peak.credits_e4 == max(d.credits_e4 for d in days)
    assert not [d for d in days if d.day > peak.day and d.credits_e4 == peak.credits_e4]


@given(months)
def test_the_p85_day_holds_the_nearest_rank_value_and_is_the_latest_such_day(days: list[DayUsage]) -> None:
    ranked = sorted(d.credits_e4 for d in days)
    position = math.ceil(Fraction(85, 100) * len(days))  # exact: no float rounding
    chosen = percentile_85_day(days)
    assert chosen in days
    assert chosen.credits_e4 == ranked[position - 1]
    assert not [d for d in days if d.day > chosen.day and d.credits_e4 == chosen.credits_e4]


@given(months)
def test_daily_sum_is_the_sum_of_every_figure(days: list[DayUsage]) -> None:
    figures = aggregate(SUM, days)
    assert figures.reference_day is None
    assert figures.provisioned_units == sum(d.provisioned_units for d in days)
    assert figures.used_units == sum(d.used_units for d in days)
    assert figures.credits_e4 == sum(d.credits_e4 for d in days)


@given(months, st.sampled_from(list(AggregationRule)), st.randoms(use_true_random=False))
def test_no_rule_depends_on_the_order_of_the_days(
    days: list[DayUsage], rule: AggregationRule, rnd: random.Random
) -> None:
    other_order = list(days)
    rnd.shuffle(other_order)
    assert aggregate(rule, other_order) == aggregate(rule, days)


@given(months, st.sampled_from([PEAK, P85]))
def test_a_single_day_rule_reports_the_figures_of_one_real_day(days: list[DayUsage], rule: AggregationRule) -> None:
    figures = aggregate(rule, days)
    (source,) = [d for d in days if d.day == figures.reference_day]
    assert (figures.provisioned_units, figures.used_units, figures.credits_e4) == (
        source.provisioned_units,
        source.used_units,
        source.credits_e4,
    )
