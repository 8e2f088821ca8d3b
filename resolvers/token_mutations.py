"""Tokens managed by their owners (docs/contract.md §14): ``apiTokens``, ``createApiToken``, ``revokeApiToken``.

``api_token_page`` reads the query's arguments; the compiled query path
(``resolvers.compiled``) calls it too. The rules are ``workflow.access.tokens``'s.
"""

from __future__ import annotations

import strawberry

from resolvers.outcome import attempt
from schema import ids
from schema.api_tokens import (
    ApiToken,
    CreateApiTokenInput,
    CreateApiTokenPayload,
    RevokeApiTokenInput,
    RevokeApiTokenPayload,
)
from schema.context import Context
from schema.errors import user_errors
from schema.pagination import Connection, connection, decode_cursor, encode_cursor, key_id, page_size
from schema.permissions import ensure_tokens_manage
from vocabulary.enums import Scope
from workflow.access import tokens
from workflow.core.actors import Actor
from workflow.core.errors import ErrorCode, InvalidInput, Problem
from workflow.reads import api_tokens as reads
from workflow.reads.views import ApiTokenView, Page

Info = strawberry.Info[Context, None]
_CURSOR = "apiToken"


async def api_tokens(info: Info, first: int | None = None, after: str | None = None) -> Connection[ApiToken]:
    """The API tokens of the caller's organization, oldest first (``tokens:manage``)."""
    page = await api_token_page(info.context.actor, first, after)
    return connection(
        page.items,
        total_count=page.total_count,
        has_next_page=page.has_next_page,
        after=after,
        cursor_of=api_token_cursor,
        node_of=ApiToken.from_view,
    )


async def api_token_page(actor: Actor, first: int | None, after: str | None) -> Page[ApiTokenView]:
    """``apiTokens``' page from its arguments (also for the compiled query path)."""
    ensure_tokens_manage(actor)
    size = page_size(first)
    after_id = decode_cursor(_CURSOR, after, key_id)
    return await reads.api_token_page(actor, size, after_id)


def api_token_cursor(view: ApiTokenView) -> str:
    return encode_cursor(_CURSOR, [view.id])


async def create_api_token(info: Info, input: CreateApiTokenInput) -> CreateApiTokenPayload:
    actor = info.context.actor

    async def create() -> tuple[str, ApiTokenView | None]:
        issued = await tokens.create_api_token(actor, input.name, _scopes(input.scopes), input.expires_in_days)
        return issued.token, await reads.api_token(actor, issued.token_id)

    result, problems = await attempt(create)
    if result is None:
        return CreateApiTokenPayload(api_token=None, token=None, errors=user_errors(problems))
    token, view = result
    return CreateApiTokenPayload(api_token=None if view is None else ApiToken.from_view(view), token=token, errors=[])


async def revoke_api_token(info: Info, input: RevokeApiTokenInput) -> RevokeApiTokenPayload:
    actor = info.context.actor

    async def revoke() -> ApiTokenView | None:
        token_id = await tokens.revoke_api_token(actor, ids.decode_as(ids.API_TOKEN, input.token_id))
        return await reads.api_token(actor, token_id)

    view, problems = await attempt(revoke)
    return RevokeApiTokenPayload(
        api_token=None if view is None else ApiToken.from_view(view), errors=user_errors(problems)
    )


_SCOPES = {scope.value: scope for scope in Scope}


def _scopes(names: list[str]) -> list[Scope]:
    unknown = [name for name in names if name not in _SCOPES]
    if unknown:
        message = f"unknown scopes: {', '.join(unknown)}"
        raise InvalidInput([Problem(ErrorCode.INVALID_INPUT, message, field="scopes")])
    return [_SCOPES[name] for name in names]
