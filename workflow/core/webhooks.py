"""The rules of webhooks (docs/contract.md §13), pure: what is sent, when it is retried,
what an answer means, and where the service may post.

No database and no network: ``workflow.webhooks`` applies these when it writes, sends
and records; the tests check them in microseconds (``tests/unit/test_webhook_rules.py``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from urllib.parse import urlsplit

import orjson

from vocabulary.enums import ReportEventAction, ReportStatus

MAX_ENDPOINTS_PER_ORGANIZATION = 10  # disabled ones included
MAX_URL_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 500
# A 2xx answer within this is success; the whole attempt (connect included) is bounded by it.
ATTEMPT_TIMEOUT_SECONDS = 15.0
# After a failed attempt, counted from its end: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h;
# then the delivery is FAILED (8 attempts in all).
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
ROTATION_OVERLAP = timedelta(hours=24)  # the old secret signs beside the new one this long


class Outcome(str, Enum):
    SUCCEEDED = "SUCCEEDED"
    RETRY = "RETRY"
    GONE = "GONE"  # 410: the delivery fails and the endpoint is disabled at once


def outcome_of(status: int | None) -> Outcome:
    """An attempt's outcome from its HTTP status (None: no answer — timeout, refused, ...)."""
    if status is not None and 200 <= status < 300:
        return Outcome.SUCCEEDED
    if status == 410:
        return Outcome.GONE
    return Outcome.RETRY


def next_attempt_at(attempts_made: int, ended_at: datetime) -> datetime | None:
    """When to try again after the ``attempts_made``-th attempt failed; None: give up (FAILED)."""
    if attempts_made < 1 or attempts_made > len(RETRY_DELAYS):
        return None
    return ended_at + RETRY_DELAYS[attempts_made - 1]


def event_type(action: ReportEventAction) -> str:
    """The body's ``type``: ``report.`` and the action in lower case."""
    return "report." + action.value.lower()


def listens_to(event_types: Iterable[ReportEventAction], action: ReportEventAction) -> bool:
    """An endpoint's filter: empty means every action."""
    chosen = set(event_types)
    return not chosen or action in chosen


@dataclass(frozen=True, slots=True)
class EventData:
    """The ``data`` of a report event's body; the IDs are the API's global IDs."""

    event_id: str
    report_id: str
    period: str  # "YYYY-MM"
    partner_id: str
    action: ReportEventAction
    from_status: ReportStatus | None
    to_status: ReportStatus
    version: int
    occurred_at: datetime


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_body(data: EventData) -> bytes:
    """The JSON body of a report event (its bytes are what is signed)."""
    return orjson.dumps(
        {
            "type": event_type(data.action),
            "timestamp": _instant(data.occurred_at),
            "data": {
                "eventId": data.event_id,
                "reportId": data.report_id,
                "period": data.period,
                "partnerId": data.partner_id,
                "action": data.action.value,
                "fromStatus": None if data.from_status is None else data.from_status.value,
                "toStatus": data.to_status.value,
                "version": data.version,
                "occurredAt": _instant(data.occurred_at),
            },
        }
    )


def ping_body(endpoint_id: str, sent_at: datetime) -> bytes:
    return orjson.dumps({"type": "ping", "timestamp": _instant(sent_at), "data": {"endpointId": endpoint_id}})


# --- where the service may post -----------------------------------------------------------


class AddressRefused(ValueError):
    """A URL or an address the service must not post to (the message says why)."""


def check_url(url: str, allow_private: bool) -> tuple[str, str, int]:
    """The URL's (scheme, host, port) if it may be posted to before resolution, else ``AddressRefused``.

    ``https://`` only, unless the operator allows private networks (then ``http://`` too);
    a literal IP address is checked here, a name after each resolution (``check_address``).
    """
    if len(url) > MAX_URL_LENGTH:
        raise AddressRefused(f"a URL is at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise AddressRefused(f"not a URL: {error}") from error
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise AddressRefused("the URL must be https://")
    host = parts.hostname
    if not host:
        raise AddressRefused("the URL has no host")
    if parts.username or parts.password:
        raise AddressRefused("the URL may not carry credentials")
    if (host == "localhost" or host.endswith(".localhost")) and not allow_private:
        raise AddressRefused(f"{host} is an internal address")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        check_address(str(literal), allow_private)
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def check_address(address: str, allow_private: bool) -> None:
    """Refuse a resolved address that is not public (loopback, private, link-local, reserved, ...)."""
    if allow_private:
        return
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast:
        raise AddressRefused(f"{address} is an internal address")
