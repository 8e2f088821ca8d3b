"""``viewer``: who the caller is, as its token says."""

from __future__ import annotations

import strawberry

from schema.channel import Organization
from schema.context import Context


@strawberry.type(description="The caller: its organization and its token's scopes.")
class Viewer:
    name: str = strawberry.field(description="The principal's name.")
    scopes: list[str] = strawberry.field(description='The token\'s scopes, e.g. "reports:read".')
    organization_id: strawberry.Private[int]

    @strawberry.field
    async def organization(self, info: strawberry.Info[Context, None]) -> Organization:
        view = await info.context.loaders.organization(self.organization_id)
        if view is None:  # a principal always sees its own organization
            raise LookupError("the caller's organization is missing")
        return Organization.from_view(view)
