from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="IdempotencyKey",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("token_hash", fields.CharField(max_length=64)),
                ("key", fields.CharField(max_length=255)),
                ("fingerprint", fields.CharField(max_length=64)),
                ("claimed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("attempt", fields.IntField(default=1)),
                ("completed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("status_code", fields.SmallIntField(null=True)),
                ("response_body", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "idempotency_key",
                "app": "models",
                "unique_together": (("token_hash", "key"),),
                "indexes": [Index(fields=["claimed_at"])],
                "pk_attr": "id",
                "table_description": "An Idempotency-Key sent with one API token, and the first response given under it.",
            },
            bases=["Model"],
        ),
    ]
