"""``${var}`` templates and media URIs.

Templates are plain strings where ``${name}`` is replaced by the call variable
``name`` (empty string when unset). Nothing else is interpreted, so a value
coming from the caller or a business system can never inject a placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Final
from urllib.parse import quote

VARIABLE_RE: Final = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
VARIABLE_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Always present in a session; the first three are set by the call itself.
BUILTIN_VARIABLES: Final = frozenset({"call_id", "caller_id", "dialed_number", "language"})
READ_ONLY_VARIABLES: Final = frozenset({"call_id", "caller_id", "dialed_number"})

# Variable values are capped so a flow that appends to a variable in a
# caller-driven loop cannot grow session memory without bound.
MAX_VARIABLE_CHARS: Final = 2048

MEDIA_SCHEMES: Final = ("sound", "prompt", "digits", "number")
_MEDIA_NAME_RE: Final = re.compile(r"[A-Za-z0-9_./-]+")
_EXPANDED_CHECKS: Final[Mapping[str, re.Pattern[str]]] = {
    "sound": re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_./-]*"),
    "prompt": re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_./-]*"),
    "digits": re.compile(r"[0-9*#]+"),
    "number": re.compile(r"-?[0-9]+"),
}


def variables_in(template: str) -> set[str]:
    return set(VARIABLE_RE.findall(template))


def has_variables(template: str) -> bool:
    return VARIABLE_RE.search(template) is not None


def expand(
    template: str,
    variables: Mapping[str, str],
    escape: Callable[[str], str] | None = None,
) -> str:
    """Replace each ``${name}``; ``escape`` is applied to substituted values only."""

    def substitute(match: re.Match[str]) -> str:
        value = variables.get(match.group(1), "")
        return escape(value) if escape is not None else value

    return VARIABLE_RE.sub(substitute, template)


def expand_url(template: str, variables: Mapping[str, str]) -> str:
    # Values are percent-encoded so a variable cannot add path segments,
    # query parameters or change the host of the business-system URL.
    return expand(template, variables, escape=lambda value: quote(value, safe=""))


def cap_value(value: str) -> str:
    return value[:MAX_VARIABLE_CHARS]


def media_problem(item: str) -> str | None:
    """Why a configured media item is malformed, or None when it is fine."""
    scheme, sep, name = item.partition(":")
    if not sep or scheme not in MEDIA_SCHEMES:
        return f"media {item!r} must start with one of {', '.join(MEDIA_SCHEMES)}:"
    if not name:
        return f"media {item!r} has an empty name"
    if has_variables(name):
        return None
    if not _EXPANDED_CHECKS[scheme].fullmatch(name):
        return f"media {item!r} has an invalid {scheme} value"
    return None


def static_media_name(item: str) -> tuple[str, str] | None:
    """(scheme, name) of an item without placeholders, for catalogue checks."""
    scheme, _, name = item.partition(":")
    if has_variables(name):
        return None
    return scheme, name


def expand_media(items: Iterable[str], variables: Mapping[str, str]) -> tuple[str, ...]:
    """Expand placeholders and drop items whose expanded value is unusable.

    Dropping (rather than failing the call) keeps the caller in the flow when,
    e.g., a lookup returned a non-numeric balance for a ``number:`` item.
    """
    expanded: list[str] = []
    for item in items:
        scheme, _, name = item.partition(":")
        value = expand(name, variables)
        check = _EXPANDED_CHECKS.get(scheme)
        if check is not None and check.fullmatch(value) and ".." not in value:
            expanded.append(f"{scheme}:{value}")
    return tuple(expanded)
