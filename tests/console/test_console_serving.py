"""When the console is served, and what: on in debug mode, off in production unless enabled, the picker if configured.

Over HTTP in-process (``httpx.ASGITransport``, whose client address can be chosen), no browser.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from tortoise.context import TortoiseContext

from console.routes import STATIC
from server.app import create_app
from server.settings import Settings
from tests.console.pages import Demo


def client(settings: Settings, address: str = "127.0.0.1") -> httpx.AsyncClient:
    app = create_app(settings=settings, register_orm=False)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 50000)), base_url="http://testserver"
    )


async def status_of(settings: Settings, path: str = "/console/") -> int:
    async with client(settings) as http:
        return (await http.get(path)).status_code


async def test_the_console_is_off_in_production_unless_enabled(db: TortoiseContext) -> None:
    assert await status_of(Settings()) == 404
    assert await status_of(Settings(), "/console") == 404
    assert await status_of(Settings(), "/console/config.json") == 404
    assert await status_of(Settings(console=True)) == 200


async def test_the_console_is_on_in_debug_mode_unless_turned_off(db: TortoiseContext) -> None:
    assert await status_of(Settings(debug=True)) == 200
    assert await status_of(Settings(debug=True, console=False)) == 404


async def test_the_console_is_its_page_modules_and_styles_with_a_policy_that_admits_only_its_own_origin(
    db: TortoiseContext,
) -> None:
    async with client(Settings(console=True)) as http:
        redirect = await http.get("/console")
        page = await http.get("/console/")
        module = await http.get("/console/js/main.js")

    assert redirect.status_code == 307 and redirect.headers["location"].endswith("/console/")
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="js/main.js">' in page.text
    assert "javascript" in module.headers["content-type"]
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "default-src 'none'" in policy
    assert "http" not in policy  # no third-party host
    assert module.headers["cache-control"] == "no-cache"


async def test_every_module_the_page_imports_is_served(db: TortoiseContext) -> None:
    """The page's import graph, followed from js/main.js over HTTP: nothing missing, nothing from elsewhere."""
    async with client(Settings(console=True)) as http:
        seen: set[str] = set()
        pending = ["js/main.js"]
        while pending:
            path = pending.pop()
            if path in seen:
                continue
            seen.add(path)
            response = await http.get(f"/console/{path}")
            assert response.status_code == 200, path
            for target in re.findall(
                r'^(?:import|export)\b[^"\']*?from\s+["\']([^"\']+)["\']', response.text, re.MULTILINE
            ):
                assert target.startswith("."), f"{path} imports {target!r}: a browser resolves relative paths only"
                pending.append(_normalized(f"{Path(path).parent.as_posix()}/{target}"))
    assert {"js/live.js", "vendor/graphql-ws-6.4.2/client.js", "vendor/graphql-ws-6.4.2/common-CGW11Fyb.js"} <= seen
    shipped = {p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*.js")}
    assert seen == shipped, f"modules shipped but never imported: {shipped - seen}"


def _normalized(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts.pop()
        elif part not in {".", ""}:
            parts.append(part)
    return "/".join(parts)


async def test_without_a_demo_file_the_console_offers_no_organizations(db: TortoiseContext) -> None:
    async with client(Settings(console=True)) as http:
        config = (await http.get("/console/config.json")).json()

    assert config == {"demo": None}


async def test_with_the_demo_file_it_offers_the_demos_organizations_to_this_machine_only(demo: Demo) -> None:
    settings = Settings(console=True, console_demo_file=str(demo.path))
    async with client(settings, "127.0.0.1") as local, client(settings, "10.0.0.7") as remote:
        here = (await local.get("/console/config.json")).json()
        elsewhere = (await remote.get("/console/config.json")).json()

    assert here["demo"]["period"] == demo.world["period"]
    assert here["demo"]["organizations"] == [
        {k: o[k] for k in ("id", "name", "tier", "parentId", "token")} for o in demo.world["organizations"]
    ]
    assert elsewhere == {"demo": None}


def test_a_demo_file_needs_the_console(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="BILLING_REPORTS_CONSOLE_DEMO needs the console"):
        Settings(console_demo_file=str(tmp_path / "demo.json"))


async def test_a_demo_file_that_is_not_the_demos_json_stops_the_app_at_its_start(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    path.write_text(json.dumps({"period": "2026-11"}))

    with pytest.raises(ValueError, match="not a file written by `billing-reports demo --json`"):
        create_app(settings=Settings(console=True, console_demo_file=str(path)), register_orm=False)


@pytest.mark.parametrize(
    ("environment", "enabled"),
    [
        ({}, False),
        ({"BILLING_REPORTS_DEBUG": "1"}, True),
        ({"BILLING_REPORTS_CONSOLE": "1"}, True),
        ({"BILLING_REPORTS_DEBUG": "1", "BILLING_REPORTS_CONSOLE": "0"}, False),
        ({"BILLING_REPORTS_CONSOLE": "off"}, False),
    ],
)
def test_the_environment_turns_the_console_on_and_off(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], enabled: bool
) -> None:
    for name in ("BILLING_REPORTS_DEBUG", "BILLING_REPORTS_CONSOLE", "BILLING_REPORTS_CONSOLE_DEMO"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert Settings.from_env().console_enabled is enabled


def test_a_console_setting_that_is_neither_on_nor_off_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILLING_REPORTS_CONSOLE", "maybe")

    with pytest.raises(ValueError, match="BILLING_REPORTS_CONSOLE must be 1"):
        Settings.from_env()
