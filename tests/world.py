"""A small, fixed channel for tests, with a token and an ``Actor`` for each organization.

    platform  "Vendor"
    tier1_a   "North Distribution"     tier1_b  "South Distribution"
    ├── tier2_a1 "Alpha MSP"           ├── tier2_b1 "Gamma MSP"
    └── tier2_a2 "Beta MSP"            └── tier2_b2 "Delta MSP"

Every Tier 2 partner has two customers; the catalog has one solution of each
aggregation rule. ``add_usage`` records daily usage through the real service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from models import Customer, Organization, Solution
from vocabulary.enums import AggregationRule, Tier
from workflow.access import tokens
from workflow.core.actors import Actor
from workflow.usage.record import UsageRecord, record_usage

PERIOD = "2026-10"
PERIOD_START = date(2026, 10, 1)


@dataclass
class Party:
    organization: Organization
    token: str
    actor: Actor
    customers: list[Customer] = field(default_factory=list)


@dataclass
class World:
    platform: Party
    tier1_a: Party
    tier1_b: Party
    tier2_a1: Party
    tier2_a2: Party
    tier2_b1: Party
    tier2_b2: Party
    solutions: dict[str, Solution]

    @property
    def tier2s(self) -> list[Party]:
        return [self.tier2_a1, self.tier2_a2, self.tier2_b1, self.tier2_b2]

    async def add_usage(self, records: list[UsageRecord]) -> None:
        result = await record_usage(self.platform.actor, records)
        assert not result.problems, result.problems

    async def add_month_of_usage(self, days: int = 31) -> None:
        """Every customer uses every solution every day of PERIOD, with varying figures."""
        records = []
        for party in self.tier2s:
            for customer in party.customers:
                for n, code in enumerate(self.solutions):
                    for d in range(days):
                        used = 10 + (customer.id * 7 + d * 3 + n) % 13
                        records.append(
                            UsageRecord(
                                customer.id,
                                code,
                                (PERIOD_START + timedelta(days=d)).isoformat(),
                                used + 5,
                                used,
                                f"{used * 1.25:.2f}",
                            )
                        )
        await self.add_usage(records)


async def _party(name: str, tier: Tier, parent: Organization | None = None) -> Party:
    org = await Organization.create(name=name, tier=tier, parent=parent)
    issued = await tokens.issue_token(org, f"{name} user")
    actor = await tokens.authenticate(issued.token)
    assert actor is not None
    return Party(org, issued.token, actor)


async def build_world() -> World:
    platform = await _party("Vendor", Tier.PLATFORM)
    tier1_a = await _party("North Distribution", Tier.TIER1)
    tier1_b = await _party("South Distribution", Tier.TIER1)
    tier2 = {
        key: await _party(name, Tier.TIER2, parent.organization)
        for key, name, parent in [
            ("a1", "Alpha MSP", tier1_a),
            ("a2", "Beta MSP", tier1_a),
            ("b1", "Gamma MSP", tier1_b),
            ("b2", "Delta MSP", tier1_b),
        ]
    }
    for party in tier2.values():
        for n in (1, 2):
            party.customers.append(
                await Customer.create(name=f"{party.organization.name} customer {n}", partner=party.organization)
            )
    solutions = {
        s.code: s
        for s in [
            await Solution.create(code="EPP", name="Endpoint Security Pro", billing_unit="endpoint"),
            await Solution.create(
                code="MAIL", name="Mail Protection", billing_unit="mailbox", aggregation_rule=AggregationRule.DAILY_SUM
            ),
            await Solution.create(
                code="BACKUP",
                name="Cloud Backup",
                billing_unit="server",
                aggregation_rule=AggregationRule.PERCENTILE_85_DAY,
            ),
        ]
    }
    return World(platform, tier1_a, tier1_b, tier2["a1"], tier2["a2"], tier2["b1"], tier2["b2"], solutions)
