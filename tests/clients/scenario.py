"""The one scenario every client plays: subscribe to ``reportEvents``, hear a save made over HTTP.

North's dashboard (the Tier 1 reviewer) subscribes; Alpha MSP, the Tier 2 owner, saves a
draft of its report over HTTP (httpx to the served app); the event carries the report's
id, its status and its new version. A token nobody was issued is refused with 4403.
"""

from __future__ import annotations

from typing import Any

from tests.api import operations as op
from tests.api.served import ServedApp
from tests.api.steps import given_generated_reports, mutate, report_id_of
from tests.world import World
from workflow.access.tokens import TOKEN_PREFIX

REPORT_EVENTS = """
subscription ReportEvents($filter: ReportEventFilter) {
  reportEvents(filter: $filter) {
    action fromStatus toStatus version
    report { id status version }
  }
}
"""

# Well formed, but issued to nobody: connection_init with it closes the socket with 4403.
UNKNOWN_TOKEN = TOKEN_PREFIX + "0" * 43
FORBIDDEN = 4403


async def given_a_report_to_save(world: World, served: ServedApp) -> str:
    """The period's reports generated; the ID of Alpha MSP's (in PREPARING, version 1)."""
    await given_generated_reports(world)
    return await report_id_of(served.http, world.tier2_a1)


async def save_a_draft_over_http(world: World, served: ServedApp, report_id: str) -> None:
    """Alpha MSP saves a draft of its report at version 1, over HTTP."""
    payload = await mutate(served.http, world.tier2_a1, op.SAVE_DRAFT, reportId=report_id, version=1)
    assert payload["errors"] == [], payload["errors"]
    assert (payload["report"]["status"], payload["report"]["version"]) == ("PREPARING", 2)


def the_save_of(report_id: str) -> dict[str, Any]:
    """The ``reportEvents`` event that save is heard as."""
    return {
        "action": "SAVED",
        "fromStatus": "PREPARING",
        "toStatus": "PREPARING",
        "version": 2,
        "report": {"id": report_id, "status": "PREPARING", "version": 2},
    }
