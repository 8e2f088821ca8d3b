// Every GraphQL operation the console sends, in one place: what a front end needs from the
// API, written as a front-end team would write it. Queries are answered by the service's
// compiled query path (no introspection, nothing it must hand to Strawberry); the
// subscription is the one of docs/dashboards.md.

const REPORT_ROW = `
fragment ReportRow on BillingReport {
  id status version submissionDeadline submittedAt reviewedAt purchaseOrder availableActions
  period { label }
  partner { id name }
  totals { lineCount usedUnits chargeableUnits allocatedCredits }
  pendingCorrection { id requestedAt comment requestedBy { name organization { name } } }
}`;

const LINE = `
fragment Line on LineItem {
  id name billingUnit referenceDay provisionedUnits usedUnits overProvisionedUnits
  chargeableUnits allocatedCredits comment adjustmentReason usageChanged
  customer { id name }
  solution { code name }
}`;

const ACTOR = `
fragment Actor on Principal { name organization { name tier } }`;

const CHANGE = `
fragment Change on LineItemChange {
  lineItemId oldChargeableUnits newChargeableUnits oldComment newComment oldReason newReason
}`;

const OUTCOME = `errors { code message field lineItemId index } report { id status version availableActions }`;

export const VIEWER = `
query ConsoleViewer { viewer { name scopes organization { id name tier } } }`;

/** A Tier 2 partner's billing periods: its one report per period. */
export const PERIODS = `
query ConsolePeriods($first: Int!, $after: String) {
  reports(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ...ReportRow } }
  }
}
${REPORT_ROW}`;

/** A Tier 1 partner's (or the platform's) list: the reports, the periods to filter by, corrections to review. */
export const PARTNER_REPORTS = `
query ConsolePartnerReports($filter: ReportFilter, $first: Int!) {
  reports(filter: $filter, first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ...ReportRow } }
  }
  approved: reports(filter: {statuses: [APPROVED]}, first: 100) {
    edges { node { ...ReportRow } }
  }
  billingPeriods(first: 100) { edges { node { label } } }
}
${REPORT_ROW}`;

/** The next page of a list. */
export const MORE_REPORTS = `
query ConsoleMoreReports($filter: ReportFilter, $first: Int!, $after: String) {
  reports(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { ...ReportRow } }
  }
}
${REPORT_ROW}`;

/** Report Details: the report, its first page of lines, its history and corrections. */
export const REPORT = `
query ConsoleReport($id: ID!, $first: Int!) {
  report(id: $id) {
    id status version generatedAt submissionDeadline submittedAt reviewedAt purchaseOrder availableActions
    period { label startsOn endsOn }
    partner { id name }
    totals { lineCount provisionedUnits usedUnits overProvisionedUnits chargeableUnits allocatedCredits }
    lineItems(first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...Line } }
    }
    history {
      id action fromStatus toStatus occurredAt comment purchaseOrder
      actor { ...Actor }
      changes { ...Change }
    }
    corrections {
      id status requestedAt comment reviewedAt reviewComment
      requestedBy { ...Actor }
      reviewedBy { ...Actor }
      changes { ...Change }
    }
    pendingCorrection { id }
  }
}
${LINE}${ACTOR}${CHANGE}`;

export const MORE_LINES = `
query ConsoleMoreLines($id: ID!, $first: Int!, $after: String) {
  report(id: $id) {
    lineItems(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { ...Line } }
    }
  }
}
${LINE}`;

/** A line's evidence: its daily usage, the rule, the sentence that explains the figures. */
export const EVIDENCE = `
query ConsoleEvidence($id: ID!) {
  node(id: $id) {
    ... on LineItem {
      id referenceDay aggregationRule explanation usageChanged
      dailyUsage { day provisionedUnits usedUnits allocatedCredits }
    }
  }
}`;

export const SAVE_DRAFT = `
mutation ConsoleSaveDraft($input: SaveReportDraftInput!) { saveReportDraft(input: $input) { ${OUTCOME} } }`;

export const SUBMIT = `
mutation ConsoleSubmit($input: SubmitReportInput!) { submitReport(input: $input) { ${OUTCOME} } }`;

export const APPROVE = `
mutation ConsoleApprove($input: ApproveReportInput!) { approveReport(input: $input) { ${OUTCOME} } }`;

export const REJECT = `
mutation ConsoleReject($input: RejectReportInput!) { rejectReport(input: $input) { ${OUTCOME} } }`;

export const APPROVE_MANY = `
mutation ConsoleApproveMany($input: ApproveReportsInput!) {
  approveReports(input: $input) {
    approvedCount
    errors { code message }
    results { reportId errors { code message } report { id status version } }
  }
}`;

export const REQUEST_CORRECTION = `
mutation ConsoleRequestCorrection($input: RequestCorrectionInput!) { requestCorrection(input: $input) { ${OUTCOME} } }`;

export const APPROVE_CORRECTION = `
mutation ConsoleApproveCorrection($input: ApproveCorrectionInput!) { approveCorrection(input: $input) { ${OUTCOME} } }`;

export const REJECT_CORRECTION = `
mutation ConsoleRejectCorrection($input: RejectCorrectionInput!) { rejectCorrection(input: $input) { ${OUTCOME} } }`;

/** Every step of every report the token may see, as it is committed (docs/dashboards.md). */
export const REPORT_EVENTS = `
subscription ConsoleReportEvents {
  reportEvents {
    id action toStatus occurredAt comment
    actor { name organization { name } }
    report { id status version period { label } partner { name } }
  }
}`;
