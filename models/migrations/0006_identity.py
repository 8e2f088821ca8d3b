"""Identity (docs/contract.md §14): people from the portal's sign-in, tokens managed by their owners.

- ``principal.subject``: the OpenID Connect ``sub`` of a person who signed in through the
  identity provider (null for the principal of an API token), unique within an organization
  (a raw-SQL index: the lookup on sign-in is by (organization, subject));
- ``api_token.name`` (an existing token is named after its principal) and
  ``api_token.last_used_at`` (written at most once a minute per token).
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

_NAME_EXISTING = "UPDATE api_token SET name = (SELECT p.name FROM principal p WHERE p.id = api_token.principal_id)"
_SUBJECT_INDEX = "CREATE UNIQUE INDEX principal_subject ON principal (organization_id, subject)"


async def name_tokens_and_index_subjects(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(_NAME_EXISTING)
    await schema_editor.client.execute_script(_SUBJECT_INDEX)


async def drop_subject_index(apps, schema_editor) -> None:
    await schema_editor.client.execute_script("DROP INDEX principal_subject")


class Migration(migrations.Migration):
    dependencies = [("models", "0005_daily_usage_partitions")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Principal",
            name="subject",
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name="ApiToken",
            name="name",
            field=fields.CharField(default="", db_default="", max_length=200),
        ),
        ops.AddField(
            model_name="ApiToken",
            name="last_used_at",
            field=fields.DatetimeField(null=True),
        ),
        ops.RunPython(name_tokens_and_index_subjects, drop_subject_index),
    ]
