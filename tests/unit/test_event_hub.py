"""The worker's event hub: fan-out to bounded queues, no waiting, and clear endings (no database)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from server.events.hub import EventHub
from vocabulary.enums import ReportEventAction, ReportStatus
from workflow.events.live import EventsInterrupted, EventsUnavailable, LiveEvent
from workflow.events.messages import ReportEventMessage


def message(entry_id: int, partner_id: int = 20) -> ReportEventMessage:
    return ReportEventMessage(
        entry_id, 7, partner_id, 10, "2026-10", ReportEventAction.SAVED, ReportStatus.PREPARING, entry_id + 1
    )


def hub(queue_size: int = 1000) -> EventHub:
    events = EventHub(queue_size)
    events.set_available(True)
    return events


async def take(stream: AsyncIterator[LiveEvent], count: int) -> list[int]:
    return [(await asyncio.wait_for(anext(stream), 1)).message.entry_id for _ in range(count)]


async def test_each_subscriber_gets_the_events_it_accepts_in_order() -> None:
    events = hub()
    async with events.subscribe(lambda m: m.partner_id == 20) as mine, events.subscribe(lambda m: True) as every:
        events.publish([message(1), message(2, partner_id=21), message(3)])
        assert await take(mine, 2) == [1, 3]
        assert await take(every, 3) == [1, 2, 3]


async def test_subscribers_of_one_event_share_its_load() -> None:
    events = hub()
    async with events.subscribe(lambda m: True) as first, events.subscribe(lambda m: True) as second:
        events.publish([message(1)])
        assert await anext(first) is await anext(second)


async def test_a_subscriber_that_falls_behind_is_ended_and_the_others_still_get_everything() -> None:
    events = hub(queue_size=3)
    async with events.subscribe(lambda m: True) as slow, events.subscribe(lambda m: True) as keeping_up:
        for n in range(1, 7):
            events.publish([message(n)])  # never waits, whoever is slow
            assert await take(keeping_up, 1) == [n]
        with pytest.raises(EventsInterrupted, match="fell too far behind"):
            await anext(slow)  # not even the queued events: they would be followed by a gap
        assert events.subscriber_count == 1


async def test_a_subscriber_that_keeps_its_queue_under_the_bound_is_never_ended() -> None:
    events = hub(queue_size=3)
    async with events.subscribe(lambda m: True) as stream:
        for n in range(0, 30, 3):
            events.publish([message(n + 1), message(n + 2), message(n + 3)])
            assert await take(stream, 3) == [n + 1, n + 2, n + 3]


async def test_a_failing_filter_skips_that_subscriber_only() -> None:
    events = hub()

    def broken(m: ReportEventMessage) -> bool:
        raise RuntimeError("a bug in one filter")

    async with events.subscribe(broken), events.subscribe(lambda m: True) as fine:
        events.publish([message(1)])
        assert await take(fine, 1) == [1]


async def test_interrupting_ends_every_subscription_with_a_reason_to_refetch() -> None:
    events = hub()
    async with events.subscribe(lambda m: True) as first, events.subscribe(lambda m: True) as second:
        events.publish([message(1)])
        events.interrupt_all("the server's connection to the events dropped")
        for stream in (first, second):
            with pytest.raises(EventsInterrupted, match="dropped: events may have been missed; refetch"):
                await anext(stream)
        assert events.subscriber_count == 0


async def test_no_subscription_while_the_hub_is_not_receiving_events() -> None:
    events = EventHub()
    with pytest.raises(EventsUnavailable):
        async with events.subscribe(lambda m: True):
            pass
    assert events.subscriber_count == 0


async def test_leaving_a_subscription_unregisters_it() -> None:
    events = hub()
    async with events.subscribe(lambda m: True):
        assert events.subscriber_count == 1
    assert events.subscriber_count == 0
    events.publish([message(1)])  # nobody to deliver to: nothing happens
