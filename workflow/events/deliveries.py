"""Webhook deliveries written with the history entries they tell of (docs/contract.md §13).

``workflow.database.unit_of_work`` runs ``ENQUEUE`` inside the action's transaction,
for the same entries it publishes: one ``webhook_delivery`` row per (entry, enabled
endpoint that may see the entry's report and listens to its action). A rolled-back
action leaves no row; a committed one leaves rows that a dispatcher
(``workflow.webhooks.dispatcher``) sends, after a crash or restart too.

Who may see a report is ``workflow.core.actors.can_see``: the platform every report, a
Tier 1 partner its partners' reports, a Tier 2 partner its own; the ``WHERE`` below
restates it for an endpoint's organization (``tests/integration/test_webhooks.py``
holds the two equal, tenant by tenant).

After the commit, ``wake`` tells this process's dispatcher to look at once (other
processes find the rows on their next poll).
"""

from __future__ import annotations

from collections.abc import Callable

from workflow.events.messages import message_rows_sql

# ``{rows}``: MESSAGE_ROWS for the entries. The webhook-id of an (entry, endpoint) is
# fixed: "msg_<entry>_<endpoint>", the same on every retry and redelivery.
_ENQUEUE = """
INSERT INTO webhook_delivery (message_id, endpoint_id, entry_id, event_type, status, attempt_count,
                              next_attempt_at, created_at)
SELECT 'msg_' || CAST(m.entry AS TEXT) || '_' || CAST(e.id AS TEXT), e.id, m.entry,
       'report.' || LOWER(m.action), 'PENDING', 0, :now, :now
FROM ({rows}) m
JOIN webhook_endpoint e ON e.enabled
JOIN organization eo ON eo.id = e.organization_id
WHERE (eo.tier = 'PLATFORM'
       OR (eo.tier = 'TIER2' AND eo.id = m.partner)
       OR (eo.tier = 'TIER1' AND eo.id = m.parent))
  AND (e.event_types = '' OR e.event_types LIKE '%,' || m.action || ',%')
"""


def enqueue_sql(where: str) -> str:
    return _ENQUEUE.format(rows=message_rows_sql(where).replace("ORDER BY h.id", ""))


# --- waking this process's dispatcher -----------------------------------------------------

_wakers: list[Callable[[], None]] = []


def add_waker(waker: Callable[[], None]) -> None:
    _wakers.append(waker)


def remove_waker(waker: Callable[[], None]) -> None:
    if waker in _wakers:
        _wakers.remove(waker)


def wake() -> None:
    """After a commit that wrote deliveries: the local dispatchers look now (never raises)."""
    for waker in list(_wakers):
        waker()
