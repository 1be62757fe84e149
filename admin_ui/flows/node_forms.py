"""Node kinds as HTML forms: which fields each kind shows, and form <-> node JSON.

Pure: no I/O.  The engine's parser stays the judge of what is valid; these
forms only turn what the user typed into the node's JSON, keeping odd input
(``"abc"`` for a number) as typed so validation can name the node and field
instead of the form silently dropping it.  Only text that cannot become JSON
at all (a broken JSON object field) is refused here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ari_apps.ivr.registry import NODE_KINDS
from ari_apps.ivr.validation import NODE_ID_RE as VALID_NODE_ID

# Field types: text, choice, media (one URI per line), edge (select of node
# ids), int, number, priority (int or ${var} template), bool, json (object),
# digit_edges (one edge select per DTMF digit), keep_text (blank is kept: "").


@dataclass(frozen=True, slots=True)
class NodeField:
    name: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()


def _f(name: str, type_: str, required: bool = False, *choices: str) -> NodeField:
    return NodeField(name, type_, required, choices)


_LABEL = _f("label", "text")

KIND_FIELDS: Final[dict[str, tuple[NodeField, ...]]] = {
    "play": (_f("media", "media", True), _f("next", "edge", True), _f("interruptible", "bool")),
    "goto": (_f("target", "edge", True),),
    "set_variable": (_f("set", "json", True), _f("next", "edge", True)),
    "hangup": (_f("media", "media"), _f("reason", "text")),
    "transfer": (
        _f("target", "text", True),
        _f("target_kind", "choice", False, "extension", "external"),
        _f("on_failure", "edge"),
    ),
    "menu": (
        _f("prompt", "media", True),
        _f("options", "digit_edges", True),
        _f("timeout_s", "number"),
        _f("max_attempts", "int"),
        _f("invalid_prompt", "media"),
        _f("timeout_prompt", "media"),
        _f("on_exhausted", "edge"),
        _f("on_invalid", "edge"),
        _f("on_timeout", "edge"),
    ),
    "collect": (
        _f("variable", "text", True),
        _f("prompt", "media", True),
        _f("next", "edge", True),
        _f("retry_prompt", "media"),
        _f("min_length", "int"),
        _f("max_length", "int"),
        _f("terminator", "keep_text"),
        _f("pattern", "text"),
        _f("first_digit_timeout_s", "number"),
        _f("inter_digit_timeout_s", "number"),
        _f("max_attempts", "int"),
        _f("on_invalid", "edge"),
        _f("sensitive", "bool"),
    ),
    "fax_on_demand": (
        _f("mode", "choice", False, "ask", "same_call", "fax_back"),
        _f("document_prompt", "media"),
        _f("choice_prompt", "media"),
        _f("start_prompt", "media"),
        _f("number_prompt", "media"),
        _f("queued_prompt", "media"),
        _f("invalid_prompt", "media"),
        _f("refused_prompt", "media"),
        _f("limit_prompt", "media"),
        _f("timeout_s", "number"),
        _f("inter_digit_timeout_s", "number"),
        _f("max_attempts", "int"),
        _f("next", "edge"),
        _f("on_invalid", "edge"),
        _f("on_failure", "edge"),
    ),
    "voicemail": (
        _f("box", "text", True),
        _f("greeting", "choice", False, "unavailable", "busy"),
        _f("max_length_s", "int"),
        _f("silence_s", "int"),
        _f("operator", "edge"),
        _f("operator_extension", "text"),
        _f("next", "edge", True),
        _f("on_no_message", "edge"),
        _f("on_failure", "edge"),
    ),
    "voicemail_access": (
        _f("next", "edge", True),
        _f("on_failure", "edge"),
    ),
    "queue": (
        _f("queue", "text", True),
        _f("priority", "priority"),
        _f("max_wait_s", "int"),
        _f("options", "json"),
        _f("on_overflow", "edge"),
        _f("on_timeout", "edge"),
        _f("callback", "bool"),
    ),
    "http_lookup": (
        _f("url", "text", True),
        _f("method", "choice", False, "GET", "POST"),
        _f("body", "json"),
        _f("assign", "json"),
        _f("timeout_s", "number"),
        _f("next", "edge", True),
        _f("on_failure", "edge", True),
    ),
    # The knowledge base's spoken answer (ari_apps/knowledge/nodes.py).
    "faq": (
        _f("article", "text", True),
        _f("next", "edge", True),
        _f("on_missing", "edge", True),
    ),
    # The case status line (ari_apps/cases/nodes.py).
    "case_status": (
        _f("number", "text"),
        _f("branches", "json"),
        _f("next", "edge", True),
        _f("on_not_found", "edge", True),
    ),
    "time_condition": (
        _f("timezone", "text", True),
        _f("hours", "json", True),
        _f("holidays", "json"),
        _f("open", "edge", True),
        _f("closed", "edge", True),
        _f("holiday", "edge"),
    ),
}

# The menu shows one select per key a phone has (A-D are rare; shown last).
MENU_DIGITS: Final = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#")
_DIGIT_NAMES: Final = {"*": "star", "#": "hash"}
# One rule for node ids, the engine's (ids become form paths: see validation.py).
NODE_ID_RE: Final = VALID_NODE_ID


def digit_field_name(digit: str) -> str:
    return "option_" + _DIGIT_NAMES.get(digit, digit)


def fields_for(kind: str) -> tuple[NodeField, ...]:
    """The form fields of ``kind``; a kind without a form gets one JSON field."""
    specific = KIND_FIELDS.get(kind, (_f("config", "json"),))
    return (_LABEL, *specific)


def registered_kinds() -> list[str]:
    return sorted(NODE_KINDS)


def node_values(raw: Any) -> dict[str, Any]:
    """What each field of the node's form shows, from the node's JSON."""
    node: dict[str, Any] = raw if isinstance(raw, dict) else {}
    kind = str(node.get("kind", ""))
    values: dict[str, Any] = {}
    for field in fields_for(kind):
        if field.name == "config" and kind not in KIND_FIELDS:
            rest = {key: value for key, value in node.items() if key != "kind"}
            values["config"] = json.dumps(rest, indent=2, ensure_ascii=False)
            continue
        value = node.get(field.name)
        if field.type == "digit_edges":
            options = value if isinstance(value, dict) else {}
            values[field.name] = {str(digit): str(target) for digit, target in options.items()}
        elif field.type == "bool":
            values[field.name] = value is True
        elif field.type == "keep_text":
            values[field.name] = "#" if field.name not in node else (value or "")
        elif value is None:
            values[field.name] = ""
        elif field.type == "media":
            items = value if isinstance(value, list) else [value]
            values[field.name] = "\n".join(str(item) for item in items)
        elif field.type == "json" or not isinstance(value, str | int | float):
            values[field.name] = json.dumps(value, indent=2, ensure_ascii=False)
        else:
            values[field.name] = str(value)
    return values


def form_values(kind: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The same shape as ``node_values``, straight from a submitted form."""
    values: dict[str, Any] = {}
    for field in fields_for(kind):
        if field.type == "digit_edges":
            values[field.name] = {
                digit: form.get(digit_field_name(digit), "")
                for digit in MENU_DIGITS
                if form.get(digit_field_name(digit), "")
            }
        elif field.type == "bool":
            values[field.name] = form.get(field.name, "") in ("on", "true", "1")
        else:
            values[field.name] = form.get(field.name, "")
    return values


def _number(text: str, integer_only: bool) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        pass
    if not integer_only:
        try:
            return float(text)
        except ValueError:
            pass
    return text  # kept as typed; validation names the field


def apply_values(
    raw: Any, kind: str, values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The node JSON after the form's values, and per-field errors (if any).

    Keys the form does not show (``ui``, ``description``) survive the edit.
    """
    node: dict[str, Any] = dict(raw) if isinstance(raw, dict) else {}
    node["kind"] = kind
    errors: dict[str, str] = {}
    if kind not in KIND_FIELDS:
        text = str(values.get("config", "")).strip() or "{}"
        try:
            config = json.loads(text)
        except ValueError as error:
            return node, {"config": f"not valid JSON: {error}"}
        if not isinstance(config, dict):
            return node, {"config": "must be a JSON object"}
        label = str(values.get("label", "")).strip()
        node = {"kind": kind, **config}
        if label:
            node["label"] = label
        return node, errors
    for field in fields_for(kind):
        value = values.get(field.name)
        converted: Any
        if field.type == "digit_edges":
            converted = dict(value) if isinstance(value, dict) and value else None
        elif field.type == "bool":
            converted = True if value else None
        elif field.type == "keep_text":
            converted = str(value or "")
        else:
            text = str(value or "").strip()
            if not text:
                converted = None
            elif field.type == "media":
                converted = [line.strip() for line in text.splitlines() if line.strip()]
            elif field.type in ("int", "number"):
                converted = _number(text, integer_only=field.type == "int")
            elif field.type == "priority":
                converted = _number(text, integer_only=True)
            elif field.type == "json":
                try:
                    converted = json.loads(text)
                except ValueError as error:
                    errors[field.name] = f"not valid JSON: {error}"
                    continue
            else:
                converted = text
        if converted is None:
            node.pop(field.name, None)
        else:
            node[field.name] = converted
    return node, errors
