"""Relay connections: ``edges {cursor node}``, ``pageInfo`` and ``totalCount``, forward paging.

Pages are asked for with ``first`` (1 to 100) and ``after`` (a cursor from an earlier
page). Cursors are opaque to clients: base64 of a versioned keyset, so the server
can change the order later without clients noticing. A cursor is only meaningful for
the list it came from; a malformed one is refused with ``INVALID_INPUT``.

``hasPreviousPage`` is true when the page starts after a cursor (the cursor's own row
comes before it), as Relay allows for forward paging.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from schema import ids
from schema.errors import ApiError
from workflow.core.errors import ErrorCode

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 100
_CURSOR_VERSION = "c1"

NodeType = TypeVar("NodeType")
KeyType = TypeVar("KeyType")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeType]):
    cursor: str
    node: NodeType


@strawberry.type
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many items match, over all pages.")


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise ApiError(ErrorCode.INVALID_INPUT, f"`first` must be between 1 and {MAX_PAGE_SIZE}, got {first}")
    return first


def encode_cursor(kind: str, key: Sequence[Any]) -> str:
    text = json.dumps([_CURSOR_VERSION, kind, *key], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(kind: str, cursor: str | None, parse: Callable[..., KeyType]) -> KeyType | None:
    """The keyset in ``cursor`` as ``parse(*values)``; None without a cursor; else ``INVALID_INPUT``."""
    if cursor is None:
        return None
    try:
        if len(cursor) > 200:
            raise ValueError("too long")
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        if not (isinstance(value, list) and value[:2] == [_CURSOR_VERSION, kind]):
            raise ValueError("not a cursor of this list")
        return parse(*value[2:])
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise ApiError(ErrorCode.INVALID_INPUT, "`after` is not a cursor of this list") from None


def key_id(value: Any) -> int:
    """A cursor's row id: a positive whole number (JSON ``true`` or ``1.5`` are not) that a
    32-bit key can hold (the databases refuse to compare a key with a larger one)."""
    if type(value) is not int or not 1 <= value <= ids.MAX_KEY:
        raise ValueError("not an id")
    return value


def connection(
    items: Sequence[Any],
    *,
    total_count: int,
    has_next_page: bool,
    after: str | None,
    cursor_of: Callable[[Any], str],
    node_of: Callable[[Any], NodeType],
) -> Connection[NodeType]:
    edges = [Edge(cursor=cursor_of(item), node=node_of(item)) for item in items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next_page,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total_count,
    )
