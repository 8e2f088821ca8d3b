"""API tokens managed by their owners (docs/contract.md §14): ``apiTokens``, ``createApiToken``, ``revokeApiToken``."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema import ids
from schema.errors import UserError
from workflow.reads.views import ApiTokenView


@strawberry.type(description="An API token of the caller's organization (the token itself is shown only once).")
class ApiToken:
    id: strawberry.ID
    name: str = strawberry.field(description="The name it was given (its integration's name).")
    scopes: list[str] = strawberry.field(description='Its scopes, e.g. "reports:read".')
    created_at: datetime
    expires_at: datetime | None = strawberry.field(description="When it stops working; null: never.")
    last_used_at: datetime | None = strawberry.field(
        description="When it was last used, to the minute (null: never since this was recorded)."
    )
    revoked_at: datetime | None = strawberry.field(description="When it was revoked; null: it was not.")

    @classmethod
    def from_view(cls, view: ApiTokenView) -> ApiToken:
        return cls(
            id=strawberry.ID(ids.encode(ids.API_TOKEN, view.id)),
            name=view.name,
            scopes=list(view.scopes),
            created_at=view.created_at,
            expires_at=view.expires_at,
            last_used_at=view.last_used_at,
            revoked_at=view.revoked_at,
        )


@strawberry.input
class CreateApiTokenInput:
    name: str = strawberry.field(description="What the token is for (1 to 200 characters).")
    scopes: list[str] = strawberry.field(description="Its scopes: among the caller's own (FORBIDDEN otherwise).")
    expires_in_days: int = strawberry.field(description="How long it lives: 1 to 365 days.")


@strawberry.type
class CreateApiTokenPayload:
    api_token: ApiToken | None
    token: str | None = strawberry.field(description="The token itself: shown this once, never again.")
    errors: list[UserError]


@strawberry.input
class RevokeApiTokenInput:
    token_id: strawberry.ID


@strawberry.type
class RevokeApiTokenPayload:
    api_token: ApiToken | None = strawberry.field(description="The token, revoked (at once, on every worker).")
    errors: list[UserError]
