"""The platform's mutations: record daily usage, generate a period's reports (docs/contract.md §3, §4, §8)."""

from __future__ import annotations

import strawberry

from resolvers.outcome import attempt
from schema import ids
from schema.context import Context
from schema.errors import user_errors
from schema.inputs import GenerateReportsInput, RecordUsageInput, UsageRecordInput
from schema.payloads import GenerateReportsPayload, RecordUsagePayload
from workflow.generation import generate as generation
from workflow.usage import record as usage

Info = strawberry.Info[Context, None]


async def record_usage(info: Info, input: RecordUsageInput) -> RecordUsagePayload:
    actor = info.context.actor
    result, problems = await attempt(lambda: usage.record_usage(actor, _records(input.records)))
    if result is None:
        return RecordUsagePayload(accepted_count=0, errors=user_errors(problems))
    return RecordUsagePayload(accepted_count=result.accepted_count, errors=user_errors(result.problems))


async def generate_reports(info: Info, input: GenerateReportsInput) -> GenerateReportsPayload:
    actor = info.context.actor
    result, problems = await attempt(lambda: generation.generate_reports(actor, input.period))
    if result is None:
        return GenerateReportsPayload(created_count=0, regenerated_count=0, errors=user_errors(problems))
    return GenerateReportsPayload(
        created_count=result.created_count, regenerated_count=result.regenerated_count, errors=[]
    )


def _records(given: list[UsageRecordInput]) -> list[usage.UsageRecord]:
    # A customer ID that is not a customer's becomes None: the service reports it by index.
    # A batch names each customer on many records (every day, every solution): decode once.
    customers: dict[str, int | None] = {}
    for r in given:
        if r.customer_id not in customers:
            customers[r.customer_id] = ids.decode_as(ids.CUSTOMER, r.customer_id)
    return [
        usage.UsageRecord(
            customer_id=customers[r.customer_id],
            solution_code=r.solution_code,
            day=r.day,
            provisioned_units=r.provisioned_units,
            used_units=r.used_units,
            allocated_credits=r.allocated_credits,
        )
        for r in given
    ]
