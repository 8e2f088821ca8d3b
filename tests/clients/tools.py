"""What the client tests need besides Python packages, and what happens when it is missing.

On a developer's machine a missing tool (Node's packages, Debian's chromium) skips the
test, with the exact command that installs it. Under CI (``CI`` set, as ``.ci/run`` is
run) it fails the test instead: CI installs these tools, so a missing one is a broken
install step, not a reason to test less.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent / "node"
CHROMIUM = Path("/usr/bin/chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def require(available: bool, missing: str, install: str) -> None:
    """Skip (or, under CI, fail) the test unless ``available``."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{missing}; CI is set, so this is a failure, not a skip. Install: {install}", pytrace=False)
    pytest.skip(f"{missing}: install with `{install}`")


def node_executable() -> str:
    """``node``, with this folder's npm packages installed (``npm ci`` from the lock)."""
    node = shutil.which("node")
    require(node is not None, "Node.js is not installed", "Node.js 20 or newer, with npm")
    assert node is not None
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    major = int(version.lstrip("v").split(".")[0]) if version.startswith("v") else 0
    require(
        major >= 20,
        f"graphql-ws 6 needs Node.js 20 or newer, {node} is {version or 'unknown'}",
        "Node.js 20 or newer, with npm",
    )
    installed = all((NODE_DIR / "node_modules" / name / "package.json").is_file() for name in ("graphql-ws", "ws"))
    require(installed, "the Node client packages are not installed", f"cd {relative(NODE_DIR)} && npm ci")
    return node


def chromium_executable() -> str:
    require(
        CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK),
        f"{CHROMIUM} is not installed",
        "apt-get update && apt-get install -y chromium",
    )
    return str(CHROMIUM)


def relative(path: Path) -> str:
    """``path`` as typed from the repository's root (where ``make test`` runs)."""
    root = Path(__file__).parents[2]
    return str(path.relative_to(root))
