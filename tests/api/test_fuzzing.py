"""Fuzzing (issue #5): schemathesis cases of every query and mutation, per role.

For each role — the platform, a Tier 1 partner, a Tier 2 partner, a token with a single
scope, no token — the seeded world has reports in every status (``tests.api.fuzz_world``),
and derandomized cases (``tests.api.fuzzing``) are sent with that role's credential. The
rule: **no answer is a server error (5xx), and no top-level error is an unexpected
(masked) one**; refusals the contract describes are fine.

One database per role, not per case: the cases run in order on one world, so the
mutations among them (saves, submits, approvals, usage, generation) change what later
cases meet — as a real client's would. The run is the same every time (derandomized
draws, the same order), so a failure reproduces; its report shows the operation text.

Bounded for CI: ``POSITIVE_CASES`` valid cases and ``NEGATIVE_CASES`` invalid ones
(wrong types, missing arguments: refused before execution) per operation and role.
What the fuzzer found is kept as rules in ``test_fuzzing_findings.py``.
"""

from __future__ import annotations

import httpx
import pytest

from tests.api.fuzz_world import ROLES, given_reports_in_every_status, world_dictionaries
from tests.api.fuzzing import cases, fuzz, problems, report
from tests.world import World

POSITIVE_CASES = 20  # per operation (13) and role
NEGATIVE_CASES = 4
# The share of cases that must run (answered with data: ~3/4 do; the rest fail validation,
# e.g. depth or aliases), so that a run refused at the door for every case fails.
MIN_ANSWERED = 0.5


@pytest.mark.parametrize("role", ROLES)
async def test_no_generated_operation_gets_a_server_error_or_an_unexpected_error(
    api: httpx.AsyncClient, world: World, role: str
) -> None:
    """Every role: schemathesis's cases of every query and mutation get a 2xx/4xx answer, never a masked error."""
    await given_reports_in_every_status(api, world)
    token = await ROLES[role](world)
    drawn = cases(await world_dictionaries(api, world, token), POSITIVE_CASES, NEGATIVE_CASES)

    run = await fuzz(api, token, drawn)

    assert not run.findings, report(run.findings)
    assert len(drawn) >= 13 * POSITIVE_CASES * 0.8, f"only {len(drawn)} cases drawn"
    if token is None:
        assert run.statuses == {401: len(drawn)}
    else:  # most cases get past the door (parsing, validation, scopes) into the resolvers
        assert run.answered >= len(drawn) * MIN_ANSWERED, f"only {run.answered} of {len(drawn)} cases answered"


def answer(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"data": None, "errors": [{"message": "Unexpected error.", "path": ["report"]}]}),
        (200, {"data": {"report": None}, "errors": [{"message": "boom", "path": ["report", "lineItems"]}]}),
        (500, {"data": None, "errors": [{"message": "Internal Server Error"}]}),
        (503, {"data": None, "errors": [{"message": "too long", "extensions": {"code": "TIMEOUT"}}]}),
        (200, ["not", "an", "object"]),
    ],
    ids=["masked", "execution-error-without-code", "500", "503", "not-an-object"],
)
def test_the_check_fails_a_server_error_or_an_unexpected_error(status: int, body: object) -> None:
    assert problems(answer(status, body))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"data": {"viewer": {"name": "x"}}}),
        (200, {"errors": [{"message": "Syntax Error: Unexpected Name 'x'.", "locations": [{"line": 1, "column": 1}]}]}),
        (200, {"data": None, "errors": [{"message": "no", "path": ["reports"], "extensions": {"code": "FORBIDDEN"}}]}),
        (200, {"data": {"saveReportDraft": {"errors": [{"code": "NOT_FOUND"}]}}}),
        (401, {"data": None, "errors": [{"message": "no token", "extensions": {"code": "UNAUTHENTICATED"}}]}),
        (413, {"data": None, "errors": [{"message": "too large", "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}),
    ],
    ids=["data", "validation", "forbidden", "payload-error", "401", "413"],
)
def test_the_check_passes_an_answer_or_an_expected_refusal(status: int, body: object) -> None:
    assert problems(answer(status, body)) == []
