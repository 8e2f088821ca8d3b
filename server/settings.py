"""Server settings from the environment (the database URL is ``server.database``'s).

    BILLING_REPORTS_DEBUG=1   development: GraphiQL at GET /graphql, introspection and
                              "did you mean" suggestions on. Off by default (production).
    AUTO_SUBMIT_INTERVAL_SECONDS=300
                              how often each server process runs the deadline sweep
                              (auto-submit, auto-approve: ``server.deadline_job``); the
                              first run is at startup. 0 turns it off (then run
                              ``billing-reports auto-submit`` from cron). Default 300.
    BILLING_REPORTS_WS_ALLOWED_ORIGINS=https://dash.example.com,https://other.example
                              browser origins (besides the API's own) whose pages may
                              open the subscriptions WebSocket. Default none.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

_TRUE = {"1", "true", "yes", "on"}
DEFAULT_AUTO_SUBMIT_INTERVAL = 300.0


@dataclass(frozen=True, slots=True)
class Settings:
    debug: bool = False
    # Off unless asked for, so an app built in a test runs nothing in the background;
    # the environment's default (from_env) is on.
    auto_submit_interval_seconds: float = 0.0
    ws_allowed_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            debug=os.environ.get("BILLING_REPORTS_DEBUG", "").strip().lower() in _TRUE,
            auto_submit_interval_seconds=_seconds("AUTO_SUBMIT_INTERVAL_SECONDS", DEFAULT_AUTO_SUBMIT_INTERVAL),
            ws_allowed_origins=tuple(
                o.strip() for o in os.environ.get("BILLING_REPORTS_WS_ALLOWED_ORIGINS", "").split(",") if o.strip()
            ),
        )


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
