"""Where the data lives: ``DATABASE_URL`` (Tortoise URL form), else a SQLite file here.

A PostgreSQL URL is served by ``server.postgres_pool`` (Tortoise's asyncpg backend whose
pool never makes a request wait forever), sized and bounded by the pool settings
(``server.settings``).
"""

from __future__ import annotations

import os
from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

from models import MODEL_MODULES
from server.settings import Settings

DEFAULT_DATABASE_URL = "sqlite://billing_reports.sqlite3"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def tortoise_config(db_url: str | None = None) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(_with_sqlite_pragmas(db_url or database_url()))},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "migrations": "models.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _connection(url: str) -> str | dict[str, Any]:
    config = expand_db_url(url)
    if config["engine"] != "tortoise.backends.asyncpg":
        return url  # SQLite (no pool), or another driver
    settings = Settings.from_env()
    config["engine"] = "server.postgres_pool"
    config["credentials"].setdefault("maxsize", settings.pool_size)
    config["credentials"]["acquire_timeout"] = settings.pool_timeout_seconds
    return config


def _with_sqlite_pragmas(url: str) -> str:
    # Tortoise already sets WAL; the busy timeout makes a second process (a CLI run
    # beside the server) wait for the writer instead of failing with "database is locked".
    if url.startswith("sqlite://") and "busy_timeout" not in url:
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}busy_timeout=5000"
    return url


# For Tortoise's own CLI (`tortoise makemigrations`), named in pyproject's [tool.tortoise].
TORTOISE_ORM = tortoise_config()
