"""Findings of the checks of telecom staff's Asterisk config, and what both checks share.

Pure.  A finding names a line and a stable ``code``; the admin UI turns the
code into a sentence in the user's language (``dialplan.error.<code>`` in
``admin_ui/i18n/dialplan.*.json``), the applier and the audit log keep the
code.  ``ERROR_CODES`` lists every code so a unit test can hold the
catalogues to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_NAME = 79  # Asterisk keeps category names in an 80-byte buffer.

ERROR_CODES = frozenset(
    {
        # The file as Asterisk's config parser reads it (config_lexer).
        "control_character",
        "line_too_long",
        "stray_comment_end",
        "unterminated_comment",
        "comment_nesting",
        # Sections, directives and lines (both documents).
        "include_forbidden",
        "unknown_directive",
        "bad_header",
        "bad_name",
        "name_too_long",
        "unknown_template",
        "unknown_line",
        "outside_section",
        "duplicate_section",
        # The dialplan.
        "hotline_context",
        "reserved_section",
        "unknown_key",
        "bad_pattern",
        "bad_extension",
        "bad_priority",
        "first_priority_not_1",
        "priority_not_increasing",
        "same_without_exten",
        "incomplete_exten",
        "bad_application",
        "unbalanced",
        "bad_hint",
        "bad_include",
        "application_not_allowed",
        "function_not_allowed",
        "dynamic_name",
        "expression_injection",
        "hotline_variable",
        "bad_set",
        "internal_context",
        "dynamic_target",
        "dial_target",
        "dial_option",
        "stasis_target",
        "sound_path",
        # SIP trunks.
        "hotline_section",
        "transport_forbidden",
        "bad_type",
        "empty_value",
        "missing_type",
        "option_not_allowed",
        "bad_value",
    }
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+@-]*$")
# "[name]" or "[name](options)" and nothing else: Asterisk takes the name up
# to the first "]" and ignores whatever follows it unless it is "(" at once.
_HEADER = re.compile(r"^\[([^\]]*)\](?:\(([^)]*)\))?$")
_FORBIDDEN_DIRECTIVES = ("#include", "#tryinclude", "#exec")


@dataclass(frozen=True)
class CheckError:
    """One finding.  ``code`` picks the translated message; ``detail`` fills it."""

    line: int
    code: str
    detail: str = ""

    def __post_init__(self) -> None:
        if self.code not in ERROR_CODES:
            raise ValueError(f"unknown finding code {self.code!r}")

    @property
    def reason(self) -> str:
        return f"line {self.line}: {self.code}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class CheckResult:
    errors: tuple[CheckError, ...]
    # What verification must find live after the reload: contexts for the
    # dialplan, endpoint names for trunks.
    names_to_verify: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def short(text: str, limit: int = 40) -> str:
    """A detail short enough for one line of the findings list."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def name_error(number: int, name: str) -> CheckError | None:
    if not _NAME.match(name):
        return CheckError(number, "bad_name", short(name))
    if len(name) > MAX_NAME:
        return CheckError(number, "name_too_long", name[:20] + "…")
    return None


def directive_error(number: int, line: str) -> CheckError | None:
    """Any ``#`` line: Asterisk runs ``#include``/``#tryinclude``/``#exec``."""
    if not line.startswith("#"):
        return None
    # Asterisk matches the directive name without regard to case.
    if line.lower().startswith(_FORBIDDEN_DIRECTIVES):
        return CheckError(number, "include_forbidden", short(line.split()[0]))
    return CheckError(number, "unknown_directive", short(line.split()[0]))


def header(number: int, line: str) -> tuple[str, tuple[str, ...], list[CheckError]]:
    """Section name, template options and errors of a ``[name](opts)`` line.

    Asterisk does not trim what is between the brackets (``[ a ]`` is the
    section " a ") nor the options (``(!, x)`` names the template " x"), so
    neither do we: such names are refused rather than guessed at.
    """
    match = _HEADER.match(line)
    if match is None:
        return "", (), [CheckError(number, "bad_header", short(line))]
    name = match.group(1)
    options = tuple(match.group(2).split(",")) if match.group(2) is not None else ()
    error = name_error(number, name)
    return name, options, [error] if error else []
