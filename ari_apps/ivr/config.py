"""Typed reading of one node's raw JSON config.

Every accessor records the key as known, so ``reject_unknown_keys`` can turn
typos such as ``tiemout_s`` into errors instead of silently using defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

from ari_apps.ivr.exceptions import FlowDefinitionError
from ari_apps.ivr.templates import VARIABLE_NAME_RE, media_problem

MAX_NODE_ID_CHARS = 64


class ConfigReader:
    def __init__(self, node_id: str, raw: Any, common_keys: Iterable[str] = ()) -> None:
        self.node_id = node_id
        if not isinstance(raw, dict):
            self.fail("node config must be a JSON object")
        self.raw: dict[str, Any] = raw
        self._known: set[str] = set(common_keys)

    def fail(self, reason: str, code: str = "invalid_config") -> NoReturn:
        raise FlowDefinitionError(self.node_id, code, reason)

    def kind(self) -> str:
        kind = self.raw.get("kind")
        if not isinstance(kind, str) or not kind:
            self.fail("missing 'kind'", code="unknown_kind")
        return kind

    def value(self, key: str) -> Any:
        """The raw value of ``key`` (None when absent), marked as a known key."""
        self._known.add(key)
        return self.raw.get(key)

    def text(self, key: str) -> str:
        value = self.value(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"'{key}' must be a non-empty string")
        return value

    def optional_text(self, key: str) -> str | None:
        if self.raw.get(key) is None:
            self._known.add(key)
            return None
        return self.text(key)

    def node_ref(self, key: str) -> str:
        target = self.text(key)
        if len(target) > MAX_NODE_ID_CHARS:
            self.fail(f"'{key}' is not a valid node id")
        return target

    def optional_node_ref(self, key: str) -> str | None:
        if self.raw.get(key) is None:
            self._known.add(key)
            return None
        return self.node_ref(key)

    def integer(self, key: str, default: int, minimum: int, maximum: int) -> int:
        value = self.value(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"'{key}' must be an integer")
        if not minimum <= value <= maximum:
            self.fail(f"'{key}' must be between {minimum} and {maximum}")
        return value

    def seconds(self, key: str, default: float, minimum: float, maximum: float) -> float:
        value = self.value(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"'{key}' must be a number of seconds")
        if not minimum <= value <= maximum:
            self.fail(f"'{key}' must be between {minimum} and {maximum} seconds")
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.value(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(f"'{key}' must be true or false")
        return value

    def media(self, key: str, required: bool = False) -> tuple[str, ...]:
        value = self.value(key)
        if value is None:
            value = []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(f"'{key}' must be a list of media URIs")
        if required and not value:
            self.fail(f"'{key}' must name at least one media URI")
        for item in value:
            problem = media_problem(item)
            if problem is not None:
                self.fail(f"'{key}': {problem}")
        return tuple(value)

    def mapping(self, key: str, required: bool = False) -> dict[str, Any]:
        value = self.value(key)
        if value is None and not required:
            return {}
        if not isinstance(value, dict) or (required and not value):
            self.fail(f"'{key}' must be a non-empty JSON object")
        return value

    def variable_name(self, name: Any, where: str) -> str:
        if not isinstance(name, str) or not VARIABLE_NAME_RE.fullmatch(name):
            self.fail(f"{where}: {name!r} is not a valid variable name")
        return name

    def reject_unknown_keys(self) -> None:
        unknown = sorted(set(self.raw) - self._known)
        if unknown:
            self.fail(f"unknown field(s): {', '.join(unknown)}")
