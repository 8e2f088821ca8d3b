"""The baseline: the bench's queries, hand-written on Starlette + asyncpg + orjson.

One route per measured query (bench/shapes.py), each answering exactly that query with
the same JSON as the GraphQL service:

- ``POST /graphql``: the report screen (ReportDetail, bench/report_detail.py);
- ``POST /graphql/reports``: the reports list, ``reports(first: 20)`` (bench/shapes.py);
- ``POST /graphql/history``: a report's history (bench/shapes.py).

The report screen does the same work a correct service must do and nothing more:

1. authenticate the bearer token with one query on its hash (as ``workflow.access.tokens``);
2. load the report with its period, partner and totals in one query, and apply the
   tenancy rule of ``workflow.core.actors`` (another tenant's report is ``null``);
3. load the first page of lines with their customer and solution in one query;
4. build the JSON with the project's own formatting: global IDs (``schema.ids``), credits
   (``workflow.core.credits``), ``availableActions`` (``workflow.core.machine``).

The list authenticates the same way, then reads its page of 20 with each report's
period, partner, totals (summed in SQL) and the total count (a window over the visible
reports) in one query, the tenancy rule written in its WHERE clause as
``workflow.access.visibility`` writes it. The history authenticates, reads the report
with its entries, actors and their organizations in one query (the tenancy rule
``can_see`` applied to the report's row), and the entries' line changes in a second.

None of them parses the GraphQL document: it is the floor a purpose-built path could reach
(bench/README.md, Targets), not a GraphQL server. Run it as the bench does:
``DATABASE_URL=postgres://… uvicorn --factory bench.baseline_app:create_app``.
"""

from __future__ import annotations

import os
from base64 import urlsafe_b64encode
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.report_detail import PAGE_SIZE
from bench.shapes import LIST_PAGE_SIZE
from bench.throwaway_db import asyncpg_dsn
from schema import ids
from vocabulary.enums import ReportStatus, Scope, Tier
from workflow.access.tokens import TOKEN_PREFIX, hash_token
from workflow.core.actors import Actor, ReportOwnership, can_see
from workflow.core.credits import format_credits
from workflow.core.machine import available_actions

# Tortoise's default asyncpg pool is 5 connections: the same here, so the pool is no difference.
POOL_SIZE = int(os.environ.get("BENCH_BASELINE_POOL_SIZE", "5"))

TOKEN_SQL = """
SELECT t.scopes, t.expires_at, p.id AS principal_id, p.name AS principal_name,
       o.id AS organization_id, o.tier
FROM api_token t
JOIN principal p ON p.id = t.principal_id
JOIN organization o ON o.id = p.organization_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL
"""

REPORT_SQL = """
SELECT r.id, r.status, r.version, r.submission_deadline, r.submitted_at, r.reviewed_at,
       r.period_id, bp.label AS period_label, r.partner_id, o.name AS partner_name, o.parent_id,
       tot.line_count, tot.provisioned, tot.used, tot.over_provisioned, tot.chargeable, tot.credits_e4
FROM billing_report r
JOIN billing_period bp ON bp.id = r.period_id
JOIN organization o ON o.id = r.partner_id
CROSS JOIN LATERAL (
    SELECT count(*) AS line_count,
           coalesce(sum(li.provisioned_units), 0)::bigint AS provisioned,
           coalesce(sum(li.used_units), 0)::bigint AS used,
           coalesce(sum(li.over_provisioned_units), 0)::bigint AS over_provisioned,
           coalesce(sum(li.chargeable_units), 0)::bigint AS chargeable,
           coalesce(sum(li.credits_e4), 0)::bigint AS credits_e4
    FROM line_item li WHERE li.report_id = r.id
) tot
WHERE r.id = $1
"""

LINES_SQL = """
SELECT li.id, li.name, li.billing_unit, li.provisioned_units, li.used_units,
       li.over_provisioned_units, li.chargeable_units, li.credits_e4, li.comment, li.reference_day,
       li.customer_id, c.name AS customer_name,
       s.code AS solution_code, s.name AS solution_name, s.billing_unit AS solution_billing_unit
FROM line_item li
JOIN customer c ON c.id = li.customer_id
JOIN solution s ON s.id = li.solution_id
WHERE li.report_id = $1
ORDER BY li.id
LIMIT $2
"""

# The reports list: the page (newest period first, then generation order, as
# ``workflow.reads.reports.report_page``) with the total count of the visible reports, then
# each report's totals; ``{visible}`` is the tenancy rule of the caller's tier.
LIST_SQL = """
WITH page AS (
    SELECT r.id, r.status, r.version, r.submission_deadline, r.period_id, p.label AS period_label,
           p.starts_on, r.partner_id, o.name AS partner_name, o.parent_id, count(*) OVER () AS total_count
    FROM billing_report r
    JOIN billing_period p ON p.id = r.period_id
    JOIN organization o ON o.id = r.partner_id
    WHERE {visible}
    ORDER BY p.starts_on DESC, r.id
    LIMIT $1
)
SELECT page.*, tot.line_count, tot.used, tot.chargeable, tot.credits_e4
FROM page
CROSS JOIN LATERAL (
    SELECT count(*) AS line_count,
           coalesce(sum(li.used_units), 0)::bigint AS used,
           coalesce(sum(li.chargeable_units), 0)::bigint AS chargeable,
           coalesce(sum(li.credits_e4), 0)::bigint AS credits_e4
    FROM line_item li WHERE li.report_id = page.id
) tot
ORDER BY page.starts_on DESC, page.id
"""
# ``workflow.access.visibility.visible_reports`` as SQL, by tier ($2: the caller's organization).
_LIST_BY_TIER: dict[Tier | None, str] = {
    Tier.PLATFORM: LIST_SQL.format(visible="$2::int IS NOT NULL"),
    Tier.TIER1: LIST_SQL.format(visible="o.parent_id = $2"),
    Tier.TIER2: LIST_SQL.format(visible="r.partner_id = $2"),
}

# A report's history: the report's ownership with each entry (oldest first), its principal
# and organization; a report without entries still gives one row (entry columns null).
HISTORY_SQL = """
SELECT r.partner_id, o.parent_id,
       h.id, h.action, h.from_status, h.to_status, h.version, h.occurred_at, h.comment,
       h.organization_id, pr.name AS principal_name, ho.name AS organization_name
FROM billing_report r
JOIN organization o ON o.id = r.partner_id
LEFT JOIN history_entry h ON h.report_id = r.id
LEFT JOIN principal pr ON pr.id = h.principal_id
LEFT JOIN organization ho ON ho.id = h.organization_id
WHERE r.id = $1
ORDER BY h.id
"""

CHANGES_SQL = """
SELECT c.entry_id, c.line_item_id, c.old_chargeable_units, c.new_chargeable_units, c.old_comment, c.new_comment
FROM history_line_change c
JOIN history_entry h ON h.id = c.entry_id
WHERE h.report_id = $1
ORDER BY c.id
"""

_KNOWN_SCOPES = {s.value for s in Scope}
_UNAUTHENTICATED = orjson.dumps(
    {
        "data": None,
        "errors": [{"message": "a valid bearer token is required", "extensions": {"code": "UNAUTHENTICATED"}}],
    }
)
# Not the service's exact error (a path, locations): the bench's tokens all read reports.
_FORBIDDEN = orjson.dumps(
    {
        "data": None,
        "errors": [{"message": "reading reports needs the reports:read scope", "extensions": {"code": "FORBIDDEN"}}],
    }
)


def _json(document: Any) -> Response:
    return Response(orjson.dumps(document), media_type="application/json")


def _unauthenticated() -> Response:
    return Response(_UNAUTHENTICATED, status_code=401, media_type="application/json")


async def report_detail(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    body = orjson.loads(await request.body())
    report_pk = ids.decode_as(ids.BILLING_REPORT, body["variables"]["id"])
    async with pool.acquire() as conn:
        actor = await _authenticate(conn, request.headers.get("authorization", ""))
        if actor is None:
            return Response(_UNAUTHENTICATED, status_code=401, media_type="application/json")
        report = await _visible_report(conn, actor, report_pk)
        lines = await conn.fetch(LINES_SQL, report["id"], PAGE_SIZE + 1) if report else []
    data = {"report": _report_json(report, lines, actor) if report else None}
    return Response(orjson.dumps({"data": data}), media_type="application/json")


async def _authenticate(conn: asyncpg.Connection, header: str) -> Actor | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = await conn.fetchrow(TOKEN_SQL, hash_token(token))
    if row is None or (row["expires_at"] is not None and row["expires_at"] <= datetime.now(UTC)):
        return None
    return Actor(
        principal_id=row["principal_id"],
        principal_name=row["principal_name"],
        organization_id=row["organization_id"],
        tier=Tier(row["tier"]),
        scopes=frozenset(Scope(s) for s in row["scopes"].split() if s in _KNOWN_SCOPES),
    )


async def _visible_report(conn: asyncpg.Connection, actor: Actor, report_pk: int | None) -> asyncpg.Record | None:
    if report_pk is None or not actor.has(Scope.REPORTS_READ):
        return None
    row = await conn.fetchrow(REPORT_SQL, report_pk)
    if row is None or not can_see(actor, _ownership(row)):
        return None
    return row


def _ownership(row: asyncpg.Record) -> ReportOwnership:
    return ReportOwnership(partner_id=row["partner_id"], parent_id=row["parent_id"] or 0)


def _report_json(r: asyncpg.Record, lines: list[asyncpg.Record], actor: Actor) -> dict[str, Any]:
    page = lines[:PAGE_SIZE]
    edges = [_edge(line) for line in page]
    actions = available_actions(ReportStatus(r["status"]), _ownership(r), actor)
    # Datetimes and dates are left to orjson: RFC 3339 with "+00:00", as Strawberry's isoformat().
    return {
        "id": ids.encode(ids.BILLING_REPORT, r["id"]),
        "status": r["status"],
        "version": r["version"],
        "submissionDeadline": r["submission_deadline"],
        "submittedAt": r["submitted_at"],
        "reviewedAt": r["reviewed_at"],
        "availableActions": [a.value for a in actions],
        "period": {"id": ids.encode(ids.BILLING_PERIOD, r["period_id"]), "label": r["period_label"]},
        "partner": {"id": ids.encode(ids.ORGANIZATION, r["partner_id"]), "name": r["partner_name"]},
        "totals": {
            "provisionedUnits": r["provisioned"],
            "usedUnits": r["used"],
            "overProvisionedUnits": r["over_provisioned"],
            "chargeableUnits": r["chargeable"],
            "allocatedCredits": format_credits(r["credits_e4"]),
        },
        "lineItems": {
            "totalCount": r["line_count"],
            "pageInfo": {
                "hasNextPage": len(lines) > PAGE_SIZE,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
            "edges": edges,
        },
    }


def line_cursor(line_pk: int) -> str:
    """The service's line cursor, ``schema.pagination.encode_cursor("line", [pk])``, written by hand.

    Same bytes (URL-safe base64 of the compact JSON ``["c1","line",pk]``) without a
    ``json.dumps`` per line; the parity check catches any change of format.
    """
    return urlsafe_b64encode(b'["c1","line",%d]' % line_pk).decode()


def _edge(li: asyncpg.Record) -> dict[str, Any]:
    return {
        "cursor": line_cursor(li["id"]),
        "node": {
            "id": ids.encode(ids.LINE_ITEM, li["id"]),
            "name": li["name"],
            "billingUnit": li["billing_unit"],
            "provisionedUnits": li["provisioned_units"],
            "usedUnits": li["used_units"],
            "overProvisionedUnits": li["over_provisioned_units"],
            "chargeableUnits": li["chargeable_units"],
            "allocatedCredits": format_credits(li["credits_e4"]),
            "comment": li["comment"],
            "referenceDay": li["reference_day"],
            "customer": {"id": ids.encode(ids.CUSTOMER, li["customer_id"]), "name": li["customer_name"]},
            "solution": {
                "code": li["solution_code"],
                "name": li["solution_name"],
                "billingUnit": li["solution_billing_unit"],
            },
        },
    }


# --- the reports list ----------------------------------------------------------------------


async def reports_list(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    orjson.loads(await request.body())  # the query is fixed: read like the others, nothing to take from it
    async with pool.acquire() as conn:
        actor = await _authenticate(conn, request.headers.get("authorization", ""))
        if actor is None:
            return _unauthenticated()
        if not actor.has(Scope.REPORTS_READ):
            return Response(_FORBIDDEN, media_type="application/json")
        sql = _LIST_BY_TIER.get(actor.tier)
        rows = [] if sql is None else await conn.fetch(sql, LIST_PAGE_SIZE + 1, actor.organization_id)
    page = rows[:LIST_PAGE_SIZE]
    edges = [_report_edge(row, actor) for row in page]
    return _json(
        {
            "data": {
                "reports": {
                    "totalCount": rows[0]["total_count"] if rows else 0,
                    "pageInfo": {
                        "hasNextPage": len(rows) > LIST_PAGE_SIZE,
                        "endCursor": edges[-1]["cursor"] if edges else None,
                    },
                    "edges": edges,
                }
            }
        }
    )


def report_cursor(starts_on: date, report_pk: int) -> str:
    """The service's report cursor, ``encode_cursor("report", [starts_on.isoformat(), pk])``, by hand.

    As ``line_cursor``: the same bytes without a ``json.dumps`` per report; the parity
    check catches any change of format.
    """
    return urlsafe_b64encode(b'["c1","report","%s",%d]' % (starts_on.isoformat().encode(), report_pk)).decode()


def _report_edge(r: asyncpg.Record, actor: Actor) -> dict[str, Any]:
    actions = available_actions(ReportStatus(r["status"]), _ownership(r), actor)
    return {
        "cursor": report_cursor(r["starts_on"], r["id"]),
        "node": {
            "id": ids.encode(ids.BILLING_REPORT, r["id"]),
            "status": r["status"],
            "version": r["version"],
            "submissionDeadline": r["submission_deadline"],
            "availableActions": [a.value for a in actions],
            "period": {"id": ids.encode(ids.BILLING_PERIOD, r["period_id"]), "label": r["period_label"]},
            "partner": {"id": ids.encode(ids.ORGANIZATION, r["partner_id"]), "name": r["partner_name"]},
            "totals": {
                "lineCount": r["line_count"],
                "usedUnits": r["used"],
                "chargeableUnits": r["chargeable"],
                "allocatedCredits": format_credits(r["credits_e4"]),
            },
        },
    }


# --- a report's history --------------------------------------------------------------------


async def report_history(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    body = orjson.loads(await request.body())
    report_pk = ids.decode_as(ids.BILLING_REPORT, body["variables"]["id"])
    async with pool.acquire() as conn:
        actor = await _authenticate(conn, request.headers.get("authorization", ""))
        if actor is None:
            return _unauthenticated()
        if not actor.has(Scope.REPORTS_READ):
            return Response(_FORBIDDEN, media_type="application/json")
        rows = [] if report_pk is None else await conn.fetch(HISTORY_SQL, report_pk)
        if report_pk is None or not rows or not can_see(actor, _ownership(rows[0])):
            return _json({"data": {"report": None}})
        changes = await conn.fetch(CHANGES_SQL, report_pk)
    by_entry: dict[int, list[dict[str, Any]]] = {}
    for c in changes:
        by_entry.setdefault(c["entry_id"], []).append(
            {
                "lineItemId": ids.encode(ids.LINE_ITEM, c["line_item_id"]),
                "oldChargeableUnits": c["old_chargeable_units"],
                "newChargeableUnits": c["new_chargeable_units"],
                "oldComment": c["old_comment"],
                "newComment": c["new_comment"],
            }
        )
    history = [_entry(row, by_entry.get(row["id"], [])) for row in rows if row["id"] is not None]
    return _json({"data": {"report": {"id": ids.encode(ids.BILLING_REPORT, report_pk), "history": history}}})


def _entry(h: asyncpg.Record, changes: list[dict[str, Any]]) -> dict[str, Any]:
    # As ``schema.history.ReportEvent``: an actor only when an organization acted (a
    # principal without a name reads ""); the enums' values are their GraphQL names.
    organization_pk = h["organization_id"]
    actor = None
    if organization_pk is not None:
        actor = {
            "name": h["principal_name"] or "",
            "organization": {"id": ids.encode(ids.ORGANIZATION, organization_pk), "name": h["organization_name"]},
        }
    return {
        "id": ids.encode(ids.REPORT_EVENT, h["id"]),
        "action": h["action"],
        "fromStatus": h["from_status"],
        "toStatus": h["to_status"],
        "version": h["version"],
        "occurredAt": h["occurred_at"],
        "comment": h["comment"],
        "actor": actor,
        "changes": changes,
    }


def create_app(db_url: str | None = None) -> Starlette:
    url = db_url or os.environ["DATABASE_URL"]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=POOL_SIZE, max_size=POOL_SIZE)
        try:
            yield
        finally:
            await app.state.pool.close()

    routes = [
        Route("/graphql", report_detail, methods=["POST"]),
        Route("/graphql/reports", reports_list, methods=["POST"]),
        Route("/graphql/history", report_history, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
