"""Running a plan: the reads, level by level, then the answer built from what they read.

**Reads** (``fetch``): the plan is walked from the root with the list of all sources at
each position; a ``Fetch`` field reads once for all of them (``reports`` → the page;
its reports' ``lineItems`` → one query for every report of the page), and its values are
kept by source identity in ``Request.fetched``. A read that fails (an argument refused,
a missing scope, a fault) is kept as that failure for every source of the field.

**Answer**: a generated builder per object plan (``resolvers.compiled.build``) turns
each source into its dict. It assumes nothing went wrong; at the first sign that
something did (a failed read, a value its serializer refuses, a null where the schema
says non-null), the answer is built again, from the same reads, by ``careful`` — an
interpreter of the plan that records GraphQL errors as graphql-core's executor does:

- a field error is located (the field's nodes, its path) and, unless the field is
  nullable, propagates to the nearest nullable ancestor, which becomes null; the error
  is recorded there, once, and errors under a position already nulled are dropped;
- what Strawberry would mask (anything but an ``ApiError``) reads "Unexpected error."
  and is logged (``report_errors``, the schema's own ``process_errors``);
- order: graphql-core runs the root fields concurrently, so a root field's error is
  recorded at its *time* — the number of reads before it on its path — and the first
  non-null error at the root (which nulls ``data``) cancels what has not happened by
  then. Errors are ordered by (time, field order), as the executor records them when
  each resolver raises before its own read, as ours do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    is_leaf_type,
    located_error,
)
from graphql.execution.values import get_argument_values

from resolvers.compiled.fields import TYPE_OF, Fetch, Request, Same
from resolvers.compiled.plan import FieldPlan, ObjectPlan, Plan
from schema.errors import should_mask_error

MASKED_MESSAGE = "Unexpected error."  # Strawberry's MaskErrors default
ROOT = None  # the root value (Query's source)


class Failed(dict[int, Any]):
    """A Fetch field's reads that failed: any source's value is the failure."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def __missing__(self, key: int) -> Any:
        raise _Bail


class _Bail(Exception):
    """Something went wrong while building fast: build again, carefully."""


async def fetch(plan: Plan, request: Request) -> None:
    request.fetched = [None] * plan.fetch_count
    if plan.root.fetches:
        await _fetch_object(plan.root, [ROOT], request)


async def _fetch_object(plan: ObjectPlan, sources: Sequence[Any], request: Request) -> None:
    for field in plan.fields:
        if field.source is None:
            continue
        if field.is_fetch:
            assert isinstance(field.source, Fetch)
            try:
                arguments = field.arguments
                if arguments is None:
                    arguments = (
                        get_argument_values(field.definition, field.nodes[0], request.variables)
                        if field.definition is not None and field.definition.args
                        else {}
                    )
                values = await field.source.read(request, sources, arguments, field.selected)
            except Exception as error:  # kept, answered as the field's error (careful)
                request.fetched[field.fetch_index] = Failed(error)
                continue
            request.fetched[field.fetch_index] = {id(s): v for s, v in zip(sources, values, strict=True)}
        elif not _descends_to_fetch(field):
            continue
        else:
            get = getter(field)
            try:
                values = [get(s, request) for s in sources]
            except Exception:
                continue  # the careful build reports it; nothing below it is read
        await _fetch_children(field, values, request)


def _descends_to_fetch(field: FieldPlan) -> bool:
    if field.child is not None:
        return field.child.fetches
    return field.children is not None and any(c.fetches for c in field.children.values())


async def _fetch_children(field: FieldPlan, values: Sequence[Any], request: Request) -> None:
    if not _descends_to_fetch(field):
        return
    children = list(_objects(values, _list_depth(field.type)))  # type: ignore[arg-type]
    if not children:
        return
    if field.child is not None:
        await _fetch_object(field.child, children, request)
        return
    assert field.children is not None
    by_type: dict[str, list[Any]] = {}
    for child in children:
        type_name = TYPE_OF.get(type(child))
        if type_name is not None:
            by_type.setdefault(type_name, []).append(child)
    for type_name, group in by_type.items():
        if type_name in field.children and field.children[type_name].fetches:
            await _fetch_object(field.children[type_name], group, request)


def _list_depth(type_: GraphQLOutputType) -> int:
    depth = 0
    while True:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        elif isinstance(type_, GraphQLList):
            depth += 1
            type_ = type_.of_type
        else:
            return depth


def _objects(values: Sequence[Any], depth: int) -> Any:
    for value in values:
        if value is None:
            continue
        if depth:
            yield from _objects(value, depth - 1)
        else:
            yield value


def getter(field: FieldPlan) -> Callable[[Any, Request], Any]:
    """The field's value from its source, as a function (a Fetch's: what was read)."""
    source = field.source
    if isinstance(source, Fetch):
        index = field.fetch_index

        def fetched(s: Any, request: Request) -> Any:
            found = request.fetched[index]
            if isinstance(found, Failed):
                raise found.error
            return found[id(s)]

        return fetched
    if isinstance(source, Same):
        return lambda s, _: s
    if isinstance(source, str):
        path = source.split(".")
        if len(path) == 1:
            name = path[0]
            return lambda s, _: getattr(s, name)

        def follow(s: Any, _: Request) -> Any:
            for part in path:
                s = getattr(s, part)
            return s

        return follow
    assert source is not None
    return source


# --- the careful build: errors as graphql-core records them ---------------------------


@dataclass
class _Propagating(Exception):
    """A non-null field's error on its way up to the nearest nullable ancestor."""

    error: GraphQLError
    time: int
    order: int


@dataclass
class _Recorded:
    error: GraphQLError
    time: int
    order: int


class _Careful:
    def __init__(self, request: Request) -> None:
        self.request = request
        self.order = 0

    def located(self, raw: Exception, field: FieldPlan, path: list[Any]) -> GraphQLError:
        self.order += 1
        return located_error(raw, list(field.nodes), path)

    def object(self, plan: ObjectPlan, source: Any, path: list[Any], time: int) -> dict[str, Any]:
        """The object's dict; raises ``_Propagating`` (the earliest) if a non-null field failed."""
        result: dict[str, Any] = {}
        earliest: _Propagating | None = None
        for field in plan.fields:
            if field.source is None:
                result[field.key] = plan.type.name
                continue
            field_path = [*path, field.key]
            try:
                result[field.key] = self.field(field, source, field_path, time)
            except _Propagating as propagating:
                # No nullable ancestor below the root's fields: all nested fields that can
                # fail are non-null (resolvers.compiled.fields), so this goes on up.
                if isinstance(field.type, GraphQLNonNull):
                    if earliest is None or (propagating.time, propagating.order) < (earliest.time, earliest.order):
                        earliest = propagating
                    result[field.key] = None
                else:
                    self.nested_nullable.append(_Recorded(propagating.error, propagating.time, propagating.order))
                    result[field.key] = None
        if earliest is not None:
            raise earliest
        return result

    nested_nullable: list[_Recorded]

    def field(self, field: FieldPlan, source: Any, path: list[Any], time: int) -> Any:
        after = time + (1 if field.is_fetch else 0)
        try:
            value = getter(field)(source, self.request)
        except Exception as raw:
            raise _Propagating(self.located(raw, field, path), time, self.order) from None
        return self.complete(field, field.type, value, path, after)  # type: ignore[arg-type]

    def complete(self, field: FieldPlan, type_: GraphQLOutputType, value: Any, path: list[Any], time: int) -> Any:
        if isinstance(type_, GraphQLNonNull):
            completed = self.complete(field, type_.of_type, value, path, time)
            if completed is None:
                message = f"Cannot return null for non-nullable field {field.parent.name}.{field.name}."
                raise _Propagating(self.located(TypeError(message), field, path), time, self.order)
            return completed
        if value is None:
            return None
        if isinstance(type_, GraphQLList):
            items = []
            earliest: _Propagating | None = None
            for index, item in enumerate(value):
                try:
                    items.append(self.complete(field, type_.of_type, item, [*path, index], time))
                except _Propagating as propagating:
                    if not isinstance(type_.of_type, GraphQLNonNull):
                        self.nested_nullable.append(_Recorded(propagating.error, propagating.time, propagating.order))
                        items.append(None)
                        continue
                    if earliest is None or (propagating.time, propagating.order) < (earliest.time, earliest.order):
                        earliest = propagating
                    items.append(None)
            if earliest is not None:
                raise earliest
            return items
        if is_leaf_type(type_):
            try:
                return type_.serialize(value)
            except Exception as raw:
                raise _Propagating(self.located(raw, field, path), time, self.order) from None
        if isinstance(type_, GraphQLObjectType):
            assert field.child is not None
            return self.object(field.child, value, path, time)
        # An abstract type: the source's class says which.
        assert field.children is not None
        type_name = TYPE_OF.get(type(value))
        if type_name is None or type_name not in field.children:
            message = f"no GraphQL type for {type(value).__name__} in {type_}"
            raise _Propagating(self.located(TypeError(message), field, path), time, self.order)
        return self.object(field.children[type_name], value, path, time)

    def root(self, plan: ObjectPlan) -> tuple[dict[str, Any] | None, list[GraphQLError]]:
        """``data`` and the errors, in the order graphql-core's executor records them."""
        self.nested_nullable = []
        data: dict[str, Any] = {}
        nullable: list[_Recorded] = []
        nulls_data: _Propagating | None = None
        for field in plan.fields:
            if field.source is None:
                data[field.key] = plan.type.name
                continue
            try:
                data[field.key] = self.field(field, ROOT, [field.key], 0)
            except _Propagating as propagating:
                data[field.key] = None
                if isinstance(field.type, GraphQLNonNull):
                    if nulls_data is None or (propagating.time, propagating.order) < (
                        nulls_data.time,
                        nulls_data.order,
                    ):
                        nulls_data = propagating
                else:
                    nullable.append(_Recorded(propagating.error, propagating.time, propagating.order))
        recorded = sorted([*nullable, *self.nested_nullable], key=lambda r: (r.time, r.order))
        if nulls_data is None:
            return data, [r.error for r in recorded]
        # The first non-null root error nulls data at its time; what comes later never happens.
        before = [r.error for r in recorded if r.time <= nulls_data.time]
        return None, [*before, nulls_data.error]


def careful(plan: Plan, request: Request) -> tuple[dict[str, Any] | None, list[GraphQLError]]:
    return _Careful(request).root(plan.root)


def masked(errors: list[GraphQLError]) -> list[GraphQLError]:
    """As Strawberry's ``MaskErrors`` shows them."""
    return [
        GraphQLError(
            MASKED_MESSAGE,
            nodes=e.nodes,
            source=e.source,
            positions=e.positions,
            path=e.path,
            original_error=None,
        )
        if should_mask_error(e)
        else e
        for e in errors
    ]


__all__ = ["MASKED_MESSAGE", "ROOT", "Failed", "_Bail", "careful", "fetch", "getter", "masked"]
