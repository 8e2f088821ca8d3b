"""The assembled schema: root ``Query``, ``Mutation`` and ``Subscription`` (docs/contract.md §8), and its extensions.

``schema`` is the production schema (introspection off, no "did you mean"
suggestions); ``billing-reports export-schema`` prints ``schema.as_str()``.
``make_schema(debug=True)`` is the same API with introspection and suggestions, for
development (the server uses it with ``BILLING_REPORTS_DEBUG=1``).

``Subscription.reportEvents`` is served over WebSocket only (``server.graphql_ws``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaskErrors, MaxTokensLimiter, ParserCache, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers import (
    correction_mutations,
    node,
    platform_mutations,
    queries,
    report_mutations,
    settings_mutations,
    subscriptions,
    token_mutations,
    webhook_mutations,
)
from resolvers.compiled import CompiledQueries
from resolvers.event_sharing import SharedEventExecution
from schema.api_tokens import ApiToken, CreateApiTokenPayload, RevokeApiTokenPayload
from schema.channel import Customer, Organization
from schema.errors import should_mask_error
from schema.graphql_schema import graphql_schema_of
from schema.history import ReportEvent
from schema.line_items import LineItem
from schema.node import Node
from schema.pagination import Connection
from schema.payloads import (
    ApproveCorrectionPayload,
    ApproveReportPayload,
    ApproveReportsPayload,
    GenerateReportsPayload,
    RecordUsagePayload,
    RejectCorrectionPayload,
    RejectReportPayload,
    RequestCorrectionPayload,
    SaveReportDraftPayload,
    SubmitReportPayload,
)
from schema.periods import BillingPeriod
from schema.reports import BillingReport
from schema.settings import PartnerSettings, UpdatePartnerSettingsPayload
from schema.validation import LimitedValidation
from schema.viewer import Viewer
from schema.webhooks import (
    DeleteWebhookEndpointPayload,
    WebhookDeliveryPayload,
    WebhookEndpoint,
    WebhookEndpointPayload,
    WebhookSecretPayload,
)

# Tokens are refused while parsing; depth, aliases, fields after fragment expansion and
# list inputs before validation (schema.document_limits, schema.validation; docs/api.md, Limits).
MAX_TOKENS = 1000
# Distinct operation texts whose parse and validation are cached (clients send few).
CACHE_SIZE = 256

# Built once: the validation cache keys on the rule set.
_PRODUCTION_RULES = (NoSchemaIntrospectionCustomRule,)


@strawberry.type
class Query:
    viewer: Viewer = strawberry.field(resolver=queries.viewer, description="Who the caller is.")
    billing_periods: Connection[BillingPeriod] = strawberry.field(resolver=queries.billing_periods)
    reports: Connection[BillingReport] = strawberry.field(resolver=queries.reports)
    report: BillingReport | None = strawberry.field(resolver=queries.report)
    node: Node | None = strawberry.field(resolver=node.node, description="Any object by its global ID.")
    partner_settings: PartnerSettings | None = strawberry.field(
        resolver=settings_mutations.partner_settings,
        description="A Tier 1 partner's deadline window, auto-approval, purchase orders and correction window "
        "(default: the caller's channel).",
    )
    api_tokens: Connection[ApiToken] = strawberry.field(
        resolver=token_mutations.api_tokens,
        description="The API tokens of the caller's organization, oldest first (tokens:manage).",
    )
    webhook_endpoints: Connection[WebhookEndpoint] = strawberry.field(
        resolver=webhook_mutations.webhook_endpoints,
        description="The caller's organization's webhook endpoints, oldest first (webhooks:manage).",
    )


@strawberry.type
class Mutation:
    save_report_draft: SaveReportDraftPayload = strawberry.mutation(
        resolver=report_mutations.save_report_draft,
        description="Tier 2 owner: save adjustments; the status does not change.",
    )
    submit_report: SubmitReportPayload = strawberry.mutation(
        resolver=report_mutations.submit_report,
        description="Tier 2 owner: apply the adjustments and submit for review, atomically.",
    )
    approve_report: ApproveReportPayload = strawberry.mutation(
        resolver=report_mutations.approve_report, description="Parent Tier 1: approve (final)."
    )
    approve_reports: ApproveReportsPayload = strawberry.mutation(
        resolver=report_mutations.approve_reports,
        description="Parent Tier 1: approve 1 to 100 reports, each on its own as approveReport would; results "
        "in input order.",
    )
    request_correction: RequestCorrectionPayload = strawberry.mutation(
        resolver=correction_mutations.request_correction,
        description="Tier 2 owner: ask to correct an approved report's lines, within the Tier 1 partner's window.",
    )
    approve_correction: ApproveCorrectionPayload = strawberry.mutation(
        resolver=correction_mutations.approve_correction,
        description="Parent Tier 1: apply the pending correction to the lines; the report stays APPROVED.",
    )
    reject_correction: RejectCorrectionPayload = strawberry.mutation(
        resolver=correction_mutations.reject_correction,
        description="Parent Tier 1: refuse the pending correction, with a reason; the figures stay.",
    )
    reject_report: RejectReportPayload = strawberry.mutation(
        resolver=report_mutations.reject_report,
        description="Parent Tier 1: send the report back to the Tier 2 partner, with a reason.",
    )
    record_usage: RecordUsagePayload = strawberry.mutation(
        resolver=platform_mutations.record_usage, description="Platform (usage:write): store daily usage."
    )
    generate_reports: GenerateReportsPayload = strawberry.mutation(
        resolver=platform_mutations.generate_reports,
        description="Platform (reports:generate): generate a period's reports, or regenerate editable ones.",
    )
    update_partner_settings: UpdatePartnerSettingsPayload = strawberry.mutation(
        resolver=settings_mutations.update_partner_settings,
        description="Tier 1 (reports:review): its deadline window and auto-approval for its partners' reports.",
    )
    create_api_token: CreateApiTokenPayload = strawberry.mutation(
        resolver=token_mutations.create_api_token,
        description="tokens:manage: a new API token of the caller's organization, with scopes among the "
        "caller's own, for 1 to 365 days. The token is in this answer only.",
    )
    revoke_api_token: RevokeApiTokenPayload = strawberry.mutation(
        resolver=token_mutations.revoke_api_token,
        description="tokens:manage: revoke a token of the caller's organization, at once everywhere.",
    )
    create_webhook_endpoint: WebhookSecretPayload = strawberry.mutation(
        resolver=webhook_mutations.create_webhook_endpoint,
        description="webhooks:manage: a new endpoint of the caller's organization and its secret (shown once).",
    )
    update_webhook_endpoint: WebhookEndpointPayload = strawberry.mutation(
        resolver=webhook_mutations.update_webhook_endpoint,
        description="webhooks:manage: change the fields given (enabled: true sends again to a disabled one).",
    )
    delete_webhook_endpoint: DeleteWebhookEndpointPayload = strawberry.mutation(
        resolver=webhook_mutations.delete_webhook_endpoint,
        description="webhooks:manage: remove an endpoint and its deliveries.",
    )
    rotate_webhook_secret: WebhookSecretPayload = strawberry.mutation(
        resolver=webhook_mutations.rotate_webhook_secret,
        description="webhooks:manage: a new secret (shown once); the old one signs beside it for 24 hours.",
    )
    send_test_webhook: WebhookDeliveryPayload = strawberry.mutation(
        resolver=webhook_mutations.send_test_webhook,
        description='webhooks:manage: send {"type": "ping"} to an endpoint, as a delivery.',
    )
    redeliver_webhook: WebhookDeliveryPayload = strawberry.mutation(
        resolver=webhook_mutations.redeliver_webhook,
        description="webhooks:manage: send a delivery again, as a new delivery with the same webhook-id.",
    )


@strawberry.type
class Subscription:
    report_events: AsyncGenerator[ReportEvent, None] = strawberry.subscription(
        resolver=subscriptions.report_events,
        description="Each new step of the reports the caller sees (optionally narrowed), as it is committed. "
        "Nothing is replayed: after a reconnect, refetch.",
    )


class SubscriptionOverHttp(Exception):
    """A subscription given to ``execute``: it belongs on the WebSocket (``subscribe``)."""


class BillingReportsSchema(strawberry.Schema):
    """Logs only the errors that are bugs (the ones masked for clients), and never
    executes a subscription as a single answer.

    An expected error (``FORBIDDEN``, an invalid operation, a bad variable) is the
    client's to read in the response; logging each at ERROR with a traceback, as
    Strawberry does, would bury the real failures.

    HTTP requests go through ``execute``, WebSocket subscriptions through ``subscribe``:
    a subscription reaching ``execute`` (sent over HTTP POST) would run its resolver
    outside any event stream and fail as a masked error. It is refused after parsing,
    before validation: the view answers 400 ``SUBSCRIPTION_OVER_HTTP``.
    """

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        allowed = set(allowed_operation_types or OperationType) - {OperationType.SUBSCRIPTION}
        try:
            return await super().execute(
                query, variable_values, context_value, root_value, operation_name, allowed, operation_extensions
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                raise SubscriptionOverHttp from error
            raise

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        super().process_errors([e for e in errors if should_mask_error(e)], execution_context)


def make_schema(*, debug: bool = False) -> strawberry.Schema:
    rules: list[type[ASTValidationRule]] = [] if debug else list(_PRODUCTION_RULES)
    extensions: list[type[SchemaExtension] | object] = [
        lambda: MaskErrors(should_mask_error=should_mask_error),
        lambda: MaxTokensLimiter(MAX_TOKENS),  # before ParserCache: it sets the parser's limit
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(rules),  # introspection off in production
        lambda: LimitedValidation(maxsize=CACHE_SIZE),  # limits first, then the rules, cached
    ]
    return BillingReportsSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # Reachable only through the Node interface or not yet through any field.
        types=[Organization, Customer, BillingPeriod, BillingReport, LineItem, ReportEvent],
        extensions=extensions,  # type: ignore[arg-type]  # factories (lambdas) work; Strawberry hints classes
        config=StrawberryConfig(disable_field_suggestions=not debug),
        execution_context_class=SharedEventExecution,  # one execution per live event and question
    )


schema = make_schema()


def compiled_queries(
    built: strawberry.Schema,
    *,
    debug: bool = False,
    on_errors: Callable[[list[GraphQLError]], object] | None = None,
) -> CompiledQueries:
    """The compiled query path (``resolvers.compiled``), with ``built``'s own limits, rules and error log.

    ``on_errors`` also hears the errors of each answer (the server counts them by code).
    """
    rules = () if debug else _PRODUCTION_RULES

    def report_errors(errors: list[GraphQLError]) -> None:
        built.process_errors(errors)
        if on_errors is not None:
            on_errors(errors)

    return CompiledQueries(
        graphql_schema_of(built),
        rules=rules,
        max_tokens=MAX_TOKENS,
        cache_size=CACHE_SIZE,
        report_errors=report_errors,
    )
