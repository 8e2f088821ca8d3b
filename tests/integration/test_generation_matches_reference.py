"""The set-based generation SQL gives every line the figures of the Python reference
(``workflow.core.aggregation``), on random usage: ties, gaps, single days, zero credits,
usage outside the period, every rule; on first generation and on regeneration. Then the
edges random months reach only by chance: every number of days from 1 to 31, shorter
months, the largest figures.

One database serves all of a test's examples, so each example starts by deleting the
usage and reports the previous one left.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import BillingPeriod, BillingReport, DailyUsage, HistoryEntry, HistoryLineChange, LineItem
from tests.world import PERIOD, PERIOD_START, World
from vocabulary.enums import AggregationRule
from workflow.core.aggregation import DayUsage, aggregate
from workflow.core.credits import MAX_CREDITS, from_e4
from workflow.core.periods import Month
from workflow.generation.generate import generate_reports
from workflow.usage.record import MAX_UNITS, UsageRecord

MONTH = Month.parse(PERIOD)
CODES = ("EPP", "MAIL", "BACKUP")  # one solution of each rule, see tests/world.py

# Usage of a few (customer, solution) pairs, each on 1 to 31 days: a day is an offset from
# the 1st (-1 and 31 fall just outside October) with provisioned, used and credits (e4).
# Credits come often from a few values, so that ties are common, else from a wide range.
day_figures = st.tuples(
    st.integers(0, 40),
    st.integers(0, 40),
    st.one_of(st.sampled_from([0, 1, 25_000, 70_000]), st.integers(0, 10**10)),
)
pair_usage = st.tuples(
    st.integers(0, 5),  # which customer: the first three partners' (the fourth never has usage)
    st.sampled_from(CODES),
    st.dictionaries(st.integers(-1, 31), day_figures, min_size=1, max_size=31),
)
batches = st.lists(pair_usage, min_size=1, max_size=5).map(
    lambda pairs: [(c, code, offset, *figures) for c, code, days in pairs for offset, figures in days.items()]
)


async def forget_everything_but_the_world() -> None:
    for model in (HistoryLineChange, HistoryEntry, LineItem, BillingReport, BillingPeriod, DailyUsage):
        await model.all().delete()


async def record(world: World, rows: list[tuple], usage: dict[tuple[int, str, date], DayUsage], zero: bool) -> None:
    """Record ``rows`` through the service, and keep the same in ``usage`` (the last one wins)."""
    customers = [c for party in world.tier2s for c in party.customers]
    batch = []
    for index, code, offset, provisioned, used, credits_e4 in rows:
        credits_e4 = 0 if zero else credits_e4
        day = PERIOD_START + timedelta(days=offset)
        customer = customers[index]
        batch.append(UsageRecord(customer.id, code, day.isoformat(), provisioned, used, str(from_e4(credits_e4))))
        usage[(customer.id, code, day)] = DayUsage(day, provisioned, used, credits_e4)
    await world.add_usage(batch)


async def assert_lines_match_the_reference(world: World, usage: dict[tuple[int, str, date], DayUsage]) -> None:
    days_of: dict[tuple[int, str], list[DayUsage]] = {}
    for (customer_id, code, day), row in usage.items():
        if MONTH.starts_on <= day <= MONTH.ends_on:
            days_of.setdefault((customer_id, code), []).append(row)
    solution_code = {s.id: s.code for s in world.solutions.values()}
    lines = await LineItem.all().select_related("report")
    assert len(lines) == len(days_of)
    for line in lines:
        code = solution_code[line.solution_id]
        expected = aggregate(world.solutions[code].aggregation_rule, days_of[(line.customer_id, code)])
        assert (line.reference_day, line.provisioned_units, line.used_units, line.credits_e4) == (
            expected.reference_day,
            expected.provisioned_units,
            expected.used_units,
            expected.credits_e4,
        ), (code, sorted(days_of[(line.customer_id, code)], key=lambda d: d.day))
        assert line.over_provisioned_units == expected.over_provisioned_units
        assert line.chargeable_units == line.used_units  # nobody adjusted anything
        assert (line.name, line.billing_unit) == (world.solutions[code].name, world.solutions[code].billing_unit)
    partners_with_usage = {
        c.partner_id for p in world.tier2s for c in p.customers if any(k[0] == c.id for k in days_of)
    }
    assert {r.partner_id for r in await BillingReport.all()} == partners_with_usage


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=batches, late=batches, zero=st.booleans())
async def test_generated_and_regenerated_lines_have_the_reference_figures(
    world: World, first: list[tuple], late: list[tuple], zero: bool
) -> None:
    assert {s.aggregation_rule for s in world.solutions.values()} == set(AggregationRule)
    await forget_everything_but_the_world()
    usage: dict[tuple[int, str, date], DayUsage] = {}

    await record(world, first, usage, zero)
    await generate_reports(world.platform.actor, PERIOD)
    await assert_lines_match_the_reference(world, usage)

    await record(world, late, usage, zero)  # late usage: new days, resent days, new partners
    await generate_reports(world.platform.actor, PERIOD)
    await assert_lines_match_the_reference(world, usage)


@pytest.mark.parametrize("rule", list(AggregationRule))
async def test_when_every_solution_has_one_rule_the_lines_still_have_the_reference_figures(
    world: World, rule: AggregationRule
) -> None:
    """PostgreSQL's first generation leaves out the rules no solution has, and reads without
    a per-rule filter when one rule is left (``create_period_figures_postgres``)."""
    for solution in world.solutions.values():
        solution.aggregation_rule = rule
        await solution.save(update_fields=["aggregation_rule"])
    rnd = random.Random(rule.value)
    rows = [
        (c, code, offset, rnd.randrange(40), rnd.randrange(40), rnd.choice([0, 25_000, rnd.randrange(10**8)]))
        for c in range(6)
        for code in CODES
        for offset in rnd.sample(range(-1, 32), rnd.randrange(1, 20))
    ]
    usage: dict[tuple[int, str, date], DayUsage] = {}
    await record(world, rows, usage, zero=False)

    await generate_reports(world.platform.actor, PERIOD)

    await assert_lines_match_the_reference(world, usage)


async def test_every_number_of_days_from_1_to_31_gives_the_reference_figures(world: World) -> None:
    """Each rule over N = 1..31 days, credits all distinct and then with ties: the nearest
    rank ceil(0.85 N) is exercised at every N, which random months reach only by chance."""
    customer = world.tier2_a1.customers[0]
    for n in range(1, 32):
        for tied in (False, True):
            await forget_everything_but_the_world()
            rnd = random.Random(n * 2 + tied)
            values = [rnd.randrange(max(1, n // 3)) if tied else v for v in rnd.sample(range(1, 1000), n)]
            offsets = sorted(rnd.sample(range(31), n))
            rows = [
                (0, code, offset, rnd.randrange(30), rnd.randrange(30), credits * 10_000)
                for code in CODES
                for offset, credits in zip(offsets, values, strict=True)
            ]
            usage: dict[tuple[int, str, date], DayUsage] = {}
            await record(world, rows, usage, zero=False)
            await generate_reports(world.platform.actor, PERIOD)
            assert await LineItem.filter(customer_id=customer.id).count() == 3
            await assert_lines_match_the_reference(world, usage)


@pytest.mark.parametrize(("period", "last_day"), [("2026-02", 28), ("2028-02", 29), ("2026-11", 30)])
async def test_a_shorter_month_takes_exactly_its_own_days(world: World, period: str, last_day: int) -> None:
    """The days just outside the month (the 31st before it, the 1st after it) carry the
    most credits: none of them may become a reference day or count in a sum."""
    month = Month.parse(period)
    customer = world.tier2_a1.customers[0]
    inside = [month.starts_on, month.starts_on + timedelta(days=9), month.ends_on]
    outside = [month.starts_on - timedelta(days=1), month.ends_on + timedelta(days=1)]
    assert month.ends_on.day == last_day
    records = [UsageRecord(customer.id, code, day.isoformat(), 9, 7, "5") for code in CODES for day in inside]
    records += [UsageRecord(customer.id, code, day.isoformat(), 99, 99, "500") for code in CODES for day in outside]
    await world.add_usage(records)

    await generate_reports(world.platform.actor, period)

    lines = {world_code(world, li.solution_id): li for li in await LineItem.all()}
    assert lines["EPP"].reference_day == month.ends_on  # a tie inside: the latest day
    assert lines["BACKUP"].reference_day == month.ends_on
    assert (lines["MAIL"].used_units, lines["MAIL"].credits_e4) == (21, 150_000)


async def test_a_month_of_the_largest_figures_sums_exactly(world: World) -> None:
    """DAILY_SUM of 31 days at the largest units and credits a record may hold stays
    exact in the database's 64-bit integers (and the peak rules keep the latest day)."""
    customer = world.tier2_a1.customers[0]
    await world.add_usage(
        [
            UsageRecord(
                customer.id,
                code,
                (PERIOD_START + timedelta(days=d)).isoformat(),
                MAX_UNITS,
                MAX_UNITS,
                str(MAX_CREDITS),
            )
            for code in CODES
            for d in range(31)
        ]
    )

    await generate_reports(world.platform.actor, PERIOD)

    lines = {world_code(world, li.solution_id): li for li in await LineItem.all()}
    assert (lines["MAIL"].used_units, lines["MAIL"].credits_e4) == (31 * MAX_UNITS, 31 * int(MAX_CREDITS) * 10_000)
    assert lines["EPP"].reference_day == lines["BACKUP"].reference_day == date(2026, 10, 31)


def world_code(world: World, solution_id: int) -> str:
    return next(code for code, s in world.solutions.items() if s.id == solution_id)
