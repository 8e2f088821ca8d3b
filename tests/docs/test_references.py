"""Every reference in the code and the docs points to something that exists.

- Links of the Markdown pages (``[text](path#anchor)``) name existing files, and an anchor
  into a Markdown page names one of its headings (GitHub's rule for heading anchors).
- Paths named in code and docs (``docs/contract.md``, ``bench/README.md``,
  ``workflow/usage/csv_format.py``, ...) exist.
- "docs/contract.md §N" names a section of the contract; nothing cites the product
  specification or the engineering guide, which are not in the repository, by their
  own names.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SKIP = {".venv", ".git", "build", "dist", ".pytest_cache", ".hypothesis", "node_modules"}
TOP = ("docs", "workflow", "schema", "resolvers", "server", "console", "models", "tests", "bench", "examples")


def files(*suffixes: str) -> list[Path]:
    found = []
    for root, dirs, names in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in SKIP and not d.endswith(".egg-info")]
        found += [Path(root, n) for n in names if Path(n).suffix in suffixes]
    return sorted(found)


def slug(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {slug(m) for m in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}


def exists(relative: str) -> bool:
    return (REPO / relative).exists()


MARKDOWN = files(".md")
SOURCES = [*files(".md", ".py", ".toml", ".sh"), REPO / "Makefile", REPO / "Dockerfile"]


def name(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_the_links_of_the_pages_lead_somewhere() -> None:
    broken = []
    for page in MARKDOWN:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            if not exists(name(resolved)):
                broken.append(f"{name(page)}: {target}: no such file")
            elif anchor and resolved.suffix == ".md" and resolved.exists() and anchor not in anchors(resolved):
                broken.append(f"{name(page)}: {target}: no such heading")
    assert not broken, broken


def test_the_paths_named_in_code_and_docs_exist() -> None:
    path = re.compile(rf"(?<![\w/.-])((?:{'|'.join(TOP)})/[\w/.-]*\w\.(?:md|py|sh|csv))\b")
    missing = sorted(
        {
            f"{name(source)}: {p}"
            for source in SOURCES
            for p in path.findall(source.read_text(encoding="utf-8"))
            if not exists(p)
        }
    )
    assert not missing, missing


def test_the_contract_is_cited_by_its_file_and_existing_sections() -> None:
    contract = (REPO / "docs" / "contract.md").read_text(encoding="utf-8")
    sections = {int(n) for n in re.findall(r"^## (\d+)\. ", contract, re.MULTILINE)}
    assert sections == set(range(1, 15))
    wrong, unknown = [], []
    for source in SOURCES:
        text = source.read_text(encoding="utf-8")
        cited = {
            int(n) for ref in re.findall(r"contract\.md((?:[ ,–]|§\d+|and)*)", text) for n in re.findall(r"§(\d+)", ref)
        }
        unknown += [f"{name(source)}: §{n}" for n in sorted(cited - sections)]
        if source.resolve() != Path(__file__).resolve():
            wrong += [
                f"{name(source)}: {line.strip()}"
                for line in text.splitlines()
                if re.search(r"\b(?:SPEC|ENGINEERING)\b", line)
            ]
    assert not unknown, unknown
    assert not wrong, f"cite docs/contract.md (or the page that says it), not files outside the repository: {wrong}"
