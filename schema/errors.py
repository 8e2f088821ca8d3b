"""Errors the API shows: ``UserError`` in mutation payloads, ``ApiError`` at the top level.

Expected failures of a mutation are domain ``Problem``s, turned into ``UserError``s by
``user_errors`` (the one mapping). A query that cannot be answered as asked (a page
size out of range, a malformed cursor or filter, a missing scope) raises an
``ApiError``: a top-level GraphQL error whose ``extensions.code`` says why.

Everything else is a bug, and ``should_mask_error`` hides its message from clients.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry
from graphql import GraphQLError

from schema import ids
from schema.enums import UserErrorCode
from workflow.core.errors import ErrorCode, Problem

UNAUTHENTICATED = "UNAUTHENTICATED"

# Told the codes of every payload's errors (the server counts them: ``server.metrics``).
user_error_listeners: list[Callable[[Sequence[str]], None]] = []


@strawberry.type(description="One reason a mutation, or one of its items, was refused.")
class UserError:
    code: UserErrorCode
    message: str
    field: str | None = strawberry.field(default=None, description="The input field at fault (camelCase), if one is.")
    line_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="The line item at fault, as the client sent its ID."
    )
    index: int | None = strawberry.field(
        default=None, description="The position of the item at fault in the input list (adjustments, records)."
    )


def user_errors(problems: Sequence[Problem], line_item_ids: Sequence[str] = ()) -> list[UserError]:
    """Domain problems as ``UserError``s.

    ``line_item_ids`` are the IDs the client sent, by adjustment index: a problem with
    an adjustment echoes the client's own ID, even one that decodes to nothing.
    """
    if problems:
        for listener in user_error_listeners:
            listener([p.code.value for p in problems])
    return [
        UserError(
            code=p.code,
            message=p.message,
            field=p.field,
            line_item_id=_line_item_id(p, line_item_ids),
            index=p.index,
        )
        for p in problems
    ]


def _line_item_id(problem: Problem, sent: Sequence[str]) -> strawberry.ID | None:
    if problem.line_item_id is None:
        return None
    if problem.index is not None and problem.index < len(sent):
        return strawberry.ID(sent[problem.index])
    return strawberry.ID(ids.encode(ids.LINE_ITEM, problem.line_item_id))


class ApiError(GraphQLError):
    """An expected top-level error; its message reaches the client with ``extensions.code``."""

    def __init__(self, code: ErrorCode | str, message: str) -> None:
        value = code.value if isinstance(code, ErrorCode) else code
        super().__init__(message, extensions={"code": value})


def should_mask_error(error: GraphQLError) -> bool:
    """Hide what a resolver raised unexpectedly; let everything else through.

    Errors before execution (syntax, validation, variables that do not fit their
    types) have no ``path``: they are about the client's own operation and show it.
    During execution, only ``ApiError``s are meant for the client.
    """
    if error.path is None:
        return False
    return not isinstance(error.original_error, ApiError)
