"""An organization's API tokens as ``apiTokens`` lists them (docs/contract.md §14).

The caller's own organization only (its ``tokens:manage`` is checked by the caller of these
reads: ``workflow.access.tokens.ensure_tokens_manage``), oldest first, by keyset on the id.
"""

from __future__ import annotations

from collections.abc import Sequence

from workflow.access.tokens import ensure_tokens_manage
from workflow.core.actors import Actor
from workflow.database.sql import Row, as_datetime, connection, read
from workflow.reads.views import ApiTokenView, Page

_COLUMNS = "t.id, t.name, t.scopes, t.created_at, t.expires_at, t.last_used_at, t.revoked_at"
_PAGE = f"""
SELECT {_COLUMNS}, (SELECT COUNT(*) FROM api_token c JOIN principal cp ON cp.id = c.principal_id
                    WHERE cp.organization_id = :organization_id) AS total_count
FROM api_token t JOIN principal p ON p.id = t.principal_id
WHERE p.organization_id = :organization_id AND t.id > :after_id
ORDER BY t.id
LIMIT :limit
"""
_ONE = f"""
SELECT {_COLUMNS}
FROM api_token t JOIN principal p ON p.id = t.principal_id
WHERE p.organization_id = :organization_id AND t.id = :token_id
"""


async def api_token_page(actor: Actor, size: int, after_id: int | None) -> Page[ApiTokenView]:
    ensure_tokens_manage(actor)
    rows = await read(
        connection(), _PAGE, organization_id=actor.organization_id or 0, after_id=after_id or 0, limit=size + 1
    )
    total = rows[0]["total_count"] if rows else await _count(actor)
    return Page([_view(row) for row in rows[:size]], total, len(rows) > size)


async def api_token(actor: Actor, token_id: int) -> ApiTokenView | None:
    ensure_tokens_manage(actor)
    rows = await read(connection(), _ONE, organization_id=actor.organization_id or 0, token_id=token_id)
    return _view(rows[0]) if rows else None


async def _count(actor: Actor) -> int:
    rows: Sequence[Row] = await read(
        connection(),
        "SELECT COUNT(*) AS n FROM api_token t JOIN principal p ON p.id = t.principal_id"
        " WHERE p.organization_id = :organization_id",
        organization_id=actor.organization_id or 0,
    )
    return int(rows[0]["n"])


def _view(row: Row) -> ApiTokenView:
    return ApiTokenView(
        id=row["id"],
        name=row["name"],
        scopes=tuple(row["scopes"].split()),
        created_at=as_datetime(row["created_at"]),
        expires_at=as_datetime(row["expires_at"]),
        last_used_at=as_datetime(row["last_used_at"]),
        revoked_at=as_datetime(row["revoked_at"]),
    )
