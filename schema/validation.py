"""Validation of every operation, HTTP and WebSocket alike: the cheap limits first, then
graphql-core's rules, cached.

It takes the place of Strawberry's ``ValidationCache`` (and of its depth and alias
limiters, which expand fragments and take seconds on a small nested document): a
document beyond ``schema.document_limits`` is refused before any rule walks it, so a
refusal costs well under a millisecond; one within the limits is validated by
Strawberry's own ``validate_document`` with the schema's rules, remembered per document
(``ParserCache`` hands the same document object for the same text) and rule set.
Oversized lists in the variables are refused here too, before anything coerces them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from schema.document_limits import limit_errors, oversized_list
from schema.graphql_schema import graphql_schema_of


def checked_validation(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    """The limits ``document`` exceeds, or else the schema rules it breaks (empty: valid)."""
    return limit_errors(document) or validate_document(schema, document, rules)


class LimitedValidation(SchemaExtension):
    """``on_validate``: limits, then cached validation (see the module docstring)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.validate = _cached(maxsize)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None  # parsed before validation
        too_large = oversized_list(context.variables)
        context.pre_execution_errors = (
            [too_large]
            if too_large
            else self.validate(graphql_schema_of(context.schema), context.graphql_document, context.validation_rules)
        )
        yield


@lru_cache
def _cached(maxsize: int) -> Callable[..., list[GraphQLError]]:
    # One cache per size for every request (extensions are made per request).
    return lru_cache(maxsize=maxsize)(checked_validation)
