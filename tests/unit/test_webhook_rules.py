"""The pure rules of webhooks (docs/contract.md §13): the retry schedule, what an answer
means, the body, and where the service may post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from vocabulary.enums import ReportEventAction, ReportStatus
from workflow.core.webhooks import (
    AddressRefused,
    EventData,
    Outcome,
    check_address,
    check_url,
    event_body,
    event_type,
    listens_to,
    next_attempt_at,
    outcome_of,
)

END = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)


def test_a_failed_delivery_is_retried_on_the_schedule_then_fails() -> None:
    delays = [next_attempt_at(n, END) for n in range(1, 9)]
    assert [d - END for d in delays[:7] if d is not None] == [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=10),
    ]
    assert delays[7] is None  # the eighth attempt failed: FAILED


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.SUCCEEDED),
        (204, Outcome.SUCCEEDED),
        (299, Outcome.SUCCEEDED),
        (301, Outcome.RETRY),
        (400, Outcome.RETRY),
        (404, Outcome.RETRY),
        (410, Outcome.GONE),
        (500, Outcome.RETRY),
        (None, Outcome.RETRY),
    ],
)
def test_what_an_answer_means(status: int | None, outcome: Outcome) -> None:
    assert outcome_of(status) is outcome


def test_the_type_is_report_and_the_action_in_lower_case() -> None:
    assert event_type(ReportEventAction.AUTO_APPROVED) == "report.auto_approved"


def test_an_empty_filter_hears_every_action() -> None:
    assert listens_to([], ReportEventAction.REJECTED)
    assert not listens_to([ReportEventAction.APPROVED], ReportEventAction.REJECTED)


def test_the_body_has_the_contract_s_fields() -> None:
    body = orjson.loads(
        event_body(
            EventData(
                "E",
                "R",
                "2026-10",
                "P",
                ReportEventAction.APPROVED,
                ReportStatus.UNDER_REVIEW,
                ReportStatus.APPROVED,
                4,
                END,
            )
        )
    )
    assert body == {
        "type": "report.approved",
        "timestamp": "2026-11-05T09:00:00.000Z",
        "data": {
            "eventId": "E",
            "reportId": "R",
            "period": "2026-10",
            "partnerId": "P",
            "action": "APPROVED",
            "fromStatus": "UNDER_REVIEW",
            "toStatus": "APPROVED",
            "version": 4,
            "occurredAt": "2026-11-05T09:00:00.000Z",
        },
    }


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/",
        "ftp://example.com/",
        "https://127.0.0.1/",
        "https://10.0.0.1/",
        "https://172.16.0.1/",
        "https://192.168.0.1/",
        "https://169.254.169.254/",
        "https://[::1]/",
        "https://[fe80::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://localhost/",
        "https://a.localhost/",
        "https://user:pw@example.com/",
        "https:///nohost",
        "not a url",
    ],
)
def test_internal_or_non_https_urls_are_refused(url: str) -> None:
    with pytest.raises(AddressRefused):
        check_url(url, allow_private=False)


def test_public_https_urls_pass_and_the_operator_may_allow_private_networks() -> None:
    assert check_url("https://psa.example.com/hook", allow_private=False) == ("https", "psa.example.com", 443)
    assert check_url("https://93.184.215.14:8443/x", allow_private=False)[2] == 8443
    assert check_url("http://127.0.0.1:9000/", allow_private=True) == ("http", "127.0.0.1", 9000)
    check_address("10.0.0.1", allow_private=True)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "::1", "fd00::1", "::ffff:192.168.1.1", "224.0.0.1"])
def test_a_resolved_internal_address_is_refused(address: str) -> None:
    with pytest.raises(AddressRefused):
        check_address(address, allow_private=False)


def test_a_resolved_public_address_passes() -> None:
    check_address("93.184.215.14", allow_private=False)
    check_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c", allow_private=False)
