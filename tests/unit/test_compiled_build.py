"""The generated builders write each leaf as graphql-core's serializers do, and refuse what they refuse.

``resolvers.compiled.build`` writes Int, String, ID and Boolean with inline type checks and
enums through a value → name map taken from the schema: these hold each to the schema
type's own ``serialize`` (the one Strawberry's executor calls), and show that a value it
would refuse sends the answer to the careful build instead of into the response.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType

from resolvers.compiled.build import _Writer
from resolvers.compiled.execute import _Bail
from resolvers.compiled.plan import FieldPlan
from resolvers.root import schema
from schema.graphql_schema import graphql_schema_of

_SCHEMA = graphql_schema_of(schema)
_PARENT = GraphQLObjectType("Probe", {})


def _written(type_name: str, value: Any) -> Any:
    named = _SCHEMA.get_type(type_name)
    field = FieldPlan("x", "x", (), _PARENT, GraphQLNonNull(named), "value")  # type: ignore[arg-type]
    writer = _Writer()
    code = writer.non_null(field, named, "value")  # type: ignore[arg-type]
    return eval(code, writer.namespace, {"value": value})


@pytest.mark.parametrize(
    ("type_name", "value"),
    [
        ("Int", 0),
        ("Int", -(2**31)),
        ("Int", 2**31 - 1),
        ("String", "ünïcode"),
        ("ID", "QmlsbGluZ1JlcG9ydDox"),
        ("Boolean", True),
        ("Date", date(2026, 10, 31)),
        ("DateTime", datetime(2026, 11, 5, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_a_leaf_is_written_as_its_schema_type_serializes_it(type_name: str, value: Any) -> None:
    assert _written(type_name, value) == _SCHEMA.get_type(type_name).serialize(value)  # type: ignore[union-attr]


def test_every_enum_value_is_written_as_its_schema_type_serializes_it() -> None:
    enums = [t for t in _SCHEMA.type_map.values() if isinstance(t, GraphQLEnumType) and not t.name.startswith("__")]
    assert len(enums) >= 5
    for enum in enums:
        for value in enum.values.values():
            assert _written(enum.name, value.value) == enum.serialize(value.value), (enum.name, value.value)


@pytest.mark.parametrize(
    ("type_name", "value"),
    [("Int", 2**31), ("Int", -(2**31) - 1), ("Int", True), ("Int", "1"), ("String", 1), ("Boolean", 1), ("ID", 7)],
)
def test_a_value_the_fast_build_does_not_vouch_for_goes_to_the_careful_build(type_name: str, value: Any) -> None:
    # graphql-core would refuse some of these and write others differently (True as 1, 7 as "7"):
    # either way the careful build, which calls the schema's serializer, answers.
    with pytest.raises((_Bail, KeyError)):
        _written(type_name, value)
