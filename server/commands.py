"""The database commands of ``billing-reports``, each opening and closing the database itself.

Results go to stdout (the token, the JSON, the counts); progress and errors go to
stderr, so ``billing-reports token create ... > token.txt`` captures only the token.
Exit codes: 0 done, 1 failed, 2 the arguments are wrong (a malformed period, an
unknown scope...).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta

from models import Organization
from schema.ids import ORGANIZATION, decode_as, encode
from server.database_session import CommandError, apply_migrations, open_database, require_migrated
from server.demo import load_demo
from vocabulary.enums import Scope, Tier
from workflow.access.tokens import issue_token, revoke_token
from workflow.core.actors import SYSTEM
from workflow.core.periods import Month, PeriodError
from workflow.core.scopes import beyond_tier, scopes_of_tier
from workflow.generation.generate import generate_reports
from workflow.usage.partitions import ensure_month_partitions, months_ahead

MAX_TOKEN_DAYS = 3650


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def migrate(db_url: str) -> None:
    applied = await apply_migrations(db_url, progress)
    async with open_database(db_url):
        # PostgreSQL: this month's and the next months' usage partitions (workflow.usage.partitions).
        created = await ensure_month_partitions(months_ahead())
    if created:
        progress(f"created {created} monthly partition(s) of daily_usage ahead")
    print(f"the database schema is up to date ({applied} migration(s) applied)")


async def demo(db_url: str, *, as_json: bool, reset: bool) -> None:
    async with open_database(db_url) as ctx:
        await require_migrated()
        world = await load_demo(ctx, progress, reset=reset)
    if as_json:
        print(json.dumps(world))
        return
    print(f"Demo world loaded; reports generated for {world['period']}.")
    print("Tokens (shown once; `demo --json` prints the whole world as JSON):")
    for org in world["organizations"]:
        print(f"  {org['tier']:<8} {org['name']:<28} {org['token']}")


async def generate(db_url: str, period: str) -> None:
    label = parse_period(period)
    async with open_database(db_url):
        await require_migrated()
        started = time.monotonic()
        result = await generate_reports(
            SYSTEM, label, on_phase=lambda phase: progress(f"generate: {phase} ({time.monotonic() - started:.1f} s)")
        )
    print(f"{result.period}: {result.created_count} report(s) created, {result.regenerated_count} regenerated")


async def create_token(
    db_url: str, organization: str, name: str | None, scopes: list[str] | None, expires_in_days: int | None
) -> None:
    expires_at = None
    if expires_in_days is not None:
        if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
            raise CommandError(f"--expires-in-days must be from 1 to {MAX_TOKEN_DAYS}", exit_code=2)
        expires_at = datetime.now(UTC) + timedelta(days=expires_in_days)
    async with open_database(db_url):
        await require_migrated()
        org = await find_organization(organization)
        tier = Tier(org.tier)
        chosen = parse_scopes(scopes, tier)
        issued = await issue_token(org, name or "command line", chosen, expires_at)
    progress(
        f"token for {org.name} ({tier.value}, {encode(ORGANIZATION, org.id)}), "
        f"scopes: {' '.join(s.value for s in issued.scopes)}, "
        f"expires: {expires_at.isoformat(timespec='seconds') if expires_at else 'never'}; "
        "it is shown only this once"
    )
    print(issued.token)


async def revoke(db_url: str, token: str) -> None:
    async with open_database(db_url):
        await require_migrated()
        revoked = await revoke_token(token.strip())
    if not revoked:
        raise CommandError("no active token matches (unknown, or revoked already)")
    print("token revoked")


def parse_period(text: str) -> str:
    try:
        return Month.parse(text).label
    except PeriodError as error:
        raise CommandError(str(error), exit_code=2) from None


def parse_scopes(names: list[str] | None, tier: Tier) -> tuple[Scope, ...]:
    """The requested scopes, which must be among the tier's (a Tier 2 never writes usage)."""
    allowed = scopes_of_tier(tier)
    if not names:
        return allowed
    chosen: list[Scope] = []
    for name in names:
        scope = next((s for s in Scope if s.value == name), None)
        if scope is None:
            known = ", ".join(s.value for s in Scope)
            raise CommandError(f"unknown scope {name!r} (known: {known})", exit_code=2)
        if beyond_tier(tier, [scope]):
            raise CommandError(
                f"a {tier.value} token cannot have {name} (its scopes: {', '.join(s.value for s in allowed)})",
                exit_code=2,
            )
        if scope not in chosen:
            chosen.append(scope)
    return tuple(chosen)


async def find_organization(ref: str) -> Organization:
    """An organization by its global ID, else by its exact name (which must be unique)."""
    pk = decode_as(ORGANIZATION, ref)
    if pk is not None:
        org = await Organization.get_or_none(id=pk)
        if org is None:
            raise CommandError(f"no organization has the ID {ref}")
        return org
    matches = await Organization.filter(name=ref).limit(2)
    if not matches:
        raise CommandError(f"no organization has the ID or name {ref!r}")
    if len(matches) > 1:
        raise CommandError(f"several organizations are named {ref!r}: give its ID instead")
    return matches[0]
