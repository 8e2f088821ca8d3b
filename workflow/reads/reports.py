"""The read side of the API: what a principal may see of reports, periods and the channel.

Every function takes the ``Actor`` and filters with ``workflow.access.visibility``, so a
report, period, organization or customer of another tenant is simply absent (None, or
not in the page), exactly like one that does not exist. The contents of a report
(lines, totals, history) are read by ``workflow.reads.contents`` for reports that came
out of these functions.

Reads return plain frozen dataclasses (``*View``), built from ``values()`` rows: no
model instances, no lazy relations, so a caller can never issue a query per row by
accident. Lists use keyset pagination: the caller passes the key of the last row it
has (``after``) and gets at most ``first`` rows plus whether more follow.

Scopes are not checked here: reading needs ``reports:read``, which the API checks once
per request before it calls any of these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from tortoise.expressions import Q, Subquery

from models import BillingPeriod, BillingReport, Customer, Organization
from vocabulary.enums import ReportStatus, Tier
from workflow.access.visibility import visible_partners, visible_reports, visible_reports_sql
from workflow.core.actors import Actor, can_see
from workflow.core.corrections import DEFAULT_CORRECTION_WINDOW_DAYS, correction_window_ends
from workflow.core.deadlines import DEFAULT_DEADLINE_DAYS
from workflow.database.sql import Row, as_date, as_datetime, connection, read
from workflow.reads.views import CustomerView, OrganizationView, Page, PeriodView, ReportFilter, ReportView

# The order of report lists: newest period first, then generation order within a period.
# The keyset of a report is therefore (its period's first day, its id).
ReportKey = tuple[date, int]


async def visible_report(actor: Actor, report_id: int) -> ReportView | None:
    found = await visible_reports_by_id(actor, [report_id])
    return found.get(report_id)


async def visible_reports_by_id(actor: Actor, report_ids: Iterable[int]) -> dict[int, ReportView]:
    wanted = sorted(set(report_ids))
    if not wanted:
        return {}
    # Raw SQL and the tenancy rule in Python (``can_see``, the rule ``visible_reports``
    # writes as a filter): every report screen runs this, and the ORM query cost ~8x the
    # query itself (bench/README.md).
    rows = await read(connection(), reports_by_id_sql(len(wanted)), **id_params(wanted))
    views = (report_of_row(row) for row in rows)
    return {view.id: view for view in views if can_see(actor, view.ownership)}


def reports_by_id_sql(count: int, *, columns: str = "", joins: str = "") -> str:
    """The reports whose ids are ``:r0`` … ``:r{count-1}``, with their period and partner.

    ``columns`` and ``joins`` add to the row (``workflow.reads.contents`` adds the totals);
    ``{report_ids}`` in ``joins`` stands for the same id list.
    """
    report_ids = ", ".join(f":r{n}" for n in range(count))
    return _REPORTS_BY_ID.format(columns=columns, joins=joins.format(report_ids=report_ids), report_ids=report_ids)


def id_params(report_ids: Sequence[int]) -> dict[str, int]:
    return {f"r{n}": rid for n, rid in enumerate(report_ids)}


_REPORTS_BY_ID = """
SELECT r.id, r.status, r.version, r.generated_at, r.submission_deadline, r.submitted_at, r.reviewed_at,
       r.period_id, p.label AS period_label, p.starts_on, p.ends_on,
       r.partner_id, o.name AS partner_name, o.tier AS partner_tier, o.parent_id,
       r.purchase_order, t1.correction_window_days,
       (SELECT MIN(c.id) FROM correction c
        WHERE c.report_id = r.id AND c.status = 'PENDING') AS pending_correction_id{columns}
FROM billing_report r
JOIN billing_period p ON p.id = r.period_id
JOIN organization o ON o.id = r.partner_id
LEFT JOIN organization t1 ON t1.id = o.parent_id{joins}
WHERE r.id IN ({report_ids})
"""


# Dict lookups: a list builds up to 101 reports, and an enum's call is ~10x the cost.
_TIERS = {tier.value: tier for tier in Tier}
_STATUSES = {status.value: status for status in ReportStatus}


def report_of_row(row: Row | dict[str, Any]) -> ReportView:
    """A report from its row; ``pending_correction_id`` may be absent (then filled in by the caller)."""
    status = _STATUSES[row["status"]]
    reviewed_at = as_datetime(row["reviewed_at"])
    window_days = row["correction_window_days"]
    window_ends = correction_window_ends(
        reviewed_at if status is ReportStatus.APPROVED else None,
        DEFAULT_CORRECTION_WINDOW_DAYS if window_days is None else window_days,
    )
    pending = row["pending_correction_id"] if "pending_correction_id" in row.keys() else None  # type: ignore[union-attr]  # noqa: SIM118  # sqlite3.Row, Record and dict all have keys()
    return ReportView(
        id=row["id"],
        period=PeriodView(row["period_id"], row["period_label"], as_date(row["starts_on"]), as_date(row["ends_on"])),
        partner=OrganizationView(row["partner_id"], row["partner_name"], _TIERS[row["partner_tier"]]),
        parent_id=row["parent_id"],
        status=status,
        version=row["version"],
        generated_at=as_datetime(row["generated_at"]),
        submission_deadline=as_datetime(row["submission_deadline"]),
        submitted_at=as_datetime(row["submitted_at"]),
        reviewed_at=reviewed_at,
        purchase_order=row["purchase_order"],
        pending_correction_id=pending,
        correction_window_ends_at=window_ends,
    )


async def report_page(
    actor: Actor, report_filter: ReportFilter, first: int, after: ReportKey | None = None
) -> Page[ReportView]:
    """One page of the reports ``actor`` sees, newest period first, and how many match in all.

    One raw query, the count in a subquery: a reports list is a dashboard's first request,
    and the ORM's two queries cost ~1 ms of CPU to build (bench/README.md).
    """
    visible, viewer = visible_reports_sql(actor)
    params: dict[str, Any] = dict(viewer)
    conditions = [visible]
    if report_filter.period is not None:
        conditions.append("p.label = :period")
        params["period"] = report_filter.period
    if report_filter.statuses is not None:
        statuses = sorted(status.value for status in report_filter.statuses)
        if not statuses:
            conditions.append("1 = 0")
        else:
            conditions.append(f"r.status IN ({', '.join(f':s{n}' for n in range(len(statuses)))})")
            params.update({f"s{n}": status for n, status in enumerate(statuses)})
    if report_filter.partner_id is not None:
        conditions.append("r.partner_id = :partner")
        params["partner"] = report_filter.partner_id
    matching = " AND ".join(conditions)
    page = matching
    if after is not None:
        page += " AND (p.starts_on < :after_day OR (p.starts_on = :after_day AND r.id > :after_id))"
        params["after_day"], params["after_id"] = after
    sql = _REPORT_PAGE.format(matching=matching, page=page)
    rows = await read(connection(), sql, limit=first + 1, **params)
    total = rows[0]["total_count"] if rows else await _report_count(matching, params)
    return Page([report_of_row(r) for r in rows[:first]], int(total), len(rows) > first)


async def _report_count(matching: str, params: dict[str, Any]) -> int:
    rows = await read(connection(), _REPORT_COUNT.format(matching=matching), **params)
    return int(rows[0][0])


_REPORT_FROM = """
FROM billing_report r
JOIN billing_period p ON p.id = r.period_id
JOIN organization o ON o.id = r.partner_id"""

_REPORT_COUNT = "SELECT COUNT(*)" + _REPORT_FROM + "\nWHERE {matching}"

_REPORT_PAGE = (
    """
SELECT r.id, r.status, r.version, r.generated_at, r.submission_deadline, r.submitted_at, r.reviewed_at,
       r.period_id, p.label AS period_label, p.starts_on, p.ends_on,
       r.partner_id, o.name AS partner_name, o.tier AS partner_tier, o.parent_id,
       r.purchase_order, t1.correction_window_days,
       (SELECT MIN(c.id) FROM correction c
        WHERE c.report_id = r.id AND c.status = 'PENDING') AS pending_correction_id,
       (SELECT COUNT(*)"""
    + _REPORT_FROM.replace("\n", "\n       ")
    + """
       WHERE {matching}) AS total_count"""
    + _REPORT_FROM
    + """
LEFT JOIN organization t1 ON t1.id = o.parent_id
WHERE {page}
ORDER BY p.starts_on DESC, r.id
LIMIT :limit
"""
)


def report_key(report: ReportView) -> ReportKey:
    return (report.period.starts_on, report.id)


# --- periods -------------------------------------------------------------------------------


def _visible_periods(actor: Actor) -> Q:
    """The periods in which ``actor`` sees at least one report (the platform: all)."""
    if actor.is_system or actor.tier is Tier.PLATFORM:
        return Q()
    return Q(id__in=Subquery(BillingReport.filter(visible_reports(actor)).values("period_id")))


async def period_page(actor: Actor, first: int, after: date | None = None) -> Page[PeriodView]:
    """Newest first; a period's key is its first day (one period per month)."""
    matching = BillingPeriod.filter(_visible_periods(actor))
    query = matching if after is None else matching.filter(starts_on__lt=after)
    rows = await query.order_by("-starts_on").limit(first + 1).values("id", "label", "starts_on", "ends_on")
    total = await matching.count()
    periods = [PeriodView(r["id"], r["label"], r["starts_on"], r["ends_on"]) for r in rows[:first]]
    return Page(periods, total, len(rows) > first)


async def visible_period(actor: Actor, period_id: int) -> PeriodView | None:
    row = (
        await BillingPeriod.filter(_visible_periods(actor), id=period_id)
        .first()
        .values("id", "label", "starts_on", "ends_on")
    )
    return None if row is None else PeriodView(row["id"], row["label"], row["starts_on"], row["ends_on"])


async def deadline_days(actor: Actor) -> int:
    """The submission window of the caller's channel: its Tier 1's setting, else the default.

    A Tier 2 partner's window is set by its parent; a Tier 1 partner's by itself; the
    platform sees the default (each report still carries its own deadline).
    """
    if actor.tier is Tier.TIER2:
        org = await Organization.filter(id=actor.organization_id).first().values("parent__deadline_days")
        days = None if org is None else org["parent__deadline_days"]
    elif actor.tier is Tier.TIER1:
        org = await Organization.filter(id=actor.organization_id).first().values("deadline_days")
        days = None if org is None else org["deadline_days"]
    else:
        days = None
    return days or DEFAULT_DEADLINE_DAYS


# --- the channel ---------------------------------------------------------------------------


def _visible_organizations(actor: Actor) -> Q:
    """Itself, the Tier 2 partners it sees, and (for a Tier 2 partner) its own Tier 1."""
    if actor.is_system or actor.tier is Tier.PLATFORM:
        return Q()
    visible = Q(id=actor.organization_id) | Q(
        id__in=Subquery(Organization.filter(visible_partners(actor)).values("id"))
    )
    if actor.tier is Tier.TIER2:
        visible |= Q(partners__id=actor.organization_id)
    return visible


async def visible_organization(actor: Actor, organization_id: int) -> OrganizationView | None:
    row = (
        await Organization.filter(_visible_organizations(actor), id=organization_id)
        .first()
        .values("id", "name", "tier")
    )
    return None if row is None else OrganizationView(row["id"], row["name"], Tier(row["tier"]))


async def visible_customer(actor: Actor, customer_id: int) -> CustomerView | None:
    partners = Subquery(Organization.filter(visible_partners(actor)).values("id"))
    row = await Customer.filter(id=customer_id, partner_id__in=partners).first().values("id", "name", "partner_id")
    return None if row is None else CustomerView(row["id"], row["name"], row["partner_id"])
