"""The demo's organizations, to sign in as from the console (``make demo`` only).

``billing-reports demo --json`` writes the demo world with a fresh token per organization
(docs/contract.md §9); ``make demo`` keeps it in ``demo.json`` and serves with
``BILLING_REPORTS_CONSOLE_DEMO=demo.json``. The console's sign-in then lists those
organizations: a click signs in with that organization's token. Tokens are bearer
credentials, so this is never on unless an operator names such a file, and is answered
to loopback clients only (docs/decisions.md, "The console"); a production server is
never started with it.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIERS = ("PLATFORM", "TIER1", "TIER2")


@dataclass(frozen=True, slots=True)
class DemoOrganization:
    id: str
    name: str
    tier: str
    parent_id: str | None
    token: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "tier": self.tier, "parentId": self.parent_id, "token": self.token}


@dataclass(frozen=True, slots=True)
class DemoWorld:
    period: str
    organizations: tuple[DemoOrganization, ...]

    def as_json(self) -> dict[str, Any]:
        return {"period": self.period, "organizations": [o.as_json() for o in self.organizations]}


def read_demo_world(path: str | Path) -> DemoWorld:
    """The period and organizations of a ``demo --json`` file; ValueError saying what is wrong."""
    try:
        world = json.loads(Path(path).read_text(encoding="utf-8"))
        organizations = tuple(
            DemoOrganization(
                id=_text(o["id"]),
                name=_text(o["name"]),
                tier=_tier(o["tier"]),
                parent_id=None if o.get("parentId") is None else _text(o["parentId"]),
                token=_text(o["token"]),
            )
            for o in world["organizations"]
        )
        return DemoWorld(_text(world["period"]), organizations)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"BILLING_REPORTS_CONSOLE_DEMO: {path} is not a file written by `billing-reports demo --json`: {error}"
        ) from None


def on_loopback(host: str | None) -> bool:
    """Whether a client address is this machine's own (the only clients shown the tokens)."""
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value


def _tier(value: object) -> str:
    if value not in TIERS:
        raise ValueError(f"unknown tier {value!r}")
    return str(value)
