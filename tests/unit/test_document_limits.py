"""The figures of a document (``schema.document_limits.measure``) are those of its fragments
expanded, computed without expanding them: held to a plain expansion on random documents."""

from __future__ import annotations

import time
from dataclasses import dataclass

from graphql import DocumentNode, FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode, parse
from hypothesis import given, settings
from hypothesis import strategies as st

from schema.document_limits import MAX_INPUT_LIST, Size, limit_errors, measure, oversized_list

NAMES = ("a", "b", "c")


@dataclass(frozen=True)
class Expanded:
    """A field after expansion: its response name and its expanded sub-selection."""

    key: str
    aliased: bool
    children: tuple[Expanded, ...]


def expand(node: SelectionSetNode | None, fragments: dict[str, SelectionSetNode]) -> list[Expanded]:
    """The fields of a selection set with every spread and inline fragment inlined (exponential)."""
    if node is None:
        return []
    fields: list[Expanded] = []
    for selection in node.selections:
        if isinstance(selection, FieldNode):
            fields.append(
                Expanded(
                    (selection.alias or selection.name).value,
                    selection.alias is not None,
                    tuple(expand(selection.selection_set, fragments)),
                )
            )
        elif isinstance(selection, FragmentSpreadNode):
            fields.extend(expand(fragments[selection.name.value], fragments))
        elif isinstance(selection, InlineFragmentNode):
            fields.extend(expand(selection.selection_set, fragments))
    return fields


def count(fields: list[Expanded] | tuple[Expanded, ...]) -> int:
    return sum(1 + count(f.children) for f in fields)


def levels(fields: list[Expanded] | tuple[Expanded, ...]) -> int:
    return max((1 + levels(f.children) for f in fields), default=0)


def aliases(fields: list[Expanded] | tuple[Expanded, ...]) -> int:
    return sum(f.aliased + aliases(f.children) for f in fields)


def repeats(fields: list[Expanded] | tuple[Expanded, ...]) -> int:
    """Pairs of fields sharing a response name in one selection set, each weighed by 1 + the
    larger sub-selection of that name, summed over every selection set."""
    by_key: dict[str, list[Expanded]] = {}
    for f in fields:
        by_key.setdefault(f.key, []).append(f)
    here = sum(
        len(group) * (len(group) - 1) // 2 * (1 + max(count(f.children) for f in group)) for group in by_key.values()
    )
    return here + sum(repeats(f.children) for f in fields)


def plainly(document: DocumentNode) -> Size:
    fragments = {d.name.value: d.selection_set for d in document.definitions if d.kind == "fragment_definition"}
    operations = [expand(d.selection_set, fragments) for d in document.definitions if d.kind == "operation_definition"]
    return Size(
        sum(count(o) for o in operations),
        max(levels(o) for o in operations),
        sum(aliases(o) for o in operations),
        sum(repeats(o) for o in operations),
    )


@st.composite
def documents(draw: st.DrawFn) -> str:
    """An operation and up to 4 fragments; fragment i spreads only fragments after it (no cycles)."""
    fragment_count = draw(st.integers(0, 4))

    def selections(depth: int, first_fragment: int) -> str:
        items = []
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["field", "field", "spread", "inline"]))
            if kind == "spread" and first_fragment < fragment_count:
                items.append(f"...F{draw(st.integers(first_fragment, fragment_count - 1))}")
            elif kind == "inline" and depth < 3:
                items.append(f"... on T {{ {selections(depth + 1, first_fragment)} }}")
            else:
                alias = f"{draw(st.sampled_from(NAMES))}x: " if draw(st.booleans()) else ""
                name = draw(st.sampled_from(NAMES))
                sub = f" {{ {selections(depth + 1, first_fragment)} }}" if depth < 3 and draw(st.booleans()) else ""
                items.append(f"{alias}{name}{sub}")
        return " ".join(items)

    fragments = [f"fragment F{i} on T {{ {selections(0, i + 1)} }}" for i in range(fragment_count)]
    return " ".join([f"query {{ {selections(0, 0)} }}", *fragments])


@settings(max_examples=300, deadline=None)
@given(documents())
def test_the_figures_are_those_of_the_document_with_its_fragments_expanded(text: str) -> None:
    document = parse(text)
    assert measure(document) == plainly(document)


def test_top_level_fields_are_at_depth_zero_as_strawberry_counts() -> None:
    assert measure(parse("{ a }")).depth == 0
    assert measure(parse("{ a { b { c } } }")).depth == 2


def test_a_cyclic_or_unknown_fragment_counts_nothing_and_is_left_to_validation() -> None:
    assert measure(parse("query { ...A ...Missing } fragment A on T { a ...A }")) == Size(1, 1, 0, 0)


def test_thirty_levels_of_doubled_fragments_are_measured_without_expanding_them() -> None:
    text = "query { ...F0 } " + " ".join(f"fragment F{i} on Q {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30))
    document = parse(text + " fragment F30 on Q { viewer { scopes } }")

    started = time.perf_counter()
    size = measure(document)
    elapsed = time.perf_counter() - started

    assert size.fields == 2**31 and size.depth == 1
    assert elapsed < 0.05, f"{elapsed:.3f} s"  # a million-fold expansion would take hours
    assert [e.extensions for e in limit_errors(document)] == [{"code": "QUERY_TOO_COMPLEX"}] * 2


def test_a_document_within_every_limit_has_no_errors() -> None:
    assert limit_errors(parse("query { a: viewer { scopes } viewer { scopes organization { id } } }")) == []


def test_every_list_in_the_variables_is_bounded_wherever_it_is_nested() -> None:
    fine = {"input": {"records": [{"tags": [1] * MAX_INPUT_LIST}] * 3}}
    nested = {"input": {"records": [{"tags": [1]}, {"tags": [1] * (MAX_INPUT_LIST + 1)}]}}

    assert oversized_list(fine) is None
    assert oversized_list(None) is None
    error = oversized_list(nested)
    assert error is not None and error.extensions == {"code": "INPUT_TOO_LARGE"}
    assert error.message.startswith("variables.input.records[1].tags has 5001 items")
