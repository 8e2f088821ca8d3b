"""Server settings from the environment (the database URL is ``server.database``'s).

    BILLING_REPORTS_DEBUG=1   development: GraphiQL at GET /graphql, introspection and
                              "did you mean" suggestions on. Off by default (production).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class Settings:
    debug: bool = False

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(debug=os.environ.get("BILLING_REPORTS_DEBUG", "").strip().lower() in _TRUE)
