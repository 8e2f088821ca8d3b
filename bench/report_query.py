"""Bench: the report screen (50 lines) — ``python -m bench.queries screen`` under its first name.

    python -m bench.report_query                 # = python -m bench.queries screen
    python -m bench.report_query --lines 1000    # the screen of a 1,000-line report

Same options as ``bench.queries`` (bench/README.md); the harness is there.
"""

from __future__ import annotations

import sys

from bench.queries import main as _main


def main(argv: list[str] | None = None) -> int:
    return _main(argv, prog="python -m bench.report_query", shape="screen")


if __name__ == "__main__":
    sys.exit(main())
