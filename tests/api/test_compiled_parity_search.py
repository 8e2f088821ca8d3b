"""The compiled path and Strawberry give the same bytes for random operations (hypothesis).

For each caller — the platform, a Tier 1 partner, a Tier 2 partner, a token that may
not read reports — over a world with reports in every status (purchase orders, reasons
and pending corrections among them, the Tier 1 partner's too), ``OPERATIONS`` random
valid query operations (``tests.api.random_operations``: random selections, fragments,
aliases, variables, directives, page arguments, good and bad argument values) are posted
to both apps of ``tests.api.two_paths``: the status and the body must be the same bytes.
The draws are derandomized, so a failure reproduces; its message shows the operation.
Nearly all must be answered on the compiled path (a few are refused by the validator,
e.g. for depth, and are Strawberry's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from resolvers.compiled import FALLBACKS
from resolvers.root import schema
from schema.graphql_schema import graphql_schema_of
from tests.api import operations as op
from tests.api.fuzz_world import REQUEST_CORRECTION, ROLES, given_reports_in_every_status, world_dictionaries
from tests.api.random_operations import Operation, operations
from tests.api.steps import adjustment, lines, mutate, report_id_of
from tests.api.two_paths import Apps, post
from tests.world import World, build_world

OPERATIONS = 200  # per caller
# Which world values each argument (by name) draws from (tests.api.fuzz_world).
_ARGUMENT_VALUES = {
    "Query.report.id": "report_ids",
    "id": "ids",
    "partnerId": "partner_ids",
    "customerId": "customer_ids",
    "first": "page_sizes",
    "after": "cursors",
    "period": "periods",
    "solutionCode": "codes",
}


async def given_a_pending_correction_the_tier1_sees(api: Any, world: World) -> None:
    """Beta (North's, under review) approved with a purchase order, then a correction requested."""
    beta = await report_id_of(api, world.tier2_a2)
    await mutate(api, world.tier1_a, op.APPROVE, reportId=beta, version=2, purchaseOrder="PO-1")
    line = (await lines(api, world.tier2_a2, beta))[0]
    change = {**adjustment(line, 0, "metered twice"), "reason": "DUPLICATE"}
    requested = await mutate(
        api, world.tier2_a2, REQUEST_CORRECTION, reportId=beta, version=3, adjustments=[change], comment="recount"
    )
    assert requested["errors"] == [], requested


def drawn_operations(values: Mapping[str, Sequence[Any]], count: int) -> list[Operation]:
    drawn: list[Operation] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operations(graphql_schema_of(schema), values))
    def collect(operation: Operation) -> None:
        drawn.append(operation)

    collect()
    return drawn


@pytest.mark.parametrize("role", ["platform", "tier1", "tier2", "single_scope"])
async def test_random_operations_get_the_same_bytes_from_the_compiled_path_and_strawberry(
    apps: Apps, db: Any, role: str
) -> None:
    world: World = await build_world()
    await given_reports_in_every_status(apps.general, world)
    await given_a_pending_correction_the_tier1_sees(apps.general, world)
    token = await ROLES[role](world)
    dictionaries = await world_dictionaries(apps.general, world, token)
    values = {argument: dictionaries[name] for argument, name in _ARGUMENT_VALUES.items()}
    FALLBACKS.clear()
    apps.answered.clear()
    errors = 0
    too_complex = 0  # refused by the document limits before execution: Strawberry's by design

    for operation in drawn_operations(values, OPERATIONS):
        mine = await post(apps.direct, token, operation.query, operation.variables)
        theirs = await post(apps.general, token, operation.query, operation.variables)
        assert (mine.status_code, mine.content) == (theirs.status_code, theirs.content), (
            f"{operation.query}\nvariables: {operation.variables}\n"
            f"compiled:   {mine.content.decode()}\nstrawberry: {theirs.content.decode()}"
        )
        errors += b'"errors"' in mine.content
        too_complex += b'"QUERY_TOO_COMPLEX"' in mine.content

    assert not FALLBACKS, FALLBACKS
    assert sum(apps.answered) >= 0.8 * (OPERATIONS - too_complex), (
        f"only {sum(apps.answered)} of {OPERATIONS - too_complex} compiled ({too_complex} over the document limits)"
    )
    assert errors >= 5, f"only {errors} operations met an error: the search would miss the error paths"
