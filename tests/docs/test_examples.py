"""The examples of README.md and docs/*.md run as written, in order, against a served demo.

Fenced blocks are told apart by their info string:

- ``sh``: an example to run. A page's ``sh`` blocks run in order in one fresh
  ``bash`` (``set -euo pipefail``), as a reader following the page in a new shell at
  the repository's root beside a running ``make demo``; every block must succeed.
- ``text output``, right after an ``sh`` block: what that block prints. Each of its lines
  must appear in the block's output (stdout and stderr), in that order; ``…`` in a line
  stands for any text (IDs, dates, figures that vary from demo to demo). This is how an
  example whose point is a change (late usage regenerating a report, a replayed retry)
  is held to show that change.
- ``console``: a command shown but never run here, because it serves or watches forever
  (``make demo``, ``serve``, the dashboard in its own shell), needs Docker or another
  database, or runs the test suite itself.
- anything else (``text``, ``csv``, ``json``, ``python``, ``graphql``): not a command.
  A bare fence, ``bash`` or ``shell`` is refused, so no block is left unclassified.

The demo is prepared as ``make demo`` prepares it, in a temporary directory that plays
the checkout (a copy of ``examples/``, ``.venv`` a link to this interpreter's
environment): ``billing-reports migrate``, ``billing-reports demo --json > demo.json``,
then ``billing-reports serve`` on a free port in the background, with the console and its
picker of ``demo.json``'s organizations (docs/console.md); the pages get that port
as ``PORT`` (the examples' ``$API`` is ``http://127.0.0.1:${PORT:-8000}``), so a
developer's own ``make demo`` on 8000 and files are never touched. The pages run in the
README's order — README.md, then the docs/ pages in the order of its "Read on" table —
on the one demo, so a page may rely on what the pages before it did (each page uses its
own partners, so that it also works on a fresh demo). Afterwards the directory must hold
nothing new: examples keep their scratch data in shell variables (or ``mktemp``), not in
files of the reader's checkout.

Database: SQLite (the command line's default file in that directory). With
``TEST_DATABASE_URL`` (PostgreSQL) the same examples run on a fresh PostgreSQL database
named from it (created by ``migrate``, dropped afterwards), given to the server and the
pages as ``DATABASE_URL``. About 25 s on either.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES, drop_postgres_database, fresh_database_url

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
RUN, OUTPUT, SHOWN = "sh", "text output", "console"
NOT_SHELL = {"text", "csv", "json", "python", "graphql"}
FENCE = re.compile(r"^```(.*)$")
PAGE_TIMEOUT = 120


@dataclass
class Block:
    info: str
    text: str
    line: int  # where the fence opens, 1-based
    expected: list[str] | None = None  # the ``text output`` block that follows, if any


def blocks_of(page: Path) -> list[Block]:
    blocks: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        start, body = i, []
        i += 1
        while not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        blocks.append(Block(opening.group(1).strip(), "\n".join(body), start + 1))
    return blocks


def examples_of(page: Path) -> list[Block]:
    """The page's ``sh`` blocks, each with the ``text output`` block that follows it."""
    runnable: list[Block] = []
    for block in blocks_of(page):
        if block.info == OUTPUT:
            assert runnable and runnable[-1].expected is None, (
                f"{page.name}:{block.line}: a `text output` block must follow an `sh` block"
            )
            runnable[-1].expected = [line for line in block.text.splitlines() if line.strip()]
        elif block.info == RUN:
            runnable.append(block)
    return runnable


def pages_in_order() -> list[Path]:
    """README.md, then the docs/ pages in the order its "Read on" table links them."""
    linked = re.findall(r"^\| \[docs/([\w-]+\.md)\]", README.read_text(encoding="utf-8"), re.MULTILINE)
    return [README, *(REPO / "docs" / name for name in linked)]


def test_every_page_of_docs_is_linked_from_the_readme() -> None:
    assert sorted(p.name for p in pages_in_order()[1:]) == sorted(p.name for p in (REPO / "docs").glob("*.md"))


@pytest.mark.parametrize("page", [README, *sorted((REPO / "docs").glob("*.md"))], ids=lambda p: p.name)
def test_every_block_says_whether_it_runs(page: Path) -> None:
    allowed = {RUN, OUTPUT, SHOWN, *NOT_SHELL}
    wrong = [f"{page.name}:{b.line}: ```{b.info}" for b in blocks_of(page) if b.info not in allowed]
    assert not wrong, f"info strings must be one of {sorted(allowed)}: {wrong}"
    examples_of(page)  # `text output` blocks follow `sh` blocks


def test_the_dashboard_page_shows_the_example_dashboard_as_it_is() -> None:
    shown = [b.text for b in blocks_of(REPO / "docs" / "dashboards.md") if b.info == "python"]
    assert (REPO / "examples" / "dashboard.py").read_text(encoding="utf-8").rstrip("\n") in shown


# --- the served demo ---------------------------------------------------------------------


@dataclass
class Demo:
    workdir: Path
    env: dict[str, str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        if server.poll() is not None:
            pytest.fail(f"billing-reports serve exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"billing-reports serve did not answer within 30 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    venv = Path(sys.prefix)
    if not (venv / "bin" / "activate").exists() or not (venv / "bin" / "billing-reports").exists():
        pytest.skip(f"needs the project installed in a virtual environment (make install-test), not {venv}")
    workdir = tmp_path_factory.mktemp("checkout")
    shutil.copytree(REPO / "examples", workdir / "examples")
    (workdir / ".venv").symlink_to(venv)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "VIRTUAL_ENV", "PORT"}}
    env["PORT"] = str(port)
    env.update(BILLING_REPORTS_CONSOLE="1", BILLING_REPORTS_CONSOLE_DEMO="demo.json")  # as make demo serves
    database = fresh_database_url() if ON_POSTGRES else None
    if database:
        env["DATABASE_URL"] = database
    command = str(venv / "bin" / "billing-reports")
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    server = None
    try:
        subprocess.run([command, "migrate"], cwd=workdir, env=env, check=True, capture_output=True, timeout=120)
        with open(workdir / "demo.json", "wb") as out:
            subprocess.run(
                [command, "demo", "--json"],
                cwd=workdir,
                env=env,
                check=True,
                stdout=out,
                stderr=subprocess.PIPE,
                timeout=120,
            )
        with open(log, "wb") as out:
            server = subprocess.Popen(
                [command, "serve", "--port", str(port)], cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_until_serving(port, server, log)
        yield Demo(workdir, env)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if database:
            asyncio.run(drop_postgres_database(database))


def marker(index: int) -> str:
    return f"@@ example {index} @@"


def matches(expected: list[str], output: list[str]) -> str | None:
    """None if each expected line appears in ``output`` in order (``…``: any text), else the first missing."""
    lines = iter(output)
    for wanted in expected:
        pattern = re.compile(".*".join(re.escape(part) for part in wanted.split("…")))
        if not any(pattern.search(line) for line in lines):
            return wanted
    return None


@pytest.mark.parametrize("page", pages_in_order(), ids=lambda p: str(p.relative_to(REPO)))
def test_the_examples_run_as_written(page: Path, demo: Demo) -> None:
    examples = examples_of(page)
    script = ["set -euo pipefail"]
    for i, block in enumerate(examples):
        script += [f"printf '\\n%s\\n' '{marker(i)}'", block.text]
    script.append(f"printf '\\n%s\\n' '{marker(len(examples))}'")
    try:
        done = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            cwd=demo.workdir,
            env=demo.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=PAGE_TIMEOUT,
        )
        output, returncode = done.stdout, done.returncode
    except subprocess.TimeoutExpired as timeout:
        output = (timeout.output or b"").decode() if isinstance(timeout.output, bytes) else timeout.output or ""
        returncode = None

    parts = re.split(r"\n@@ example (\d+) @@\n", "\n" + output)
    outputs = dict(zip((int(n) for n in parts[1::2]), parts[2::2], strict=True))
    reached = max(outputs, default=-1)
    if returncode != 0 or reached != len(examples):
        failed = examples[min(reached, len(examples) - 1)] if examples else None
        where = f"the block at {page.name}:{failed.line}" if failed else page.name
        ended = "timed out" if returncode is None else f"exited {returncode}"
        pytest.fail(
            f"{where} {ended}:\n{failed.text if failed else ''}\n--- its output ---\n"
            f"{outputs.get(reached, output)[-4000:]}"
        )
    for i, block in enumerate(examples):
        if block.expected is not None:
            missing = matches(block.expected, outputs[i].splitlines())
            assert missing is None, (
                f"{page.name}:{block.line}: the output lacks\n  {missing}\n"
                f"--- the block ---\n{block.text}\n--- its output ---\n{outputs[i][-4000:]}"
            )


def test_the_examples_leave_no_files_behind(demo: Demo) -> None:
    """Run after the pages: a reader's checkout holds nothing new but what ``make demo`` wrote."""
    left = {p.name for p in demo.workdir.iterdir()} - {".venv", "examples", "demo.json"}
    assert {name for name in left if not name.startswith("billing_reports.sqlite3")} == set()


def test_an_expected_line_matches_with_wildcards_and_in_order() -> None:
    output = ['{"data":{"report":{"id":"UmVwb3J0OjE=","version":3}}}', "2 report(s) created"]

    assert matches(['{"data":{"report":{"id":"…","version":3}}}', "report(s) created"], output) is None
    assert (
        matches(['{"data":{"report":{"id":"…","version":4}}}'], output) == '{"data":{"report":{"id":"…","version":4}}}'
    )
    assert matches(["report(s) created", '"version":3'], output) == '"version":3'
