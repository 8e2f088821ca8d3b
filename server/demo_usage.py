"""A simulated month of daily usage for the demo world, the same every time.

Pure and seeded: customer k of the catalog gets the same size, the same solutions and
the same daily figures whatever its database ID, so the demo always has the same shape.
What makes it look like a real month:

- customers are small (most), medium or large, and not every customer uses every
  solution (each solution has an adoption rate);
- weekdays are busier than weekends (each solution has its weekend factor);
- usage grows (or shrinks a little) over the month, with +-3 % daily noise;
- a few days spike (contractors, a migration), a few backup days are zeros (an agent
  offline: still a day with usage), some customers start or stop mid-month;
- when usage outgrows the licences, the partner buys more: provisioned units step up
  and stay up (so a peak day can be over-provisioned, or not).

Credits are whole ten-thousandths (``used x rate``, larger customers at a discount),
so they are exact from the start. ``DAILY_SUM`` solutions have a daily allowance as
their provisioned units.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date

from server.demo_catalog import SOLUTIONS, DemoSolution
from vocabulary.enums import AggregationRule
from workflow.core.credits import format_credits
from workflow.core.periods import Month
from workflow.usage.record import UsageRecord

DEMO_SEED = 20_261_031

_SIZES = (  # (share of customers, fewest employees, most employees)
    (0.55, 8, 45),
    (0.35, 45, 220),
    (0.10, 220, 900),
)


def simulate_month(month: Month, customer_ids: Sequence[int], seed: int = DEMO_SEED) -> list[UsageRecord]:
    """Daily usage records of ``month`` for the catalog's customers, in catalog order."""
    rng = random.Random(seed)
    days = [date(month.year, month.month, d) for d in range(1, month.ends_on.day + 1)]
    records: list[UsageRecord] = []
    for customer_id in customer_ids:
        employees = _employees(rng)
        growth = rng.uniform(-0.02, 0.08)
        chosen = [s for s in SOLUTIONS if rng.random() < s.adoption]
        if not chosen:  # every customer has at least the flagship
            chosen = [SOLUTIONS[0]]
        for solution in chosen:
            records.extend(_subscription(rng, customer_id, solution, employees, growth, days))
    return records


def _employees(rng: random.Random) -> int:
    roll = rng.random()
    for share, low, high in _SIZES:
        if roll < share:
            return rng.randint(low, high)
        roll -= share
    return rng.randint(_SIZES[-1][1], _SIZES[-1][2])


def _subscription(
    rng: random.Random,
    customer_id: int,
    solution: DemoSolution,
    employees: int,
    growth: float,
    days: list[date],
) -> list[UsageRecord]:
    base = max(1, round(employees * solution.units_per_employee * rng.uniform(0.8, 1.2)))
    first, last = 0, len(days) - 1
    roll = rng.random()
    if roll < 0.08:
        first = rng.randint(4, 19)  # onboarded during the month
    elif roll < 0.12:
        last = rng.randint(9, 24)  # left during the month
    volume_based = solution.aggregation_rule is AggregationRule.DAILY_SUM
    provisioned = math.ceil(base * (1.5 if volume_based else rng.uniform(1.0, 1.35)))
    rate_e4 = solution.credits_per_unit_e4 * (85 if employees > 200 else 100) // 100
    records = []
    for index in range(first, last + 1):
        day = days[index]
        level = base * (1 + growth * index / len(days)) * rng.uniform(0.97, 1.03)
        if day.weekday() >= 5:
            level *= solution.weekend_factor
        if rng.random() < 0.03:
            level *= rng.uniform(1.25, 1.8)
        used = max(0, round(level))
        if rng.random() < solution.zero_day_rate:
            used = 0
        if not volume_based and used > provisioned:
            provisioned = math.ceil(used * 1.05)  # licences bought, and kept
        records.append(
            UsageRecord(
                customer_id=customer_id,
                solution_code=solution.code,
                day=day,
                provisioned_units=provisioned,
                used_units=used,
                allocated_credits=format_credits(used * rate_e4),
            )
        )
    return records
