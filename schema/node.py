"""The Relay ``Node`` interface: every object with a global ID (see ``schema.ids``)."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a global ID, fetchable with `node(id)`.")
class Node:
    id: strawberry.ID
