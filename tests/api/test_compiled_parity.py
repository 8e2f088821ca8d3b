"""The compiled query path answers exactly as Strawberry does: hand-written examples.

Two apps on the same database: one as served (queries go through ``resolvers.compiled``),
one whose compiled path always declines (every request through Strawberry). Each
operation below is posted to both: the status and the body must be the same bytes, and
the first app must have answered it on the compiled path exactly when the table says so
— only what is not a valid query (a validation error, a bad variable, a mutation) is
Strawberry's. The random operations of ``test_compiled_parity_search.py`` do the same at
scale.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest_asyncio
from tortoise.context import TortoiseContext

from bench.report_detail import QUERY as REPORT_SCREEN
from models import LineItem
from schema import ids
from tests.api import operations as op
from tests.api.steps import adjustment, given_generated_reports, lines, mutate, report_id_of
from tests.api.two_paths import Apps, post
from tests.world import World, build_world
from vocabulary.enums import Scope
from workflow.access import tokens


@pytest_asyncio.fixture
async def screen_world(db: TortoiseContext, apps: Apps) -> World:
    """Alpha's report submitted with a lowered, commented line; Beta's still being prepared."""
    world = await build_world()
    await given_generated_reports(world)
    alpha = world.tier2_a1
    report_id = await report_id_of(apps.direct, alpha)
    first = (await lines(apps.direct, alpha, report_id))[0]
    await mutate(
        apps.direct,
        alpha,
        op.SUBMIT,
        reportId=report_id,
        version=1,
        adjustments=[adjustment(first, first["usedUnits"] - 1, "one seat cancelled")],
    )
    return world


FIELDS_OF_EVERY_TYPE = """
query Everything($id: ID!) {
  __typename
  report(id: $id) {
    __typename id status version generatedAt submissionDeadline submittedAt reviewedAt availableActions
    period { __typename id label startsOn endsOn }
    partner { __typename id name tier }
    totals { __typename lineCount provisionedUnits usedUnits overProvisionedUnits chargeableUnits allocatedCredits }
    lineItems(first: 4) {
      __typename totalCount
      pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
      edges { __typename cursor node {
        __typename id name billingUnit provisionedUnits usedUnits overProvisionedUnits chargeableUnits
        allocatedCredits comment referenceDay aggregationRule explanation usageChanged
        dailyUsage { __typename day provisionedUnits usedUnits allocatedCredits }
        customer { __typename id name } solution { __typename code name billingUnit aggregationRule }
      } }
    }
  }
}
"""

FRAGMENTS_AND_ALIASES = """
query Screen($id: ID!, $size: Int) {
  theReport: report(id: $id) {
    ...Head
    ... on Node { id }
    ... on BillingReport { state: status period { label } }
    items: lineItems(first: $size) {
      edges { node { ...Line units: usedUnits why: explanation } } pageInfo { endCursor }
    }
    period { id }
  }
}
fragment Head on BillingReport { id version partner { name } totals { usedUnits } }
fragment Line on LineItem { id comment customer { name } ...Line2 }
fragment Line2 on LineItem { chargeableUnits solution { code } }
"""

SECOND_PAGE = """
query Page($id: ID!, $after: String) {
  report(id: $id) { lineItems(first: 2, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } }
  } }
}
"""

LITERAL_ID = 'query { report(id: "%s") { id status lineItems { totalCount edges { node { id } } } } }'


async def test_the_report_screen_and_its_variants_get_the_same_bytes_from_both_paths(
    apps: Apps, screen_world: World
) -> None:
    world = screen_world
    alpha_report = await report_id_of(apps.direct, world.tier2_a1)
    beta_report = await report_id_of(apps.direct, world.tier2_a2)
    two_lines = await post(apps.direct, world.tier1_a.token, SECOND_PAGE, {"id": alpha_report})
    cursor = two_lines.json()["data"]["report"]["lineItems"]["pageInfo"]["endCursor"]
    a_line = (await lines(apps.direct, world.tier2_a1, alpha_report))[0]["id"]
    no_read = (await tokens.issue_token(world.tier1_a.organization, "reviewer", [Scope.REPORTS_REVIEW])).token
    parent, owner, stranger, platform = (
        world.tier1_a.token,
        world.tier2_a1.token,
        world.tier1_b.token,
        world.platform.token,
    )

    # (what, token, operation, variables, answered directly?)
    cases: list[tuple[str, str, str, dict[str, Any], bool]] = [
        ("the bench's report screen, parent", parent, REPORT_SCREEN, {"id": alpha_report}, True),
        ("the report screen, owner", owner, REPORT_SCREEN, {"id": alpha_report}, True),
        ("the report screen, platform", platform, REPORT_SCREEN, {"id": alpha_report}, True),
        ("a report still being prepared", parent, REPORT_SCREEN, {"id": beta_report}, True),
        ("another tenant's report: null", stranger, REPORT_SCREEN, {"id": alpha_report}, True),
        ("a line item's ID as a report's: null", parent, REPORT_SCREEN, {"id": a_line}, True),
        ("an ID of no report: null", parent, REPORT_SCREEN, {"id": ids.encode(ids.BILLING_REPORT, 99999)}, True),
        ("not an ID: null", parent, REPORT_SCREEN, {"id": "nope"}, True),
        ("every field of every type, __typename everywhere", parent, FIELDS_OF_EVERY_TYPE, {"id": alpha_report}, True),
        (
            "fragments, inline fragments and aliases",
            owner,
            FRAGMENTS_AND_ALIASES,
            {"id": alpha_report, "size": 3},
            True,
        ),
        ("the page after a cursor", parent, SECOND_PAGE, {"id": alpha_report, "after": cursor}, True),
        ("the first page", parent, SECOND_PAGE, {"id": alpha_report}, True),
        ("an ID written in the document", parent, LITERAL_ID % alpha_report, {}, True),
        # Errors, answered on the compiled path as Strawberry answers them.
        ("history, with actors and changes", parent, op.REPORT_DETAIL, {"id": alpha_report}, True),
        (
            "a period's deadline",
            parent,
            "query($id: ID!) { report(id: $id) { period { submissionDeadline } } }",
            {"id": alpha_report},
            True,
        ),
        (
            "a line filter",
            parent,
            op.REPORT_DETAIL.replace("history {", "h: history {"),
            {"id": alpha_report, "filter": {"adjusted": True}},
            True,
        ),
        (
            "filtered lines",
            parent,
            "query($id: ID!) { report(id: $id) { lineItems(filter: {adjusted: true}) { totalCount } } }",
            {"id": alpha_report},
            True,
        ),
        (
            "a page size out of range: a located error, the report null",
            parent,
            "query($id: ID!) { report(id: $id) { lineItems(first: 101) { totalCount } } }",
            {"id": alpha_report},
            True,
        ),
        ("a malformed cursor", parent, SECOND_PAGE, {"id": alpha_report, "after": "bm9wZQ=="}, True),
        ("a token without reports:read: FORBIDDEN", no_read, REPORT_SCREEN, {"id": alpha_report}, True),
        (
            "FORBIDDEN on a non-null root field nulls data, after the nullable ones",
            no_read,
            '{ a: report(id: "x") { id } viewer { name } reports { totalCount } b: node(id: "x") { id } }',
            {},
            True,
        ),
        (
            "a directive",
            parent,
            "query($id: ID!, $on: Boolean!) { report(id: $id) { id @include(if: $on) v: version @skip(if: $on) } }",
            {"id": alpha_report, "on": True},
            True,
        ),
        (
            "the same directive, the other way",
            parent,
            "query($id: ID!, $on: Boolean!) { report(id: $id) { id @include(if: $on) v: version @skip(if: $on) } }",
            {"id": alpha_report, "on": False},
            True,
        ),
        (
            "two report fields",
            parent,
            "query($id: ID!) { a: report(id: $id) { id } b: report(id: $id) { id } }",
            {"id": alpha_report},
            True,
        ),
        (
            "the reports list",
            parent,
            "{ reports(first: 3) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id "
            "status availableActions period { label submissionDeadline } partner { name } totals { usedUnits } } } } }",
            {},
            True,
        ),
        (
            "billing periods and the viewer",
            owner,
            "{ viewer { name scopes organization { id name tier } } billingPeriods { totalCount edges { node { "
            "label startsOn endsOn submissionDeadline } } } }",
            {},
            True,
        ),
        (
            "partner settings",
            owner,
            "{ partnerSettings { partner { name } submissionDeadlineDays autoApprove } }",
            {},
            True,
        ),
        (
            "node, of each kind",
            parent,
            "query($r: ID!, $l: ID!) { r: node(id: $r) { __typename id ... on BillingReport { status } } "
            "l: node(id: $l) { __typename id ... on LineItem { customer { id name } } } }",
            {"r": alpha_report, "l": a_line},
            True,
        ),
        # Not valid queries: Strawberry's, with its usual error.
        ("a missing variable", parent, REPORT_SCREEN, {}, False),
        ("a variable of the wrong type", parent, SECOND_PAGE, {"id": alpha_report, "after": 5}, False),
        (
            "more aliases than the limit",
            parent,
            "query($id: ID!) { report(id: $id) { " + " ".join(f"a{n}: id" for n in range(16)) + " } }",
            {"id": alpha_report},
            False,
        ),
        ("an unknown field", parent, "query($id: ID!) { report(id: $id) { nope } }", {"id": alpha_report}, False),
        ("a mutation", parent, op.SUBMIT, {"input": {"reportId": alpha_report, "version": 1}}, False),
    ]
    for what, token, query, variables, direct in cases:
        apps.answered.clear()
        mine = await post(apps.direct, token, query, variables)
        theirs = await post(apps.general, token, query, variables)
        assert (mine.status_code, mine.content) == (theirs.status_code, theirs.content), what
        assert apps.answered == [direct], f"{what}: answered directly {apps.answered}, expected [{direct}]"


async def test_a_report_without_lines_shows_zero_totals_on_both_paths(apps: Apps, db: TortoiseContext) -> None:
    world = await build_world()
    await given_generated_reports(world)
    report_id = await report_id_of(apps.direct, world.tier2_a1)
    await LineItem.filter(report_id=ids.decode_as(ids.BILLING_REPORT, report_id)).delete()
    apps.answered.clear()

    mine = await post(apps.direct, world.tier1_a.token, FIELDS_OF_EVERY_TYPE, {"id": report_id})
    theirs = await post(apps.general, world.tier1_a.token, FIELDS_OF_EVERY_TYPE, {"id": report_id})

    assert mine.content == theirs.content and apps.answered == [True]
    assert mine.json()["data"]["report"]["totals"]["lineCount"] == 0


MONTH_END_CLOSE = """
query Close($id: ID!) {
  report(id: $id) {
    status version purchaseOrder availableActions
    lineItems(first: 3) { edges { node { id chargeableUnits comment adjustmentReason } } }
    pendingCorrection { id status comment requestedBy { name organization { name } } reviewedAt reviewedBy { name } }
    corrections {
      id status requestedAt comment reviewComment reviewedAt
      requestedBy { name organization { id tier } } reviewedBy { name }
      changes { lineItemId oldChargeableUnits newChargeableUnits oldComment newComment oldReason newReason }
    }
    history { action purchaseOrder comment actor { name } changes { oldReason newReason newComment } }
  }
  partnerSettings { autoApproveReasons requirePurchaseOrder correctionWindowDays autoApprove }
}
"""


async def test_the_month_end_close_reads_the_same_on_both_paths(apps: Apps, db: TortoiseContext) -> None:
    """Reasons, purchase orders, a decided and a pending correction, the settings: every caller."""
    world = await build_world()
    await given_generated_reports(world)
    alpha = world.tier2_a1
    report_id = await report_id_of(apps.direct, alpha)
    first, second = (await lines(apps.direct, alpha, report_id))[:2]
    lowered = {**adjustment(first, first["usedUnits"] - 1, "trial seat"), "reason": "TRIAL"}
    await mutate(apps.direct, alpha, op.SUBMIT, reportId=report_id, version=1, adjustments=[lowered])
    await mutate(apps.direct, world.tier1_a, op.APPROVE, reportId=report_id, version=2, purchaseOrder="PO-77")
    changes = [
        {**adjustment(second, 0, "metered twice"), "reason": "DUPLICATE"},
        adjustment(first, first["usedUnits"]),  # raised back: no reason, no comment
    ]
    for version, decide, change in [(3, APPROVE_CORRECTION, changes[0]), (5, None, changes[1])]:
        requested = await mutate(
            apps.direct, alpha, REQUEST_CORRECTION_WITH_ID, reportId=report_id, version=version,
            adjustments=[change], comment=f"correction at version {version}",
        )  # fmt: skip
        assert requested["errors"] == [], requested
        if decide is not None:
            correction_id = requested["correction"]["id"]
            decided = await mutate(
                apps.direct, world.tier1_a, decide, correctionId=correction_id, version=version + 1, comment="fine"
            )
            assert decided["errors"] == [], decided

    for party in (world.tier1_a, alpha, world.platform, world.tier1_b):
        apps.answered.clear()
        mine = await post(apps.direct, party.token, MONTH_END_CLOSE, {"id": report_id})
        theirs = await post(apps.general, party.token, MONTH_END_CLOSE, {"id": report_id})
        assert (mine.status_code, mine.content) == (theirs.status_code, theirs.content), party
        assert apps.answered == [True]
    seen = (await post(apps.direct, world.tier1_a.token, MONTH_END_CLOSE, {"id": report_id})).json()["data"]
    assert seen["report"]["purchaseOrder"] == "PO-77" and len(seen["report"]["corrections"]) == 2
    assert seen["report"]["pendingCorrection"]["comment"] == "correction at version 5"


REQUEST_CORRECTION_WITH_ID = (
    "mutation R($input: RequestCorrectionInput!) { requestCorrection(input: $input) "
    "{ correction { id } errors { code message } } }"
)
APPROVE_CORRECTION = (
    "mutation A($input: ApproveCorrectionInput!) { approveCorrection(input: $input) { errors { code message } } }"
)


API_TOKENS = """
query Tokens($first: Int, $after: String) {
  viewer { name scopes }
  apiTokens(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name scopes createdAt expiresAt lastUsedAt revokedAt } }
    ...More
  }
}
fragment More on ApiTokenConnection { mine: edges { node { theName: name } } }
"""


async def test_the_api_tokens_read_the_same_on_both_paths(apps: Apps, db: TortoiseContext) -> None:
    """A page, the next page, a revoked and an expiring token, a bad cursor, a caller without tokens:manage."""
    world = await build_world()
    alpha = world.tier2_a1
    expiring = await tokens.issue_token(alpha.organization, "expiring", [Scope.REPORTS_READ], datetime.now(UTC))
    revoked = await tokens.issue_token(alpha.organization, "revoked", [Scope.REPORTS_READ])
    await tokens.revoke_token(revoked.token)
    await tokens.issue_token(alpha.organization, "third", [Scope.REPORTS_READ, Scope.TOKENS_MANAGE])
    assert expiring.token_id
    first_page = (await post(apps.direct, alpha.token, API_TOKENS, {"first": 2})).json()["data"]
    cursor = first_page["apiTokens"]["pageInfo"]["endCursor"]
    cases = [
        (alpha.token, {"first": 2}),
        (alpha.token, {"first": 2, "after": cursor}),
        (alpha.token, {}),
        (alpha.token, {"after": "not a cursor"}),
        (alpha.token, {"first": 0}),
        (world.platform.token, {}),  # no tokens:manage: FORBIDDEN
        (world.tier1_b.token, {}),
    ]
    for token, variables in cases:
        apps.answered.clear()
        mine = await post(apps.direct, token, API_TOKENS, variables)
        theirs = await post(apps.general, token, API_TOKENS, variables)
        assert (mine.status_code, mine.content) == (theirs.status_code, theirs.content), variables
        assert apps.answered == [True], variables
    assert len(first_page["apiTokens"]["edges"]) == 2 and first_page["apiTokens"]["totalCount"] == 4
