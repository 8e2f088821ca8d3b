"""What the service reads of its libraries beyond their public API, one test each.

Each names the attribute it relies on, so an upgrade that removes it fails here, loudly,
rather than somewhere downstream.
"""

from __future__ import annotations

from graphql import GraphQLSchema

from resolvers.root import schema
from schema.graphql_schema import graphql_schema_of


def test_strawberry_schema_still_holds_its_graphql_core_schema_in_the_private_attribute_schema() -> None:
    built = graphql_schema_of(schema)
    assert isinstance(built, GraphQLSchema)
    assert built.query_type is not None and built.query_type.name == "Query"
