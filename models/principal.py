from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # the annotations only; Tortoise resolves "models.X" itself
    from models.organization import Organization


class Principal(Model):
    """A person or an integration acting for one organization."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    organization: fields.ForeignKeyRelation["Organization"] = fields.ForeignKeyField(
        "models.Organization", related_name="principals", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    # A person signed in through the identity provider: its OpenID Connect ``sub`` (unique
    # within the organization: migration 0006's index). Null for an API token's principal.
    subject = fields.CharField(max_length=255, null=True)

    organization_id: int

    class Meta:
        table = "principal"


class ApiToken(Model):
    """A bearer token, kept only as its SHA-256 hash (the token itself is shown once)."""

    id = fields.IntField(primary_key=True)
    principal: fields.ForeignKeyRelation["Principal"] = fields.ForeignKeyField(
        "models.Principal", related_name="tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200, default="", db_default="")
    # Space-separated scopes, e.g. "reports:read reports:write".
    scopes = fields.CharField(max_length=500)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    # When the token was last used, to the minute (written at most once a minute per token).
    last_used_at = fields.DatetimeField(null=True)

    principal_id: int

    class Meta:
        table = "api_token"
