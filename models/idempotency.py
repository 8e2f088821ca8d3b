from tortoise import fields
from tortoise.models import Model


class IdempotencyKey(Model):
    """An Idempotency-Key sent with one API token, and the first response given under it.

    The token is kept as its SHA-256 hash (the one ``api_token.token_hash`` holds), never
    in clear. A row whose ``completed_at`` is null is a request still in progress. The
    key lives 24 hours from ``claimed_at`` (``server.idempotency_keys``).
    """

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64)
    key = fields.CharField(max_length=255)
    # SHA-256 of the canonical JSON of the operation (query, variables, operationName).
    fingerprint = fields.CharField(max_length=64)
    claimed_at = fields.DatetimeField()
    # Grows each time an expired or abandoned key is claimed anew, so that a late holder of
    # the old claim can neither store its response over the new one nor release it.
    attempt = fields.IntField(default=1)
    completed_at = fields.DatetimeField(null=True)
    status_code = fields.SmallIntField(null=True)
    response_body = fields.TextField(null=True)

    class Meta:
        table = "idempotency_key"
        unique_together = (("token_hash", "key"),)
        # The purge looks for expired keys by age.
        indexes = (("claimed_at",),)
