"""The GraphQL operations the API tests send, written as a front end would."""

REPORT_FIELDS = """
  id status version submittedAt reviewedAt availableActions
  partner { id name }
  period { id label }
  totals { usedUnits chargeableUnits allocatedCredits lineCount }
"""

REPORT_DETAIL = """
query ReportDetail($id: ID!, $first: Int, $after: String, $filter: LineItemFilter) {
  report(id: $id) {
    id status version submissionDeadline submittedAt reviewedAt availableActions
    partner { id name tier }
    period { id label startsOn endsOn submissionDeadline }
    totals { provisionedUnits usedUnits overProvisionedUnits chargeableUnits allocatedCredits lineCount }
    lineItems(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node {
        id name billingUnit provisionedUnits usedUnits overProvisionedUnits chargeableUnits
        allocatedCredits comment referenceDay
        customer { id name } solution { code name billingUnit aggregationRule }
      } }
    }
    history {
      id action fromStatus toStatus version occurredAt comment
      actor { name organization { id name tier } }
      changes { lineItemId oldChargeableUnits newChargeableUnits oldComment newComment }
      report { id version }
    }
  }
}
"""

REPORT_SUMMARY = "query Report($id: ID!) { report(id: $id) {" + REPORT_FIELDS + "} }"

REPORTS = """
query Reports($filter: ReportFilter, $first: Int, $after: String) {
  reports(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id status version partner { id name } period { label } } }
  }
}
"""

PERIODS = """
query Periods($first: Int, $after: String) {
  billingPeriods(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { id label startsOn endsOn submissionDeadline } }
  }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename id
    ... on BillingReport { status version }
    ... on LineItem { chargeableUnits }
    ... on ReportEvent { action report { id } }
    ... on Customer { name }
    ... on Organization { name tier }
    ... on BillingPeriod { label }
  }
}
"""

VIEWER = "{ viewer { name scopes organization { id name tier } } }"

_PAYLOAD = "{ report {" + REPORT_FIELDS + "} errors { code message field lineItemId index } }"

SAVE_DRAFT = "mutation Save($input: SaveReportDraftInput!) { saveReportDraft(input: $input) " + _PAYLOAD + " }"
SUBMIT = "mutation Submit($input: SubmitReportInput!) { submitReport(input: $input) " + _PAYLOAD + " }"
APPROVE = "mutation Approve($input: ApproveReportInput!) { approveReport(input: $input) " + _PAYLOAD + " }"
REJECT = "mutation Reject($input: RejectReportInput!) { rejectReport(input: $input) " + _PAYLOAD + " }"

RECORD_USAGE = """
mutation Record($input: RecordUsageInput!) {
  recordUsage(input: $input) { acceptedCount errors { code message field index } }
}
"""

GENERATE = """
mutation Generate($input: GenerateReportsInput!) {
  generateReports(input: $input) { createdCount regeneratedCount errors { code message field } }
}
"""
