"""Each endpoint in its own uvicorn process: one worker, on a free loopback port.

Both are started the same way (uvloop, httptools, no access log), so the only
difference between them is the application.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

BASELINE_FACTORY = "bench.baseline_app:create_app"
SERVICE_FACTORY = "server.app:create_app"

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return self.url_for("/graphql")

    def url_for(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def rss_mib(self) -> float | None:
        """Resident memory of the worker now, from /proc (Linux)."""
        return self._status_mib("VmRSS:")

    def peak_rss_mib(self) -> float | None:
        """The worker's highest resident memory since it started (VmHWM), from /proc (Linux)."""
        return self._status_mib("VmHWM:")

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the worker has used so far (/proc/<pid>/stat, Linux)."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return None
        # The command name (field 2) is in parentheses and may hold spaces: count after it.
        fields = stat[stat.rindex(")") + 2 :].split()
        utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
        return (utime + stime) / _CLOCK_TICKS

    def _status_mib(self, key: str) -> float | None:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
        return None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start(name: str, factory: str, db_url: str, log_dir: Path, timeout: float = 30.0) -> Server:
    """Start ``uvicorn --factory factory`` with ``DATABASE_URL=db_url``; wait until it answers."""
    port = free_port()
    log_path = log_dir / f"{name}.log"
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(PROJECT_ROOT)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(name, process, port, log_path)
    _wait_until_listening(server, timeout)
    return server


def _wait_until_listening(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the {server.name} server exited at start:\n{server.log_tail()}")
        try:
            # Any HTTP answer means the app is up (and its lifespan has run).
            httpx.get(server.url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"the {server.name} server did not answer within {timeout:.0f} s:\n{server.log_tail()}")
