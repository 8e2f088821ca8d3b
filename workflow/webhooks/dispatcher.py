"""Sending webhook deliveries (docs/contract.md §13): one dispatcher per serving process.

A dispatcher claims due deliveries — ``PENDING``, ``next_attempt_at`` passed, endpoint
enabled — by moving their ``next_attempt_at`` a lease ahead in one statement; on
PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED``, so however many processes and
hosts claim at once, each delivery is claimed by one (a claimer that re-reads a row
another just claimed sees the lease and skips it). On SQLite there is one process.

Each claimed delivery is one task: the URL checked again and its host resolved, every
address checked (``workflow.core.webhooks.check_address``), the request sent to the
checked address itself (the TLS name and ``Host`` stay the URL's), signed with the
endpoint's secrets (``workflow.webhooks.signing``), bounded by ``ATTEMPT_TIMEOUT_SECONDS``
in all, at most ``concurrency`` at a time — so a hanging receiver holds one slot and
delays nobody else. The attempt is recorded with the outcome in one transaction, and
only if the claim is still this dispatcher's (``next_attempt_at`` still the lease).

A process that dies mid-attempt leaves its lease to expire: the delivery is due again
after ``LEASE`` and sent again with the same ``webhook-id`` (receivers deduplicate).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from models import WebhookEndpoint
from vocabulary.enums import ReportEventAction, ReportStatus
from workflow.core.webhooks import (
    ATTEMPT_TIMEOUT_SECONDS,
    AddressRefused,
    EventData,
    Outcome,
    check_address,
    check_url,
    event_body,
    next_attempt_at,
    outcome_of,
    ping_body,
)
from workflow.database.sql import as_datetime, connection, fetch, is_postgres, run
from workflow.database.unit_of_work import unit_of_work
from workflow.events import deliveries
from workflow.webhooks import config, signing
from workflow.webhooks.endpoints import resolve, signing_secrets

log = logging.getLogger("billing_reports.webhooks")

LEASE = timedelta(seconds=ATTEMPT_TIMEOUT_SECONDS + 45)
IdEncoder = Callable[[str, int], str]  # schema.ids.encode: the API's global IDs

_CLAIM = """
UPDATE webhook_delivery SET next_attempt_at = :lease
WHERE id IN (
    SELECT d.id FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
    WHERE d.status = 'PENDING' AND d.next_attempt_at <= :now AND e.enabled
    ORDER BY d.next_attempt_at, d.id
    LIMIT :limit{lock}
)
RETURNING id, message_id, endpoint_id, entry_id, event_type, attempt_count, created_at
"""
# The events of a claimed batch's deliveries: ``{entries}`` is a list of placeholders.
_EVENTS = """
SELECT h.id, h.report_id, h.action, h.from_status, h.to_status, h.version, h.occurred_at,
       r.partner_id, p.label
FROM history_entry h
JOIN billing_report r ON r.id = h.report_id
JOIN billing_period p ON p.id = r.period_id
WHERE h.id IN ({entries})
"""
_RECORD = """
UPDATE webhook_delivery SET status = :status, attempt_count = :attempts, next_attempt_at = :next
WHERE id = :id AND status = 'PENDING' AND next_attempt_at = :lease
"""
_ATTEMPT = """
INSERT INTO webhook_attempt (delivery_id, attempted_at, response_status, duration_ms, error)
VALUES (:id, :at, :response_status, :duration_ms, :error)
"""


# What waits to be sent, for the operators' metrics: deliveries of enabled endpoints still
# PENDING (those in flight hold a lease in the future), and of them the ones due now.
_BACKLOG = """
SELECT COUNT(*) AS pending,
       COALESCE(SUM(CASE WHEN d.next_attempt_at <= :now THEN 1 ELSE 0 END), 0) AS due,
       MIN(d.next_attempt_at) AS earliest
FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id AND e.enabled
WHERE d.status = 'PENDING'
"""


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int
    due: int
    oldest_due_seconds: float  # how long the longest-waiting due delivery has waited; 0 if none


async def backlog(now: datetime | None = None) -> Backlog:
    """The deliveries waiting across every process and host (one database, so one answer)."""
    now = now or datetime.now(UTC)
    rows = await fetch(connection(), _BACKLOG, now=now)
    row = rows[0]
    earliest = as_datetime(row["earliest"])
    waited = (now - earliest).total_seconds() if earliest is not None and earliest <= now else 0.0
    return Backlog(int(row["pending"]), int(row["due"]), waited)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    message_id: str
    endpoint_id: int
    entry_id: int | None
    event_type: str
    attempt_count: int
    lease: datetime
    created_at: datetime  # when its event committed: the first attempt's lag counts from it


@dataclass(frozen=True, slots=True)
class AttemptResult:
    status: int | None
    duration_ms: int
    error: str | None


# What ``record`` made of an attempt: the delivery's new state, or EXPIRED when its claim
# was no longer this dispatcher's (nothing recorded).
SUCCEEDED, RETRYING, FAILED, GONE, EXPIRED = "succeeded", "retrying", "failed", "gone", "expired"


@dataclass(frozen=True, slots=True)
class Attempted:
    """One attempt, told to the dispatcher's observer (the server's metrics)."""

    delivery: Claimed
    started_at: datetime
    result: AttemptResult
    recorded: str  # SUCCEEDED, RETRYING, FAILED, GONE or EXPIRED


AttemptObserver = Callable[[Attempted], None]


async def claim(limit: int, now: datetime | None = None) -> list[Claimed]:
    """Claim up to ``limit`` due deliveries for this dispatcher (see the module docstring)."""
    now = now or datetime.now(UTC)
    lease = now + LEASE
    async with unit_of_work() as work:
        lock = "\n    FOR UPDATE OF d SKIP LOCKED" if is_postgres(work.conn) else ""
        rows = await fetch(work.conn, _CLAIM.format(lock=lock), lease=lease, now=now, limit=limit)
    return [
        Claimed(
            r["id"],
            r["message_id"],
            r["endpoint_id"],
            r["entry_id"],
            r["event_type"],
            r["attempt_count"],
            lease,
            as_datetime(r["created_at"]),
        )
        for r in rows
    ]


class Dispatcher:
    """Claims and sends this process's share of the due deliveries until cancelled (``run``)."""

    def __init__(
        self,
        encode_id: IdEncoder,
        *,
        client: httpx.AsyncClient | None = None,
        wake_on_local_commits: bool = True,
        observe: AttemptObserver = lambda attempted: None,
    ) -> None:
        settings = config.current()
        self.encode_id = encode_id
        self.concurrency = settings.concurrency
        self.poll_seconds = settings.poll_seconds
        self.client = client or httpx.AsyncClient(follow_redirects=False, trust_env=False)
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        # False: find every delivery by polling, as another process would (bench/webhook_latency.py).
        self.wake_on_local_commits = wake_on_local_commits
        self.observe = observe

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        if self.wake_on_local_commits:
            deliveries.add_waker(self.wake)
        try:
            while True:
                try:
                    await self.dispatch_due()
                except Exception:  # a database fault: log, and look again on the next tick
                    log.exception("claiming webhook deliveries, or reading their endpoints and events, failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                self._wake.clear()
        finally:
            deliveries.remove_waker(self.wake)
            for task in list(self._in_flight):
                task.cancel()
            await asyncio.gather(*self._in_flight, return_exceptions=True)
            await self.client.aclose()

    async def dispatch_due(self) -> int:
        """Claim what the free slots can take and start sending it; how many were claimed."""
        free = self.concurrency - len(self._in_flight)
        if free <= 0:
            return 0
        claimed = await claim(free)
        if not claimed:
            return 0
        # What the batch's attempts need, read once for all of them: their endpoints, and one
        # body per event (a step heard by 100 endpoints is 100 deliveries of one body).
        endpoints = {e.id: e for e in await WebhookEndpoint.filter(id__in={d.endpoint_id for d in claimed})}
        bodies = await self._event_bodies({d.entry_id for d in claimed if d.entry_id is not None})
        for delivery in claimed:
            endpoint = endpoints.get(delivery.endpoint_id)
            body = bodies.get(delivery.entry_id) if delivery.entry_id is not None else None
            if endpoint is None or (delivery.entry_id is not None and body is None):
                continue  # its endpoint or report deleted meanwhile: the delivery went with it
            task = asyncio.create_task(self._deliver(endpoint, delivery, body))
            self._in_flight.add(task)
            task.add_done_callback(self._done)
        return len(claimed)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wake.set()  # a slot is free

    async def drain(self) -> None:
        """Wait for the attempts in flight (tests, shutdown)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def _deliver(self, endpoint: WebhookEndpoint, delivery: Claimed, body: bytes | None) -> None:
        try:
            started_at = datetime.now(UTC)
            result = await self.attempt(endpoint, delivery, body)
            recorded = await record(delivery, result)
            self.observe(Attempted(delivery, started_at, result, recorded))
        except Exception:
            log.exception("webhook delivery %s failed unexpectedly; its lease will expire", delivery.id)

    async def attempt(self, endpoint: WebhookEndpoint, delivery: Claimed, body: bytes | None = None) -> AttemptResult:
        """One attempt of ``delivery`` to ``endpoint``; ``body``: its event's, when already read."""
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            async with asyncio.timeout(ATTEMPT_TIMEOUT_SECONDS):
                if body is None:
                    body = await self._body(delivery)
                status = await self._post(endpoint, delivery, body)
        except TimeoutError:
            error = f"no answer within {ATTEMPT_TIMEOUT_SECONDS:g} s"
        except AddressRefused as refused:
            error = f"refused: {refused}"
        except httpx.HTTPError as failed:
            error = f"{type(failed).__name__}: {failed}"[:500]
        duration = int((time.monotonic() - started) * 1000)
        return AttemptResult(status, duration, error)

    async def _body(self, delivery: Claimed) -> bytes:
        if delivery.entry_id is None:
            return ping_body(self.encode_id("WebhookEndpoint", delivery.endpoint_id), datetime.now(UTC))
        return (await self._event_bodies({delivery.entry_id}))[delivery.entry_id]

    async def _event_bodies(self, entry_ids: set[int]) -> dict[int, bytes]:
        """The body of each history entry's event, by entry, in one read."""
        if not entry_ids:
            return {}
        names = [f"e{n}" for n in range(len(entry_ids))]
        rows = await fetch(
            connection(),
            _EVENTS.format(entries=", ".join(f":{name}" for name in names)),
            **dict(zip(names, sorted(entry_ids), strict=True)),
        )
        return {row["id"]: self._event_body(row) for row in rows}

    def _event_body(self, row: dict[str, Any]) -> bytes:
        return event_body(
            EventData(
                event_id=self.encode_id("ReportEvent", row["id"]),
                report_id=self.encode_id("BillingReport", row["report_id"]),
                period=row["label"],
                partner_id=self.encode_id("Organization", row["partner_id"]),
                action=ReportEventAction(row["action"]),
                from_status=None if row["from_status"] is None else ReportStatus(row["from_status"]),
                to_status=ReportStatus(row["to_status"]),
                version=row["version"],
                occurred_at=as_datetime(row["occurred_at"]),
            )
        )

    async def _post(self, endpoint: WebhookEndpoint, delivery: Claimed, body: bytes) -> int:
        allow = config.current().allow_private_networks
        scheme, host, port = check_url(endpoint.url, allow)
        addresses = await resolve(host, port)
        if not addresses:
            raise AddressRefused(f"{host} does not resolve")
        for address in addresses:
            check_address(address, allow)
        url = httpx.URL(endpoint.url)
        now = datetime.now(UTC)
        headers = signing.headers(signing_secrets(endpoint, now), delivery.message_id, now, body)
        headers["host"] = url.netloc.decode("ascii")
        extensions: dict[str, Any] = {"sni_hostname": host} if scheme == "https" else {}
        # To the address just checked, not to a name that could resolve elsewhere now.
        pinned = url.copy_with(host=addresses[0])
        async with self.client.stream(
            "POST",
            pinned,
            content=body,
            headers=headers,
            extensions=extensions,
            timeout=ATTEMPT_TIMEOUT_SECONDS,
        ) as response:
            return response.status_code


async def record(delivery: Claimed, result: AttemptResult) -> str:
    """The attempt and its outcome, in one transaction, if the claim is still ours; what it recorded."""
    ended = datetime.now(UTC)
    attempts = delivery.attempt_count + 1
    outcome = outcome_of(result.status)
    next_at: datetime | None = None
    if outcome is Outcome.SUCCEEDED:
        status, recorded = "SUCCEEDED", SUCCEEDED
    elif outcome is Outcome.GONE:
        status, recorded = "FAILED", GONE
    else:
        next_at = next_attempt_at(attempts, ended)
        status, recorded = ("PENDING", RETRYING) if next_at is not None else ("FAILED", FAILED)
    async with unit_of_work() as work:
        moved = await run(
            work.conn, _RECORD, status=status, attempts=attempts, next=next_at, id=delivery.id, lease=delivery.lease
        )
        if moved != 1:
            log.warning("webhook delivery %s: claim expired before its attempt was recorded", delivery.id)
            return EXPIRED
        await run(
            work.conn,
            _ATTEMPT,
            id=delivery.id,
            at=ended - timedelta(milliseconds=result.duration_ms),
            response_status=result.status,
            duration_ms=result.duration_ms,
            error=result.error,
        )
        if outcome is Outcome.GONE:
            await run(work.conn, "UPDATE webhook_endpoint SET enabled = FALSE WHERE id = :id", id=delivery.endpoint_id)
    return recorded
