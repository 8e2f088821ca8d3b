"""Decoding the filter fields that reports and report events share: period and partner."""

from __future__ import annotations

from schema import ids
from schema.errors import ApiError
from workflow.core.errors import ErrorCode
from workflow.core.periods import Month, PeriodError


def period_label(given: str | None) -> str | None:
    """The canonical ``YYYY-MM`` label, or a top-level INVALID_INPUT error."""
    if given is None:
        return None
    try:
        return Month.parse(given).label
    except PeriodError as error:
        raise ApiError(ErrorCode.INVALID_INPUT, str(error)) from None


def partner_pk(given: str | None) -> int | None:
    """The partner's pk; an ID that is not an organization's matches no report (-1: pks are positive)."""
    if given is None:
        return None
    return ids.decode_as(ids.ORGANIZATION, given) or -1
