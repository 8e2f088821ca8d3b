"""The compiled path's table names every field a query can reach, and only fields of the schema.

A field added to the schema without its entry in ``resolvers.compiled.fields.FIELDS``
would send its queries to Strawberry (counted, and failing every test that asks for it,
tests/conftest.py); this says which one at once.
"""

from __future__ import annotations

from graphql import GraphQLObjectType, get_named_type, is_abstract_type

from resolvers.compiled.fields import FIELDS, TYPE_OF
from resolvers.root import schema
from schema.graphql_schema import graphql_schema_of

_SCHEMA = graphql_schema_of(schema)


def _reachable_from_query() -> set[str]:
    assert _SCHEMA.query_type is not None
    seen: set[str] = set()
    pending = [_SCHEMA.query_type]
    while pending:
        object_type = pending.pop()
        if object_type.name in seen:
            continue
        seen.add(object_type.name)
        for definition in object_type.fields.values():
            named = get_named_type(definition.type)
            if isinstance(named, GraphQLObjectType):
                pending.append(named)
            elif is_abstract_type(named):
                pending.extend(_SCHEMA.get_possible_types(named))  # type: ignore[arg-type]
    return seen


def test_every_field_reachable_from_query_has_its_source_in_the_table() -> None:
    missing = {
        f"{type_name}.{name}"
        for type_name in _reachable_from_query()
        for name in _SCHEMA.get_type(type_name).fields  # type: ignore[union-attr]
        if name not in FIELDS.get(type_name, {})
    }
    assert not missing, f"fields without a source on the compiled path: {sorted(missing)}"


def test_the_table_names_only_fields_of_the_schema() -> None:
    for type_name, sources in FIELDS.items():
        object_type = _SCHEMA.get_type(type_name)
        assert isinstance(object_type, GraphQLObjectType), type_name
        assert set(sources) <= set(object_type.fields), (type_name, set(sources) - set(object_type.fields))


def test_each_node_view_is_the_type_the_schema_says() -> None:
    node_types = {t.name for t in _SCHEMA.get_possible_types(_SCHEMA.get_type("Node"))}  # type: ignore[arg-type]
    assert set(TYPE_OF.values()) == node_types
