"""The report mutations: save a draft, submit, approve (one or many), reject (docs/contract.md §6, §8, §10).

Each decodes the IDs, calls one ``workflow.reports.actions`` service through
``attempt``, and answers the report as it now stands (also after a refusal, if the
caller can see it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from resolvers.outcome import attempt, report_pk
from schema import ids
from schema.context import Context
from schema.errors import user_errors
from schema.inputs import (
    AdjustmentInput,
    ApproveReportInput,
    ApproveReportsInput,
    RejectReportInput,
    SaveReportDraftInput,
    SubmitReportInput,
)
from schema.payloads import (
    ApproveReportPayload,
    ApproveReportsPayload,
    ApproveReportsResult,
    RejectReportPayload,
    SaveReportDraftPayload,
    SubmitReportPayload,
)
from schema.reports import BillingReport
from workflow.core.adjustments import Adjustment
from workflow.reads import reports as reads
from workflow.reports import actions as report_actions
from workflow.reports import bulk_approval

Info = strawberry.Info[Context, None]
Payload = TypeVar("Payload")


async def save_report_draft(info: Info, input: SaveReportDraftInput) -> SaveReportDraftPayload:
    actor = info.context.actor
    return await _answer(
        info,
        SaveReportDraftPayload,
        input.report_id,
        input.adjustments,
        lambda: report_actions.save_report_draft(
            actor, report_pk(input.report_id), input.version, adjustments_of(input.adjustments), input.purchase_order
        ),
    )


async def submit_report(info: Info, input: SubmitReportInput) -> SubmitReportPayload:
    actor = info.context.actor
    return await _answer(
        info,
        SubmitReportPayload,
        input.report_id,
        input.adjustments,
        lambda: report_actions.submit_report(
            actor, report_pk(input.report_id), input.version, adjustments_of(input.adjustments), input.purchase_order
        ),
    )


async def approve_report(info: Info, input: ApproveReportInput) -> ApproveReportPayload:
    actor = info.context.actor
    return await _answer(
        info,
        ApproveReportPayload,
        input.report_id,
        [],
        lambda: report_actions.approve_report(
            actor, report_pk(input.report_id), input.version, input.comment, input.purchase_order
        ),
    )


async def reject_report(info: Info, input: RejectReportInput) -> RejectReportPayload:
    actor = info.context.actor
    return await _answer(
        info,
        RejectReportPayload,
        input.report_id,
        [],
        lambda: report_actions.reject_report(actor, report_pk(input.report_id), input.version, input.reason),
    )


async def approve_reports(info: Info, input: ApproveReportsInput) -> ApproveReportsPayload:
    actor = info.context.actor
    info.context.renew_loaders()
    items = [bulk_approval.BulkItem(ids.decode_as(ids.BILLING_REPORT, r.report_id), r.version) for r in input.reports]
    outcomes, problems = await attempt(
        lambda: bulk_approval.approve_reports(actor, items, input.comment, input.purchase_order)
    )
    if outcomes is None:
        return ApproveReportsPayload(approved_count=0, results=[], errors=user_errors(problems))
    # The reports as they now stand, read together (one query, whatever their number).
    views = {}
    if info.context.can_read_reports:
        views = await reads.visible_reports_by_id(actor, [o.report_id for o in outcomes if o.report_id is not None])
    results = [
        ApproveReportsResult(
            report_id=given.report_id,
            report=None if outcome.report_id not in views else BillingReport.from_view(views[outcome.report_id]),
            errors=user_errors(outcome.problems),
        )
        for given, outcome in zip(input.reports, outcomes, strict=True)
    ]
    return ApproveReportsPayload(approved_count=sum(o.approved for o in outcomes), results=results, errors=[])


async def _answer(
    info: Info,
    payload: Callable[..., Payload],
    report_id: str,
    adjustments: list[AdjustmentInput],
    action: Callable[[], Awaitable[Any]],
) -> Payload:
    # Fresh loaders: a second mutation in the same request must not see cached lines.
    info.context.renew_loaders()
    _, problems = await attempt(action)
    errors = user_errors(problems, [a.line_item_id for a in adjustments])
    return payload(report=await report_now(info, report_id), errors=errors)


def adjustments_of(given: list[AdjustmentInput]) -> list[Adjustment]:
    """The adjustments with decoded line ids. An ID that is not a line item's gets a
    negative stand-in that matches no line, so it is reported as UNKNOWN_LINE_ITEM at
    its index, together with every other invalid adjustment."""
    return [
        Adjustment(
            line_item_id=ids.decode_as(ids.LINE_ITEM, a.line_item_id) or -(index + 1),
            chargeable_units=a.chargeable_units,
            comment=a.comment,
            reason=a.reason,
        )
        for index, a in enumerate(given)
    ]


async def report_now(info: Info, report_id: str) -> BillingReport | None:
    pk = ids.decode_as(ids.BILLING_REPORT, report_id)
    if pk is None or not info.context.can_read_reports:
        return None
    view = await reads.visible_report(info.context.actor, pk)
    return None if view is None else BillingReport.from_view(view)
