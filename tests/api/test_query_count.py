"""A request costs a constant number of SQL queries, whatever the number of lines or reports.

The counter wraps the database client's execute methods for the duration of one HTTP
request, so it counts everything the request runs: the token lookup, the reads, the
batch loaders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise import connections

from bench.report_detail import QUERY as REPORT_SCREEN
from models import Customer
from tests.api import operations as op
from tests.api.client import gql
from tests.api.steps import adjustment, lines, mutate, report_id_of
from tests.conftest import ON_POSTGRES
from tests.world import PERIOD, PERIOD_START, World
from workflow.generation.generate import generate_reports
from workflow.usage.record import UsageRecord

_EXECUTE_METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")
# On PostgreSQL the hot reads (workflow.database.sql.read) go to asyncpg directly: count there.
_ASYNCPG_METHODS = ("fetch", "fetchrow", "fetchval", "execute", "executemany")

# token, the report with its totals, line page, history (with its line changes), the period's deadline window
DETAIL_QUERIES = 5


class QueryCounter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.statements: list[str] = []

    @asynccontextmanager
    async def counting(self) -> AsyncIterator[list[str]]:
        conn = connections.get("default")
        self.statements = []
        with self.monkeypatch.context() as patch:
            if ON_POSTGRES:
                for name in _ASYNCPG_METHODS:
                    patch.setattr(asyncpg.Connection, name, self._counted_driver(getattr(asyncpg.Connection, name)))
            else:
                for name in _EXECUTE_METHODS:
                    patch.setattr(conn, name, self._counted(getattr(conn, name)))
            yield self.statements

    def _counted(self, execute: Callable[..., Any]) -> Callable[..., Any]:
        async def counted(query: str, *args: Any, **kwargs: Any) -> Any:
            self.statements.append(query)
            return await execute(query, *args, **kwargs)

        return counted

    def _counted_driver(self, execute: Callable[..., Any]) -> Callable[..., Any]:
        async def counted(driver: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
            if query != driver.get_reset_query():  # the pool's own, when a connection goes back
                self.statements.append(query)
            return await execute(driver, query, *args, **kwargs)

        return counted


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> QueryCounter:
    return QueryCounter(monkeypatch)


async def _given_a_big_and_a_small_report(api: httpx.AsyncClient, world: World) -> tuple[str, str]:
    """Alpha MSP with 17 customers (51 lines), Beta MSP with 2 (6 lines), both with a saved change."""
    alpha = world.tier2_a1
    alpha.customers += [await Customer.create(name=f"Alpha extra {n}", partner=alpha.organization) for n in range(15)]
    await world.add_usage(
        [
            UsageRecord(customer.id, code, (PERIOD_START + timedelta(days=d)).isoformat(), 5, 4, "1.5")
            for party in (alpha, world.tier2_a2)
            for customer in party.customers
            for code in world.solutions
            for d in range(2)
        ]
    )
    await generate_reports(world.platform.actor, PERIOD)
    report_ids = []
    for party in (alpha, world.tier2_a2):
        report_id = await report_id_of(api, party)
        first_lines = (await lines(api, party, report_id))[:3]
        await mutate(
            api,
            party,
            op.SAVE_DRAFT,
            reportId=report_id,
            version=1,
            adjustments=[adjustment(line, 1, "lowered") for line in first_lines],
        )
        report_ids.append(report_id)
    return report_ids[0], report_ids[1]


async def test_the_report_detail_query_costs_the_same_few_queries_for_51_lines_as_for_6(
    api: httpx.AsyncClient, world: World, counter: QueryCounter
) -> None:
    big, small = await _given_a_big_and_a_small_report(api, world)
    parent = world.tier1_a

    async with counter.counting() as big_statements:
        big_report = (await gql(api, parent.token, op.REPORT_DETAIL, {"id": big}))["report"]
    async with counter.counting() as small_statements:
        small_report = (await gql(api, parent.token, op.REPORT_DETAIL, {"id": small}))["report"]

    assert big_report["lineItems"]["totalCount"] == 51 and len(big_report["lineItems"]["edges"]) == 51
    assert small_report["lineItems"]["totalCount"] == 6
    assert len(big_report["history"][1]["changes"]) == 3
    assert len(big_statements) == len(small_statements) == DETAIL_QUERIES, big_statements


async def test_a_page_of_reports_with_their_lines_and_history_costs_the_same_as_one_report(
    api: httpx.AsyncClient, world: World, counter: QueryCounter
) -> None:
    await _given_a_big_and_a_small_report(api, world)
    listing = """
      query { reports(first: 10) { totalCount edges { node {
        id availableActions totals { usedUnits }
        lineItems(first: 100) { totalCount edges { node { id customer { name } solution { code } } } }
        history { action changes { lineItemId } actor { name } }
      } } } }"""

    async with counter.counting() as one_report:
        alpha_only = await gql(api, world.tier2_a1.token, listing)
    async with counter.counting() as two_reports:
        both = await gql(api, world.tier1_a.token, listing)

    assert alpha_only["reports"]["totalCount"] == 1 and both["reports"]["totalCount"] == 2
    # token, report page (with its count and pending corrections), line pages, totals,
    # histories (with their line changes)
    assert len(one_report) == len(two_reports) == 5, two_reports


async def test_a_page_of_lines_with_their_evidence_costs_one_query_more_whatever_the_lines(
    api: httpx.AsyncClient, world: World, counter: QueryCounter
) -> None:
    await _given_a_big_and_a_small_report(api, world)
    listing = """
      query { reports(first: 10) { edges { node {
        lineItems(first: 100) { edges { node {
          id aggregationRule explanation usageChanged dailyUsage { day usedUnits allocatedCredits }
        } } }
      } } } }"""

    async with counter.counting() as one_report:
        alpha_only = await gql(api, world.tier2_a1.token, listing)
    async with counter.counting() as two_reports:
        both = await gql(api, world.tier1_a.token, listing)

    assert len(both["reports"]["edges"]) == 2 and alpha_only["reports"]["edges"][0]["node"]["lineItems"]["edges"]
    # token, report page, line pages, the lines' evidence (all four fields, every line)
    assert len(one_report) == len(two_reports) == 4, two_reports


# The report screen (bench/report_detail.py's query) on the compiled path: the token,
# the report with its totals, and the line page.
SCREEN_QUERIES = 3
SCREEN = REPORT_SCREEN.replace("lineItems(first: 50)", "lineItems(first: 100)").replace(
    "totals {", "totals { lineCount"
)


async def test_the_report_screen_costs_three_queries_for_51_lines_as_for_6(
    api: httpx.AsyncClient, world: World, counter: QueryCounter
) -> None:
    big, small = await _given_a_big_and_a_small_report(api, world)

    async with counter.counting() as big_statements:
        big_report = (await gql(api, world.tier1_a.token, SCREEN, {"id": big}))["report"]
    async with counter.counting() as small_statements:
        small_report = (await gql(api, world.tier1_a.token, SCREEN, {"id": small}))["report"]

    assert len(big_report["lineItems"]["edges"]) == 51 and big_report["totals"]["lineCount"] == 51
    assert len(small_report["lineItems"]["edges"]) == 6
    assert len(big_statements) == len(small_statements) == SCREEN_QUERIES, big_statements
