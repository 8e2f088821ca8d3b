"""What the API lists of webhooks: an organization's endpoints, and each endpoint's
deliveries with their attempts — a page of endpoints with a page of deliveries each in
a constant number of queries (endpoints; deliveries; attempts; their events).

Endpoints are listed oldest first, deliveries newest first, both paged by id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vocabulary.enums import WebhookDeliveryStatus
from workflow.core.actors import Actor
from workflow.database.sql import as_datetime, connection, read
from workflow.reads.views import Page, WebhookAttemptView, WebhookDeliveryView, WebhookEndpointView
from workflow.webhooks.endpoints import decode_event_types, ensure_may_manage

_ENDPOINTS = """
SELECT id, organization_id, url, event_types, description, enabled, created_at,
       (SELECT COUNT(*) FROM webhook_endpoint WHERE organization_id = :org) AS total_count
FROM webhook_endpoint
WHERE organization_id = :org AND id > :after
ORDER BY id
LIMIT :limit
"""


async def endpoint_page(actor: Actor, first: int, after: int | None) -> Page[WebhookEndpointView]:
    organization_id = ensure_may_manage(actor)
    rows = await read(connection(), _ENDPOINTS, org=organization_id, after=after or 0, limit=first + 1)
    items = [
        WebhookEndpointView(
            id=row["id"],
            organization_id=row["organization_id"],
            url=row["url"],
            event_types=decode_event_types(row["event_types"]),
            description=row["description"],
            enabled=bool(row["enabled"]),
            created_at=as_datetime(row["created_at"]),
        )
        for row in rows[:first]
    ]
    total = int(rows[0]["total_count"]) if rows else await _endpoint_count(organization_id)
    return Page(items, total, len(rows) > first)


async def _endpoint_count(organization_id: int) -> int:
    rows = await read(
        connection(), "SELECT COUNT(*) AS n FROM webhook_endpoint WHERE organization_id = :org", org=organization_id
    )
    return int(rows[0]["n"])


# Several endpoints: each one's deliveries (newest first) numbered after the cursor, the
# first ``limit`` kept; the count ignores the cursor.
_DELIVERIES = """
SELECT * FROM (
    SELECT d.id, d.endpoint_id, d.message_id, d.event_type, d.entry_id, d.status, d.next_attempt_at,
           d.created_at,
           COUNT(*) OVER (PARTITION BY d.endpoint_id) AS total_count,
           SUM(CASE WHEN d.id < :before THEN 1 ELSE 0 END)
               OVER (PARTITION BY d.endpoint_id ORDER BY d.id DESC ROWS UNBOUNDED PRECEDING) AS position
    FROM webhook_delivery d
    WHERE d.endpoint_id IN ({endpoint_ids}){conditions}
) numbered
WHERE numbered.id < :before AND numbered.position <= :limit
ORDER BY numbered.endpoint_id, numbered.id DESC
"""
_ATTEMPTS = """
SELECT delivery_id, attempted_at, response_status, duration_ms, error
FROM webhook_attempt WHERE delivery_id IN ({delivery_ids})
ORDER BY id
"""
_NO_CURSOR = 2**63 - 1


async def delivery_pages(
    endpoint_ids: Iterable[int], first: int, after: int | None, status: WebhookDeliveryStatus | None
) -> dict[int, Page[WebhookDeliveryView]]:
    """A page of deliveries of each endpoint (the caller has read the endpoints: its own)."""
    ids = sorted(set(endpoint_ids))
    pages: dict[int, Page[WebhookDeliveryView]] = {eid: Page([], 0, False) for eid in ids}
    if not ids:
        return pages
    params: dict[str, Any] = {"before": after if after is not None else _NO_CURSOR, "limit": first + 1}
    params.update({f"e{n}": eid for n, eid in enumerate(ids)})
    conditions = ""
    if status is not None:
        conditions = " AND d.status = :status"
        params["status"] = status.value
    sql = _DELIVERIES.format(endpoint_ids=", ".join(f":e{n}" for n in range(len(ids))), conditions=conditions)
    rows = await read(connection(), sql, **params)
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row["endpoint_id"], []).append(row)
    kept = [row for group in grouped.values() for row in group[:first]]
    attempts = await _attempts([row["id"] for row in kept])
    for eid, group in grouped.items():
        items = [_delivery(row, attempts.get(row["id"], [])) for row in group[:first]]
        pages[eid] = Page(items, int(group[0]["total_count"]), len(group) > first)
    return pages


async def _attempts(delivery_ids: list[int]) -> dict[int, list[WebhookAttemptView]]:
    if not delivery_ids:
        return {}
    sql = _ATTEMPTS.format(delivery_ids=", ".join(f":d{n}" for n in range(len(delivery_ids))))
    found: dict[int, list[WebhookAttemptView]] = {}
    for row in await read(connection(), sql, **{f"d{n}": did for n, did in enumerate(delivery_ids)}):
        found.setdefault(row["delivery_id"], []).append(
            WebhookAttemptView(
                as_datetime(row["attempted_at"]), row["response_status"], int(row["duration_ms"]), row["error"]
            )
        )
    return found


def _delivery(row: Any, attempts: list[WebhookAttemptView]) -> WebhookDeliveryView:
    return WebhookDeliveryView(
        id=row["id"],
        endpoint_id=row["endpoint_id"],
        message_id=row["message_id"],
        event_type=row["event_type"],
        entry_id=row["entry_id"],
        status=WebhookDeliveryStatus(row["status"]),
        next_attempt_at=as_datetime(row["next_attempt_at"]),
        created_at=as_datetime(row["created_at"]),
        attempts=attempts,
    )


async def own_delivery(actor: Actor, delivery_id: int) -> WebhookDeliveryView | None:
    """One delivery of the caller's organization (None: another's or none)."""
    organization_id = ensure_may_manage(actor)
    rows = await read(
        connection(),
        """SELECT d.id, d.endpoint_id, d.message_id, d.event_type, d.entry_id, d.status, d.next_attempt_at,
                  d.created_at
           FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
           WHERE d.id = :id AND e.organization_id = :org""",
        id=delivery_id,
        org=organization_id,
    )
    if not rows:
        return None
    attempts = await _attempts([delivery_id])
    return _delivery(rows[0], attempts.get(delivery_id, []))
