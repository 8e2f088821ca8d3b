"""The one place where a business action's expected failures become payload errors.

A mutation resolver passes its whole call (ID decoding included) to ``attempt``; a
``DomainError`` anywhere in it comes back as its problems, and anything else is a bug
that propagates (and is masked). No resolver has a ``try`` of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from schema import ids
from workflow.core.errors import DomainError, ErrorCode, NotFound, Problem
from workflow.core.periods import PeriodError

T = TypeVar("T")


async def attempt(action: Callable[[], Awaitable[T]]) -> tuple[T | None, list[Problem]]:
    try:
        return await action(), []
    except DomainError as error:
        return None, list(error.problems)
    except PeriodError as error:  # every period the API takes is an input field named `period`
        return None, [Problem(ErrorCode.INVALID_INPUT, str(error), field="period")]


def report_pk(report_id: str) -> int:
    """A report's pk, or ``NotFound``: an ID that is not a report's is like an unknown report."""
    pk = ids.decode_as(ids.BILLING_REPORT, report_id)
    if pk is None:
        raise NotFound("no such report")
    return pk
