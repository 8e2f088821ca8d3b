"""Generated builders: one Python function per plan that returns its answer as one literal.

Generated, as ``dataclasses`` generates ``__init__``: a page of 50 lines builds 200
dicts, and a literal with attribute reads, serializer checks and child objects inlined
(nested literals and comprehensions; only an abstract field's types get functions of
their own) costs a fraction of a call per field. Each builder assumes every read succeeded and
every value is what its type says; anything else raises, and ``resolvers.compiled.execute``
builds the answer again carefully, with the errors GraphQL prescribes.

How a leaf is written comes from its schema type: ``Int`` (a 32-bit check), ``String``,
``ID`` and ``Boolean`` (their Python types), enums (the schema's own value → name map),
and any other scalar (``Date``, ``DateTime``) through the schema type's ``serialize``.
``tests/unit/test_compiled_build.py`` holds these to graphql-core's serializers.

Keys are GraphQL names (the lexer admits only ``[_A-Za-z][_0-9A-Za-z]*``), written with
``repr``; attribute paths come from ``resolvers.compiled.fields`` and are checked to be
identifiers.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLString,
)

from resolvers.compiled.execute import _Bail
from resolvers.compiled.fields import TYPE_OF, Fetch, Formatted, GlobalId, Same
from resolvers.compiled.plan import FieldPlan, ObjectPlan, Plan
from schema import ids

_TYPE_CHECKS = {GraphQLString.name: "str", GraphQLID.name: "str", GraphQLBoolean.name: "bool"}


def _bail(*_: Any) -> Any:
    raise _Bail


def attach_builders(plan: Plan) -> None:
    """Generate the builder of ``plan``'s root (its objects inlined) and of each abstract field's types."""
    plan.root.build = _generate(plan.root)


class _Writer:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"_bail": _bail, "_TYPE_OF": TYPE_OF}
        self.count = 0

    def bind(self, value: Any) -> str:
        self.count += 1
        name = f"_n{self.count}"
        self.namespace[name] = value
        return name

    def fresh(self) -> str:
        self.count += 1
        return f"_v{self.count}"

    def object(self, plan: ObjectPlan, source: str) -> str:
        """The dict literal of ``plan`` for the object in the variable ``source``."""
        items = []
        for field in plan.fields:
            if field.source is None:
                code = repr(plan.type.name)
            else:
                code = self.complete(field, field.type, self.value(field, source))  # type: ignore[arg-type]
            items.append(f"{field.key!r}: {code}")
        return f"{{{', '.join(items)}}}"

    def value(self, field: FieldPlan, source: str) -> str:
        found = field.source
        if isinstance(found, Same):
            return source
        if isinstance(found, str):
            if not all(part.isidentifier() for part in found.split(".")):
                raise ValueError(f"not an attribute path: {found!r}")
            return f"{source}.{found}"
        if isinstance(found, Fetch):
            return f"request.fetched[{field.fetch_index}][id({source})]"
        if isinstance(found, Formatted):
            if found.attribute is None:
                return f"{self.bind(found.format)}({source})"
            if not found.attribute.isidentifier():
                raise ValueError(f"not an attribute: {found.attribute!r}")
            return f"{self.bind(found.format)}({source}.{found.attribute})"
        if isinstance(found, GlobalId):
            if not found.attribute.isidentifier():
                raise ValueError(f"not an attribute: {found.attribute!r}")
            return f"{self.bind(ids.encoder(found.type_name))}({source}.{found.attribute})"
        return f"{self.bind(found)}({source}, request)"

    def complete(self, field: FieldPlan, type_: GraphQLOutputType, expression: str) -> str:
        if isinstance(type_, GraphQLNonNull):
            return self.non_null(field, type_.of_type, expression)
        v = self.fresh()
        return f"(None if ({v} := {expression}) is None else {self.non_null(field, type_, v)})"

    def non_null(self, field: FieldPlan, type_: GraphQLOutputType, expression: str) -> str:
        """``expression`` (a value the schema says is not null) completed."""
        if isinstance(type_, GraphQLList):
            item = self.fresh()
            return f"[{self.complete(field, type_.of_type, item)} for {item} in {expression}]"
        if isinstance(type_, GraphQLScalarType):
            v = self.fresh()
            if type_.name == GraphQLInt.name:
                return f"({v} if type({v} := {expression}) is int and -2147483648 <= {v} <= 2147483647 else _bail())"
            if type_.name in _TYPE_CHECKS:
                return f"({v} if type({v} := {expression}) is {_TYPE_CHECKS[type_.name]} else _bail())"
            serialize = self.bind(type_.serialize)
            return f"({v} if ({v} := {serialize}({expression})) is not None else _bail())"
        if isinstance(type_, GraphQLEnumType):
            names = {value.value: name for name, value in type_.values.items()}
            return f"{self.bind(names)}[{expression}]"
        if isinstance(type_, GraphQLObjectType):
            assert field.child is not None
            if expression.isidentifier():  # the source itself, or an item: inline its dict
                return self.object(field.child, expression)
            v = self.fresh()
            return f"(_bail() if ({v} := {expression}) is None else {self.object(field.child, v)})"
        assert field.children is not None  # an abstract type: a builder per possible type
        builders = {name: _generate(plan) for name, plan in field.children.items()}
        v = self.fresh()
        return f"{self.bind(builders)}[_TYPE_OF[type({v} := {expression})]]({v}, request)"


def _generate(plan: ObjectPlan) -> Any:
    writer = _Writer()
    name = f"build_{plan.type.name}"
    source = f"def {name}(source, request):\n    return {writer.object(plan, 'source')}\n"
    exec(compile(source, f"<compiled query: {plan.type.name}>", "exec"), writer.namespace)
    return writer.namespace[name]
