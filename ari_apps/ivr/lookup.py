"""Pure interpretation of an HTTP lookup answer (the adapter did the I/O)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from ari_apps.ivr.events import HttpLookupCompleted
from ari_apps.ivr.templates import cap_value

# Larger answers are refused rather than parsed: a business system that
# returns megabytes for a balance lookup is misconfigured.
MAX_BODY_CHARS: Final = 256_000


class LookupFailed(Exception):
    """The answer cannot be used; ``reason`` goes to the call timeline."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def extract_assignments(event: HttpLookupCompleted, assign: Mapping[str, str]) -> dict[str, str]:
    """Variable values for ``assign`` (variable -> dotted path), or LookupFailed."""
    if event.error:
        raise LookupFailed(f"error: {event.error}"[:120])
    if event.status is None or not 200 <= event.status <= 299:
        raise LookupFailed(f"status {event.status}")
    if not assign:
        return {}
    if event.body is None or len(event.body) > MAX_BODY_CHARS:
        raise LookupFailed("missing or oversized body")
    try:
        document = json.loads(event.body)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        raise LookupFailed("bad json") from None
    return {name: _scalar_at(document, path) for name, path in assign.items()}


def _scalar_at(document: Any, path: str) -> str:
    current = document
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            raise LookupFailed(f"missing field {path}"[:120])
    if current is None:
        raise LookupFailed(f"missing field {path}"[:120])
    if isinstance(current, bool):
        return "true" if current else "false"
    if isinstance(current, str | int | float):
        return cap_value(str(current))
    raise LookupFailed(f"field {path} is not a scalar"[:120])
