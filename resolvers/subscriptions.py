"""The subscription ``reportEvents(filter: {period, partnerId})`` (docs/contract.md §8).

Each committed history entry of a report the subscriber may see (and the filter keeps)
arrives as a ``ReportEvent`` whose ``report`` is the report as it now stands. What the
subscriber hears, and the one read per event that all a worker's subscribers share,
are ``workflow.events.live``'; the feed is the worker's hub (``server.events``). The
subscribers of a worker that run the same operation as the same actor share one
execution per event (``resolvers.event_sharing``).

Refusals before anything is registered (a GraphQL ``error`` message): ``FORBIDDEN``
without ``reports:read``, ``INVALID_INPUT`` for a period that is not ``YYYY-MM``,
``EVENTS_UNAVAILABLE`` while the worker is reconnecting to the events (retry
shortly). A subscription that may have missed events (it fell behind, or the worker
lost its connection to them) ends with ``EVENTS_MISSED``: refetch, then subscribe
again. Nothing is replayed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator

import strawberry

from resolvers.filters import partner_pk, period_label
from schema.context import Context
from schema.errors import ApiError
from schema.history import ReportEvent
from schema.inputs import ReportEventFilter
from schema.permissions import require_reports_read
from schema.reports import BillingReport
from workflow.events.live import (
    EventCriteria,
    EventFeed,
    EventsInterrupted,
    EventsUnavailable,
    LiveEvent,
    LoadedEvent,
)

Info = strawberry.Info[Context, None]

EVENTS_UNAVAILABLE = "EVENTS_UNAVAILABLE"
EVENTS_MISSED = "EVENTS_MISSED"

log = logging.getLogger("billing_reports.events")


async def report_events(
    info: Info,
    filter: ReportEventFilter | None = None,
) -> AsyncGenerator[ReportEvent, None]:
    # Checked here, before the stream starts, so a refusal is the protocol's "error" message.
    require_reports_read(info)
    criteria = _criteria(info, filter)
    feed = info.context.events
    if feed is None or not feed.available:
        raise ApiError(EVENTS_UNAVAILABLE, "live events are unavailable right now: retry shortly")
    return _stream(info.context, feed, criteria)


async def _stream(context: Context, feed: EventFeed, criteria: EventCriteria) -> AsyncGenerator[ReportEvent, None]:
    try:
        async with feed.subscribe(criteria.accepts) as events:
            async for live in events:
                try:
                    loaded = await live.load()
                except Exception as error:  # the database failed us: the event is lost to this dashboard
                    log.exception("a report event could not be loaded: %s", live.message)
                    raise EventsInterrupted("an event could not be loaded: refetch, then subscribe again") from error
                if loaded is None or not criteria.shows(loaded):
                    continue
                # The context lives as long as the connection: each event reads afresh.
                context.renew_loaders()
                yield _root(live, loaded)
    except EventsUnavailable as error:
        raise ApiError(EVENTS_UNAVAILABLE, str(error)) from None
    except EventsInterrupted as error:
        raise ApiError(EVENTS_MISSED, str(error)) from None


def _root(live: LiveEvent, loaded: LoadedEvent) -> ReportEvent:
    """The event as the schema resolves it: built once per worker and event, for every subscriber.

    Nothing in it depends on who asks (fields that do read the subscriber's context).
    """
    event: ReportEvent | None = live.memo.get("root")
    if event is None:
        event = ReportEvent.from_view(loaded.entry, report=BillingReport.from_view(loaded.report))
        event.shared_results = live.memo.setdefault("results", [])  # same question, same answer
        live.memo["root"] = event
    return event


def _criteria(info: Info, given: ReportEventFilter | None) -> EventCriteria:
    actor = info.context.actor
    if given is None:
        return EventCriteria(actor)
    return EventCriteria(actor, period=period_label(given.period), partner_id=partner_pk(given.partner_id))
