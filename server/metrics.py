"""The service's Prometheus metrics (``prometheus-client``) and the ``/metrics`` endpoint.

What is measured, and where it is counted (each hook is one call into this module):

    billing_reports_requests_total{operation,outcome}            the GraphQL view (``timed_request``)
    billing_reports_request_duration_seconds{operation,outcome}  the same, a histogram
    billing_reports_user_errors_total{code}                      payload ``UserError``s (``schema.errors``
                                                                 tells ``count_user_errors``) and top-level
                                                                 error codes (the view's ``note_graphql_errors``)
    billing_reports_database_faults_total{code}                  503 ``SERVICE_BUSY`` / ``DATABASE_UNAVAILABLE``
                                                                 answered (``server.database_faults``)
    billing_reports_pool_waits_total                             acquires that found the pool full
                                                                 (``server.postgres_pool``)
    billing_reports_pool_connections{state="in_use"|"max"}       sampled each second (``sampling``)
    billing_reports_live_subscribers                             sampled each second from the hub
    billing_reports_live_events_total                            events a worker's hub received
    billing_reports_live_events_dropped_total{reason}            subscriptions ended by the hub
                                                                 (``server.events.hub``)
    billing_reports_deadline_sweeps_total{result}                the background sweep (``server.deadline_job``)
    billing_reports_deadline_sweep_reports_total{action}         reports it auto-submitted / auto-approved
    billing_reports_deadline_sweep_duration_seconds              its runs
    billing_reports_webhook_attempts_total{result}               webhook delivery attempts by what they left:
                                                                 succeeded, retrying, failed, gone (410: the
                                                                 endpoint disabled), expired (claim lost,
                                                                 nothing recorded) (the dispatcher's observer)
    billing_reports_webhook_attempt_duration_seconds             the attempts' time, a histogram
    billing_reports_webhook_first_attempt_lag_seconds            from an event's commit to the start of its
                                                                 delivery's first attempt, a histogram
    billing_reports_webhook_deliveries{state="pending"|"due"}    read from the database at each scrape: the
    billing_reports_webhook_oldest_due_seconds                   deliveries of enabled endpoints waiting (due:
                                                                 their time has come), and how long the oldest
                                                                 due one has waited (0: none). One database,
                                                                 so one value whichever worker answers; left
                                                                 out of a scrape when the database does not
                                                                 answer within ``BACKLOG_TIMEOUT_SECONDS``
    billing_reports_workers                                      worker processes serving (1 each)

Several worker processes: ``billing-reports serve`` always runs prometheus-client's
multi-process mode — ``PROMETHEUS_MULTIPROC_DIR`` (the operator's, or a temporary
directory of its own) is emptied before the workers start, each worker writes its
values there, a scrape (answered by any one worker) sums every worker's files, and a
worker that stops is marked dead (its live gauges leave the sum). Without that variable
(an app built in a test) the metrics are this process's own.

The operation label is the GraphQL operation's name (``operationName``, else the name in
the document) when it is a sane name, ``_anonymous`` without one; at most
``MAX_OPERATION_NAMES`` distinct names per worker, then ``_other``, so that clients cannot
grow the series without bound.

``/metrics`` is protected: with ``BILLING_REPORTS_METRICS_TOKEN`` set it needs
``Authorization: Bearer <that token>``; without it, only clients in
``BILLING_REPORTS_METRICS_ALLOWED_NETWORKS`` (default: loopback) may read it. Others get 403.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response

from workflow.webhooks.dispatcher import Attempted, Backlog, backlog

log = logging.getLogger("billing_reports.metrics")

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
MAX_OPERATION_NAMES = 200
ANONYMOUS, OTHER = "_anonymous", "_other"
SAMPLE_SECONDS = 1.0

# Outcomes of an HTTP GraphQL request.
OK = "ok"  # 200, no top-level error
GRAPHQL_ERROR = "graphql_error"  # 200 with top-level errors (validation, a refused query, a masked bug)
REJECTED = "rejected"  # 4xx: no or a bad token, a malformed request
UNAVAILABLE = "unavailable"  # 503: the database failed, the pool was busy, the time limit, the shutdown
SERVER_ERROR = "server_error"  # anything else (an exception escaped)

# Seconds; the API's requests are milliseconds, the time limit is 10 s.
_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "billing_reports_requests", "GraphQL HTTP requests by operation name and outcome", ["operation", "outcome"]
)
REQUEST_SECONDS = Histogram(
    "billing_reports_request_duration_seconds",
    "Time to answer a GraphQL HTTP request, by operation name and outcome",
    ["operation", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
USER_ERRORS = Counter("billing_reports_user_errors", "Errors answered to clients, by code", ["code"])
DATABASE_FAULTS = Counter(
    "billing_reports_database_faults", "Requests answered 503 because of the database, by code", ["code"]
)
POOL_WAITS = Counter("billing_reports_pool_waits", "Pool acquires that found every connection in use and waited")
POOL_CONNECTIONS = Gauge(
    "billing_reports_pool_connections",
    "PostgreSQL pool connections of the workers (in_use, max), sampled each second",
    ["state"],
    multiprocess_mode="livesum",
)
LIVE_SUBSCRIBERS = Gauge(
    "billing_reports_live_subscribers",
    "Live event subscriptions open on the workers, sampled each second",
    multiprocess_mode="livesum",
)
LIVE_EVENTS = Counter("billing_reports_live_events", "Report events received by the workers' hubs")
LIVE_EVENTS_DROPPED = Counter(
    "billing_reports_live_events_dropped",
    "Subscriptions ended by a hub, with the events they missed (too_slow: the subscriber fell behind; "
    "interrupted: the listener's connection dropped or the worker stopped)",
    ["reason"],
)
SWEEPS = Counter("billing_reports_deadline_sweeps", "Runs of the background deadline sweep, by result", ["result"])
SWEEP_REPORTS = Counter(
    "billing_reports_deadline_sweep_reports", "Reports the background deadline sweep acted on", ["action"]
)
SWEEP_SECONDS = Histogram(
    "billing_reports_deadline_sweep_duration_seconds",
    "Time of a background deadline sweep run",
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0),
)
WORKERS = Gauge("billing_reports_workers", "Worker processes serving the API", multiprocess_mode="livesum")
WEBHOOK_ATTEMPTS = Counter(
    "billing_reports_webhook_attempts",
    "Webhook delivery attempts by what they left: succeeded, retrying, failed, gone (410), expired (claim lost)",
    ["result"],
)
WEBHOOK_ATTEMPT_SECONDS = Histogram(
    "billing_reports_webhook_attempt_duration_seconds",
    "Time of a webhook delivery attempt (the request to the receiver, bounded at 15 s)",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0),
)
WEBHOOK_FIRST_ATTEMPT_LAG = Histogram(
    "billing_reports_webhook_first_attempt_lag_seconds",
    "From an event's commit to the start of its webhook delivery's first attempt",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
BACKLOG_TIMEOUT_SECONDS = 2.0


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_DIR))


# --- requests -------------------------------------------------------------------------------

_NAME = re.compile(rb"[_A-Za-z][_0-9A-Za-z]{0,63}")
_OPERATION_NAME_FIELD = re.compile(rb'"operationName"\s*:\s*"([_A-Za-z][_0-9A-Za-z]{0,63})"')
_NAMED_OPERATION = re.compile(rb"(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]{0,63})")
_LOOK_BYTES = 4096  # where a request's operation name is looked for: the query comes first in practice
_operation_names: set[str] = set()


def operation_name_of(body: bytes) -> str:
    """The request's operation name for the label, from its JSON body, without parsing it whole."""
    head = body[:_LOOK_BYTES]
    match = _OPERATION_NAME_FIELD.search(head) or _NAMED_OPERATION.search(head)
    if match is None:
        return ANONYMOUS
    name = match.group(1).decode()
    if name not in _operation_names:
        if len(_operation_names) >= MAX_OPERATION_NAMES:
            return OTHER
        _operation_names.add(name)
    return name


@dataclass
class RequestTiming:
    outcome: str = SERVER_ERROR
    graphql_errors: bool = False  # set by note_graphql_errors

    def answered(self, status_code: int) -> None:
        """The response's status; with what was noted during the request, the outcome."""
        self.outcome = outcome_of(status_code, graphql_errors=self.graphql_errors)


_timing: ContextVar[RequestTiming | None] = ContextVar("request_timing", default=None)


@contextmanager
def timed_request(body: bytes | None, operation: str | None = None) -> Iterator[RequestTiming]:
    """Time one GraphQL HTTP request and count it by operation and outcome.

    The caller calls ``timing.answered(status)`` with its response. An exception leaves
    the outcome ``server_error`` (``unavailable`` for a database fault, or the shutdown's
    cancellation).
    """
    timing = RequestTiming()
    token = _timing.set(timing)
    started = time.perf_counter()
    try:
        yield timing
    except BaseException as error:
        timing.outcome = UNAVAILABLE if _is_unavailable(error) else SERVER_ERROR
        raise
    finally:
        _timing.reset(token)
        if operation is None:
            operation = operation_name_of(body) if body else ANONYMOUS
        observe_request(operation, timing.outcome, time.perf_counter() - started)


def _is_unavailable(error: BaseException) -> bool:
    from server.database_faults import DatabaseFault, is_connection_failure

    if isinstance(error, asyncio.CancelledError | DatabaseFault):
        return True
    try:
        return is_connection_failure(error)
    except ImportError:  # no asyncpg: SQLite only
        return False


def outcome_of(status_code: int, *, graphql_errors: bool) -> str:
    """The outcome of an answered request, from its status and whether it had top-level errors."""
    if status_code == 200:
        if graphql_errors or _database_fault_noted():
            # A JSON answer with errors from a request the database failed becomes a 503
            # (server.database_faults, around the view).
            return UNAVAILABLE if _database_fault_noted() else GRAPHQL_ERROR
        return OK
    if status_code == 503:
        return UNAVAILABLE
    if 400 <= status_code < 500:
        return REJECTED
    return SERVER_ERROR


def _database_fault_noted() -> bool:
    from server.database_faults import current_fault

    return current_fault() is not None


def observe_request(operation: str, outcome: str, seconds: float) -> None:
    REQUESTS.labels(operation, outcome).inc()
    REQUEST_SECONDS.labels(operation, outcome).observe(seconds)


# --- errors -----------------------------------------------------------------------------------


def count_user_error(code: str) -> None:
    USER_ERRORS.labels(code).inc()


def count_user_errors(codes: Iterable[str]) -> None:
    for code in codes:
        USER_ERRORS.labels(code).inc()


def graphql_error_codes(errors: Iterable[object]) -> list[str]:
    """The codes of a result's top-level GraphQL errors: ``extensions.code``; a masked bug is
    ``UNEXPECTED`` (not a user error), an error before execution without one ``GRAPHQL_VALIDATION``."""
    found = []
    for error in errors:
        extensions = getattr(error, "extensions", None) or {}
        code = extensions.get("code")
        if not code:
            code = "UNEXPECTED" if getattr(error, "path", None) is not None else "GRAPHQL_VALIDATION"
        found.append(str(code))
    return found


def note_graphql_errors(errors: Iterable[object] | None) -> bool:
    """Count a result's top-level errors by code (masked bugs are not user errors); True if any."""
    if not errors:
        return False
    count_user_errors(code for code in graphql_error_codes(errors) if code != "UNEXPECTED")
    timing = _timing.get()
    if timing is not None:
        timing.graphql_errors = True
    return True


def count_database_fault(code: str) -> None:
    DATABASE_FAULTS.labels(code).inc()


def count_pool_wait() -> None:
    POOL_WAITS.inc()


# --- live events ------------------------------------------------------------------------------


def count_live_events(count: int) -> None:
    LIVE_EVENTS.inc(count)


def count_dropped_subscription(reason: str) -> None:
    LIVE_EVENTS_DROPPED.labels(reason).inc()


# --- the deadline sweep -----------------------------------------------------------------------


def observe_sweep(seconds: float, *, auto_submitted: int, auto_approved: int, failed: bool) -> None:
    SWEEPS.labels("failed" if failed else "ok").inc()
    SWEEP_SECONDS.observe(seconds)
    if auto_submitted:
        SWEEP_REPORTS.labels("auto_submitted").inc(auto_submitted)
    if auto_approved:
        SWEEP_REPORTS.labels("auto_approved").inc(auto_approved)


# --- webhooks ---------------------------------------------------------------------------------


def observe_webhook_attempt(attempted: Attempted) -> None:
    """The dispatcher's observer (``server.webhook_job``): one attempt, recorded or not."""
    WEBHOOK_ATTEMPTS.labels(attempted.recorded).inc()
    WEBHOOK_ATTEMPT_SECONDS.observe(attempted.result.duration_ms / 1000)
    if attempted.delivery.attempt_count == 0:
        lag = (attempted.started_at - attempted.delivery.created_at).total_seconds()
        WEBHOOK_FIRST_ATTEMPT_LAG.observe(max(lag, 0.0))


class _BacklogCollector:
    """The webhook backlog as read for one scrape (a collector of a registry made for it)."""

    def __init__(self, backlog: Backlog) -> None:
        self.backlog = backlog

    def collect(self) -> Iterator[GaugeMetricFamily]:
        deliveries = GaugeMetricFamily(
            "billing_reports_webhook_deliveries",
            "Webhook deliveries of enabled endpoints waiting to be sent (pending), and of them those due now (due)",
            labels=["state"],
        )
        deliveries.add_metric(["pending"], self.backlog.pending)
        deliveries.add_metric(["due"], self.backlog.due)
        yield deliveries
        yield GaugeMetricFamily(
            "billing_reports_webhook_oldest_due_seconds",
            "How long the longest-waiting due webhook delivery has waited (0: none is due)",
            value=self.backlog.oldest_due_seconds,
        )


async def _backlog_exposition() -> bytes:
    """The webhook backlog in the text format, or nothing if the database does not answer."""
    try:
        async with asyncio.timeout(BACKLOG_TIMEOUT_SECONDS):
            waiting = await backlog()
    except Exception as error:  # unreachable, busy, not migrated: the process's metrics still answer
        log.warning("metrics: the webhook backlog is left out (%s: %s)", type(error).__name__, error)
        return b""
    registry = CollectorRegistry()
    registry.register(_BacklogCollector(waiting))
    return generate_latest(registry)


# --- the worker's life ------------------------------------------------------------------------


@asynccontextmanager
async def worker_metrics(subscribers: Callable[[], int]) -> AsyncIterator[None]:
    """While the app runs: count this worker, sample its gauges each second; at the end,
    mark it dead for the multi-process sums (its live gauges leave them)."""
    WORKERS.set(1)
    task = asyncio.create_task(_sample(subscribers), name="metrics sampler")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        WORKERS.set(0)
        LIVE_SUBSCRIBERS.set(0)
        if multiprocess_mode():
            multiprocess.mark_process_dead(os.getpid())


async def _sample(subscribers: Callable[[], int]) -> None:
    while True:
        sample_now(subscribers)
        await asyncio.sleep(SAMPLE_SECONDS)


def sample_now(subscribers: Callable[[], int]) -> None:
    LIVE_SUBSCRIBERS.set(subscribers())
    pool = _pool()
    if pool is not None:
        POOL_CONNECTIONS.labels("in_use").set(pool.get_size() - pool.get_idle_size())
        POOL_CONNECTIONS.labels("max").set(pool.get_max_size())


def _pool() -> Any:
    from tortoise import connections

    try:
        client = connections.get("default")
    except Exception:  # not initialised (a test app over its own context: it is there)
        return None
    return getattr(client, "_pool", None)


# --- /metrics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """Who may read ``/metrics`` (``server.settings``: the token, else the networks)."""

    token: str
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    def allows(self, request: Request) -> bool:
        if self.token:
            given = request.headers.get("authorization", "")
            scheme, _, value = given.partition(" ")
            return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), self.token.encode())
        host = request.client.host if request.client else None
        if host is None:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


def metrics_endpoint(access: Access) -> Callable[[Request], object]:
    async def metrics(request: Request) -> Response:
        if not access.allows(request):
            body = {"errors": [{"message": "not allowed to read the metrics", "extensions": {"code": "FORBIDDEN"}}]}
            return Response(orjson.dumps(body), status_code=403, media_type="application/json")
        return Response(exposition() + await _backlog_exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics


def exposition() -> bytes:
    """Every worker's metrics summed (multi-process mode), else this process's."""
    if not multiprocess_mode():
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)
