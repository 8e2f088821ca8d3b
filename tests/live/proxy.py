"""deploy/nginx.conf run for real by Debian's nginx, in front of a test deployment's APIs.

``for_test_machine`` turns the production file into one that runs here, unprivileged or
not, and changes nothing else: the upstreams ``api1:8000`` and ``api2:8000`` become two
``billing-reports serve`` processes' loopback ports, ``listen 8080`` a free loopback port,
and the pid file, temp paths and access log go to the test's directory, with
``daemon off`` (the error log is ``-e``, the prefix ``-p``). Every substitution must
match the file's text exactly once, else ``ConfigDrift``: a rewriting that no longer
applies would test another proxy than the one deployed.

The access log (added: Debian's default is /var/log/nginx) says, for each request, the
``$request_id`` nginx made and which API answered (``$upstream_addr``).

``start_proxy`` runs nginx in the foreground on the rewritten file and returns once its
port accepts connections (every wait is bounded); ``stop`` ends it (SIGTERM, then its
process group).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.clients.tools import require
from tests.live.deployment import REPO, _free_port

NGINX = Path("/usr/sbin/nginx")
CONFIG = REPO / "deploy" / "nginx.conf"
# The access log's lines (the format added below): $request_id $status "$request" $upstream_addr
ACCESS_LINE = re.compile(r'(\S+) (\d+) "(.*)" (.*)')
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")  # Debian's defaults are under /var/lib/nginx


class ConfigDrift(AssertionError):
    """deploy/nginx.conf no longer says what the test's rewriting expects."""


def nginx_executable() -> str:
    """Debian's nginx; skips the test without it (fails it under CI, which installs it)."""
    require(
        NGINX.is_file() and os.access(NGINX, os.X_OK),
        f"{NGINX} is not installed",
        "apt-get update && apt-get install -y nginx",
    )
    return str(NGINX)


def for_test_machine(text: str, upstream_ports: tuple[int, int], port: int, run_dir: Path, as_root: bool) -> str:
    """deploy/nginx.conf's ``text``, changed only where a test machine needs it."""
    main = [f"pid {run_dir}/nginx.pid;", "daemon off;"]
    if as_root:  # nginx's workers would run as nobody, who may not enter the test's directory
        main.append("user root;")
    http = [f"    {name}_temp_path {run_dir}/{name};" for name in TEMP_PATHS]
    http += [
        "    log_format proxy_test '$request_id $status \"$request\" $upstream_addr';",
        f"    access_log {run_dir}/access.log proxy_test;",
    ]
    substitutions = [
        ("events {}", "\n".join([*main, "events {}"])),
        ("http {\n", "\n".join(["http {", *http, ""])),
        ("server api1:8000 ", f"server 127.0.0.1:{upstream_ports[0]} "),
        ("server api2:8000 ", f"server 127.0.0.1:{upstream_ports[1]} "),
        ("listen 8080;", f"listen 127.0.0.1:{port};"),
    ]
    for old, _ in substitutions:
        if (found := text.count(old)) != 1:
            raise ConfigDrift(
                f"{old!r} is in deploy/nginx.conf {found} times, not once: "
                "update the test's rewriting (tests/live/proxy.py) with the file"
            )
    for old, new in substitutions:
        text = text.replace(old, new)
    return text


@dataclass(frozen=True)
class Logged:
    """One line of the proxy's access log."""

    request_id: str
    status: int
    request: str
    upstream: str  # "127.0.0.1:<port>" of the API that answered ("-" for nginx's own answers)


@dataclass
class Proxy:
    process: subprocess.Popen[bytes]
    port: int
    run_dir: Path

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def access_log(self) -> list[Logged]:
        lines = (self.run_dir / "access.log").read_text().splitlines()
        return [Logged(m[1], int(m[2]), m[3], m[4]) for m in map(ACCESS_LINE.fullmatch, lines) if m]

    def logged(self, request_id: str, timeout: float = 5.0) -> Logged:
        """The access log's line of ``request_id`` (nginx writes it once the answer is sent)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [line for line in self.access_log() if line.request_id == request_id]
            if found:
                (line,) = found
                return line
            if time.monotonic() > deadline:
                raise AssertionError(f"no access log line for {request_id} within {timeout} s")
            time.sleep(0.05)

    def error_log(self) -> str:
        path = self.run_dir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # fast shutdown: the master ends its workers
            try:
                self.process.wait(timeout=10)
                return
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError):  # the master is gone or stuck: its workers are in its group
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=5)


def start_proxy(nginx: str, upstream_ports: tuple[int, int], run_dir: Path, timeout: float = 10.0) -> Proxy:
    """nginx on deploy/nginx.conf (rewritten into ``run_dir``), once its port accepts connections."""
    port = _free_port()
    conf = run_dir / "nginx.conf"
    conf.write_text(for_test_machine(CONFIG.read_text(), upstream_ports, port, run_dir, as_root=os.geteuid() == 0))
    command = [nginx, "-p", f"{run_dir}/", "-e", str(run_dir / "error.log"), "-c", str(conf)]
    with (run_dir / "nginx.out").open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    proxy = Proxy(process, port, run_dir)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            output = (run_dir / "nginx.out").read_text(errors="replace")
            raise RuntimeError(f"nginx exited at start ({process.returncode}):\n{output}\n{proxy.error_log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proxy
        except OSError as error:
            if time.monotonic() > deadline:
                proxy.stop()
                raise RuntimeError(f"nginx did not listen within {timeout:.0f} s:\n{proxy.error_log()}") from error
            time.sleep(0.05)
