"""Scope checks for reading. Actions check their own scopes in the workflow.

Reading reports (and what hangs off them: periods, lines, history, the channel's
organizations and customers) needs ``reports:read``. A valid token without it gets a
top-level ``FORBIDDEN`` error on the field it asked for; ``viewer`` stays open so a
client can see which scopes its token has.
"""

from __future__ import annotations

import strawberry

from schema.context import Context
from schema.errors import ApiError
from vocabulary.enums import Scope
from workflow.core.actors import Actor
from workflow.core.errors import ErrorCode


def ensure_reports_read(actor: Actor) -> None:
    """The check itself, for Strawberry's resolvers and the compiled query path alike."""
    if not actor.has(Scope.REPORTS_READ):
        raise ApiError(ErrorCode.FORBIDDEN, "reading reports needs the reports:read scope")


def require_reports_read(info: strawberry.Info[Context, None]) -> None:
    ensure_reports_read(info.context.actor)


def ensure_tokens_manage(actor: Actor) -> None:
    """``apiTokens``' check (docs/contract.md §14), for Strawberry's resolver and the compiled path alike."""
    if not actor.has(Scope.TOKENS_MANAGE):
        raise ApiError(ErrorCode.FORBIDDEN, "managing API tokens needs the tokens:manage scope")


def ensure_webhooks_manage(actor: Actor) -> None:
    """Listing webhook endpoints and deliveries needs ``webhooks:manage`` (docs/contract.md §13)."""
    if actor.organization_id is None or not actor.has(Scope.WEBHOOKS_MANAGE):
        raise ApiError(ErrorCode.FORBIDDEN, "managing webhooks needs the webhooks:manage scope")
