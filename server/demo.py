"""``billing-reports demo``: load the demo world and generate its reports (docs/contract.md §9).

The world (``server.demo_catalog``) is created through the same services the API uses:
tokens through ``workflow.access.tokens.issue_token`` with each tier's default scopes, the
previous calendar month's usage (``server.demo_usage``) through
``workflow.usage.record.record_usage`` as the platform, and the reports through
``workflow.generation.generate.generate_reports`` as the platform.

The demo only loads into an empty database: on one that already holds data it refuses,
unless ``reset`` is set, which first deletes every row of every table of ours (the
schema and its migration records stay). A half-loaded demo is therefore also cleared
by running it again with ``--reset``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tortoise.context import TortoiseContext
from tortoise.fields.relational import ForeignKeyFieldInstance
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models import Customer, Organization, Solution
from schema.ids import CUSTOMER, ORGANIZATION, encode
from server.database_session import CommandError
from server.demo_catalog import DISTRIBUTORS, PLATFORM_NAME, SOLUTIONS
from server.demo_usage import simulate_month
from vocabulary.enums import Tier
from workflow.access.tokens import authenticate, issue_token
from workflow.core.actors import Actor
from workflow.core.periods import Month
from workflow.generation.generate import generate_reports
from workflow.usage.record import record_usage

Progress = Callable[[str], Any]

# Records per record_usage call: the API's own input-list limit.
_USAGE_BATCH = 5_000


async def load_demo(ctx: TortoiseContext, progress: Progress, *, reset: bool = False) -> dict[str, Any]:
    """Load the world into the open database; return the JSON object of docs/contract.md §9."""
    if await _holds_data(ctx):
        if not reset:
            raise CommandError(
                "the database already holds data: the demo loads only into an empty one "
                "(`billing-reports demo --reset` deletes all data first)"
            )
        progress("deleting the existing data (--reset)")
        await delete_all_data(ctx)

    month = Month.of(datetime.now(UTC).date()).previous()
    organizations, tokens, platform_actor = await _create_channel(progress)
    customers = await _create_customers(organizations)
    solutions = [
        await Solution.create(
            code=s.code, name=s.name, billing_unit=s.billing_unit, aggregation_rule=s.aggregation_rule
        )
        for s in SOLUTIONS
    ]
    progress(f"created {len(organizations)} organizations, {len(customers)} customers, {len(solutions)} solutions")

    records = simulate_month(month, [c.id for c in customers])
    for start in range(0, len(records), _USAGE_BATCH):
        result = await record_usage(platform_actor, records[start : start + _USAGE_BATCH])
        if result.problems:  # the simulation is ours: a rejected record is a bug in it
            raise RuntimeError(f"demo usage was refused: {result.problems[0]}")
    progress(f"recorded {len(records)} daily usage records for {month.label}")

    generated = await generate_reports(platform_actor, month.label)
    progress(f"generated {generated.created_count} reports for {month.label}")
    return _as_json(month, organizations, tokens, customers, solutions)


async def _create_channel(progress: Progress) -> tuple[list[Organization], dict[int, str], Actor]:
    """The platform, the Tier 1 and Tier 2 partners, and one fresh token for each."""
    async with in_transaction():
        platform = await Organization.create(name=PLATFORM_NAME, tier=Tier.PLATFORM)
        tier1s, tier2s = [], []
        for distributor in DISTRIBUTORS:
            tier1 = await Organization.create(name=distributor.name, tier=Tier.TIER1)
            tier1s.append(tier1)
            for partner in distributor.partners:
                tier2s.append(await Organization.create(name=partner.name, tier=Tier.TIER2, parent=tier1))
        organizations = [platform, *tier1s, *tier2s]
        tokens = {}
        for org in organizations:
            issued = await issue_token(org, f"{org.name} demo user")
            tokens[org.id] = issued.token
    actor = await authenticate(tokens[platform.id])
    if actor is None:
        raise RuntimeError("the demo platform token does not authenticate")
    progress(f"issued {len(tokens)} tokens (one per organization, the tier's default scopes)")
    return organizations, tokens, actor


async def _create_customers(organizations: list[Organization]) -> list[Customer]:
    by_name = {o.name: o for o in organizations}
    async with in_transaction():
        return [
            await Customer.create(name=name, partner=by_name[partner.name])
            for distributor in DISTRIBUTORS
            for partner in distributor.partners
            for name in partner.customers
        ]


def _as_json(
    month: Month,
    organizations: list[Organization],
    tokens: dict[int, str],
    customers: list[Customer],
    solutions: list[Solution],
) -> dict[str, Any]:
    def org_id(pk: int | None) -> str | None:
        return None if pk is None else encode(ORGANIZATION, pk)

    return {
        "period": month.label,
        "organizations": [
            {
                "id": org_id(o.id),
                "name": o.name,
                "tier": Tier(o.tier).value,
                "parentId": org_id(o.parent_id),
                "token": tokens[o.id],
            }
            for o in organizations
        ],
        "customers": [
            {"id": encode(CUSTOMER, c.id), "name": c.name, "partnerId": org_id(c.partner_id)} for c in customers
        ],
        "solutions": [
            {"code": s.code, "name": s.name, "billingUnit": s.billing_unit, "aggregationRule": s.aggregation_rule.value}
            for s in solutions
        ],
    }


def _our_models(ctx: TortoiseContext) -> list[type[Model]]:
    apps = ctx.apps
    if apps is None:
        raise RuntimeError("the database is not open")
    return [m for m in apps.get_models_iterable() if m.__module__.startswith("models.")]


async def _holds_data(ctx: TortoiseContext) -> bool:
    for model in _our_models(ctx):
        if await model.exists():
            return True
    return False


async def delete_all_data(ctx: TortoiseContext) -> None:
    """Delete every row of our tables, referencing tables first, in one transaction.

    The order comes from the models' foreign keys, so a table added later is wiped too.
    A nullable reference to the same table (an organization's parent) is cleared first.
    """
    models = _our_models(ctx)
    targets = {m: _referenced_models(m) for m in models}
    async with in_transaction():
        remaining = list(models)
        while remaining:
            leaves = [m for m in remaining if not any(m in targets[other] for other in remaining if other is not m)]
            if not leaves:
                raise RuntimeError("circular references between tables: cannot wipe them")
            for model in leaves:
                for field in model._meta.fields_map.values():
                    if isinstance(field, ForeignKeyFieldInstance) and field.related_model is model:
                        await model.all().update(**{str(field.source_field): None})
                await model.all().delete()
                remaining.remove(model)


def _referenced_models(model: type[Model]) -> set[type[Model]]:
    return {
        field.related_model
        for field in model._meta.fields_map.values()
        if isinstance(field, ForeignKeyFieldInstance)  # one-to-one fields included
    }
