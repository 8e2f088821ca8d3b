"""Given / when steps of the API scenarios, over HTTP with the world's tokens."""

from __future__ import annotations

from typing import Any

import httpx

from schema import ids
from tests.api import operations as op
from tests.api.client import gql
from tests.world import PERIOD, Party, World
from workflow.generation.generate import generate_reports


async def given_generated_reports(world: World, days: int = 5) -> None:
    """Usage for every customer and solution, and the period's reports generated."""
    await world.add_month_of_usage(days)
    await generate_reports(world.platform.actor, PERIOD)


async def report_id_of(api: httpx.AsyncClient, party: Party) -> str:
    """The ID of ``party``'s report for the period, as the API lists it to the partner itself."""
    data = await gql(api, party.token, op.REPORTS, {"filter": {"period": PERIOD}})
    (edge,) = data["reports"]["edges"]
    return edge["node"]["id"]


async def detail(api: httpx.AsyncClient, party: Party, report_id: str, **variables: Any) -> dict[str, Any] | None:
    data = await gql(api, party.token, op.REPORT_DETAIL, {"id": report_id, **variables})
    return data["report"]


async def lines(api: httpx.AsyncClient, party: Party, report_id: str) -> list[dict[str, Any]]:
    report = await detail(api, party, report_id)
    assert report is not None
    return [e["node"] for e in report["lineItems"]["edges"]]


async def mutate(api: httpx.AsyncClient, party: Party, operation: str, **input: Any) -> dict[str, Any]:
    """Run a mutation with ``input``; return its payload (the only field of ``data``)."""
    data = await gql(api, party.token, operation, {"input": input})
    (payload,) = data.values()
    return payload


def adjustment(line: dict[str, Any], chargeable_units: int, comment: str | None = None) -> dict[str, Any]:
    return {"lineItemId": line["id"], "chargeableUnits": chargeable_units, "comment": comment}


def pk(global_id: str) -> int:
    decoded = ids.decode(global_id)
    assert decoded is not None
    return decoded[1]
