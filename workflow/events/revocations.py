"""Token revocations: how "this token is revoked" reaches every worker at once.

A revocation is the revoked token's SHA-256 hash (64 hex characters, never the token).
It travels like report events (``workflow.events.messages``), published by the unit of
work inside the revoking transaction (``workflow.database.unit_of_work``):

- PostgreSQL: ``pg_notify('token_revocations', <hash>)`` in the same transaction as the
  ``UPDATE``, so it is delivered on commit and never on rollback, to every worker's
  LISTEN connection (the one that also hears ``report_events``).
- in-process, on both databases: after the commit, the hashes are handed to the
  ``local_listeners`` (the server registers there), so the revoking process refuses the
  token at once (on PostgreSQL its own notification follows; evicting twice is harmless).
  The workflow never imports the server.

A worker that hears one drops the token from its cache of authenticated tokens and
closes the WebSockets opened with it (4403).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

CHANNEL = "token_revocations"
NOTIFY_SQL = f"SELECT pg_notify('{CHANNEL}', :token_hash) AS sent"

log = logging.getLogger("billing_reports.events")

_HASH = re.compile(r"[0-9a-f]{64}")


def is_token_hash(payload: str) -> bool:
    """Whether a payload on the channel is a token hash (anything else is ignored)."""
    return _HASH.fullmatch(payload) is not None


# --- in-process delivery (SQLite) ---------------------------------------------------------

RevocationListener = Callable[[Sequence[str]], None]
local_listeners: list[RevocationListener] = []


def add_local_listener(listener: RevocationListener) -> None:
    local_listeners.append(listener)


def remove_local_listener(listener: RevocationListener) -> None:
    if listener in local_listeners:
        local_listeners.remove(listener)


def deliver_locally(token_hashes: Sequence[str]) -> None:
    """Hand committed revocations to the in-process listeners (after the commit: a
    listener's failure is logged, never raised into the revocation)."""
    if not token_hashes:
        return
    for listener in list(local_listeners):
        try:
            listener(token_hashes)
        except Exception:
            log.exception("a local token revocation listener failed")
