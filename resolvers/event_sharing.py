"""One execution per event for all the subscriptions of a worker that asked the same thing.

A Tier 1 partner may keep dozens of dashboards open, all with the same subscription;
a generation publishes hundreds of events at once. Executing each subscription's
selection for each event costs about 0.5 ms of CPU per subscriber and event (most of it
graphql-core and Strawberry, not our resolvers). But subscribers that run the same
operation (the same parsed document: ``ParserCache`` hands out one per operation
text) with equal variables, as the same actor, get the same answer for the same
event: so the first one executes it, and the others get their own copy of its result.

The actor is part of the key on purpose — every field that depends on the caller (its
visibility, ``availableActions``) depends only on it — so no subscriber ever sees an
answer computed for anyone else. Results are shared per event and per worker only
(``ReportEvent.shared_results``, set by ``resolvers.subscriptions`` from the worker's
``LiveEvent``); queries, mutations, and anything without that memo execute as usual.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from graphql import ExecutionResult, OperationType
from graphql.language import OperationDefinitionNode
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


@dataclass(slots=True)
class SharedResult:
    operation: OperationDefinitionNode
    variables: dict[str, Any]
    answer_key: object
    result: ExecutionResult | None = None
    pending: asyncio.Future[Any] | None = None


class SharedEventExecution(StrawberryGraphQLCoreExecutionContext):
    def execute_operation(self, serially: bool | None = None) -> Any:
        memo: list[SharedResult] | None = getattr(self.root_value, "shared_results", None)
        answer_key = getattr(self.context_value, "answer_key", None)
        if memo is None or answer_key is None or self.operation.operation is not OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        variables = self.variable_values.coerced
        for shared in memo:
            if shared.operation is self.operation and shared.answer_key == answer_key and shared.variables == variables:
                return _copy(shared.result) if shared.pending is None else _copy_when_done(shared.pending)
        result: Any = super().execute_operation(serially)
        shared = SharedResult(self.operation, variables, answer_key)
        memo.append(shared)
        if not self.is_awaitable(result):
            shared.result = result
            return _copy(result)
        shared.pending = asyncio.ensure_future(result)
        return _copy_when_done(shared.pending)


def _copy(result: Any) -> ExecutionResult:
    """Each subscriber's own result object (error masking replaces ``errors`` on it)."""
    return ExecutionResult(result.data, list(result.errors) if result.errors else None, result.extensions)


async def _copy_when_done(pending: asyncio.Future[Any]) -> ExecutionResult:
    # shield: the first subscriber going away must not cancel what the others wait for.
    return _copy(await asyncio.shield(pending))
