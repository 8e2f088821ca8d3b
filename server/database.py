"""Where the data lives: ``DATABASE_URL`` (Tortoise URL form), else a SQLite file here."""

from __future__ import annotations

import os
from typing import Any

from models import MODEL_MODULES

DEFAULT_DATABASE_URL = "sqlite://billing_reports.sqlite3"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def tortoise_config(db_url: str | None = None) -> dict[str, Any]:
    return {
        "connections": {"default": _with_sqlite_pragmas(db_url or database_url())},
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


def _with_sqlite_pragmas(url: str) -> str:
    # Tortoise already sets WAL; the busy timeout makes a second process (a CLI run
    # beside the server) wait for the writer instead of failing with "database is locked".
    if url.startswith("sqlite://") and "busy_timeout" not in url:
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}busy_timeout=5000"
    return url


# For Tortoise's own CLI (`tortoise makemigrations`), named in pyproject's [tool.tortoise].
TORTOISE_ORM = tortoise_config()
