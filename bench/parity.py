"""Both endpoints must answer the same JSON before either is timed.

A throughput ratio means nothing if the two sides do different work, so the bench
compares the parsed responses and stops with a readable diff on the first difference.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

import httpx


class ParityError(AssertionError):
    pass


def post(url: str, body: bytes, token: str) -> Any:
    return json.loads(post_raw(url, body, token))


def post_raw(url: str, body: bytes, token: str) -> bytes:
    """The answer's body as sent (HTTP 200 only)."""
    response = httpx.post(
        url,
        content=body,
        timeout=10.0,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    if response.status_code != 200:
        raise ParityError(f"{url} answered HTTP {response.status_code}:\n{response.text[:2000]}")
    return response.content


def check_same_bytes(label: str, baseline: bytes, service: bytes) -> None:
    """Raise ``ParityError`` unless the two bodies are the same JSON written with the same bytes.

    The JSON is compared first (a readable diff), then the bytes: key order and number
    or string formatting the parsed values do not show.
    """
    check_same(label, json.loads(baseline), json.loads(service))
    if baseline != service:
        at = next((n for n, (a, b) in enumerate(zip(baseline, service, strict=False)) if a != b), None)
        at = min(len(baseline), len(service)) if at is None else at
        raise ParityError(
            f"{label}: the same JSON, but not the same bytes (first difference at byte {at}):\n"
            f"  baseline: …{baseline[max(0, at - 60) : at + 60]!r}…\n"
            f"  service:  …{service[max(0, at - 60) : at + 60]!r}…"
        )


def differences(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Every place where ``actual`` differs from ``expected``, as ``path: expected != actual``."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in expected.keys() | actual.keys():
            if key not in actual:
                found.append(f"{path}.{key}: missing (expected {_short(expected[key])})")
            elif key not in expected:
                found.append(f"{path}.{key}: unexpected {_short(actual[key])}")
            else:
                found.extend(differences(expected[key], actual[key], f"{path}.{key}"))
        return sorted(found)
    if isinstance(expected, list) and isinstance(actual, list):
        found = [f"{path}: {len(expected)} items != {len(actual)} items"] if len(expected) != len(actual) else []
        for index, (e, a) in enumerate(zip(expected, actual, strict=False)):
            found.extend(differences(e, a, f"{path}[{index}]"))
        return found
    # bool is an int in Python: 1 and true must still differ.
    if type(expected) is not type(actual) or expected != actual:
        return [f"{path}: {_short(expected)} != {_short(actual)}"]
    return []


def check_same(label: str, baseline: Any, service: Any, max_lines: int = 40) -> None:
    """Raise ``ParityError`` with the differing paths and a unified diff, if any."""
    found = differences(baseline, service)
    if not found:
        return
    shown = "\n".join(f"  {d}" for d in found[:max_lines])
    more = f"\n  … and {len(found) - max_lines} more" if len(found) > max_lines else ""
    diff = "\n".join(
        list(difflib.unified_diff(_pretty(baseline), _pretty(service), "baseline", "service", lineterm="", n=2))[
            : max_lines * 2
        ]
    )
    raise ParityError(
        f"{label}: the service's JSON differs from the baseline's "
        f"({len(found)} difference(s); left = baseline, right = service)\n{shown}{more}\n\n{diff}"
    )


def _pretty(document: Any) -> list[str]:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."
