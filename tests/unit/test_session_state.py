"""Pool connections go back without a reset round trip: the code never leaves session state on one.

``server.postgres_pool.keep_session`` skips asyncpg's ``RESET ALL``, ``UNLISTEN *``,
``CLOSE ALL`` and ``pg_advisory_unlock_all()`` on release. That holds only while no code
sets a session setting (``SET`` without ``LOCAL``), takes a session-level advisory lock,
or LISTENs on a pooled connection. This reads every module of the service for them.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("server", "workflow", "models", "resolvers", "schema")
# The one module that LISTENs, on a connection of its own (not the pool's).
LISTENER = ROOT / "server" / "events" / "postgres_listener.py"

SESSION_SET = re.compile(r"""["']\s*SET\s+(?!LOCAL\b)[a-z_.]+\s*(?:=|TO\b)""", re.IGNORECASE)
SESSION_LOCK = re.compile(r"pg_(?:try_)?advisory_lock(?:_shared)?\s*\(", re.IGNORECASE)
LISTEN = re.compile(r"""["']LISTEN\s|\.add_listener\(""", re.IGNORECASE)


def _sources() -> list[Path]:
    return [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]


def test_no_code_sets_a_session_setting_or_takes_a_session_lock() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in _sources()
        for pattern in (SESSION_SET, SESSION_LOCK)
        for match in pattern.finditer(path.read_text())
    ]
    assert not found, found


def test_only_the_listener_listens() -> None:
    found = [str(path.relative_to(ROOT)) for path in _sources() if LISTEN.search(path.read_text())]
    assert set(found) <= {str(LISTENER.relative_to(ROOT))}, found


def test_the_checks_see_what_they_look_for() -> None:
    assert SESSION_SET.search('"SET work_mem = 1"') and not SESSION_SET.search('"SET LOCAL work_mem = 1"')
    assert not SESSION_SET.search('"UPDATE t SET version = 1"')
    assert SESSION_LOCK.search("SELECT pg_advisory_lock(1)") and not SESSION_LOCK.search("pg_advisory_xact_lock(1)")
    assert LISTEN.search('"LISTEN report_events"') and LISTEN.search("await conn.add_listener(channel, hear)")
