"""The measured request: a front end's report screen (the agreed ReportDetail query)."""

from __future__ import annotations

import orjson

# Lines on one page of the screen; the baseline answers exactly this query.
PAGE_SIZE = 50

QUERY = """\
query ReportDetail($id: ID!) {
  report(id: $id) {
    id status version submissionDeadline submittedAt reviewedAt availableActions
    period { id label }
    partner { id name }
    totals { provisionedUnits usedUnits overProvisionedUnits chargeableUnits allocatedCredits }
    lineItems(first: 50) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node {
        id name billingUnit provisionedUnits usedUnits overProvisionedUnits
        chargeableUnits allocatedCredits comment referenceDay
        customer { id name }
        solution { code name billingUnit }
      } }
    }
  }
}
"""


def request_body(report_id: str) -> bytes:
    """The POST body both endpoints receive, byte for byte."""
    return orjson.dumps({"query": QUERY, "operationName": "ReportDetail", "variables": {"id": report_id}})
