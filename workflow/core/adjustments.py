"""Adjusting chargeable units (docs/contract.md §5), as a pure function over a report's lines.

A save carries adjustments ``(line item, chargeable units, comment, reason)``. They are
validated together: one invalid adjustment rejects the whole save and every invalid one is
reported. A valid set becomes a list of ``LineChange``s (only lines that really change),
which the service writes to the lines and to the history entry.

Reason codes (§10): a lowered line carries an ``AdjustmentReason``, ``OTHER`` when the
adjustment gives none; a line at its used units carries none (a reason sent with it is
not kept). A correction after approval (§11) plans its adjustments by the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from vocabulary.enums import AdjustmentReason
from workflow.core.errors import ErrorCode, InvalidInput, Problem

MAX_COMMENT_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class Adjustment:
    line_item_id: int
    chargeable_units: int
    comment: str | None = None
    reason: AdjustmentReason | None = None


@dataclass(frozen=True, slots=True)
class LineState:
    """A line as it stands before the save."""

    line_item_id: int
    used_units: int
    chargeable_units: int
    comment: str | None
    reason: AdjustmentReason | None = None


@dataclass(frozen=True, slots=True)
class LineChange:
    line_item_id: int
    old_chargeable_units: int
    new_chargeable_units: int
    old_comment: str | None
    new_comment: str | None
    old_reason: AdjustmentReason | None = None
    new_reason: AdjustmentReason | None = None


def reason_of(chargeable_units: int, used_units: int, given: AdjustmentReason | None) -> AdjustmentReason | None:
    """A lowered line's reason (``OTHER`` if none is given); None for a line at its used units."""
    if chargeable_units >= used_units:
        return None
    return given or AdjustmentReason.OTHER


def normalize_comment(comment: str | None) -> str | None:
    """Surrounding white space is not a reason: strip it, and treat blank as no comment."""
    if comment is None:
        return None
    stripped = comment.strip()
    return stripped or None


def is_storable(text: str) -> bool:
    """Whether both databases keep ``text`` as given: PostgreSQL's text holds no NUL character."""
    return "\x00" not in text


def plan_adjustments(lines: dict[int, LineState], adjustments: list[Adjustment]) -> list[LineChange]:
    """Validate ``adjustments`` against ``lines`` and return the changes, or raise ``InvalidInput``.

    Rules: the line must belong to the report; 0 <= chargeable <= used; a lowered line
    needs a comment of 1..1,000 characters (and no NUL character) and carries a reason
    (``reason_of``); a line set back to its used units keeps a comment only if one is
    given (none is needed) and no reason. An adjustment that changes nothing yields no
    change. The same line twice in one save is an input error.
    """
    problems: list[Problem] = []
    seen: set[int] = set()
    changes: list[LineChange] = []
    for index, adj in enumerate(adjustments):
        line = lines.get(adj.line_item_id)
        if line is None:
            problems.append(
                Problem(
                    ErrorCode.UNKNOWN_LINE_ITEM,
                    "no such line item in this report",
                    field="lineItemId",
                    line_item_id=adj.line_item_id,
                    index=index,
                )
            )
            continue
        if adj.line_item_id in seen:
            problems.append(
                Problem(
                    ErrorCode.INVALID_INPUT,
                    "the same line item is adjusted twice",
                    field="lineItemId",
                    line_item_id=adj.line_item_id,
                    index=index,
                )
            )
            continue
        seen.add(adj.line_item_id)
        comment = normalize_comment(adj.comment)
        problem = _check(line, adj.chargeable_units, comment, index)
        if problem is not None:
            problems.append(problem)
            continue
        reason = reason_of(adj.chargeable_units, line.used_units, adj.reason)
        if (adj.chargeable_units, comment, reason) != (line.chargeable_units, line.comment, line.reason):
            changes.append(
                LineChange(
                    line.line_item_id,
                    line.chargeable_units,
                    adj.chargeable_units,
                    line.comment,
                    comment,
                    line.reason,
                    reason,
                )
            )
    if problems:
        raise InvalidInput(problems)
    return changes


def _check(line: LineState, chargeable: int, comment: str | None, index: int) -> Problem | None:
    where = {"line_item_id": line.line_item_id, "index": index}
    if not 0 <= chargeable <= line.used_units:
        return Problem(
            ErrorCode.CHARGEABLE_OUT_OF_RANGE,
            f"chargeable units must be between 0 and the used units ({line.used_units})",
            field="chargeableUnits",
            **where,
        )
    if comment is not None and len(comment) > MAX_COMMENT_LENGTH:
        return Problem(
            ErrorCode.COMMENT_TOO_LONG,
            f"a comment is at most {MAX_COMMENT_LENGTH} characters",
            field="comment",
            **where,
        )
    if comment is not None and not is_storable(comment):
        return Problem(ErrorCode.INVALID_INPUT, "a comment may not contain a NUL character", field="comment", **where)
    if chargeable < line.used_units and comment is None:
        return Problem(
            ErrorCode.COMMENT_REQUIRED,
            "lowering chargeable units needs a comment",
            field="comment",
            **where,
        )
    return None


def keeps_adjustment(chargeable_units: int, new_used_units: int) -> bool:
    """On regeneration, an adjustment survives while it is still a lowering (or equal)."""
    return chargeable_units <= new_used_units
