"""Managing an organization's webhook endpoints (docs/contract.md §13), one transaction each.

Every function takes the caller: it needs the scope ``webhooks:manage`` (``Forbidden``)
and sees its own organization's endpoints only — another's answers as missing
(``NotFound``). A URL passes ``workflow.core.webhooks.check_url`` and, for a name, its
current addresses ``check_address`` (a name that does not resolve yet is accepted: it is
checked again, resolved, at every attempt).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from models import WebhookDelivery, WebhookEndpoint
from vocabulary.enums import ReportEventAction, Scope, WebhookDeliveryStatus
from workflow.core.actors import Actor
from workflow.core.errors import ErrorCode, Forbidden, InvalidInput, LimitReached, NotFound, Problem
from workflow.core.webhooks import (
    MAX_DESCRIPTION_LENGTH,
    MAX_ENDPOINTS_PER_ORGANIZATION,
    ROTATION_OVERLAP,
    AddressRefused,
    check_address,
    check_url,
)
from workflow.database.unit_of_work import unit_of_work
from workflow.reads.views import WebhookEndpointView
from workflow.webhooks import config, secrets

RESOLVE_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class CreatedEndpoint:
    endpoint: WebhookEndpointView
    secret: str  # shown once


def ensure_may_manage(actor: Actor) -> int:
    """The caller's organization, if it may manage webhooks."""
    if actor.organization_id is None or not actor.has(Scope.WEBHOOKS_MANAGE):
        raise Forbidden("managing webhooks needs the scope webhooks:manage")
    return actor.organization_id


def endpoint_view(row: WebhookEndpoint) -> WebhookEndpointView:
    return WebhookEndpointView(
        id=row.id,
        organization_id=row.organization_id,
        url=row.url,
        event_types=decode_event_types(row.event_types),
        description=row.description,
        enabled=row.enabled,
        created_at=row.created_at,
    )


def encode_event_types(event_types: Sequence[ReportEventAction]) -> str:
    chosen = sorted({action.value for action in event_types})
    return "," + ",".join(chosen) + "," if chosen else ""


def decode_event_types(stored: str) -> list[ReportEventAction]:
    return [ReportEventAction(value) for value in stored.split(",") if value]


async def check_destination(url: str) -> None:
    """The outbound-address rule at creation and update: ``InvalidInput`` on ``url``."""
    allow = config.current().allow_private_networks
    try:
        _, host, port = check_url(url, allow)
        for address in await resolve(host, port):
            check_address(address, allow)
    except AddressRefused as error:
        raise InvalidInput([Problem(ErrorCode.INVALID_INPUT, str(error), field="url")]) from error


async def resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host`` (empty when it does not resolve)."""
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, TimeoutError):
        return []
    return sorted({str(info[4][0]) for info in found})


def _check_description(description: str) -> None:
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            [Problem(ErrorCode.INVALID_INPUT, f"at most {MAX_DESCRIPTION_LENGTH} characters", field="description")]
        )


async def create_endpoint(
    actor: Actor, url: str, event_types: Sequence[ReportEventAction], description: str
) -> CreatedEndpoint:
    organization_id = ensure_may_manage(actor)
    _check_description(description)
    secret = secrets.new_secret()
    stored = secrets.encrypt(secret)  # first: without the operator's key nothing else is worth checking
    await check_destination(url)
    async with unit_of_work() as work:
        # Counted under the organization's lock, so two creations cannot pass the limit together.
        await _lock_organization(work.conn, organization_id)
        count = await WebhookEndpoint.filter(organization_id=organization_id).using_db(work.conn).count()
        if count >= MAX_ENDPOINTS_PER_ORGANIZATION:
            raise LimitReached(f"an organization has at most {MAX_ENDPOINTS_PER_ORGANIZATION} webhook endpoints")
        row = await WebhookEndpoint.create(
            organization_id=organization_id,
            url=url,
            event_types=encode_event_types(event_types),
            description=description,
            enabled=True,
            secret_encrypted=stored,
            created_at=datetime.now(UTC),
            using_db=work.conn,
        )
    return CreatedEndpoint(endpoint_view(row), secret)


async def _lock_organization(conn: object, organization_id: int) -> None:
    from models import Organization

    await Organization.filter(id=organization_id).using_db(conn).select_for_update().first()  # type: ignore[arg-type]


async def _own_endpoint(actor: Actor, endpoint_id: int | None, conn: object | None = None) -> WebhookEndpoint:
    organization_id = ensure_may_manage(actor)
    query = WebhookEndpoint.filter(id=endpoint_id or 0, organization_id=organization_id)
    if conn is not None:
        query = query.using_db(conn).select_for_update()  # type: ignore[arg-type]
    row = None if endpoint_id is None else await query.first()
    if row is None:
        raise NotFound("no such webhook endpoint", field="endpointId")
    return row


async def update_endpoint(
    actor: Actor,
    endpoint_id: int | None,
    *,
    url: str | None = None,
    event_types: Sequence[ReportEventAction] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpointView:
    """Changes only the fields given (None: keep)."""
    await _own_endpoint(actor, endpoint_id)
    if url is not None:
        await check_destination(url)
    if description is not None:
        _check_description(description)
    async with unit_of_work() as work:
        row = await _own_endpoint(actor, endpoint_id, work.conn)
        if url is not None:
            row.url = url
        if event_types is not None:
            row.event_types = encode_event_types(event_types)
        if description is not None:
            row.description = description
        if enabled is not None:
            row.enabled = enabled
        await row.save(using_db=work.conn)
    return endpoint_view(row)


async def delete_endpoint(actor: Actor, endpoint_id: int | None) -> None:
    async with unit_of_work() as work:
        row = await _own_endpoint(actor, endpoint_id, work.conn)
        await WebhookDelivery.filter(endpoint_id=row.id).using_db(work.conn).delete()
        await row.delete(using_db=work.conn)


async def rotate_secret(actor: Actor, endpoint_id: int | None) -> CreatedEndpoint:
    """A new secret; the current one keeps signing beside it for 24 hours."""
    secret = secrets.new_secret()
    stored = secrets.encrypt(secret)
    async with unit_of_work() as work:
        row = await _own_endpoint(actor, endpoint_id, work.conn)
        row.previous_secret_encrypted = row.secret_encrypted
        row.previous_secret_expires_at = datetime.now(UTC) + ROTATION_OVERLAP
        row.secret_encrypted = stored
        await row.save(using_db=work.conn)
    return CreatedEndpoint(endpoint_view(row), secret)


def signing_secrets(row: WebhookEndpoint, at: datetime) -> list[str]:
    """The secrets that sign at ``at``: the current one, and the previous during its overlap."""
    found = [secrets.decrypt(row.secret_encrypted)]
    expires = row.previous_secret_expires_at
    if row.previous_secret_encrypted and expires is not None and at < expires:
        found.append(secrets.decrypt(row.previous_secret_encrypted))
    return found


async def send_test(actor: Actor, endpoint_id: int | None) -> int:
    """A ``ping`` delivery to the endpoint (sent as any other); its id."""
    now = datetime.now(UTC)
    async with unit_of_work() as work:
        row = await _own_endpoint(actor, endpoint_id, work.conn)
        delivery = await WebhookDelivery.create(
            message_id="msg_ping_" + secrets.random_token(),
            endpoint_id=row.id,
            entry_id=None,
            event_type="ping",
            status=WebhookDeliveryStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
            using_db=work.conn,
        )
        work.wake_dispatcher()
    return delivery.id


async def redeliver(actor: Actor, delivery_id: int | None) -> int:
    """The delivery again, as a new delivery with the same webhook-id; its id."""
    organization_id = ensure_may_manage(actor)
    now = datetime.now(UTC)
    async with unit_of_work() as work:
        found = (
            None
            if delivery_id is None
            else await WebhookDelivery.filter(id=delivery_id, endpoint__organization_id=organization_id)
            .using_db(work.conn)
            .first()
        )
        if found is None:
            raise NotFound("no such webhook delivery", field="deliveryId")
        delivery = await WebhookDelivery.create(
            message_id=found.message_id,
            endpoint_id=found.endpoint_id,
            entry_id=found.entry_id,
            event_type=found.event_type,
            status=WebhookDeliveryStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
            using_db=work.conn,
        )
        work.wake_dispatcher()
    return delivery.id
