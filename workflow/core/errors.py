"""Domain errors: the expected failures of a business action.

Every expected failure is a ``DomainError`` carrying one or more ``Problem``s with an
``ErrorCode``. The GraphQL layer maps them, in one place, to the ``errors`` list of a
mutation payload; anything else is a bug and is masked.

    DomainError
    ├── NotFound            the report does not exist *for this principal* (other tenants' too)
    ├── Forbidden           visible, but this principal may not do that
    ├── VersionConflict     the client's version is stale
    ├── InvalidTransition   the report's status does not allow the action
    ├── CorrectionWindowClosed  a correction requested after the Tier 1's window (§11)
    ├── CorrectionPending   a correction requested while another is pending (§11)
    └── InvalidInput        one or more problems with the input (adjustments, records, reason)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ErrorCode(str, Enum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CHARGEABLE_OUT_OF_RANGE = "CHARGEABLE_OUT_OF_RANGE"
    COMMENT_REQUIRED = "COMMENT_REQUIRED"
    COMMENT_TOO_LONG = "COMMENT_TOO_LONG"
    REASON_REQUIRED = "REASON_REQUIRED"
    UNKNOWN_LINE_ITEM = "UNKNOWN_LINE_ITEM"
    INVALID_INPUT = "INVALID_INPUT"
    PURCHASE_ORDER_REQUIRED = "PURCHASE_ORDER_REQUIRED"
    CORRECTION_WINDOW_CLOSED = "CORRECTION_WINDOW_CLOSED"
    CORRECTION_PENDING = "CORRECTION_PENDING"
    NO_CHANGE = "NO_CHANGE"
    LIMIT_REACHED = "LIMIT_REACHED"


@dataclass(frozen=True, slots=True)
class Problem:
    code: ErrorCode
    message: str
    field: str | None = None
    line_item_id: int | None = None
    index: int | None = None


class DomainError(Exception):
    code: ErrorCode = ErrorCode.INVALID_INPUT

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = [Problem(self.code, message, field=field)]


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class LimitReached(DomainError):
    code = ErrorCode.LIMIT_REACHED


class VersionConflict(DomainError):
    code = ErrorCode.VERSION_CONFLICT


class InvalidTransition(DomainError):
    code = ErrorCode.INVALID_TRANSITION


class CorrectionWindowClosed(DomainError):
    code = ErrorCode.CORRECTION_WINDOW_CLOSED


class CorrectionPending(DomainError):
    code = ErrorCode.CORRECTION_PENDING


class InvalidInput(DomainError):
    """Several problems at once: every invalid line or record is reported, nothing is stored."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InvalidInput needs at least one problem")
        Exception.__init__(self, problems[0].message)
        self.problems = list(problems)
