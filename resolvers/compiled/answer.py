"""A query request answered on the compiled path, or handed to Strawberry (None).

``CompiledQueries.answer`` takes a well-formed GraphQL POST body and the caller:

1. parse (with the schema's token limit) and validate (the schema's own rules and
   limits, ``schema.validation.checked_validation``), cached per (text, operation name);
   a document that fails either is Strawberry's to answer, with the same errors;
2. only queries: mutations (and subscriptions, which the view refuses) go to Strawberry;
3. variables coerced by graphql-core (``get_variable_values``): a bad one is Strawberry's
   to answer, with the same error;
4. the plan, cached per prepared document and the values of the variables its ``@skip``
   and ``@include`` read; introspection (``__schema``, ``__type``) has no plan: it goes to
   Strawberry, is counted in ``FALLBACKS`` and logged — and fails the tests
   (tests/conftest.py) for anything else;
5. the reads (``execute.fetch``), the answer built (``build``; ``execute.careful`` when
   something failed), errors masked and logged as Strawberry does, JSON by orjson.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
    parse,
    specified_rules,
)
from graphql.execution.values import get_variable_values
from graphql.validation import ASTValidationRule

from resolvers.compiled.build import attach_builders
from resolvers.compiled.execute import ROOT, careful, fetch, masked
from resolvers.compiled.fields import Request
from resolvers.compiled.plan import Plan, Unsupported, compile_plan, directive_variables
from schema.document_limits import oversized_list
from schema.validation import checked_validation
from workflow.core.actors import Actor

logger = logging.getLogger(__name__)

# Queries Strawberry answered because the compiled path has no plan for them, by reason.
FALLBACKS: Counter[str] = Counter()
# How many distinct @skip/@include outcomes of one document get a plan each.
_PLANS_PER_DOCUMENT = 16


@dataclass(eq=False)
class Prepared:
    """A valid query document, and its plans by the values of its directive variables."""

    document: DocumentNode
    operation: OperationDefinitionNode
    directive_variables: tuple[str, ...]
    plans: dict[tuple[Any, ...], Plan | str] = field(default_factory=dict)


class CompiledQueries:
    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        rules: Collection[type[ASTValidationRule]],
        max_tokens: int,
        cache_size: int,
        report_errors: Callable[[list[GraphQLError]], None],
    ) -> None:
        self.schema = schema
        self.rules = (*specified_rules, *rules)
        self.max_tokens = max_tokens
        self.report_errors = report_errors  # logs what Strawberry would log (the masked ones)
        self.prepared = lru_cache(maxsize=cache_size)(self._prepare)

    def _prepare(self, query: str, operation_name: str | None) -> Prepared | None:
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLError:
            return None
        if checked_validation(self.schema, document, self.rules):
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation is not OperationType.QUERY:
            return None
        return Prepared(document, operation, directive_variables(document))

    async def answer(
        self, query: str, operation_name: str | None, variables: dict[str, Any], actor: Actor
    ) -> bytes | None:
        prepared = self.prepared(query, operation_name)
        if prepared is None or oversized_list(variables):
            return None
        coerced = get_variable_values(self.schema, prepared.operation.variable_definitions or (), variables)
        if isinstance(coerced, list):
            return None  # Strawberry says which variable is wrong
        plan = self._plan(prepared, coerced)
        if isinstance(plan, str):
            FALLBACKS[plan] += 1
            logger.info("answering a query through Strawberry: the compiled path has no plan for %s", plan)
            return None
        request = Request(actor, coerced)
        await fetch(plan, request)
        try:
            return orjson.dumps({"data": plan.root.build(ROOT, request)})
        except Exception:
            data, errors = careful(plan, request)
        self.report_errors(errors)
        return orjson.dumps({"data": data, "errors": [e.formatted for e in masked(errors)]})

    def _plan(self, prepared: Prepared, coerced: Any) -> Plan | str:
        key = tuple(_hashable(coerced.coerced.get(name)) for name in prepared.directive_variables)
        plan = prepared.plans.get(key)
        if plan is None:
            try:
                plan = compile_plan(self.schema, prepared.document, prepared.operation, coerced)
                attach_builders(plan)
            except Unsupported as unsupported:
                plan = str(unsupported)
            if len(prepared.plans) < _PLANS_PER_DOCUMENT:
                prepared.plans[key] = plan
        return plan


def _hashable(value: Any) -> Any:
    return value if isinstance(value, bool | None) else repr(value)
