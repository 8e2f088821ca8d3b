"""Report events as subscribers receive them: the feed they subscribe to, and one load per event.

A worker may hold hundreds of subscriptions. For each committed event, the worker's
feed decides from the message alone (partner, parent Tier 1, period) which
subscriptions it is for — no database. The subscriptions that take it share one
``LiveEvent``: the history entry and the report as it now stands are read once per
worker (``LiveEvent.load``, four queries), not once per subscriber. Each subscriber
then checks the report it got against its own visibility (``can_see``) before it shows
anything, and resolves the rest of its selection (lines, totals, history) with fresh
loaders of its own.

A feed ends a subscription with ``EventsInterrupted`` when the subscriber can no longer
be sure to hear every event: it fell too far behind (its queue overflowed), or the
worker lost its connection to the events (PostgreSQL's LISTEN dropped). Nothing is
replayed; the dashboard refetches and subscribes again. ``EventsUnavailable`` refuses a
subscription while the worker is not listening.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from workflow.core.actors import SYSTEM, Actor, can_see
from workflow.events.messages import ReportEventMessage
from workflow.reads.contents import visible_event
from workflow.reads.reports import visible_report
from workflow.reads.views import EventView, ReportView


class EventsInterrupted(Exception):
    """The subscription may have missed events: refetch, then subscribe again."""


class EventsUnavailable(EventsInterrupted):
    """The worker is not receiving events right now (reconnecting): retry shortly."""


@dataclass(frozen=True, slots=True)
class LoadedEvent:
    entry: EventView
    report: ReportView  # as it stands when the worker first loaded the event


class LiveEvent:
    """One committed event as a worker fans it out: its message, and one shared load."""

    __slots__ = ("_load", "memo", "message")

    def __init__(self, message: ReportEventMessage) -> None:
        self.message = message
        # Scratch space of this event for the API layer: what its subscribers share
        # (the object they resolve, the results of identical subscriptions).
        self.memo: dict[str, Any] = {}
        self._load: asyncio.Future[LoadedEvent | None] | None = None

    async def load(self) -> LoadedEvent | None:
        """The entry and the report, read once for all subscribers; None if they are gone.

        Read without visibility (as the system): each subscriber applies its own to the
        report before it shows anything.
        """
        if self._load is None:
            self._load = asyncio.ensure_future(self._read())
        # shield: one subscriber going away must not cancel the read the others wait for.
        return await asyncio.shield(self._load)

    async def _read(self) -> LoadedEvent | None:
        entry = await visible_event(SYSTEM, self.message.entry_id)
        report = await visible_report(SYSTEM, self.message.report_id)
        if entry is None or report is None:
            return None
        return LoadedEvent(entry, report)


@dataclass(frozen=True, slots=True)
class EventCriteria:
    """Which events one subscription hears: the subscriber's own reports (docs/contract.md §2), narrowed.

    ``period`` is a label already checked by the caller; ``partner_id`` a Tier 2
    partner's id (one the subscriber cannot see simply matches nothing).
    """

    actor: Actor
    period: str | None = None
    partner_id: int | None = None

    def accepts(self, message: ReportEventMessage) -> bool:
        """On the message alone, before any database read."""
        return (
            (self.period is None or message.period == self.period)
            and (self.partner_id is None or message.partner_id == self.partner_id)
            and can_see(self.actor, message.ownership)
        )

    def shows(self, event: LoadedEvent) -> bool:
        """Visibility again, on the report as loaded: the message's IDs alone are not trusted."""
        return can_see(self.actor, event.report.ownership)


class EventFeed(Protocol):
    """What the server gives subscriptions (``server.events.EventHub``)."""

    @property
    def available(self) -> bool:
        """Whether the worker is receiving events now."""
        ...

    def subscribe(
        self, accepts: Callable[[ReportEventMessage], bool]
    ) -> AbstractAsyncContextManager[AsyncIterator[LiveEvent]]:
        """Register a subscriber for the events ``accepts`` (called on the message alone).

        Iterating yields them in commit order, and raises ``EventsInterrupted`` when
        the subscriber may have missed some. Leaving the context unregisters it.
        """
        ...
