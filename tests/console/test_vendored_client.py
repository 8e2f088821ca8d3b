"""The console's vendored graphql-ws is the pinned npm release, unmodified, with its licence beside it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from console.routes import STATIC

VENDOR = STATIC / "vendor" / "graphql-ws-6.4.2"
NODE = Path(__file__).resolve().parents[1] / "clients" / "node"
NPM_FILES = {"client.js": "dist/client.js", "common-CGW11Fyb.js": "dist/common-CGW11Fyb.js", "LICENSE.md": "LICENSE.md"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_vendored_files_are_those_its_readme_pins() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    pinned = dict(re.findall(r"^\| `([^`]+)` \|[^|]*\| `([0-9a-f]{64})` \|$", readme, re.MULTILINE))

    assert pinned == {name: sha256(VENDOR / name) for name in NPM_FILES}
    assert "MIT License" in (VENDOR / "LICENSE.md").read_text(encoding="utf-8")


def test_the_vendored_version_is_the_one_the_client_tests_lock() -> None:
    lock = json.loads((NODE / "package-lock.json").read_text(encoding="utf-8"))

    assert lock["packages"]["node_modules/graphql-ws"]["version"] == VENDOR.name.removeprefix("graphql-ws-")
    assert 'from "../vendor/graphql-ws-6.4.2/client.js"' in (STATIC / "js" / "live.js").read_text(encoding="utf-8")


def test_the_vendored_files_are_the_npm_packages_own() -> None:
    package = NODE / "node_modules" / "graphql-ws"
    if not (package / "package.json").is_file():
        pytest.skip("tests/clients/node is not installed (make install-clients)")
    assert json.loads((package / "package.json").read_text())["version"] == "6.4.2"
    for vendored, original in NPM_FILES.items():
        assert sha256(VENDOR / vendored) == sha256(package / original), vendored
