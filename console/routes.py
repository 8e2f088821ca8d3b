"""The console's routes, mounted by ``server.app`` when the console is on.

    GET /console              redirects to /console/
    GET /console/             the page (``static/index.html``), its modules, styles, icon,
                              and the vendored graphql-ws (``static/vendor/``)
    GET /console/config.json  what the page cannot know by itself: ``{"demo": null}``, or
                              with a demo file (``console.demo_picker``) and a loopback
                              client, the demo's period and organizations with their tokens

Every answer carries a Content-Security-Policy that lets the page load only its own
files and talk only to its own origin (the API and its WebSocket): no inline script, no
third-party host. The files are revalidated on every load (``no-cache``: ETags make that
cheap), so a new version of the console is never mixed with a cached older module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from console.demo_picker import DemoWorld, on_loopback, read_demo_world

STATIC = Path(__file__).parent / "static"

# 'self' covers the page's own ws:// and wss:// origin too (CSP Level 3).
HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def console_routes(*, demo_file: str = "") -> list[BaseRoute]:
    """The console's routes; with ``demo_file``, its organizations for the sign-in (read now)."""
    demo = read_demo_world(demo_file) if demo_file else None
    return [
        Route("/console/config.json", _config(demo), methods=["GET"]),
        Mount("/console", app=_Files(directory=STATIC, html=True)),
    ]


def _config(demo: DemoWorld | None) -> Callable[[Request], Response]:
    def config(request: Request) -> Response:
        shown = demo if demo is not None and on_loopback(request.client.host if request.client else None) else None
        return JSONResponse({"demo": shown.as_json() if shown else None}, headers=dict(HEADERS))

    return config


class _Files(StaticFiles):
    """Starlette's static files, with the console's headers on every answer."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *((name.lower().encode(), value.encode()) for name, value in HEADERS.items()),
                ]
            await send(message)

        await super().__call__(scope, receive, with_headers)
