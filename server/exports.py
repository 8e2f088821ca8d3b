"""CSV exports over HTTP (docs/contract.md §8 "Exports"), streamed.

    GET /exports/reports/{reportId}.csv             one report
    GET /exports/periods/{YYYY-MM}.csv[?partnerId=ID]
                                                    the period's reports the caller sees:
                                                    a Tier 1 its partners', a Tier 2 its
                                                    own, the platform all; ``partnerId``
                                                    narrows to one Tier 2 partner or to a
                                                    Tier 1's partners

The same bearer token and visibility as the API, and ``reports:read``:

    401  no valid token (the API's own refusal: ``UNAUTHENTICATED``, ``WWW-Authenticate``)
    403  a valid token without ``reports:read`` (``FORBIDDEN``)
    404  a report the caller may not see, or that does not exist, or not a report ID; a
         period in which the caller sees no report (``NOT_FOUND``, the same either way)
    400  a period label that is not ``YYYY-MM`` (``INVALID_INPUT``): a malformed request,
         not a missing thing
    200  ``text/csv; charset=utf-8``, streamed (``server.export_csv`` says what is in it)

Errors are JSON shaped like the API's: ``{"errors": [{"message", "extensions": {"code"}}]}``.
Which reports are exported is settled before the first byte, so every refusal has its
status; the rows are then read chunk by chunk while the response is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from schema import ids
from server.auth import actor_of, unauthenticated
from server.export_csv import csv_pieces
from vocabulary.enums import Scope
from workflow.core.errors import ErrorCode
from workflow.core.periods import Month, PeriodError
from workflow.reads.exports import ExportSelection, period_export, report_export

MEDIA_TYPE = "text/csv; charset=utf-8"


def export_routes() -> list[Route]:
    return [
        Route("/exports/reports/{report_id:path}.csv", report_csv, methods=["GET"]),
        Route("/exports/periods/{period:path}.csv", period_csv, methods=["GET"]),
    ]


async def report_csv(request: Request) -> Response:
    actor = await actor_of(request)
    if actor is None:
        return unauthenticated()
    if not actor.has(Scope.REPORTS_READ):
        return _forbidden()
    report_id = ids.decode_as(ids.BILLING_REPORT, request.path_params["report_id"])
    selection = None if report_id is None else await report_export(actor, report_id)
    if selection is None:
        return _error(404, ErrorCode.NOT_FOUND, "no such report")
    return _stream(selection, f"billing-report-{report_id}.csv")


async def period_csv(request: Request) -> Response:
    actor = await actor_of(request)
    if actor is None:
        return unauthenticated()
    if not actor.has(Scope.REPORTS_READ):
        return _forbidden()
    try:
        period = Month.parse(request.path_params["period"])
    except PeriodError as error:
        return _error(400, ErrorCode.INVALID_INPUT, str(error))
    selection = None
    partner = request.query_params.get("partnerId")
    partner_id = None if partner is None else ids.decode_as(ids.ORGANIZATION, partner)
    if partner is None or partner_id is not None:  # an ID that is no organization's matches nothing
        selection = await period_export(actor, period, partner_id)
    if selection is None:
        return _error(404, ErrorCode.NOT_FOUND, f"no reports for {period.label}")
    return _stream(selection, f"billing-reports-{period.label}.csv")


def _stream(selection: ExportSelection, filename: str) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        async for piece in csv_pieces(selection):
            yield piece.encode("utf-8")

    return StreamingResponse(
        body(),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _forbidden() -> Response:
    return _error(403, ErrorCode.FORBIDDEN, "exporting reports needs the reports:read scope")


def _error(status: int, code: ErrorCode, message: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code.value}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")
