"""The graphql-core schema inside a Strawberry schema.

Strawberry 0.341 has no public accessor for it; its own extensions read the private
``_schema`` attribute, and so must we (validation, the report query path). This module
is the only place that does, and ``tests/unit/test_library_contracts.py`` fails, naming
the attribute, if an upgrade removes it.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema


def graphql_schema_of(schema: Any) -> GraphQLSchema:
    built = schema._schema
    if not isinstance(built, GraphQLSchema):
        raise TypeError("strawberry.Schema._schema is no longer a graphql-core GraphQLSchema")
    return built
