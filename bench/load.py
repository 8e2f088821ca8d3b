"""Load with wrk: fixed duration and connections, loopback only, one POST body.

wrk (Debian package ``wrk``) is a C load generator: on 2 cores a Python client would
itself be the bottleneck for the baseline. ``post.lua`` sets the POST and prints one
``BENCH_RESULT {json}`` line from wrk's ``done`` hook, which this module reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("post.lua")
_MARKER = "BENCH_RESULT "


@dataclass(frozen=True, slots=True)
class LoadSettings:
    duration_s: int = 10
    warmup_s: int = 2
    connections: int = 32
    threads: int = 2


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    duration_s: float
    errors: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def ensure_wrk() -> str:
    """The path of wrk; installs the Debian package when missing and we are root."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        path = shutil.which("wrk")
        if path:
            return path
    raise SystemExit("wrk is needed: install it with `sudo apt-get install -y wrk` (Debian/Ubuntu)")


def run_wrk(url: str, body_file: Path, token: str, duration_s: int, settings: LoadSettings) -> LoadResult:
    env = {**os.environ, "BENCH_BODY_FILE": str(body_file), "BENCH_TOKEN": token}
    command = [
        ensure_wrk(),
        "-t",
        str(settings.threads),
        "-c",
        str(settings.connections),
        "-d",
        f"{duration_s}s",
        "--timeout",
        "5s",
        "-s",
        str(SCRIPT),
        url,
    ]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=duration_s + 30, check=False)
    for line in completed.stdout.splitlines():
        if line.startswith(_MARKER):
            raw = json.loads(line[len(_MARKER) :])
            latency = raw["latency_us"]
            return LoadResult(
                requests=raw["requests"],
                duration_s=raw["duration_us"] / 1e6,
                errors=raw["errors"],
                p50_ms=latency["p50"] / 1000,
                p90_ms=latency["p90"] / 1000,
                p99_ms=latency["p99"] / 1000,
                max_ms=latency["max"] / 1000,
            )
    raise RuntimeError(f"wrk gave no result (exit {completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
