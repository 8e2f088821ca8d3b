"""The request's batch loaders: one query per kind of data per request, whatever the query asks.

They are created per request (``schema.context.Context`` makes them with the factory it
is given, ``Loaders``), so their caches never outlive one request nor cross tenants. Over
a WebSocket the context lives as long as the connection, so a subscription renews them
for every event. The schema's types reach the data only through these (``schema`` does
not import the workflow's reads).
"""

from __future__ import annotations

import asyncio

from strawberry.dataloader import DataLoader

from schema.context import DeliveryPageKey, LinePageKey
from vocabulary.enums import WebhookDeliveryStatus
from workflow.core.actors import Actor
from workflow.reads import contents as report_contents
from workflow.reads import corrections as report_corrections
from workflow.reads import evidence as line_evidence
from workflow.reads import reports as reads
from workflow.reads.views import (
    CorrectionView,
    EventView,
    EvidenceView,
    LineFilter,
    LineView,
    OrganizationView,
    Page,
    ReportView,
    Totals,
    WebhookDeliveryView,
)
from workflow.webhooks import reads as webhook_reads


class Loaders:
    """Batch loaders keyed by report id: one query per kind of data per request."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.reports = DataLoader(self._load_reports)
        self.line_pages = DataLoader(self._load_line_pages)
        self.totals = DataLoader(self._load_totals)
        self.histories = DataLoader(self._load_histories)
        self.corrections = DataLoader(self._load_corrections)
        self._deadline_days: int | None = None
        self.events = DataLoader(self._load_events)
        self.delivery_pages = DataLoader(self._load_delivery_pages)
        self._evidence = DataLoader(self._load_evidence)
        self._lines: dict[int, LineView] = {}

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

    async def _load_corrections(self, report_ids: list[int]) -> list[list[CorrectionView]]:
        found = await report_corrections.corrections_by_report(report_ids)
        return [found[rid] for rid in report_ids]

    def evidence(self, line: LineView) -> asyncio.Future[EvidenceView]:
        """A line's evidence; the lines of a page (of every report asked) load in one query."""
        self._lines[line.id] = line
        return self._evidence.load(line.id)  # type: ignore[return-value]  # a Future (strawberry.dataloader)

    async def _load_evidence(self, line_ids: list[int]) -> list[EvidenceView]:
        found = await line_evidence.evidence_of_lines([self._lines[line_id] for line_id in line_ids])
        return [found[line_id] for line_id in line_ids]

    async def _load_events(self, entry_ids: list[int]) -> list[EventView | None]:
        found = await report_contents.events_by_id(entry_ids)
        return [found.get(entry_id) for entry_id in entry_ids]

    async def _load_delivery_pages(self, keys: list[DeliveryPageKey]) -> list[Page[WebhookDeliveryView]]:
        groups: dict[tuple[int, int | None, WebhookDeliveryStatus | None], list[int]] = {}
        for endpoint_id, first, after, status in keys:
            groups.setdefault((first, after, status), []).append(endpoint_id)
        pages: dict[DeliveryPageKey, Page[WebhookDeliveryView]] = {}
        for (first, after, status), endpoint_ids in groups.items():
            found = await webhook_reads.delivery_pages(endpoint_ids, first, after, status)
            for endpoint_id, page in found.items():
                pages[(endpoint_id, first, after, status)] = page
        return [pages[key] for key in keys]

    async def deadline_days(self) -> int:
        if self._deadline_days is None:
            self._deadline_days = await reads.deadline_days(self.actor)
        return self._deadline_days

    async def organization(self, organization_id: int) -> OrganizationView | None:
        return await reads.visible_organization(self.actor, organization_id)
