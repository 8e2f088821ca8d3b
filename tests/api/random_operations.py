"""Random valid GraphQL query operations, drawn from the schema with hypothesis.

Each operation selects 1–3 root fields of ``Query`` and, below them, random subsets of
every object's fields to a bounded depth; arguments come from the world's values
(``values``: IDs, cursors, page sizes, periods, statuses, codes — good and bad ones)
written inline or passed as variables; selections are randomly aliased, wrapped in inline
fragments (with or without a type condition), moved into named fragments, and given
``@skip``/``@include`` with literal or variable conditions; ``node`` gets inline fragments
on the types it may return. Aliases are unique, so the operations stay valid (the
validator's refusals are Strawberry's either way); the ones that must error do so at
execution: a page size out of range, a malformed cursor or period, a missing scope.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
)
from hypothesis import strategies as st

MAX_DEPTH = 6  # object levels below the root (reports → edges → node → lineItems → edges → node)


@dataclass
class Operation:
    query: str
    variables: dict[str, Any]


@dataclass
class _Drawing:
    draw: Any
    schema: GraphQLSchema
    values: Mapping[str, Sequence[Any]]
    variables: dict[str, Any] = field(default_factory=dict)
    declarations: list[str] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)
    aliases: int = 0

    def alias(self) -> str:
        self.aliases += 1
        return f"a{self.aliases}"


def operations(schema: GraphQLSchema, values: Mapping[str, Sequence[Any]]) -> st.SearchStrategy[Operation]:
    @st.composite
    def operation(draw: Any) -> Operation:
        drawing = _Drawing(draw, schema, values)
        query_type = schema.query_type
        assert query_type is not None
        names = draw(st.lists(st.sampled_from(sorted(query_type.fields)), min_size=1, max_size=3))
        selections = [_field(drawing, query_type, name, 0) for name in names]
        if draw(st.booleans()):
            selections.insert(draw(st.integers(0, len(selections))), "__typename")
        declared = f"({', '.join(drawing.declarations)})" if drawing.declarations else ""
        text = f"query Random{declared} {{ {' '.join(selections)} }}"
        return Operation("\n".join([text, *drawing.fragments]), drawing.variables)

    return operation()


def _field(drawing: _Drawing, parent: GraphQLObjectType, name: str, depth: int) -> str:
    draw = drawing.draw
    definition = parent.fields[name]
    arguments = [
        f"{argument_name}: {text}"
        for argument_name, argument in definition.args.items()
        if (text := _argument(drawing, argument_name, argument, f"{parent.name}.{name}.{argument_name}")) is not None
    ]
    head = name
    # Aliases are unique, so fields with arguments never conflict; a plain field keeps its name sometimes.
    if arguments or draw(st.booleans()):
        head = f"{drawing.alias()}: {name}"
    if arguments:
        head += f"({', '.join(arguments)})"
    head += _directive(drawing)
    named = get_named_type(definition.type)
    if is_leaf_type(named):
        return head
    if is_abstract_type(named):
        return f"{head} {{ {_abstract_selection(drawing, named, depth + 1)} }}"
    assert isinstance(named, GraphQLObjectType)
    return f"{head} {{ {_selection(drawing, named, depth + 1)} }}"


def _selection(drawing: _Drawing, object_type: GraphQLObjectType, depth: int) -> str:
    draw = drawing.draw
    names = sorted(object_type.fields)
    if depth >= MAX_DEPTH:  # leaves only, at the bottom
        names = [n for n in names if is_leaf_type(get_named_type(object_type.fields[n].type))] or names[:1]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=min(8, len(names)), unique=True))
    parts = [_field(drawing, object_type, name, depth) for name in chosen]
    if draw(st.integers(0, 5)) == 0:
        parts.append("__typename")
    # Some of them in a fragment: inline (with or without the type) or named.
    if len(parts) > 1 and draw(st.booleans()):
        cut = draw(st.integers(1, len(parts) - 1))
        inner = " ".join(parts[cut:])
        kind = draw(st.sampled_from(["inline", "typed", "named"]))
        if kind == "inline":
            parts[cut:] = [f"...{_directive(drawing)} {{ {inner} }}"]
        elif kind == "typed":
            parts[cut:] = [f"... on {object_type.name}{_directive(drawing)} {{ {inner} }}"]
        else:
            fragment = f"F{len(drawing.fragments) + 1}"
            drawing.fragments.append(f"fragment {fragment} on {object_type.name} {{ {inner} }}")
            parts[cut:] = [f"...{fragment}{_directive(drawing)}"]
    return " ".join(parts)


def _abstract_selection(drawing: _Drawing, abstract: Any, depth: int) -> str:
    draw = drawing.draw
    parts = ["__typename"] if draw(st.booleans()) else []
    if "id" in abstract.fields and draw(st.booleans()):
        parts.append("id")
    possible = sorted(t.name for t in drawing.schema.get_possible_types(abstract))
    for type_name in draw(st.lists(st.sampled_from(possible), min_size=1 if not parts else 0, max_size=3, unique=True)):
        object_type = drawing.schema.get_type(type_name)
        assert isinstance(object_type, GraphQLObjectType)
        parts.append(f"... on {type_name} {{ {_selection(drawing, object_type, depth)} }}")
    return " ".join(parts)


def _directive(drawing: _Drawing) -> str:
    """Mostly nothing; sometimes `` @skip(if: …)`` or `` @include(if: …)``, literal or variable."""
    draw = drawing.draw
    if draw(st.integers(0, 7)) != 0:
        return ""
    name = draw(st.sampled_from(["skip", "include"]))
    if draw(st.booleans()):
        condition = "true" if draw(st.booleans()) else "false"
    else:
        variable = f"d{len(drawing.variables) + 1}"
        drawing.variables[variable] = draw(st.booleans())
        drawing.declarations.append(f"${variable}: Boolean!")
        condition = f"${variable}"
    return f" @{name}(if: {condition})"


def _argument(drawing: _Drawing, name: str, argument: GraphQLArgument, qualified: str) -> str | None:
    """The argument's text (a literal or a variable), or None to leave it out."""
    draw = drawing.draw
    required = isinstance(argument.type, GraphQLNonNull)
    if not required and draw(st.integers(0, 2)) == 0:
        return None
    value = _value(drawing, name, argument.type, qualified)
    if draw(st.booleans()):
        variable = f"v{len(drawing.variables) + 1}"
        drawing.variables[variable] = value
        drawing.declarations.append(f"${variable}: {argument.type}")
        return f"${variable}"
    return _literal(value)


def _value(drawing: _Drawing, name: str, type_: GraphQLInputType, qualified: str = "") -> Any:
    """A value for the argument or input field ``name`` (``qualified``: ``Type.field.argument``,
    looked up first: ``Query.report.id`` draws report IDs where ``node`` draws any)."""
    draw = drawing.draw
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        item_type = type_.of_type
        return [_value(drawing, name, item_type) for _ in range(draw(st.integers(0, 3)))]
    if isinstance(type_, GraphQLInputObjectType):
        chosen = draw(st.lists(st.sampled_from(sorted(type_.fields)), max_size=len(type_.fields), unique=True))
        return {key: _value(drawing, key, type_.fields[key].type) for key in chosen}
    if isinstance(type_, GraphQLEnumType):
        return _EnumName(draw(st.sampled_from(sorted(type_.values))))
    pool = drawing.values.get(qualified) or drawing.values.get(name)
    if pool:
        return draw(st.sampled_from(list(pool)))
    if type_.name == "Boolean":  # type: ignore[union-attr]
        return draw(st.booleans())
    if type_.name == "Int":  # type: ignore[union-attr]
        return draw(st.integers(-3, 150))
    return draw(st.sampled_from(["", "x"]))


def _literal(value: Any) -> str:
    """A GraphQL literal of a JSON-like value (enum names are bare)."""
    if isinstance(value, _EnumName):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if value is None:
        return "null"
    return json.dumps(value)


class _EnumName(str):
    """An enum value: written bare as a literal, as a string in variables."""
