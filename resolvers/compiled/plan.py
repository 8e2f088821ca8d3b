"""A validated query, compiled once into a plan: what to read, level by level, and how to
build the answer.

``compile_plan`` walks the operation as graphql-core's execution would: field collection
(fragments and inline fragments merged into their object's fields, first occurrence
first, ``@skip``/``@include`` evaluated), each field's definition and type from the
schema, and for each field its entry of ``resolvers.compiled.fields.FIELDS``. The result
is a tree of ``ObjectPlan``s (one per selection of an object type; an abstract field has
one per possible type) whose ``FieldPlan``s say:

- how the value is found (an attribute, a function, the same source, or a ``Fetch``
  numbered in the plan: ``fetch_index``);
- how it is completed: a leaf's named type (its serializer is the schema's), or the
  child plan(s);
- its arguments: constant ones coerced here once, ones with variables per request.

A plan depends on the document, the operation and the values of the variables that
``@skip``/``@include`` read (``directive_variables``): the cache key of ``Prepared.plan``.
A field the table does not know (introspection: ``__schema``, ``__type``) raises
``Unsupported``; the caller answers through Strawberry and counts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    visit,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values
from graphql.language import Visitor

from resolvers.compiled.fields import FIELDS, Fetch, Source


class Unsupported(Exception):
    """The operation selects a field the compiled path does not answer."""


@dataclass(eq=False)
class FieldPlan:
    key: str  # the response key (alias or name)
    name: str
    nodes: tuple[FieldNode, ...]  # the merged field nodes (errors' locations)
    parent: GraphQLObjectType
    type: GraphQLOutputType | None  # None for __typename
    source: Source | None  # None for __typename
    definition: GraphQLField | None = None
    arguments: dict[str, Any] | None = None  # coerced, when they hold no variables
    fetch_index: int = -1  # its slot in Request.fetched, for a Fetch
    selected: frozenset[str] = frozenset()  # the field names selected below it (for its Fetch)
    child: ObjectPlan | None = None  # the object type's plan
    children: dict[str, ObjectPlan] | None = None  # an abstract type's: by concrete type name

    @property
    def is_fetch(self) -> bool:
        return self.fetch_index >= 0


@dataclass(eq=False)
class ObjectPlan:
    type: GraphQLObjectType
    fields: list[FieldPlan]
    fetches: bool = False  # a Fetch in this subtree: the fetch phase must walk it
    build: Any = None  # the generated builder (resolvers.compiled.build)


@dataclass(eq=False)
class Plan:
    root: ObjectPlan
    fetch_count: int


@dataclass
class _Compiling:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: VariableValues
    fetch_count: int = 0


def directive_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables that ``@skip``/``@include`` arguments read (the plan depends on them)."""
    names: list[str] = []

    class Finder(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> None:
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode) and argument.value.name.value not in names:
                    names.append(argument.value.name.value)

    visit(document, Finder())
    return tuple(names)


def compile_plan(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: VariableValues
) -> Plan:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    state = _Compiling(schema, fragments, variables)
    query_type = schema.query_type
    assert query_type is not None
    root = _object_plan(state, query_type, [operation.selection_set])
    return Plan(root, state.fetch_count)


def _object_plan(
    state: _Compiling, object_type: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode]
) -> ObjectPlan:
    table = FIELDS.get(object_type.name, {})
    plans: list[FieldPlan] = []
    for key, nodes in _collect(state, object_type, selection_sets).items():
        name = nodes[0].name.value
        if name == "__typename":
            plans.append(FieldPlan(key, name, tuple(nodes), object_type, None, None))
            continue
        if name.startswith("__"):  # __schema, __type: introspection (on in debug mode only)
            raise Unsupported("introspection")
        definition = object_type.fields.get(name)
        if definition is None or name not in table:
            raise Unsupported(f"{object_type.name}.{name}")
        plan = FieldPlan(key, name, tuple(nodes), object_type, definition.type, table[name], definition)
        if definition.args and not _has_variables(nodes[0]):
            plan.arguments = get_argument_values(definition, nodes[0])
        if isinstance(plan.source, Fetch):
            plan.fetch_index = state.fetch_count
            state.fetch_count += 1
        named = get_named_type(definition.type)
        child_sets = [n.selection_set for n in nodes if n.selection_set is not None]
        if isinstance(named, GraphQLObjectType):
            plan.child = _object_plan(state, named, child_sets)
            plan.selected = frozenset(f.name for f in plan.child.fields)
        elif is_abstract_type(named):
            plan.children = {
                possible.name: _object_plan(state, possible, child_sets)
                for possible in state.schema.get_possible_types(named)
            }
        elif not is_leaf_type(named):
            raise Unsupported(f"{object_type.name}.{name}: {named}")
        plans.append(plan)
    object_plan = ObjectPlan(object_type, plans)
    object_plan.fetches = any(
        p.is_fetch
        or (p.child is not None and p.child.fetches)
        or (p.children is not None and any(c.fetches for c in p.children.values()))
        for p in plans
    )
    return object_plan


def _has_variables(node: FieldNode) -> bool:
    found = False

    class Finder(Visitor):
        def enter_variable(self, *_: Any) -> None:
            nonlocal found
            found = True

    for argument in node.arguments or ():
        visit(argument, Finder())
    return found


def _collect(
    state: _Compiling, object_type: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode]
) -> dict[str, list[FieldNode]]:
    """GraphQL's CollectFields: the fields of ``object_type`` by response key, in order."""
    fields: dict[str, list[FieldNode]] = {}
    visited: set[str] = set()

    def visit_set(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if not _included(state, selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if _applies(state, selection.type_condition, object_type):
                    visit_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in visited:
                    continue
                visited.add(name)
                fragment = state.fragments[name]
                if _applies(state, fragment.type_condition, object_type):
                    visit_set(fragment.selection_set)

    for selection_set in selection_sets:
        visit_set(selection_set)
    return fields


def _included(state: _Compiling, node: Any) -> bool:
    if not node.directives:
        return True
    skip = get_directive_values(GraphQLSkipDirective, node, state.variables)
    if skip is not None and skip["if"] is True:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, state.variables)
    return not (include is not None and include["if"] is False)


def _applies(state: _Compiling, condition: Any, object_type: GraphQLObjectType) -> bool:
    if condition is None:
        return True
    named = state.schema.get_type(condition.name.value)
    if named is object_type:
        return True
    # A fragment on an interface or union applies to the object types it includes.
    return is_abstract_type(named) and state.schema.is_sub_type(named, object_type)
