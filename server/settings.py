"""Server settings from the environment (the database URL is ``server.database``'s).

BILLING_REPORTS_DEBUG=1   development: GraphiQL at GET /graphql, introspection and
                          "did you mean" suggestions on. Off by default (production).
AUTO_SUBMIT_INTERVAL_SECONDS=300
                          how often each server process runs the deadline sweep
                          (auto-submit, auto-approve: ``server.deadline_job``); the
                          first run is at startup. 0 turns it off (then run
                          ``billing-reports auto-submit`` from cron). Default 300.
BILLING_REPORTS_ALLOWED_ORIGINS=https://dash.example.com,https://other.example
                          browser origins (besides the API's own) whose pages may
                          call the API: CORS headers on HTTP (``server.app``) and
                          the subscriptions WebSocket's origin check. One list for
                          both. Default none. (Its former name,
                          BILLING_REPORTS_WS_ALLOWED_ORIGINS, is read when it is unset.)
BILLING_REPORTS_REQUEST_TIME_LIMIT_SECONDS=10
                          the longest a GraphQL HTTP request may run; past it, 503
                          ``TIMEOUT`` and its transaction rolled back
                          (``server.graphql_view``). 0 turns it off. Default 10.
BILLING_REPORTS_POOL_SIZE=5
                          PostgreSQL connections per worker process (the pool's
                          most; a ``maxsize`` in DATABASE_URL wins). Default 5.
BILLING_REPORTS_POOL_TIMEOUT_SECONDS=5
                          the longest a request waits for a pool connection; past
                          it, 503 ``SERVICE_BUSY`` (all in use) or
                          ``DATABASE_UNAVAILABLE`` (PostgreSQL unreachable), before
                          any transaction began (``server.postgres_pool``). 0: wait
                          without limit. Default 5.
BILLING_REPORTS_SHUTDOWN_GRACE_SECONDS=20
                          on SIGTERM, how long ``serve`` lets requests in flight
                          finish (new connections are refused at once); past it they
                          are cancelled and their transactions roll back. Default 20:
                          more than the request time limit, less than the usual 30 s
                          before an orchestrator's SIGKILL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

_TRUE = {"1", "true", "yes", "on"}
DEFAULT_AUTO_SUBMIT_INTERVAL = 300.0
DEFAULT_REQUEST_TIME_LIMIT = 10.0
DEFAULT_POOL_SIZE = 5
DEFAULT_POOL_TIMEOUT = 5.0
DEFAULT_SHUTDOWN_GRACE = 20.0
DEFAULT_TOKEN_CACHE = 5.0


@dataclass(frozen=True, slots=True)
class Settings:
    debug: bool = False
    # Off unless asked for, so an app built in a test runs nothing in the background;
    # the environment's default (from_env) is on.
    auto_submit_interval_seconds: float = 0.0
    # The webhook dispatcher of this process (server.webhook_job): off unless asked for, like
    # the sweep; the environment's default is on (BILLING_REPORTS_WEBHOOKS_DISPATCH=0 turns it off).
    dispatch_webhooks: bool = False
    allowed_origins: tuple[str, ...] = ()
    request_time_limit_seconds: float = DEFAULT_REQUEST_TIME_LIMIT
    pool_size: int = DEFAULT_POOL_SIZE
    pool_timeout_seconds: float = DEFAULT_POOL_TIMEOUT
    shutdown_grace_seconds: float = DEFAULT_SHUTDOWN_GRACE
    # One log line per HTTP request costs ~15 % of a small request: off unless asked for.
    access_log: bool = False
    # How long a worker keeps an authenticated token (0: off); revocations evict at once.
    token_cache_seconds: float = DEFAULT_TOKEN_CACHE

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            debug=os.environ.get("BILLING_REPORTS_DEBUG", "").strip().lower() in _TRUE,
            auto_submit_interval_seconds=_seconds("AUTO_SUBMIT_INTERVAL_SECONDS", DEFAULT_AUTO_SUBMIT_INTERVAL),
            dispatch_webhooks=os.environ.get("BILLING_REPORTS_WEBHOOKS_DISPATCH", "1").strip().lower() in _TRUE,
            allowed_origins=_origins(),
            request_time_limit_seconds=_seconds(
                "BILLING_REPORTS_REQUEST_TIME_LIMIT_SECONDS", DEFAULT_REQUEST_TIME_LIMIT
            ),
            pool_size=_count("BILLING_REPORTS_POOL_SIZE", DEFAULT_POOL_SIZE),
            pool_timeout_seconds=_seconds("BILLING_REPORTS_POOL_TIMEOUT_SECONDS", DEFAULT_POOL_TIMEOUT),
            shutdown_grace_seconds=_seconds("BILLING_REPORTS_SHUTDOWN_GRACE_SECONDS", DEFAULT_SHUTDOWN_GRACE),
            access_log=os.environ.get("BILLING_REPORTS_ACCESS_LOG", "").strip().lower() in _TRUE,
            token_cache_seconds=_seconds("BILLING_REPORTS_TOKEN_CACHE_SECONDS", DEFAULT_TOKEN_CACHE),
        )


def _origins() -> tuple[str, ...]:
    text = os.environ.get("BILLING_REPORTS_ALLOWED_ORIGINS")
    if text is None:
        text = os.environ.get("BILLING_REPORTS_WS_ALLOWED_ORIGINS", "")
    return tuple(o.strip() for o in text.split(",") if o.strip())


def _seconds(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise ValueError(f"{name} must be 0 (off) or a positive number of seconds, got {text!r}")
    return value


def _count(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {text!r}")
    return int(text)
