"""Talking to the API over HTTP in-process, so tests read as scenarios.

``gql`` posts an operation with a bearer token and returns its ``data``; it fails the
test loudly (status, errors, the operation) on any top-level error, because a test
that expects one says so with ``gql_errors``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest


async def post(
    client: httpx.AsyncClient, token: str | None, query: str, variables: dict[str, Any] | None = None
) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


async def gql(
    client: httpx.AsyncClient, token: str | None, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post(client, token, query, variables)
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        pytest.fail(
            f"unexpected GraphQL failure (HTTP {response.status_code}): {body.get('errors')}\n"
            f"operation: {query.strip()[:400]}\nvariables: {variables}",
            pytrace=False,
        )
    return body["data"]


async def gql_errors(
    client: httpx.AsyncClient, token: str | None, query: str, variables: dict[str, Any] | None = None
) -> tuple[int, list[dict[str, Any]], Any]:
    """(HTTP status, top-level errors, data) of an operation expected to fail at the top level."""
    response = await post(client, token, query, variables)
    body = response.json()
    assert body.get("errors"), f"expected top-level errors, got {body}"
    return response.status_code, body["errors"], body.get("data")


def codes(errors: list[dict[str, Any]]) -> list[str]:
    """The codes of payload ``errors`` (``UserError``) or top-level errors (``extensions.code``)."""
    return [e["code"] if "code" in e else e.get("extensions", {}).get("code") for e in errors]
