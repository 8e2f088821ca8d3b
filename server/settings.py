"""Server settings from the environment (the database URL is ``server.database``'s).

BILLING_REPORTS_DEBUG=1   development: GraphiQL at GET /graphql, introspection and
                          "did you mean" suggestions on, and the console (below). Off by
                          default (production).
BILLING_REPORTS_CONSOLE=1|0
                          the reference console at /console/ (``console``, docs/console.md):
                          the Billing Reports screen in a browser, on the public API only.
                          Unset: on in debug mode, off otherwise; 1 turns it on in
                          production too, 0 off in debug mode too. Off, /console is 404.
BILLING_REPORTS_CONSOLE_DEMO=demo.json
                          a file written by ``billing-reports demo --json``: the console's
                          sign-in offers its organizations to pick from, with their
                          tokens, to clients on the loopback only (``make demo`` sets
                          it). Never in production: it hands out bearer tokens. Needs the
                          console on; read at startup. Default: none (no picker).
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
BILLING_REPORTS_METRICS_TOKEN=...
                          ``GET /metrics`` needs ``Authorization: Bearer <it>``
                          (``server.metrics``). Unset: no token, but only clients in
                          BILLING_REPORTS_METRICS_ALLOWED_NETWORKS may read it.
BILLING_REPORTS_METRICS_ALLOWED_NETWORKS=127.0.0.0/8,::1
                          without a metrics token, the client addresses (CIDR, comma-
                          separated) allowed to read ``/metrics``. Default loopback only.
BILLING_REPORTS_LOG_FORMAT=text|json
                          ``json``: one JSON object per log line, with the request ID
                          (``server.logs``). Default text.
BILLING_REPORTS_SHUTDOWN_GRACE_SECONDS=20
                          on SIGTERM, how long ``serve`` lets requests in flight
                          finish (new connections are refused at once); past it they
                          are cancelled and their transactions roll back. Default 20:
                          more than the request time limit, less than the usual 30 s
                          before an orchestrator's SIGKILL.
BILLING_REPORTS_OIDC_ISSUER=https://login.example.com/realms/partners
BILLING_REPORTS_OIDC_AUDIENCE=billing-reports
                          OpenID Connect access tokens (docs/contract.md §14,
                          ``server.oidc``): a bearer JWT is checked against this
                          issuer (exactly as written here: compared with ``iss``) and
                          audience. Both or neither. Default: none (API tokens only).
BILLING_REPORTS_OIDC_ORG_CLAIM=billing_org
BILLING_REPORTS_OIDC_SCOPE_CLAIM=scope
                          the claims holding the organization's API ID and the scopes.
BILLING_REPORTS_OIDC_CLOCK_SKEW_SECONDS=60
                          the clock skew tolerated on ``exp``/``nbf`` (at most 60).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from typing import Any

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
DEFAULT_AUTO_SUBMIT_INTERVAL = 300.0
DEFAULT_REQUEST_TIME_LIMIT = 10.0
DEFAULT_POOL_SIZE = 5
DEFAULT_POOL_TIMEOUT = 5.0
DEFAULT_SHUTDOWN_GRACE = 20.0
DEFAULT_TOKEN_CACHE = 5.0
LOG_FORMATS = ("text", "json")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK: tuple[Network, ...] = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


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
    # Who may read /metrics: the bearer token when set, else these client networks.
    metrics_token: str = ""
    metrics_allowed_networks: tuple[Network, ...] = field(default=LOOPBACK)
    log_format: str = "text"
    # OpenID Connect (docs/contract.md §14): off unless an issuer and an audience are set.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_org_claim: str = "billing_org"
    oidc_scope_claim: str = "scope"
    oidc_clock_skew_seconds: float = 60.0
    # The reference console (docs/console.md): None follows debug; the demo's file for its picker.
    console: bool | None = None
    console_demo_file: str = ""

    def __post_init__(self) -> None:
        if self.console_demo_file and not self.console_enabled:
            raise ValueError(
                "BILLING_REPORTS_CONSOLE_DEMO needs the console: "
                "turn it on with BILLING_REPORTS_CONSOLE=1 (or BILLING_REPORTS_DEBUG=1)"
            )

    @property
    def console_enabled(self) -> bool:
        return self.debug if self.console is None else self.console

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
            metrics_token=os.environ.get("BILLING_REPORTS_METRICS_TOKEN", "").strip(),
            metrics_allowed_networks=_networks("BILLING_REPORTS_METRICS_ALLOWED_NETWORKS"),
            log_format=_choice("BILLING_REPORTS_LOG_FORMAT", LOG_FORMATS),
            console=_switch("BILLING_REPORTS_CONSOLE"),
            console_demo_file=os.environ.get("BILLING_REPORTS_CONSOLE_DEMO", "").strip(),
            **_oidc(),
        )


def _oidc() -> dict[str, Any]:
    issuer = os.environ.get("BILLING_REPORTS_OIDC_ISSUER", "").strip()
    audience = os.environ.get("BILLING_REPORTS_OIDC_AUDIENCE", "").strip()
    if bool(issuer) != bool(audience):
        raise ValueError("BILLING_REPORTS_OIDC_ISSUER and BILLING_REPORTS_OIDC_AUDIENCE go together: both or neither")
    return {
        "oidc_issuer": issuer,
        "oidc_audience": audience,
        "oidc_org_claim": os.environ.get("BILLING_REPORTS_OIDC_ORG_CLAIM", "").strip() or "billing_org",
        "oidc_scope_claim": os.environ.get("BILLING_REPORTS_OIDC_SCOPE_CLAIM", "").strip() or "scope",
        "oidc_clock_skew_seconds": min(_seconds("BILLING_REPORTS_OIDC_CLOCK_SKEW_SECONDS", 60.0), 60.0),
    }


def _switch(name: str) -> bool | None:
    """On (1, true, yes, on), off (0, false, no, off), or None when unset or empty."""
    text = os.environ.get(name, "").strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name} must be 1 (on) or 0 (off), got {text!r}")


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


def _networks(name: str) -> tuple[Network, ...]:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return LOOPBACK
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise ValueError(
            f"{name} must be comma-separated networks such as 10.0.0.0/8,::1, got {text!r}: {error}"
        ) from None


def _choice(name: str, choices: tuple[str, ...]) -> str:
    text = os.environ.get(name, "").strip().lower() or choices[0]
    if text not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {text!r}")
    return text
