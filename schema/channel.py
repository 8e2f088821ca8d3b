"""The channel as the API shows it: organizations, customers, solutions, principals."""

from __future__ import annotations

import strawberry

from schema import ids
from schema.enums import AggregationRule, Tier
from schema.node import Node
from workflow.reads.views import CustomerView, OrganizationView


@strawberry.type(description="The platform, a Tier 1 distributor or a Tier 2 partner.")
class Organization(Node):
    name: str
    tier: Tier

    @classmethod
    def from_view(cls, view: OrganizationView) -> Organization:
        return cls(id=strawberry.ID(ids.encode(ids.ORGANIZATION, view.id)), name=view.name, tier=view.tier)


@strawberry.type(description="A customer of a Tier 2 partner, whose usage is metered.")
class Customer(Node):
    name: str

    @classmethod
    def from_view(cls, view: CustomerView) -> Customer:
        return cls(id=strawberry.ID(ids.encode(ids.CUSTOMER, view.id)), name=view.name)


@strawberry.type(description="A solution of the catalog, identified by its stable code.")
class Solution:
    code: str
    name: str
    billing_unit: str
    aggregation_rule: AggregationRule


@strawberry.type(description="A person or an integration acting for one organization.")
class Principal:
    name: str
    organization: Organization
