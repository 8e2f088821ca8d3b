"""The measured requests of `python -m bench.queries`: one query shape each, and its parity cases.

- ``screen``: the report screen (``bench/report_detail.py``'s ReportDetail query, 50 lines);
- ``list``: the reports list, ``reports(first: 20)`` with period, partner, totals,
  ``availableActions`` and ``pageInfo``;
- ``history``: a report's history, 6 entries with actors and line changes.

Each shape names the baseline's route (``bench/baseline_app.py``: one route per shape,
each answering exactly its query) and the cases the parity check runs before and after
the load: the measured request and a few others (another caller, another tenant's report).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from bench import report_detail

if TYPE_CHECKING:  # the baseline imports this module: not the seed's ORM and services
    from bench.seed import BenchWorld

# The reports list's page: the baseline answers exactly this query.
LIST_PAGE_SIZE = 20

LIST_QUERY = """\
query Reports {
  reports(first: 20) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id status version submissionDeadline availableActions
      period { id label }
      partner { id name }
      totals { lineCount usedUnits chargeableUnits allocatedCredits }
    } }
  }
}
"""

HISTORY_QUERY = """\
query History($id: ID!) {
  report(id: $id) {
    id
    history {
      id action fromStatus toStatus version occurredAt comment
      actor { name organization { id name } }
      changes { lineItemId oldChargeableUnits newChargeableUnits oldComment newComment }
    }
  }
}
"""


def list_body() -> bytes:
    return orjson.dumps({"query": LIST_QUERY, "operationName": "Reports", "variables": {}})


def history_body(report_id: str) -> bytes:
    return orjson.dumps({"query": HISTORY_QUERY, "operationName": "History", "variables": {"id": report_id}})


@dataclass(frozen=True, slots=True)
class Case:
    """One request both sides must answer alike; ``expect`` checks the baseline's own answer."""

    label: str
    body: bytes
    token: str
    expect: Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class Shape:
    name: str
    title: str
    baseline_path: str  # the baseline's route; the service answers every shape on /graphql
    target: float  # the ratio service / baseline asked for (bench/README.md, Targets)
    # The measured request (the first case is it), and the cases checked before and after the load.
    cases: Callable[[BenchWorld, int], list[Case]]


def _screen_cases(world: BenchWorld, report_lines: int) -> list[Case]:
    def lines(count: int | None) -> Callable[[Any], bool]:
        def check(answer: Any) -> bool:
            report = (answer.get("data") or {}).get("report")
            if count is None:
                return report is None
            return report is not None and len(report["lineItems"]["edges"]) == count

        return check

    body = report_detail.request_body
    page = report_detail.PAGE_SIZE
    return [
        Case(f"{report_lines}-line report", body(world.report_id), world.tier1_token, lines(page)),
        Case("3-line report", body(world.small_report_id), world.tier1_token, lines(3)),
        Case("another tenant's report", body(world.foreign_report_id), world.tier1_token, lines(None)),
    ]


def _list_cases(world: BenchWorld, report_lines: int) -> list[Case]:
    def reports(count: int, more: bool) -> Callable[[Any], bool]:
        def check(answer: Any) -> bool:
            found = (answer.get("data") or {}).get("reports")
            return (
                found is not None
                and len(found["edges"]) == count
                and found["pageInfo"]["hasNextPage"] is more
                and all(edge["node"]["totals"]["lineCount"] > 0 for edge in found["edges"])
            )

        return check

    return [
        Case("Tier 1: 20 of its 25 reports", list_body(), world.tier1_token, reports(LIST_PAGE_SIZE, True)),
        Case("Tier 2: its one report", list_body(), world.tier2_token, reports(1, False)),
    ]


def _history_cases(world: BenchWorld, report_lines: int) -> list[Case]:
    def entries(count: int | None) -> Callable[[Any], bool]:
        def check(answer: Any) -> bool:
            report = (answer.get("data") or {}).get("report")
            if count is None:
                return report is None
            return report is not None and len(report["history"]) == count

        return check

    return [
        Case("6-entry history", history_body(world.history_report_id), world.tier1_token, entries(6)),
        Case("2-entry history (the 50-line report)", history_body(world.report_id), world.tier1_token, entries(2)),
        Case("its partner's own view", history_body(world.report_id), world.tier2_token, entries(2)),
        Case("another tenant's report", history_body(world.foreign_report_id), world.tier1_token, entries(None)),
    ]


SHAPES: dict[str, Shape] = {
    "screen": Shape(
        "screen",
        "report screen (ReportDetail: 50 lines with customers, period, partner, totals)",
        "/graphql",
        0.8,
        _screen_cases,
    ),
    "list": Shape(
        "list",
        "reports list (reports(first: 20) with period, partner, totals, availableActions, pageInfo)",
        "/graphql/reports",
        0.5,
        _list_cases,
    ),
    "history": Shape(
        "history",
        "report history (6 entries with actors and line changes)",
        "/graphql/history",
        0.5,
        _history_cases,
    ),
}
