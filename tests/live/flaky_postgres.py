"""A TCP proxy in front of PostgreSQL that can "restart" the database, as a served worker sees it.

The machine's PostgreSQL cluster is shared, so it is never restarted for real. What a
worker sees of a restart is this, and this proxy does exactly that on its own port:

- ``go_down()``: every proxied connection is cut at once (both ends closed without a
  goodbye, as when the server process dies), and the port stops listening, so a new
  connection is refused (``ECONNREFUSED``, as while PostgreSQL is starting again);
- ``come_up()``: the same port listens again and proxies to PostgreSQL.

It runs in a thread of its own with its own event loop, so a test may block (start a
worker process, wait for it) without freezing the database traffic it watches. Every
call into that thread is bounded.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

T = TypeVar("T")
_CALL_TIMEOUT = 10.0


class FlakyPostgres:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = _free_port()
        self.accepted = 0  # connections proxied so far (the worker's pool reconnecting shows here)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="flaky-postgres", daemon=True)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    @classmethod
    def in_front_of(cls, db_url: str) -> FlakyPostgres:
        parts = urlsplit(db_url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 5432)

    def url_for(self, db_url: str) -> str:
        """``db_url`` (a Tortoise/libpq URL) going through this proxy."""
        parts = urlsplit(db_url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))

    # --- control, from any thread --------------------------------------------------------

    def start(self) -> FlakyPostgres:
        self._thread.start()
        self._call(self._listen())
        return self

    def go_down(self) -> int:
        """Cut every proxied connection and refuse new ones; how many were cut."""
        return self._call(self._go_down())

    def come_up(self) -> None:
        self._call(self._listen())

    def stop(self) -> None:
        if self._thread.is_alive():
            self._call(self._go_down())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(_CALL_TIMEOUT)
        self._loop.close()

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(_CALL_TIMEOUT)

    # --- in the proxy's own loop ---------------------------------------------------------

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._proxy, "127.0.0.1", self.port, reuse_address=True)

    async def _go_down(self) -> int:
        if self._server is not None:
            self._server.close()  # the port stops listening: new connections are refused
            self._server = None
        cut = len(self._pipes) // 2
        for writer in list(self._pipes):
            _abort(writer)
        self._pipes.clear()
        return cut

    async def _proxy(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.wait_for(asyncio.open_connection(*self.upstream), 5)
        except (OSError, TimeoutError):
            _abort(client_writer)
            return
        self.accepted += 1
        pair = {client_writer, upstream_writer}
        self._pipes |= pair
        try:
            await asyncio.gather(_pump(client_reader, upstream_writer), _pump(upstream_reader, client_writer))
        finally:
            self._pipes -= pair
            for writer in pair:
                _abort(writer)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    # abort(), not close(): nothing buffered is flushed, as when the server process dies.
    if not writer.transport.is_closing():
        writer.transport.abort()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
