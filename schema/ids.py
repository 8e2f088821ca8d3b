"""Global IDs: the only IDs clients see (API, demo JSON, CSV exports).

An ID is Relay's ``base64("TypeName:pk")``, the same text Strawberry's ``relay.GlobalID``
produces. Decoding checks the type, so a line item's ID given where a report's is
expected is simply "not found". Pure Python, so the CLI and exports use it too.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from functools import cache

ORGANIZATION = "Organization"
CUSTOMER = "Customer"
BILLING_PERIOD = "BillingPeriod"
BILLING_REPORT = "BillingReport"
LINE_ITEM = "LineItem"
REPORT_EVENT = "ReportEvent"
CORRECTION = "Correction"
API_TOKEN = "ApiToken"
WEBHOOK_ENDPOINT = "WebhookEndpoint"
WEBHOOK_DELIVERY = "WebhookDelivery"

# The largest key of each type's table: 32-bit (Tortoise ``IntField``, PostgreSQL
# ``integer``), but 64-bit for history entries. An ID past it names nothing, and must
# decode to nothing: PostgreSQL's driver refuses to bind an integer its column cannot
# hold, which would turn "not found" into an unexpected error (found by fuzzing).
MAX_KEY = 2**31 - 1
_MAX_PK = {REPORT_EVENT: 2**63 - 1, WEBHOOK_DELIVERY: 2**63 - 1}


def encode(type_name: str, pk: int) -> str:
    return encoder(type_name)(pk)


@cache
def encoder(type_name: str) -> Callable[[int], str]:
    """``encode`` for one type: what a page of lines calls twice a line, without the type's text each time."""
    prefix = f"{type_name}:".encode()
    b2a = binascii.b2a_base64

    def encode_pk(pk: int) -> str:
        return b2a(prefix + b"%d" % pk, newline=False).decode()

    return encode_pk


def decode(global_id: str) -> tuple[str, int] | None:
    """``(type name, pk)``, or None for anything that is not one of our IDs."""
    if not isinstance(global_id, str) or len(global_id) > 200:
        return None
    try:
        text = base64.b64decode(global_id, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, raw_pk = text.partition(":")
    if not sep or not raw_pk.isascii() or not raw_pk.isdigit() or len(raw_pk) > 18:
        return None
    pk = int(raw_pk)
    if pk > _MAX_PK.get(type_name, MAX_KEY):
        return None
    return type_name, pk


def decode_as(type_name: str, global_id: str) -> int | None:
    """The pk if ``global_id`` is an ID of ``type_name``, else None."""
    decoded = decode(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]
