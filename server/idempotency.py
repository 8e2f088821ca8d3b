"""The ``Idempotency-Key`` header on ``POST /graphql``: a mutation retried acts once.

``respond_once`` wraps the execution of an authenticated request (``server.graphql_view``),
so an unauthenticated request never reaches the key table. The rules (``server.idempotency_keys``
keeps the keys):

- the header is optional; when sent it must be one value of 1 to 255 printable characters,
  else **400** ``BAD_REQUEST`` (for queries as well: a malformed header is a client bug);
- it only matters for a **mutation**; on a query it is ignored. A body that is not a
  readable GraphQL operation is left to the view, which refuses it without acting;
- keys belong to the bearer token (kept as its SHA-256 hash): another token with the
  same key acts on its own and never sees this token's responses;
- the same key and the same operation (query text, variables, operationName) within 24 h
  get the first response again — its status and body — with ``Idempotent-Replayed: true``,
  and nothing runs;
- the same key with another operation: **422** ``IDEMPOTENCY_KEY_REUSED``;
- while the first request with the key is still running: **409**
  ``IDEMPOTENCY_KEY_IN_USE`` with ``Retry-After: 1`` — the client retries and then gets
  the replay (no waiting inside the server, so no worker is held by a retry);
- only the answer of an operation that ran is stored — refusals in the payload
  (``VERSION_CONFLICT`` ...) and coded top-level errors (``FORBIDDEN``) included, since
  running it again would not be a retry of the same request. A refusal before execution
  (a non-200: wrong content type, unreadable body), an operation that does not validate,
  an unexpected (masked) error, a 5xx or a request cancelled midway releases the key, so
  the corrected or retried request runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import orjson
from graphql import GraphQLError, OperationType, parse
from graphql.utilities import get_operation_ast
from starlette.requests import Request
from starlette.responses import Response

from resolvers.root import MAX_TOKENS
from server import idempotency_keys as idempotency
from server.auth import bearer_token
from workflow.access.tokens import hash_token

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
BAD_REQUEST = "BAD_REQUEST"
KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
KEY_IN_USE = "IDEMPOTENCY_KEY_IN_USE"

logger = logging.getLogger(__name__)


async def respond_once(request: Request, execute: Callable[[], Awaitable[Response]]) -> Response:
    """``execute()``'s response, acting at most once per (token, key) for a mutation."""
    keys = request.headers.getlist(HEADER)
    if not keys:
        return await execute()
    if len(keys) > 1 or not idempotency.is_valid_key(keys[0]):
        return refusal(
            400,
            BAD_REQUEST,
            f"the {HEADER} header must be one value of 1 to {idempotency.MAX_KEY_LENGTH} printable characters",
        )
    operation = await _mutation_fingerprint(request)
    token = bearer_token(request.headers.get("authorization"))
    if operation is None or token is None:
        return await execute()

    outcome = await idempotency.claim(hash_token(token), keys[0], operation)
    if isinstance(outcome, idempotency.Replay):
        return Response(
            outcome.body,
            status_code=outcome.status_code,
            media_type="application/json",
            headers={REPLAYED_HEADER: "true"},
        )
    if outcome is idempotency.Refusal.KEY_REUSED:
        return refusal(422, KEY_REUSED, f"this {HEADER} was already used for another operation")
    if outcome is idempotency.Refusal.IN_PROGRESS:
        return refusal(
            409,
            KEY_IN_USE,
            f"a request with this {HEADER} is still in progress; retry shortly",
            headers={"Retry-After": "1"},
        )
    return await _act_once(outcome, execute)


async def _act_once(claim: idempotency.Claim, execute: Callable[[], Awaitable[Response]]) -> Response:
    try:
        response = await execute()
    except BaseException:
        # Shielded: a cancelled request must still give its key back.
        with anyio.CancelScope(shield=True):
            await idempotency.release(claim)
        raise
    # A streamed answer (none of our mutations gives one) has no body to keep.
    body = getattr(response, "body", None)
    try:
        if isinstance(body, bytes | memoryview) and _worth_keeping(response.status_code, bytes(body)):
            await idempotency.complete(claim, response.status_code, bytes(body))
        else:
            await idempotency.release(claim)
    except Exception:
        # The operation has run: its true answer beats a 500 that invites a retry. The
        # claim stays "in progress" and is taken over once abandoned (server.idempotency_keys).
        logger.exception("could not store or release an Idempotency-Key claim")
    return response


async def _mutation_fingerprint(request: Request) -> str | None:
    """The fingerprint of the body's operation if it is a mutation; None for anything else."""
    if request.method != "POST":
        return None
    try:
        payload = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None
    query, variables, name = payload.get("query"), payload.get("variables"), payload.get("operationName")
    if not isinstance(query, str) or not isinstance(name, str | None):
        return None
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return None
    operation = get_operation_ast(document, name)
    if operation is None or operation.operation is not OperationType.MUTATION:
        return None
    return idempotency.fingerprint(query, variables, name)


def _worth_keeping(status_code: int, body: bytes) -> bool:
    """Only the answer of an operation that ran: the view answers 200 whenever it executed.

    Any other status is a refusal before execution (a body or content type the view does
    not take) or a failure; a top-level error without a code is a masked unexpected one,
    or an operation that did not validate. A retry of those must be able to run.
    """
    if status_code != 200:
        return False
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    errors: Any = payload.get("errors") if isinstance(payload, dict) else None
    return not any(not (e.get("extensions") or {}).get("code") for e in errors or ())


def refusal(status_code: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json", headers=headers)
