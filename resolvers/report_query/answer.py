"""Answering a request with a compiled plan: arguments, the reads, the JSON.

The reads are the resolvers' (``workflow.reads.reports.visible_reports_by_id``,
``report_contents.line_pages``; the report and its totals in one query with
``visible_report_with_totals``), so tenancy and paging are the same rules, and the query
count is constant: the report (with its totals) and its line page, after the token.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from functools import lru_cache, partial
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLSchema, get_argument_values, get_variable_values
from graphql.validation import ASTValidationRule

from resolvers.report_query.fields import Fallback, Loaded
from resolvers.report_query.plan import Plan, compile_operation
from schema import ids
from schema.document_limits import oversized_list
from schema.errors import ApiError
from schema.pagination import decode_cursor, key_id, page_size
from schema.reports import LINE_CURSOR
from vocabulary.enums import Scope
from workflow.core.actors import Actor
from workflow.reads import contents as report_contents
from workflow.reads import reports as reads
from workflow.reads.views import LineFilter, ReportView

logger = logging.getLogger(__name__)


class ReportQueryPath:
    """Answers the report queries it can from a request body, or says None (ask Strawberry)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        rules: Collection[type[ASTValidationRule]],
        max_tokens: int,
        cache_size: int,
    ) -> None:
        self.schema = schema
        # Keyed on (query text, operation name), as Strawberry's parser and validation caches.
        self.plan_for = lru_cache(maxsize=cache_size)(
            partial(compile_operation, schema, rules=tuple(rules), max_tokens=max_tokens)
        )

    async def answer(self, body: bytes, actor: Actor) -> bytes | None:
        request = _graphql_request(body)
        if request is None:
            return None
        query, operation_name, variables = request
        if oversized_list(variables):
            return None  # Strawberry refuses it
        plan = self.plan_for(query, operation_name)
        if plan is None:
            return None
        try:
            data = await self._execute(plan, actor, variables)
        except (Fallback, GraphQLError, ApiError):
            return None
        except Exception:
            # Strawberry runs it again and answers as for any failure: masked, and logged
            # with the request ID (or, for a database fault, server.database_faults' 503).
            logger.warning("the report query path failed; answering through Strawberry", exc_info=True)
            return None
        return orjson.dumps({"data": data})

    async def _execute(self, plan: Plan, actor: Actor, variables: dict[str, Any]) -> dict[str, Any]:
        if not actor.has(Scope.REPORTS_READ):
            raise Fallback  # Strawberry says FORBIDDEN
        coerced = None
        if plan.operation.variable_definitions:
            values = get_variable_values(self.schema, plan.operation.variable_definitions, variables)
            if isinstance(values, list):
                raise Fallback  # invalid variables: Strawberry says which
            coerced = values
        arguments = get_argument_values(plan.report_field, plan.report_node, coerced)
        report = await _report(actor, plan, arguments["id"], coerced)
        data: dict[str, Any] = {}
        for key, name in plan.root:
            data[key] = "Query" if name == "__typename" else report
        return data


async def _report(actor: Actor, plan: Plan, global_id: str, coerced: Any) -> dict[str, Any] | None:
    pk = ids.decode_as(ids.BILLING_REPORT, global_id)
    if pk is None:
        return None
    loaded = Loaded(actor)
    view: ReportView | None
    if plan.needs_totals:
        found = await report_contents.visible_report_with_totals(actor, pk)
        if found is None:
            return None
        view, loaded.totals = found
    else:
        view = (await reads.visible_reports_by_id(actor, [pk])).get(pk)
        if view is None:
            return None
    if plan.line_items is not None:
        definition, node = plan.line_items
        arguments = get_argument_values(definition, node, coerced)
        if arguments.get("filter") is not None:
            raise Fallback  # filtered pages go through Strawberry
        size = page_size(arguments.get("first"))
        loaded.after = arguments.get("after")
        after_id = decode_cursor(LINE_CURSOR, loaded.after, key_id)
        loaded.lines = (await report_contents.line_pages([pk], LineFilter(), size, after_id))[pk]
    return plan.report(view, loaded)


def _graphql_request(body: bytes) -> tuple[str, str | None, dict[str, Any]] | None:
    """(query, operationName, variables) of a well-formed GraphQL POST body, else None."""
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(request, dict):
        return None
    query, operation_name, variables = request.get("query"), request.get("operationName"), request.get("variables")
    if not isinstance(query, str) or not (operation_name is None or isinstance(operation_name, str)):
        return None
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        return None
    return query, operation_name, variables
