"""Compiling a query document, once, into a plan that builds its answer without graphql-core.

``compile_operation`` parses the text with the schema's token limit, validates it with
the schema's own rules (the standard ones plus depth, aliases and, in production, no
introspection), and then turns the selection into nested builders: for each object, the
list of (response key, how to get the value) in the order graphql-core would answer
them. Field collection is GraphQL's (fragments and inline fragments merged into their
object's fields, first occurrence first); documents with directives are not compiled,
so no selection depends on variables.

It returns None for anything the path does not answer (see the package docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    is_abstract_type,
    parse,
    specified_rules,
)
from graphql.validation import ASTValidationRule

from resolvers.report_query.fields import LISTS, OBJECTS, SCALARS, Loaded
from schema.validation import checked_validation

Builder = Callable[[Any, Loaded], dict[str, Any]]
Getter = Callable[[Any, Loaded], Any] | str  # a function, or the name of the source's attribute


class Unsupported(Exception):
    """The document asks for something the path does not answer."""


@dataclass(frozen=True)
class Plan:
    """A compiled query: its root fields in order, the report field, and what to read."""

    operation: OperationDefinitionNode
    root: tuple[tuple[str, str], ...]  # (response key, "report" | "__typename")
    report_field: GraphQLField
    report_node: FieldNode
    report: Builder
    needs_totals: bool
    line_items: tuple[GraphQLField, FieldNode] | None  # the lineItems field, for its arguments


@dataclass
class _Compiling:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    needs_totals: bool = False
    line_items: list[tuple[GraphQLField, FieldNode]] = field(default_factory=list)


def compile_operation(
    schema: GraphQLSchema,
    query: str,
    operation_name: str | None,
    rules: Collection[type[ASTValidationRule]],
    max_tokens: int,
) -> Plan | None:
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return None
    if checked_validation(schema, document, (*specified_rules, *rules)):
        return None
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.QUERY:
        return None
    try:
        return _plan(schema, document, operation)
    except Unsupported:
        return None


def _plan(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) -> Plan:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    state = _Compiling(schema, fragments)
    query_type = schema.query_type
    assert query_type is not None
    root: list[tuple[str, str]] = []
    report: tuple[GraphQLField, FieldNode, Builder] | None = None
    for key, nodes in _collect(state, query_type, [operation.selection_set]).items():
        name = nodes[0].name.value
        if name == "__typename":
            root.append((key, name))
        elif name == "report" and report is None:
            definition = query_type.fields[name]
            report = (definition, nodes[0], _object(state, _object_type(definition), nodes))
            root.append((key, name))
        else:
            raise Unsupported(name)
    if report is None or len(state.line_items) > 1:
        raise Unsupported("not a report query")
    return Plan(
        operation=operation,
        root=tuple(root),
        report_field=report[0],
        report_node=report[1],
        report=report[2],
        needs_totals=state.needs_totals,
        line_items=state.line_items[0] if state.line_items else None,
    )


def _object(state: _Compiling, object_type: GraphQLObjectType, nodes: Sequence[FieldNode]) -> Builder:
    """The builder of one object: its selected fields (merged over ``nodes``) in answer order."""
    type_name = object_type.name
    scalars, objects, lists = SCALARS.get(type_name, {}), OBJECTS.get(type_name, {}), LISTS.get(type_name, {})
    entries: list[tuple[str, _Entry]] = []
    selection_sets = [n.selection_set for n in nodes if n.selection_set is not None]
    for key, field_nodes in _collect(state, object_type, selection_sets).items():
        name = field_nodes[0].name.value
        if name == "__typename":
            entries.append((key, _Constant(type_name)))
        elif name in scalars:
            entries.append((key, _Value(scalars[name])))
        elif name in objects:
            getter, child_type = objects[name]
            entries.append((key, _Object(getter, _object(state, _named(state, child_type), field_nodes))))
            _note_data(state, type_name, name, object_type.fields[name], field_nodes[0])
        elif name in lists:
            getter, child_type = lists[name]
            assert getter is not None, f"{type_name}.{name}: a list needs its source"
            entries.append((key, _List(getter, _object(state, _named(state, child_type), field_nodes))))
        else:
            raise Unsupported(f"{type_name}.{name}")
    return _builder(type_name, entries)


@dataclass(frozen=True)
class _Constant:
    value: str


@dataclass(frozen=True)
class _Value:
    get: Getter  # the source's attribute, or a function of (source, loaded)


@dataclass(frozen=True)
class _Object:
    get: Getter | None  # None: the child is built from the same source
    build: Builder


@dataclass(frozen=True)
class _List:
    get: Getter
    build: Builder


_Entry = _Constant | _Value | _Object | _List


def _builder(type_name: str, entries: list[tuple[str, _Entry]]) -> Builder:
    """One function that returns the object's dict as a literal.

    Generated, as ``dataclasses`` generates ``__init__``: a page of 50 lines builds 200
    such dicts, and a literal with attribute reads and child builders inlined costs about
    half of calling a getter per key. Keys are GraphQL names (the lexer admits only
    ``[_A-Za-z][_0-9A-Za-z]*``), written with ``repr``; attribute paths come from
    ``fields.py`` and are checked to be identifiers.
    """
    namespace: dict[str, Any] = {}

    def value(n: int, get: Getter) -> str:
        if isinstance(get, str):
            if not all(part.isidentifier() for part in get.split(".")):
                raise ValueError(f"not an attribute path: {get!r}")
            return f"source.{get}"
        namespace[f"_get{n}"] = get
        return f"_get{n}(source, loaded)"

    items = []
    for n, (key, entry) in enumerate(entries):
        if isinstance(entry, _Constant):
            code = repr(entry.value)
        elif isinstance(entry, _Value):
            code = value(n, entry.get)
        elif isinstance(entry, _Object):
            namespace[f"_build{n}"] = entry.build
            code = (
                f"_build{n}(source, loaded)"
                if entry.get is None
                else f"(None if (child := {value(n, entry.get)}) is None else _build{n}(child, loaded))"
            )
        else:
            namespace[f"_build{n}"] = entry.build
            code = f"[_build{n}(item, loaded) for item in {value(n, entry.get)}]"
        items.append(f"{key!r}: {code}")
    source = f"def build_{type_name}(source, loaded):\n    return {{{', '.join(items)}}}\n"
    exec(compile(source, f"<report query: {type_name}>", "exec"), namespace)
    return namespace[f"build_{type_name}"]


def _note_data(state: _Compiling, type_name: str, name: str, definition: GraphQLField, node: FieldNode) -> None:
    """The report's fields that need a read of their own: totals, and the line page."""
    if type_name != "BillingReport":
        return
    if name == "totals":
        state.needs_totals = True
    elif name == "lineItems":
        state.line_items.append((definition, node))


def _named(state: _Compiling, type_name: str) -> GraphQLObjectType:
    found = state.schema.get_type(type_name)
    if not isinstance(found, GraphQLObjectType):
        raise Unsupported(type_name)  # the table names a type the schema does not have
    return found


def _object_type(definition: GraphQLField) -> GraphQLObjectType:
    named = get_named_type(definition.type)
    if not isinstance(named, GraphQLObjectType):
        raise Unsupported(str(named))
    return named


def _collect(
    state: _Compiling, object_type: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode]
) -> dict[str, list[FieldNode]]:
    """GraphQL's CollectFields for a document without directives: fields by response key."""
    fields: dict[str, list[FieldNode]] = {}
    visited: set[str] = set()

    def visit(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise Unsupported("directives")
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if _applies(state, selection.type_condition, object_type):
                    visit(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in visited:
                    continue
                visited.add(name)
                fragment = state.fragments[name]
                if fragment.directives:
                    raise Unsupported("directives")
                if _applies(state, fragment.type_condition, object_type):
                    visit(fragment.selection_set)

    for selection_set in selection_sets:
        visit(selection_set)
    return fields


def _applies(state: _Compiling, condition: Any, object_type: GraphQLObjectType) -> bool:
    if condition is None:
        return True
    named = state.schema.get_type(condition.name.value)
    if named is object_type:
        return True
    # A fragment on an interface or union applies to the object types it includes.
    return is_abstract_type(named) and state.schema.is_sub_type(named, object_type)
