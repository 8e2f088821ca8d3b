"""The event message (what NOTIFY carries) and who hears it, without a database."""

from __future__ import annotations

import orjson
import pytest

from vocabulary.enums import ReportEventAction, ReportStatus, Scope, Tier
from workflow.core.actors import SYSTEM, Actor
from workflow.events.live import EventCriteria
from workflow.events.messages import MAX_PAYLOAD_BYTES, MalformedEvent, ReportEventMessage

TIER1, OTHER_TIER1, TIER2, OTHER_TIER2 = 10, 11, 20, 21

MESSAGE = ReportEventMessage(
    entry_id=41,
    report_id=7,
    partner_id=TIER2,
    parent_id=TIER1,
    period="2026-10",
    action=ReportEventAction.APPROVED,
    status=ReportStatus.APPROVED,
    version=4,
)


def actor(tier: Tier, organization_id: int) -> Actor:
    return Actor(
        principal_id=1,
        principal_name="someone",
        organization_id=organization_id,
        tier=tier,
        scopes=frozenset({Scope.REPORTS_READ}),
    )


def test_a_message_survives_encoding() -> None:
    assert ReportEventMessage.decode(MESSAGE.encode()) == MESSAGE
    assert ReportEventMessage.decode(MESSAGE.encode().encode()) == MESSAGE


def test_a_message_decodes_from_postgresql_json_build_object_text() -> None:
    # json_build_object(...)::text puts spaces around the colons.
    text = (
        '{"entry" : 41, "report" : 7, "partner" : 20, "parent" : 10, "period" : "2026-10", '
        '"action" : "APPROVED", "status" : "APPROVED", "version" : 4}'
    )
    assert ReportEventMessage.decode(text) == MESSAGE


def test_a_message_carries_ids_and_stays_far_under_the_notify_limit() -> None:
    biggest = ReportEventMessage(
        entry_id=2**63 - 1,
        report_id=2**63 - 1,
        partner_id=2**31 - 1,
        parent_id=2**31 - 1,
        period="2999-12",
        action=ReportEventAction.AUTO_SUBMITTED,
        status=ReportStatus.UNDER_REVIEW,
        version=2**31 - 1,
    )
    payload = biggest.encode()
    assert len(payload.encode()) < 400 < MAX_PAYLOAD_BYTES
    assert set(orjson.loads(payload)) == {
        "entry",
        "report",
        "partner",
        "parent",
        "period",
        "action",
        "status",
        "version",
    }


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "not json",
        "[]",
        "{}",
        '{"entry": 1}',
        MESSAGE.encode().replace('"APPROVED"', '"SHREDDED"', 1),
        MESSAGE.encode().replace('"entry":41', '"entry":"41"'),
        MESSAGE.encode().replace('"entry":41', '"entry":-1'),
        MESSAGE.encode().replace('"entry":41', '"entry":true'),
    ],
)
def test_anything_else_on_the_channel_is_refused_as_malformed(payload: str) -> None:
    with pytest.raises(MalformedEvent):
        ReportEventMessage.decode(payload)


def test_a_tier1_hears_its_own_partners_and_no_other() -> None:
    hears = EventCriteria(actor(Tier.TIER1, TIER1)).accepts
    assert hears(MESSAGE)
    assert not EventCriteria(actor(Tier.TIER1, OTHER_TIER1)).accepts(MESSAGE)


def test_a_tier2_hears_only_itself_not_its_siblings_nor_its_parent_as_a_partner() -> None:
    assert EventCriteria(actor(Tier.TIER2, TIER2)).accepts(MESSAGE)
    assert not EventCriteria(actor(Tier.TIER2, OTHER_TIER2)).accepts(MESSAGE)
    assert not EventCriteria(actor(Tier.TIER2, TIER1)).accepts(MESSAGE)  # an id that is a Tier 1's


def test_the_platform_hears_everything_and_an_organization_without_a_tier_nothing() -> None:
    assert EventCriteria(actor(Tier.PLATFORM, 1)).accepts(MESSAGE)
    assert EventCriteria(SYSTEM).accepts(MESSAGE)
    nobody = Actor(principal_id=0, principal_name="", organization_id=None, tier=None, scopes=frozenset())
    assert not EventCriteria(nobody).accepts(MESSAGE)


def test_the_filter_narrows_by_period_and_partner_but_never_widens() -> None:
    tier1 = actor(Tier.TIER1, TIER1)
    assert EventCriteria(tier1, period="2026-10", partner_id=TIER2).accepts(MESSAGE)
    assert not EventCriteria(tier1, period="2026-09").accepts(MESSAGE)
    assert not EventCriteria(tier1, partner_id=OTHER_TIER2).accepts(MESSAGE)
    # Naming another tenant's partner does not let a Tier 1 hear it.
    assert not EventCriteria(actor(Tier.TIER1, OTHER_TIER1), partner_id=TIER2).accepts(MESSAGE)
