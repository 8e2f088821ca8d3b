"""The worker's event hub: committed report events in, one bounded queue per subscriber out.

``publish`` is called with committed messages — by the PostgreSQL listener (NOTIFY) or,
on SQLite, by the workflow's in-process delivery after commit. It never waits: for each
subscriber whose ``accepts`` takes the message (a check on the message's IDs, no
database), it puts the event on that subscriber's queue. A subscriber that lets its
queue fill up (a slow dashboard, a stalled socket) is dropped from the hub and its
subscription ends with ``EventsInterrupted``; the others, and the mutations that
published, never wait for it.

``interrupt_all`` ends every subscription the same way (the listener lost its
connection, so events may have been missed); while ``available`` is false, new
subscriptions are refused with ``EventsUnavailable``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar

from server import metrics
from workflow.events.live import EventsInterrupted, EventsUnavailable, LiveEvent
from workflow.events.messages import ReportEventMessage

log = logging.getLogger("billing_reports.events")

# Events a subscriber may be behind before it is dropped: a dashboard that keeps up
# takes each in milliseconds; a generation publishes one per report at once.
DEFAULT_QUEUE_SIZE = 1000

Accepts = Callable[[ReportEventMessage], bool]

# Set by whoever starts a subscription and wants to know when it is registered (the
# WebSocket handler: ``server.graphql_ws``); the subscription's task inherits it.
registered: ContextVar[asyncio.Event | None] = ContextVar("subscription_registered", default=None)


class _Subscriber:
    __slots__ = ("accepts", "queue")

    def __init__(self, accepts: Accepts, queue_size: int) -> None:
        self.accepts = accepts
        # Holds LiveEvents, and at most one EventsInterrupted: the end of the subscription.
        self.queue: asyncio.Queue[LiveEvent | EventsInterrupted] = asyncio.Queue(queue_size + 1)

    def end(self, reason: EventsInterrupted) -> None:
        # What is still queued would be followed by a gap: drop it, the dashboard refetches.
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(reason)

    async def events(self) -> AsyncIterator[LiveEvent]:
        while True:
            item = await self.queue.get()
            if isinstance(item, EventsInterrupted):
                raise item
            yield item


class EventHub:
    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._subscribers: set[_Subscriber] = set()
        self._available = False

    @property
    def available(self) -> bool:
        return self._available

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def set_available(self, available: bool) -> None:
        self._available = available

    @asynccontextmanager
    async def subscribe(self, accepts: Accepts) -> AsyncIterator[AsyncIterator[LiveEvent]]:
        if not self._available:
            raise EventsUnavailable("live events are unavailable right now (reconnecting): retry shortly")
        subscriber = _Subscriber(accepts, self.queue_size)
        self._subscribers.add(subscriber)
        if (signal := registered.get()) is not None:
            signal.set()
        try:
            yield subscriber.events()
        finally:
            self._subscribers.discard(subscriber)

    def publish(self, messages: Sequence[ReportEventMessage]) -> None:
        metrics.count_live_events(len(messages))
        for message in messages:
            event = LiveEvent(message)
            for subscriber in list(self._subscribers):
                try:
                    wanted = subscriber.accepts(message)
                except Exception:
                    log.exception("a subscription's filter failed on %s", message)
                    wanted = False
                if not wanted:
                    continue
                if subscriber.queue.qsize() >= self.queue_size:
                    metrics.count_dropped_subscription("too_slow")
                    self._drop(
                        subscriber,
                        EventsInterrupted(
                            "this subscription fell too far behind and missed events: refetch, then subscribe again"
                        ),
                    )
                else:
                    subscriber.queue.put_nowait(event)

    def interrupt_all(self, why: str) -> None:
        for subscriber in list(self._subscribers):
            metrics.count_dropped_subscription("interrupted")
            self._drop(
                subscriber, EventsInterrupted(f"{why}: events may have been missed; refetch, then subscribe again")
            )

    def _drop(self, subscriber: _Subscriber, reason: EventsInterrupted) -> None:
        self._subscribers.discard(subscriber)
        subscriber.end(reason)
