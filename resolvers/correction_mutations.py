"""The correction mutations: request, approve, reject a correction of an approved report (docs/contract.md §11).

Each calls one ``workflow.reports.corrections`` service through ``attempt`` and answers
the report and the correction as they now stand (also after a refusal, to a caller who
can see them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from resolvers.outcome import attempt, report_pk
from resolvers.report_mutations import adjustments_of, report_now
from schema import ids
from schema.context import Context
from schema.corrections import Correction
from schema.errors import user_errors
from schema.inputs import AdjustmentInput, ApproveCorrectionInput, RejectCorrectionInput, RequestCorrectionInput
from schema.payloads import ApproveCorrectionPayload, RejectCorrectionPayload, RequestCorrectionPayload
from workflow.core.errors import NotFound
from workflow.reads import corrections as correction_reads
from workflow.reports import corrections

Info = strawberry.Info[Context, None]
Payload = TypeVar("Payload")


async def request_correction(info: Info, input: RequestCorrectionInput) -> RequestCorrectionPayload:
    actor = info.context.actor
    return await _answer(
        info,
        RequestCorrectionPayload,
        lambda: corrections.request_correction(
            actor, report_pk(input.report_id), input.version, adjustments_of(input.adjustments), input.comment
        ),
        report_id=input.report_id,
        adjustments=input.adjustments,
    )


async def approve_correction(info: Info, input: ApproveCorrectionInput) -> ApproveCorrectionPayload:
    actor = info.context.actor
    return await _answer(
        info,
        ApproveCorrectionPayload,
        lambda: corrections.approve_correction(
            actor, _correction_pk(input.correction_id), input.version, input.comment
        ),
        correction_id=input.correction_id,
    )


async def reject_correction(info: Info, input: RejectCorrectionInput) -> RejectCorrectionPayload:
    actor = info.context.actor
    return await _answer(
        info,
        RejectCorrectionPayload,
        lambda: corrections.reject_correction(actor, _correction_pk(input.correction_id), input.version, input.reason),
        correction_id=input.correction_id,
    )


async def _answer(
    info: Info,
    payload: Callable[..., Payload],
    action: Callable[[], Awaitable[corrections.CorrectionOutcome]],
    *,
    report_id: str | None = None,
    correction_id: str | None = None,
    adjustments: list[AdjustmentInput] | None = None,
) -> Payload:
    info.context.renew_loaders()
    outcome, problems = await attempt(action)
    errors = user_errors(problems, [a.line_item_id for a in adjustments or []])
    correction_pk = outcome.correction_id if outcome is not None else _decoded(correction_id)
    correction = None
    if correction_pk is not None and info.context.can_read_reports:
        view = await correction_reads.visible_correction(info.context.actor, correction_pk)
        if view is not None:
            correction = Correction.from_view(view)
            report_id = report_id or ids.encode(ids.BILLING_REPORT, view.report_id)
    report = None if report_id is None else await report_now(info, report_id)
    return payload(report=report, correction=correction, errors=errors)


def _decoded(correction_id: str | None) -> int | None:
    return None if correction_id is None else ids.decode_as(ids.CORRECTION, correction_id)


def _correction_pk(correction_id: str) -> int:
    """A correction's pk, or ``NotFound``: an ID that is not a correction's is like an unknown one."""
    pk = ids.decode_as(ids.CORRECTION, correction_id)
    if pk is None:
        raise NotFound("no such correction")
    return pk
