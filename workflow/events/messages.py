"""Report events: what a committed history entry tells the dashboards, and how it travels.

Every history entry becomes one ``ReportEventMessage``: IDs, the new status and
version, and what a subscriber's filter needs to decide cheaply whether the event is
for it (partner, parent Tier 1, period) — never the report itself. Subscribers load the
rest with their own visibility. The encoded message is a small JSON object, far under
PostgreSQL's 8,000-byte NOTIFY limit (about 150 bytes):

    {"entry": 41, "report": 7, "partner": 12, "parent": 3, "period": "2026-10",
     "action": "APPROVED", "status": "APPROVED", "version": 4}

How it travels (``workflow.database.unit_of_work`` publishes, inside the action's transaction):

- PostgreSQL: ``pg_notify('report_events', payload)`` in the same transaction as the
  state change, so it is delivered on commit and never on rollback, to every worker
  (and host) that LISTENs. ``notify_sql`` builds it from the history rows, so one
  statement publishes one entry or a whole generation's entries.
- SQLite (one process): after a successful commit, the messages are handed to the
  in-process ``local_listeners`` (the server's event hub registers there). The
  workflow never imports the server: it only calls what registered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from vocabulary.enums import ReportEventAction, ReportStatus
from workflow.core.actors import ReportOwnership

CHANNEL = "report_events"
# PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more.
MAX_PAYLOAD_BYTES = 8000

log = logging.getLogger("billing_reports.events")


class MalformedEvent(ValueError):
    """A payload on the channel that is not a report event (someone else NOTIFYing)."""


@dataclass(frozen=True, slots=True)
class ReportEventMessage:
    entry_id: int  # the history entry
    report_id: int
    partner_id: int  # the report's Tier 2 partner
    parent_id: int | None  # that partner's Tier 1
    period: str  # "YYYY-MM"
    action: ReportEventAction
    status: ReportStatus  # the report's status after the step
    version: int  # the report's version after the step

    @property
    def ownership(self) -> ReportOwnership:
        return ReportOwnership(partner_id=self.partner_id, parent_id=self.parent_id or 0)

    def encode(self) -> str:
        payload = orjson.dumps(
            {
                "entry": self.entry_id,
                "report": self.report_id,
                "partner": self.partner_id,
                "parent": self.parent_id,
                "period": self.period,
                "action": self.action.value,
                "status": self.status.value,
                "version": self.version,
            }
        ).decode()
        if len(payload.encode()) >= MAX_PAYLOAD_BYTES:  # cannot happen with IDs only; say so if it does
            raise MalformedEvent(f"an event payload of {len(payload)} bytes is over PostgreSQL's NOTIFY limit")
        return payload

    @classmethod
    def decode(cls, payload: str | bytes) -> ReportEventMessage:
        try:
            data = orjson.loads(payload)
            return cls.from_row(data)
        except (orjson.JSONDecodeError, TypeError, KeyError, ValueError) as error:
            raise MalformedEvent(f"not a report event: {str(payload)[:200]!r}") from error

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ReportEventMessage:
        """From the columns of ``MESSAGE_ROWS`` (the same names as the JSON keys)."""
        parent = row["parent"]
        return cls(
            entry_id=_positive(row["entry"]),
            report_id=_positive(row["report"]),
            partner_id=_positive(row["partner"]),
            parent_id=None if parent is None else _positive(parent),
            period=str(row["period"]),
            action=ReportEventAction(row["action"]),
            status=ReportStatus(row["status"]),
            version=_positive(row["version"]),
        )


def _positive(value: Any) -> int:
    if type(value) is not int or value <= 0:
        raise ValueError(f"{value!r} is not an id")
    return value


# The message of each history entry matching ``{where}``, oldest first. The column names
# are the JSON keys, so SQLite rows and PostgreSQL's json_build_object agree.
MESSAGE_ROWS = """
SELECT h.id AS entry, h.report_id AS report, r.partner_id AS partner, o.parent_id AS parent,
       p.label AS period, h.action AS action, h.to_status AS status, h.version AS version
FROM history_entry h
JOIN billing_report r ON r.id = h.report_id
JOIN organization o ON o.id = r.partner_id
JOIN billing_period p ON p.id = r.period_id
WHERE {where}
ORDER BY h.id
"""

# One statement notifies every matching entry (a generation's hundreds as well as one
# step's one); count() makes it answer one row whatever the number.
_NOTIFY = """
SELECT count(pg_notify('{channel}', json_build_object(
           'entry', m.entry, 'report', m.report, 'partner', m.partner, 'parent', m.parent,
           'period', m.period, 'action', m.action, 'status', m.status, 'version', m.version)::text))
FROM ({rows}) m
"""

# Which entries: one step's entry, or the GENERATED entries of a period's new reports
# (still at version 0 while their generation runs: ``workflow.generation.generate``).
ONE_ENTRY = "h.id = :entry_id"
NEW_REPORTS_OF_PERIOD = "r.period_id = :period_id AND r.version = 0"


def message_rows_sql(where: str) -> str:
    return MESSAGE_ROWS.format(where=where)


def notify_sql(where: str) -> str:
    return _NOTIFY.format(channel=CHANNEL, rows=message_rows_sql(where))


# --- in-process delivery (SQLite) ---------------------------------------------------------

LocalListener = Callable[[Sequence[ReportEventMessage]], None]
local_listeners: list[LocalListener] = []


def add_local_listener(listener: LocalListener) -> None:
    local_listeners.append(listener)


def remove_local_listener(listener: LocalListener) -> None:
    if listener in local_listeners:
        local_listeners.remove(listener)


def deliver_locally(messages: Sequence[ReportEventMessage]) -> None:
    """Hand committed messages to the in-process listeners.

    Called after the commit: the action has succeeded whatever a listener does, so a
    listener's failure is logged, never raised into the action. Listeners must not block
    (the server's hub only puts them on bounded queues).
    """
    if not messages:
        return
    for listener in list(local_listeners):
        try:
            listener(messages)
        except Exception:
            log.exception("a local report event listener failed")
