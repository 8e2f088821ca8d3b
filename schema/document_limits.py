"""How much work a GraphQL document may ask for, measured before it is validated or run.

A document of a few hundred tokens can still ask for an exponential amount of work:
``query { ...F0 } fragment F0 on Query { ...F1 ...F1 } … fragment F19 on Query { viewer
{ scopes } }`` is 170 tokens, 2 levels deep, without an alias, and expands to a million
fields. Counting that by expanding the fragments (as Strawberry's depth and alias limiters
do) takes seconds, and so does graphql-core's check that overlapping fields can be merged,
which compares every pair of fields that share a response name in one selection set.

``measure`` walks each selection set once and each fragment once (its figures are
remembered), so its time grows with the document's length, never with its expansion.
``limit_errors`` turns the figures into errors against the limits (docs/api.md, Limits):

- ``fields`` — fields after fragment expansion (each spread counted as often as it is
  spread), at most ``MAX_FIELDS``;
- ``depth`` — the deepest field, the top-level fields being at depth 0 (Strawberry's
  ``QueryDepthLimiter`` counts the same way), at most ``MAX_DEPTH``;
- ``aliases`` — aliased fields after fragment expansion, at most ``MAX_ALIASES``;
- ``repeats`` — what graphql-core's overlap check would compare: for each selection set,
  each pair of fields with the same response name, weighed by the size of their
  sub-selections, at most ``MAX_REPEATS``. A client that colocates fragments repeats a
  field a few times (``id`` in each fragment); hundreds of copies are an attack.

``oversized_list`` bounds every list in an operation's variables (``MAX_INPUT_LIST``);
list literals in the document itself are bounded by the token limit.

A refusal is a GraphQL error with ``extensions.code`` ``QUERY_TOO_COMPLEX`` or
``INPUT_TOO_LARGE``, given before validation and execution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_FIELDS = 500
MAX_REPEATS = 1000
# Every list in the variables (adjustments, usage records, filter values); a list written
# in the document itself is bounded by the token limit.
MAX_INPUT_LIST = 5000

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
INPUT_TOO_LARGE = "INPUT_TOO_LARGE"


@dataclass(frozen=True)
class Size:
    """The figures of a selection set (or a whole document) after fragment expansion."""

    fields: int = 0
    levels: int = 0  # nested levels of fields: ``{ a { b } }`` has 2
    aliases: int = 0
    repeats: int = 0

    @property
    def depth(self) -> int:
        return max(self.levels - 1, 0)


@dataclass(frozen=True)
class _Key:
    """One response name of a selection set: how often it is selected, its largest sub-selection."""

    count: int
    largest: int


class _Measure:
    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.done: dict[str, tuple[Size, dict[str, _Key]]] = {}
        self.in_progress: set[str] = set()

    def closed(self, node: SelectionSetNode | None) -> Size:
        """A field's sub-selection (or an operation): its figures with the pairs of its own level."""
        size, keys = self.level(node)
        return Size(size.fields, size.levels, size.aliases, size.repeats + _pairs(keys))

    def level(self, node: SelectionSetNode | None) -> tuple[Size, dict[str, _Key]]:
        """A selection set's figures without the pairs of its own level, and the response
        names it selects there: a spread or inline fragment merges them into the set around it."""
        if node is None:
            return Size(), {}
        fields = levels = aliases = repeats = 0
        keys: dict[str, _Key] = {}
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                sub = self.closed(selection.selection_set)
                fields += 1 + sub.fields
                levels = max(levels, 1 + sub.levels)
                aliases += sub.aliases + (selection.alias is not None)
                repeats += sub.repeats
                _add(keys, (selection.alias or selection.name).value, _Key(1, sub.fields))
                continue
            if isinstance(selection, FragmentSpreadNode):
                inner, inner_keys = self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                inner, inner_keys = self.level(selection.selection_set)
            else:  # pragma: no cover - graphql-core has no other selection
                continue
            fields += inner.fields
            levels = max(levels, inner.levels)
            aliases += inner.aliases
            repeats += inner.repeats
            for name, key in inner_keys.items():
                _add(keys, name, key)
        return Size(fields, levels, aliases, repeats), keys

    def fragment(self, name: str) -> tuple[Size, dict[str, _Key]]:
        """A fragment's ``level``, worked out once however often it is spread."""
        if name in self.done:
            return self.done[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.in_progress:
            return Size(), {}  # unknown or cyclic: validation says so
        self.in_progress.add(name)
        self.done[name] = self.level(definition.selection_set)
        self.in_progress.discard(name)
        return self.done[name]


def _pairs(keys: dict[str, _Key]) -> int:
    """What the overlap check compares in one selection set: each pair of fields with the
    same response name, weighed by 1 + the larger sub-selection of that name."""
    return sum(k.count * (k.count - 1) // 2 * (1 + k.largest) for k in keys.values())


def _add(keys: dict[str, _Key], name: str, key: _Key) -> None:
    known = keys.get(name)
    keys[name] = key if known is None else _Key(known.count + key.count, max(known.largest, key.largest))


def measure(document: DocumentNode) -> Size:
    """The whole document's figures: fields, aliases and repeats summed over its
    operations, the depth of the deepest."""
    measuring = _Measure(document)
    total = Size()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            size = measuring.closed(definition.selection_set)
            total = Size(
                total.fields + size.fields,
                max(total.levels, size.levels),
                total.aliases + size.aliases,
                total.repeats + size.repeats,
            )
    return total


def limit_errors(document: DocumentNode) -> list[GraphQLError]:
    """The limits ``document`` exceeds, as errors (empty: within every limit)."""
    size = measure(document)
    problems = []
    if size.depth > MAX_DEPTH:
        problems.append(f"the operation's fields are nested {size.depth} levels deep; the depth limit is {MAX_DEPTH}")
    if size.aliases > MAX_ALIASES:
        problems.append(f"{size.aliases} aliases after fragment expansion; the limit is {MAX_ALIASES}")
    if size.fields > MAX_FIELDS:
        problems.append(f"{size.fields} fields after fragment expansion; the limit is {MAX_FIELDS}")
    if size.repeats > MAX_REPEATS:
        problems.append(
            f"fields repeated under one response name cost {size.repeats} comparisons "
            f"after fragment expansion; the limit is {MAX_REPEATS}"
        )
    return [GraphQLError(p, extensions={"code": QUERY_TOO_COMPLEX}) for p in problems]


def oversized_list(variables: Any, path: str = "variables") -> GraphQLError | None:
    """An error for the first list in ``variables`` longer than ``MAX_INPUT_LIST``, else None."""
    stack: list[tuple[Any, str]] = [(variables, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            stack.extend((item, f"{where}.{name}") for name, item in value.items())
        elif isinstance(value, list):
            if len(value) > MAX_INPUT_LIST:
                return GraphQLError(
                    f"{where} has {len(value)} items; a list input takes at most {MAX_INPUT_LIST}",
                    extensions={"code": INPUT_TOO_LARGE},
                )
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(value))
    return None
