"""The bench world: a small channel with one Tier 2 report of exactly 50 lines.

    platform  "Vendor"
    tier1     "North Distribution"            "South Distribution"
    tier2     ├── "Alpha MSP": 10 customers × 5 solutions = the 50-line report
              └── "Beta MSP":   1 customer  × 3 solutions = a 3-line report
                                               └── "Gamma MSP": another tenant's report

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
from workflow.reports.actions import submit_report
from workflow.usage.record import UsageRecord, record_usage

PERIOD = "2026-10"
PERIOD_START = date(2026, 10, 1)
DAYS = 31

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
    north_token = (await tokens.issue_token(north, "North reviewer")).token
    small = await BillingReport.get(partner_id=beta.id)
    foreign = await BillingReport.get(partner_id=gamma.id)
    return BenchWorld(
        db_url=db_url,
        tier1_token=north_token,
        report_id=ids.encode(ids.BILLING_REPORT, report.id),
        small_report_id=ids.encode(ids.BILLING_REPORT, small.id),
        foreign_report_id=ids.encode(ids.BILLING_REPORT, foreign.id),
    )


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
