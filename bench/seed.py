"""The bench world: a small channel with one Tier 2 report of exactly 50 lines.

    platform  "Vendor"
    tier1     "North Distribution"            "South Distribution"
    tier2     ├── "Alpha MSP": 10 customers × 5 solutions = the 50-line report
              ├── "Beta MSP":   1 customer  × 3 solutions = a 3-line report
              ├── "Delta MSP":  1 customer  × 3 solutions = the report with a 6-step history
              └── "North MSP 01" … "22":  1 customer × 2 solutions each
                                               └── "Gamma MSP": another tenant's report

North therefore sees 25 reports of one period (the reports list's first page of 20 has a
next page). Delta's report goes through the whole workflow, so its history has 6 entries:
GENERATED (the system), SAVED (2 lines changed), SUBMITTED (1 line changed), REJECTED
(North, with a reason), SUBMITTED (1 line changed back), APPROVED (North, with a comment).

Everything goes through the project's own code: the schema through its migrations,
usage through ``workflow.usage.record.record_usage``, reports through
``workflow.generation.generate.generate_reports``, and Alpha's report is submitted (one line
lowered, with a comment) through ``workflow.reports.actions.submit_report``, so the Tier 1
screen that is measured shows a report under review with ``APPROVE`` and ``REJECT``
offered, a ``submittedAt`` and a comment — the common case on a distributor's screen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate

from models import BillingReport, Customer, LineItem, Organization, Solution
from schema import ids
from server.database import tortoise_config
from vocabulary.enums import AggregationRule, Tier
from workflow.access import tokens
from workflow.core.actors import Actor
from workflow.core.adjustments import Adjustment
from workflow.generation.generate import generate_reports
from workflow.reports.actions import approve_report, reject_report, save_report_draft, submit_report
from workflow.usage.record import UsageRecord, record_usage

PERIOD = "2026-10"
PERIOD_START = date(2026, 10, 1)
DAYS = 31

# North's other Tier 2 partners (1 customer × 2 solutions each): with Alpha, Beta and
# Delta, North sees 25 reports, so the reports list's first page of 20 has a next one.
EXTRA_NORTH_PARTNERS = 22

# code, name, billing unit, aggregation rule: every rule appears, so lines with and
# without a reference day are both on the measured screen.
SOLUTIONS = [
    ("EPP", "Endpoint Security Pro", "endpoint", AggregationRule.PEAK_CREDITS_DAY),
    ("MAIL", "Mail Protection", "mailbox", AggregationRule.DAILY_SUM),
    ("BACKUP", "Cloud Backup", "server", AggregationRule.PERCENTILE_85_DAY),
    ("EDR", "Endpoint Detection and Response", "endpoint", AggregationRule.PEAK_CREDITS_DAY),
    ("ZTNA", "Zero Trust Access", "user", AggregationRule.PEAK_CREDITS_DAY),
]


@dataclass(frozen=True, slots=True)
class BenchWorld:
    """What the load needs, as the API sees it (global IDs, clear token)."""

    db_url: str
    tier1_token: str  # North Distribution, scopes reports:read reports:review
    report_id: str  # Alpha MSP's report, 50 lines, UNDER_REVIEW
    small_report_id: str  # Beta MSP's report, 3 lines, PREPARING
    foreign_report_id: str  # Gamma MSP's report: not North's, so "null" for its token
    history_report_id: str  # Delta MSP's report, APPROVED, with a 6-entry history
    tier2_token: str  # Alpha MSP's own token: the list of one report, its history of 2

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


async def apply_migrations(db_url: str) -> None:
    await migrate(config=tortoise_config(db_url))


async def seed(db_url: str, *, alpha_lines: int = 50) -> BenchWorld:
    """Migrate the empty database at ``db_url`` and fill it; Tortoise is closed after."""
    await Tortoise.init(config=tortoise_config(db_url))
    try:
        await apply_migrations(db_url)
        return await fill(db_url, alpha_lines=alpha_lines)
    finally:
        await Tortoise.close_connections()


async def fill(db_url: str, *, alpha_lines: int = 50) -> BenchWorld:
    """Create the world in the database Tortoise is connected to (``db_url`` is only recorded).

    Alpha's report has ``alpha_lines`` lines (a multiple of 5: its customers × 5 solutions).
    """
    platform = await Organization.create(name="Vendor", tier=Tier.PLATFORM)
    north = await Organization.create(name="North Distribution", tier=Tier.TIER1)
    south = await Organization.create(name="South Distribution", tier=Tier.TIER1)
    alpha = await Organization.create(name="Alpha MSP", tier=Tier.TIER2, parent=north)
    beta = await Organization.create(name="Beta MSP", tier=Tier.TIER2, parent=north)
    gamma = await Organization.create(name="Gamma MSP", tier=Tier.TIER2, parent=south)
    delta = await Organization.create(name="Delta MSP", tier=Tier.TIER2, parent=north)
    extra = [
        await Organization.create(name=f"North MSP {n:02d}", tier=Tier.TIER2, parent=north)
        for n in range(1, EXTRA_NORTH_PARTNERS + 1)
    ]
    solutions = [
        await Solution.create(code=code, name=name, billing_unit=unit, aggregation_rule=rule)
        for code, name, unit, rule in SOLUTIONS
    ]
    codes = [s.code for s in solutions]

    usage: list[UsageRecord] = []
    for partner, customers, solution_codes in [
        (alpha, alpha_lines // len(codes), codes),
        (beta, 1, codes[:3]),
        (gamma, 2, codes[:2]),
        (delta, 1, codes[:3]),
        *((partner, 1, codes[n % 3 : n % 3 + 2]) for n, partner in enumerate(extra)),
    ]:
        for n in range(1, customers + 1):
            customer = await Customer.create(name=f"{partner.name} customer {n:02d}", partner=partner)
            usage.extend(_month_of_usage(customer.id, solution_codes))

    platform_actor = await _actor(platform, "metering feed")
    result = await record_usage(platform_actor, usage)
    assert not result.problems, result.problems
    await generate_reports(platform_actor, PERIOD)

    report = await BillingReport.get(partner_id=alpha.id)
    assert await LineItem.filter(report_id=report.id).count() == alpha_lines
    first_line = await LineItem.filter(report_id=report.id).order_by("id").first()
    assert first_line is not None
    alpha_actor = await _actor(alpha, "Alpha billing")
    await submit_report(
        alpha_actor,
        report.id,
        report.version,
        [Adjustment(first_line.id, first_line.used_units - 2, "two seats cancelled on the 20th")],
    )
    north_issued = await tokens.issue_token(north, "North reviewer")
    north_actor = await tokens.authenticate(north_issued.token)
    assert north_actor is not None
    history_report = await _walk_the_workflow(delta, north_actor)
    alpha_token = (await tokens.issue_token(alpha, "Alpha viewer")).token
    small = await BillingReport.get(partner_id=beta.id)
    foreign = await BillingReport.get(partner_id=gamma.id)
    return BenchWorld(
        db_url=db_url,
        tier1_token=north_issued.token,
        report_id=ids.encode(ids.BILLING_REPORT, report.id),
        small_report_id=ids.encode(ids.BILLING_REPORT, small.id),
        foreign_report_id=ids.encode(ids.BILLING_REPORT, foreign.id),
        history_report_id=ids.encode(ids.BILLING_REPORT, history_report.id),
        tier2_token=alpha_token,
    )


async def _walk_the_workflow(partner: Organization, reviewer: Actor) -> BillingReport:
    """Save, submit, reject, submit, approve ``partner``'s report: 6 history entries with GENERATED."""
    report = await BillingReport.get(partner_id=partner.id)
    lines = await LineItem.filter(report_id=report.id).order_by("id")
    first, second = lines[0], lines[1]
    owner = await _actor(partner, "Delta billing")
    report = await save_report_draft(
        owner,
        report.id,
        report.version,
        [
            Adjustment(first.id, first.used_units - 1, "one licence moved to another customer"),
            Adjustment(second.id, second.used_units - 3, "trial seats"),
        ],
    )
    report = await submit_report(
        owner, report.id, report.version, [Adjustment(second.id, second.used_units - 2, "two trial seats")]
    )
    report = await reject_report(reviewer, report.id, report.version, "the trial seats are chargeable")
    report = await submit_report(owner, report.id, report.version, [Adjustment(second.id, second.used_units)])
    report = await approve_report(reviewer, report.id, report.version, "thanks")
    return report


def _month_of_usage(customer_id: int, codes: list[str]) -> list[UsageRecord]:
    """Varying daily figures with 4-decimal credits, so reference days differ by line."""
    records = []
    for n, code in enumerate(codes):
        for d in range(DAYS):
            used = 10 + (customer_id * 7 + d * 3 + n * 5) % 17
            credits = f"{used * 1.2345 + d / 10_000:.4f}"
            day = (PERIOD_START + timedelta(days=d)).isoformat()
            records.append(UsageRecord(customer_id, code, day, used + (d + n) % 4, used, credits))
    return records


async def _actor(organization: Organization, name: str) -> Actor:
    issued = await tokens.issue_token(organization, name)
    actor = await tokens.authenticate(issued.token)
    assert actor is not None
    return actor
