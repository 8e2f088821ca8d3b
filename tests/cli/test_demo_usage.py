"""The demo's simulated month: the same every time, and shaped like a real one."""

from __future__ import annotations

from collections import defaultdict
from statistics import mean

from server.demo_catalog import DISTRIBUTORS, SOLUTIONS
from server.demo_usage import simulate_month
from workflow.core.credits import parse_credits
from workflow.core.periods import Month

MONTH = Month(2026, 10)
CUSTOMERS = list(range(1, 1 + sum(len(p.customers) for d in DISTRIBUTORS for p in d.partners)))


def test_the_same_month_is_simulated_every_time() -> None:
    assert simulate_month(MONTH, CUSTOMERS) == simulate_month(MONTH, CUSTOMERS)
    assert simulate_month(MONTH, CUSTOMERS) != simulate_month(MONTH, CUSTOMERS, seed=1)


def test_the_shape_does_not_depend_on_database_ids() -> None:
    shifted = [c + 1000 for c in CUSTOMERS]
    figures = [(r.solution_code, r.day, r.used_units) for r in simulate_month(MONTH, CUSTOMERS)]
    assert figures == [(r.solution_code, r.day, r.used_units) for r in simulate_month(MONTH, shifted)]


def test_every_record_is_inside_the_month_and_valid() -> None:
    for record in simulate_month(MONTH, CUSTOMERS):
        assert MONTH.starts_on <= record.day <= MONTH.ends_on
        assert record.provisioned_units >= 0 and record.used_units >= 0
        parse_credits(record.allocated_credits)  # raises if not a 4-decimal amount


def test_not_every_customer_uses_every_solution_but_every_solution_is_used() -> None:
    used = defaultdict(set)
    for record in simulate_month(MONTH, CUSTOMERS):
        used[record.customer_id].add(record.solution_code)
    assert set(CUSTOMERS) == set(used)
    assert any(len(codes) < len(SOLUTIONS) for codes in used.values())
    assert set().union(*used.values()) == {s.code for s in SOLUTIONS}


def test_weekends_are_quieter_than_weekdays() -> None:
    weekday, weekend = [], []
    for record in simulate_month(MONTH, CUSTOMERS):
        if record.solution_code == "EPP":
            (weekend if record.day.weekday() >= 5 else weekday).append(record.used_units)
    assert mean(weekend) < 0.9 * mean(weekday)
