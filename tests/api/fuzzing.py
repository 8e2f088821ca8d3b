"""Schemathesis fuzzing of the GraphQL API: the cases, the values they draw from, the checks.

**The schema** is the production one's SDL (``resolvers.root.schema.as_str()``, exactly
what ``billing-reports export-schema`` prints), loaded with
``schemathesis.graphql.from_file``. Introspection is off in production, and switching the
app to debug mode to introspect it would fuzz a different app (other validation rules,
field suggestions); the SDL is the contract clients code against.

**The cases** come from schemathesis's GraphQL strategies (``operation.as_strategy()``,
built on hypothesis-graphql): one operation of the schema per case, with arguments
written inline and a random selection of fields. They are drawn up front, derandomized,
so a run is the same every time. They are *sent* by the test itself, through the
in-process ``httpx.ASGITransport`` client in the test's event loop, rather than with
schemathesis's ``case.call(app=...)``: schemathesis runs an ASGI app in a thread of its
own with its own event loop, where the test's database connections (asyncpg's are bound
to the loop that opened them) cannot be used.

**The values**: random text almost never spells a real ID, a report's current version or
a "YYYY-MM" period, so almost every case would stop at "not found". Schemathesis's
dictionaries (``api_schema``, ``BINDINGS``) feed the arguments that take them — IDs,
cursors, page sizes, versions, periods, days, codes, units, credits, comments — nine
times in ten from a vocabulary the test draws from its seeded world (its real IDs and
cursors) and from edge values the rules must refuse cleanly (IDs and cursor keys past
32 bits, 1,001-character comments, ``NaN`` credits), and otherwise random values.

**The checks** (``problems``): an answer is a failure when its status is 5xx, when it is
not a JSON object, when a top-level error is the masked one (``"Unexpected error."``, no
``extensions.code``: what ``schema.errors.should_mask_error`` hides, i.e. a bug), or
when the server logged an unexpected error for it (``strawberry.execution`` at ERROR,
which ``resolvers.root.BillingReportsSchema`` does only for masked errors). Expected
refusals — validation errors, ``FORBIDDEN``, ``NOT_FOUND``, ``INVALID_INPUT``,
``UNAUTHENTICATED``, payload ``errors``, limits — are answers, not failures.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.specs.graphql.schemas import GraphQLSchema

from resolvers.root import schema as production_schema

MASKED_MESSAGE = "Unexpected error."  # Strawberry's MaskErrors default, which resolvers.root keeps
ERROR_LOGGER = "strawberry.execution"  # where unexpected (masked) errors are logged, with their traceback

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1  # GraphQL's Int, and the tables' 32-bit keys


# Which arguments each dictionary feeds (schemathesis's `<Type>.<field>.<argument path>`
# bindings; `*` is any type or field, `[*]` any list element), wherever they appear.
BINDINGS = {
    "report_ids": ["*.*.input.reportId", "Query.report.id"],
    "line_ids": ["*.*.input.adjustments[*].lineItemId"],
    "customer_ids": ["*.*.input.records[*].customerId", "*.*.filter.customerId"],
    "partner_ids": ["*.*.partnerId", "*.*.filter.partnerId"],
    "ids": ["*.*.id"],  # node(id): any type
    "cursors": ["*.*.after"],
    "page_sizes": ["*.*.first"],
    "versions": ["*.*.input.version"],
    "periods": ["*.*.filter.period", "*.*.input.period"],
    "days": ["*.*.input.records[*].day"],
    "codes": ["*.*.input.records[*].solutionCode", "*.*.filter.solutionCode"],
    "units": [
        "*.*.input.records[*].provisionedUnits",
        "*.*.input.records[*].usedUnits",
        "*.*.input.adjustments[*].chargeableUnits",
        "*.*.input.submissionDeadlineDays",
    ],
    "credits": ["*.*.input.records[*].allocatedCredits"],
    "texts": ["*.*.input.adjustments[*].comment", "*.*.input.comment", "*.*.input.reason"],
}
# How often a bound argument takes a dictionary value rather than a random one.
DICTIONARY_PROBABILITY = 0.9


Dictionaries = Mapping[str, Sequence[str | int]]


def cases(dictionaries: Dictionaries, positive: int, negative: int) -> list[Case]:
    """``positive`` valid and ``negative`` invalid cases of every query and mutation, drawn
    with ``dictionaries``; the same every run, and drawn once per set of dictionaries."""
    key = tuple((name, tuple(values)) for name, values in sorted(dictionaries.items()))
    return list(_cases(key, positive, negative))


_FrozenDictionaries = tuple[tuple[str, tuple[str | int, ...]], ...]


@lru_cache(maxsize=8)
def _cases(dictionaries: _FrozenDictionaries, positive: int, negative: int) -> tuple[Case, ...]:
    schema = api_schema(dict(dictionaries))
    return (*draw_cases(schema, positive), *draw_cases(schema, negative, GenerationMode.NEGATIVE))


def api_schema(dictionaries: Dictionaries) -> GraphQLSchema:
    """The production schema, from its SDL, with ``dictionaries`` bound as ``BINDINGS`` says."""
    config = SchemathesisConfig.from_dict(
        {
            "dictionaries": {name: {"values": list(values)} for name, values in dictionaries.items()},
            "parameters": {
                argument: {"dictionary": name, "probability": DICTIONARY_PROBABILITY}
                for name, arguments in BINDINGS.items()
                for argument in arguments
                if name in dictionaries
            },
        }
    )
    return schemathesis.graphql.from_file(production_schema.as_str(), config=config)


def draw_cases(schema: GraphQLSchema, count: int, mode: GenerationMode = GenerationMode.POSITIVE) -> list[Case]:
    """``count`` cases of every query and mutation of ``schema``, the same ones every run."""
    drawn: list[Case] = []
    if count < 1:
        return drawn
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=count,
            derandomize=True,  # the same cases every run, so a failure reproduces
            database=None,
            deadline=None,
            phases=[Phase.generate],  # drawing only: the requests are sent afterwards, in the test's loop
            suppress_health_check=list(HealthCheck),
        )
        @given(operation.as_strategy(generation_mode=mode))
        def collect(case: Case) -> None:
            drawn.append(case)

        collect()
    return drawn


@dataclass
class Finding:
    """One case whose answer is a failure, with what made it one."""

    case: Case
    status: int | None
    reasons: list[str]
    logged: list[str]

    @property
    def label(self) -> str:
        return self.case.operation.label

    def describe(self) -> str:
        logged = "\n".join(self.logged)
        body = self.case.body if len(self.case.body) <= 2000 else self.case.body[:2000] + "\n..."
        return (
            f"{self.label}: HTTP {self.status}: {'; '.join(self.reasons)}\n"
            + (f"server log: {logged}\n" if logged else "")
            + f"operation:\n{body}\n"
        )


def problems(response: httpx.Response) -> list[str]:
    """Why an answer is a failure (empty when it is a fine answer, refusals included)."""
    found = []
    if response.status_code >= 500:
        found.append(f"server error {response.status_code}")
    try:
        body: Any = response.json()
    except ValueError:
        return [*found, f"not JSON: {response.text[:200]!r}"]
    if not isinstance(body, dict):
        return [*found, f"not a JSON object: {body!r:.200}"]
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None
        if not isinstance(error, dict) or error.get("message") == MASKED_MESSAGE:
            found.append(f"masked unexpected error at {error.get('path') if isinstance(error, dict) else error}")
        elif "path" in error and code is None:
            found.append(f"execution error without a code: {error}")
    return found


class ErrorLog(logging.Handler):
    """Collects what the server logs at ERROR about unexpected errors."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The exception, without the request ID and the operation text that the message adds.
        error = record.exc_info[1] if record.exc_info else None
        text = f"{type(error).__name__}: {error}" if error is not None else record.getMessage()
        self.lines.append(text[:300])

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines


@contextmanager
def server_errors() -> Iterator[ErrorLog]:
    log = ErrorLog()
    logger = logging.getLogger(ERROR_LOGGER)
    logger.addHandler(log)
    try:
        yield log
    finally:
        logger.removeHandler(log)


async def send(client: httpx.AsyncClient, token: str | None, case: Case) -> httpx.Response:
    """The case as a client sends it: POST /graphql, JSON ``{"query": ...}``, the bearer token."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await client.post("/graphql", json={"query": case.body}, headers=headers)


@dataclass
class FuzzRun:
    """What a run found, and how far its cases got (a run refused at the door proves little)."""

    findings: list[Finding]
    answered: int = 0  # cases whose answer carried data: the operation ran, wholly or partly
    statuses: Counter[int] = field(default_factory=Counter)


async def fuzz(client: httpx.AsyncClient, token: str | None, cases: Sequence[Case]) -> FuzzRun:
    """Send every case, in order; the failures found."""
    run = FuzzRun([])
    with server_errors() as log:
        for case in cases:
            try:
                response = await send(client, token, case)
            except Exception as error:  # what escapes the app would be a 500 from a real server
                run.findings.append(
                    Finding(case, None, [f"the app raised {type(error).__name__}: {error}"], log.take())
                )
                continue
            run.statuses[response.status_code] += 1
            reasons = problems(response)
            logged = log.take()
            if logged and not reasons:
                reasons = ["the server logged an unexpected error"]
            if reasons:
                run.findings.append(Finding(case, response.status_code, reasons, logged))
            elif response.json().get("data") is not None:
                run.answered += 1
    return run


def report(findings: Sequence[Finding], limit: int = 8) -> str:
    """The failures, one per operation and first reason (the shortest operation of each shown)."""
    groups: dict[tuple[str, str], Finding] = {}
    counts: dict[tuple[str, str], int] = {}
    for finding in findings:
        key = (finding.label, (finding.logged or finding.reasons)[0][:120])
        counts[key] = counts.get(key, 0) + 1
        if key not in groups or len(finding.case.body) < len(groups[key].case.body):
            groups[key] = finding
    shown = [f"[{counts[key]} case(s)] {groups[key].describe()}" for key in list(groups)[:limit]]
    more = f"\n... and {len(groups) - limit} more kinds" if len(groups) > limit else ""
    return f"{len(findings)} failing case(s) of {len(groups)} kind(s):\n\n" + "\n".join(shown) + more
