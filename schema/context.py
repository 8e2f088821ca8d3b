"""The per-request context: who is asking, and the request's batch loaders.

The actor comes from the bearer token (``server.auth``), never from an argument. The
loaders are created per request (``Loaders``), so their caches never outlive one
request nor cross tenants. Over a WebSocket the context lives as long as the
connection, so a subscription renews them for every event (``renew_loaders``);
``events`` is then the worker's live event feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from workflow.reads import reports as reads

from workflow.reads import contents as report_contents
from workflow.core.actors import Actor
from vocabulary.enums import Scope
from workflow.events.live import EventFeed
from workflow.reads.reports import Page, ReportView
from workflow.reads.contents import EventView, LineFilter, LineView, Totals

# A line page is asked for with (report id, page size, after line id, filter).
LinePageKey = tuple[int, int, int | None, LineFilter]


class Loaders:
    """Batch loaders keyed by report id: one query per kind of data per request."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.reports = DataLoader(self._load_reports)
        self.line_pages = DataLoader(self._load_line_pages)
        self.totals = DataLoader(self._load_totals)
        self.histories = DataLoader(self._load_histories)
        self._deadline_days: int | None = None

    async def _load_reports(self, report_ids: list[int]) -> list[ReportView | None]:
        found = await reads.visible_reports_by_id(self.actor, report_ids)
        return [found.get(rid) for rid in report_ids]

    async def _load_line_pages(self, keys: list[LinePageKey]) -> list[Page[LineView]]:
        # Reports asked with the same page arguments share one query.
        groups: dict[tuple[int, int | None, LineFilter], list[int]] = {}
        for report_id, first, after, line_filter in keys:
            groups.setdefault((first, after, line_filter), []).append(report_id)
        pages: dict[LinePageKey, Page[LineView]] = {}
        for (first, after, line_filter), report_ids in groups.items():
            found = await report_contents.line_pages(report_ids, line_filter, first, after)
            for report_id, page in found.items():
                pages[(report_id, first, after, line_filter)] = page
        return [pages[key] for key in keys]

    async def _load_totals(self, report_ids: list[int]) -> list[Totals]:
        found = await report_contents.totals(report_ids)
        return [found[rid] for rid in report_ids]

    async def _load_histories(self, report_ids: list[int]) -> list[list[EventView]]:
        found = await report_contents.histories(report_ids)
        return [found[rid] for rid in report_ids]

    async def deadline_days(self) -> int:
        if self._deadline_days is None:
            self._deadline_days = await reads.deadline_days(self.actor)
        return self._deadline_days


@dataclass
class Context:
    actor: Actor
    request: Any = None  # the Starlette request (or WebSocket, for subscriptions)
    events: EventFeed | None = None  # the worker's live events (WebSocket connections only)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.actor)

    def renew_loaders(self) -> None:
        """Forget what this request loaded: after a mutation, or for each subscription event."""
        self.loaders = Loaders(self.actor)

    @property
    def answer_key(self) -> tuple[object, ...]:
        """All that a subscription's answer may depend on about the caller.

        Its organization, tier and scopes — not which of the organization's principals it
        is: no field reachable from ``Subscription`` reads more of the actor (``viewer``,
        which shows the principal's name, is a ``Query`` field). Subscriptions with equal
        keys share one execution per event (``resolvers.event_sharing``); a field that comes
        to depend on more of the actor must add it here.
        """
        actor = self.actor
        return (actor.is_system, actor.organization_id, actor.tier, actor.scopes)

    @property
    def can_read_reports(self) -> bool:
        return self.actor.has(Scope.REPORTS_READ)
