"""``RecordUsageInput`` builds itself from graphql-core's coerced input (schema/inputs.py,
for speed): every field the schema declares on a usage record must reach the resolver."""

from __future__ import annotations

from resolvers.root import schema
from schema.inputs import RecordUsageInput, UsageRecordInput


def test_every_field_of_a_usage_record_reaches_the_resolver() -> None:
    fields = UsageRecordInput.__strawberry_definition__.fields  # type: ignore[attr-defined]  # set by strawberry at runtime
    sent = {schema.config.name_converter.from_field(f): f"value of {f.python_name}" for f in fields}
    build = RecordUsageInput.__strawberry_definition__.from_input  # type: ignore[attr-defined]  # set by strawberry at runtime

    built = build(RecordUsageInput, {"records": [sent, sent]}, None)

    assert len(built.records) == 2
    assert {f.python_name: getattr(built.records[1], f.python_name) for f in fields} == {
        f.python_name: f"value of {f.python_name}" for f in fields
    }
