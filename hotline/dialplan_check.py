"""Check of the config telecom staff edit: custom dialplan (here) and SIP trunks.

Pure: text in, findings out; no I/O.  The checker is deliberately stricter
than Asterisk (which logs a warning and carries on), because a silently
dropped line is how a trunk stops routing without anybody noticing.  Asterisk
stays the final authority on what is valid: ``hotline/dialplan_apply.py``
verifies after the reload and rolls back when something the checker accepted
is not live.  The checker is the only authority on what is *allowed*: the
editor must not make its users root on the Asterisk host.

Decisions:
- The file is read as Asterisk reads it (``hotline/config_lexer.py``), so
  comments cannot hide a line from the checker.
- Hotline's contexts (``from-pstn``, ``to-pstn``, every ``hotline-*`` and
  the rest of ``asterisk/config/extensions.conf``) cannot be defined, added
  to (``[ctx](+)``) or copied (``[mine](ctx)``) here.  Trunks are wired into
  ``to-pstn-custom``, which Hotline's ``to-pstn`` includes ahead of its "no
  route" congestion.
- ``#include``/``#tryinclude``/``#exec`` are refused: a custom file must not
  make Asterisk read (or run) anything else on the box.
- Applications and functions come from allow-lists
  (``hotline/dialplan_allow.py``), with their arguments checked
  (``hotline/dialplan_apps.py``) and every ``${...}``/``$[...]`` checked for
  names decided at run time and for values that could become a function call
  (``hotline/dialplan_subst.py``).
- Extension patterns, ``include`` and ``ignorepat`` are substituted by
  Asterisk when it loads the file (functions run then too), so they hold no
  ``$`` at all.
- Templates (``[name](!)``) are valid syntax and accepted.  Asterisk never
  makes a template live, so a dialplan template fails verification.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from hotline.config_findings import (
    CheckError,
    CheckResult,
    directive_error,
    header,
    name_error,
    short,
)
from hotline.config_lexer import logical_lines
from hotline.dialplan_allow import TRUNK_HOOK_CONTEXT, is_hotline_context, is_internal_context
from hotline.dialplan_apps import application_problems, assigned_variable
from hotline.dialplan_subst import safe_variables, variable_key
from hotline.trunk_check import check_trunks

__all__ = [
    "TRUNK_HOOK_CONTEXT",
    "CheckError",
    "CheckResult",
    "balance_error",
    "check_dialplan",
    "check_trunks",
    "mask_secrets",
    "unified_diff",
]

DEFAULT_STASIS_APP = "hotline"  # HOTLINE_ARI_APP's default
RESERVED_SECTIONS = frozenset({"general", "globals"})

_KEY_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)\s*=>?\s*(.*)$")
_APP = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\s*(\(.*\))?\s*$", re.DOTALL)
_PRIORITY = re.compile(r"^(hint|\d+|n)(?:\(([A-Za-z0-9_-]+)\))?$")
_LITERAL_EXTEN = re.compile(r"^[A-Za-z0-9*#+-][A-Za-z0-9*#+_-]*$")
_PATTERN_BODY = re.compile(r"^(?:[XZNxzn0-9*#+.!-]|\[[0-9*#A-Za-z-]+\])+$")
_HINT = re.compile(r"^[A-Za-z0-9_:/@.&+,=-]+$")
_INCLUDE_TIMES = re.compile(r"^[A-Za-z0-9*:|,_-]*$")
_SECRET_LINE = re.compile(
    r"^([ \t]*(?:password|secret|md5_cred|auth_password)[ \t]*=>?[ \t]*)\S.*?(\s*)$",
    re.IGNORECASE | re.DOTALL,
)
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def balance_error(text: str) -> str | None:
    """Why the brackets or quotes of an application call do not balance, or None."""
    stack: list[str] = []
    in_quote = False
    escaped = False
    for char in text:
        if escaped:
            escaped = False
            continue
        if char == "\\":
            escaped = True
        elif char == '"':
            in_quote = not in_quote
        elif in_quote:
            continue
        elif char in "([{":
            stack.append(char)
        elif char in _CLOSERS and (not stack or stack.pop() != _CLOSERS[char]):
            return f"unexpected {char}"
    if in_quote:
        return 'unclosed "'
    if stack:
        return f"unclosed {stack[-1]}"
    return None


def _extension_error(number: int, part: str) -> CheckError | None:
    if part.startswith("_"):
        body = part[1:]
        if not body or not _PATTERN_BODY.match(body):
            return CheckError(number, "bad_pattern", short(part))
        return None
    if not _LITERAL_EXTEN.match(part):
        return CheckError(number, "bad_extension", short(part))
    return None


def _pattern_error(number: int, pattern: str) -> CheckError | None:
    # "7000/1234" matches on caller ID too; both halves are substituted at load.
    for part in pattern.split("/", 1):
        error = _extension_error(number, part.strip())
        if error:
            return error
    return None


@dataclass
class _Extension:
    last_priority: int = 0


@dataclass(frozen=True)
class _Call:
    line: int
    application: str
    data: str


@dataclass
class _DialplanState:
    context: str = ""
    extension: str = ""
    extensions: dict[tuple[str, str], _Extension] = field(default_factory=dict)
    contexts: list[str] = field(default_factory=list)
    calls: list[_Call] = field(default_factory=list)


def _check_priority(
    number: int, state: _DialplanState, extension: str, priority: str
) -> list[CheckError]:
    match = _PRIORITY.match(priority)
    if match is None:
        return [CheckError(number, "bad_priority", short(priority))]
    value = match.group(1)
    if value == "hint":
        return []
    entry = state.extensions.setdefault((state.context, extension), _Extension())
    if value == "n":
        if entry.last_priority == 0:
            return [CheckError(number, "first_priority_not_1", priority)]
        entry.last_priority += 1
        return []
    numeric = int(value)
    if entry.last_priority == 0 and numeric != 1:
        return [CheckError(number, "first_priority_not_1", priority)]
    if numeric <= entry.last_priority:
        return [CheckError(number, "priority_not_increasing", priority)]
    entry.last_priority = numeric
    return []


def _check_application(number: int, application: str, state: _DialplanState) -> list[CheckError]:
    problem = balance_error(application)
    if problem:
        return [CheckError(number, "unbalanced", problem)]
    match = _APP.match(application.strip())
    if match is None:
        return [CheckError(number, "bad_application", short(application.strip()))]
    # Asterisk's arguments: from the first "(" to the last ")".
    data = match.group(2)[1:-1] if match.group(2) else ""
    state.calls.append(_Call(number, match.group(1), data))
    return []


def _check_exten(number: int, key: str, value: str, state: _DialplanState) -> list[CheckError]:
    if key == "same":
        if not state.extension:
            return [CheckError(number, "same_without_exten")]
        extension = state.extension
        priority, _, application = value.partition(",")
    else:
        parts = value.split(",", 2)
        if len(parts) < 3:
            return [CheckError(number, "incomplete_exten", short(value))]
        pattern, priority, application = (part.strip() for part in parts)
        pattern_error = _pattern_error(number, pattern)
        if pattern_error:
            return [pattern_error]
        extension = pattern.split("/", 1)[0].strip()
        state.extension = extension
    priority = priority.strip()
    errors = _check_priority(number, state, extension, priority)
    if priority.startswith("hint"):
        # Device states, e.g. PJSIP/1001&Custom:desk; Asterisk substitutes them.
        if not _HINT.match(application.strip()):
            errors.append(CheckError(number, "bad_hint", short(application.strip())))
    else:
        errors += _check_application(number, application, state)
    return errors


def _check_include(number: int, value: str) -> list[CheckError]:
    # "include => context[,times,weekdays,days,months[,timezone]]"
    name, _, times = value.partition(",")
    name = name.strip()
    error = name_error(number, name)
    if error:
        return [error]
    if not _INCLUDE_TIMES.match(times.replace(" ", "")):
        return [CheckError(number, "bad_include", short(value))]
    if is_internal_context(name):
        return [CheckError(number, "internal_context", name)]
    return []


def _check_ignorepat(number: int, value: str) -> list[CheckError]:
    pattern = value.strip()
    if not (_LITERAL_EXTEN.match(pattern) or _PATTERN_BODY.match(pattern.removeprefix("_"))):
        return [CheckError(number, "bad_pattern", short(pattern))]
    return []


def _check_header(number: int, line: str, state: _DialplanState) -> list[CheckError]:
    name, options, errors = header(number, line)
    bare = name.strip(" \t")
    if bare.lower() in RESERVED_SECTIONS:
        errors = [CheckError(number, "reserved_section", bare)]
    elif is_hotline_context(bare):
        # Also "[ to-pstn ]", "[TO-PSTN](+)", "[to-pstn](!)": never Hotline's.
        errors = [CheckError(number, "hotline_context", bare)]
    elif not errors and name in state.contexts:
        errors = [CheckError(number, "duplicate_section", name)]
    if errors:
        # A refused section's lines are not checked again and again.
        state.context, state.extension = "!", ""
        return errors
    state.context, state.extension = name, ""
    state.contexts.append(name)
    # "(+)" appends to a section of that name, "(x)" copies x: only this file's.
    return [
        CheckError(number, "hotline_context", option)
        if is_hotline_context(option.strip(" \t"))
        else CheckError(number, "unknown_template", short(option))
        for option in options
        if option != "!" and option not in state.contexts[:-1]
    ]


def _check_line(number: int, line: str, state: _DialplanState) -> list[CheckError]:
    directive = directive_error(number, line)
    if directive:
        return [directive]
    if line.startswith("["):
        return _check_header(number, line, state)
    match = _KEY_VALUE.match(line)
    if match is None:
        return [CheckError(number, "unknown_line", short(line))]
    if not state.context:
        # Asterisk would add it to the section extensions.conf was in when it
        # included this file (one of Hotline's).
        return [CheckError(number, "outside_section", short(line))]
    if state.context == "!":
        return []
    key, value = match.group(1).lower(), match.group(2).strip()
    if key in ("exten", "same"):
        return _check_exten(number, key, value, state)
    if key == "include":
        return _check_include(number, value)
    if key == "ignorepat":
        return _check_ignorepat(number, value)
    return [CheckError(number, "unknown_key", short(key))]


def _call_errors(calls: list[_Call], stasis_app: str) -> list[CheckError]:
    assignments: dict[str, list[str]] = {}
    for call in calls:
        variable = assigned_variable(call.data) if call.application.lower() == "set" else None
        if variable is not None:
            value = call.data.partition("=")[2]
            assignments.setdefault(variable_key(variable), []).append(value)
    safe = safe_variables(assignments)
    return [
        CheckError(call.line, problem.code, problem.detail)
        for call in calls
        for problem in application_problems(
            call.application, call.data, stasis_app=stasis_app, safe=safe
        )
    ]


def check_dialplan(text: str, stasis_app: str = DEFAULT_STASIS_APP) -> CheckResult:
    """Check extensions.conf text meant for ``hotline-custom.conf``.

    ``stasis_app`` is Hotline's ARI application, the only one ``Stasis()``
    may hand calls to.
    """
    lines, errors = logical_lines(text)
    state = _DialplanState()
    for line in lines:
        errors += _check_line(line.number, line.text, state)
    errors += _call_errors(state.calls, stasis_app)
    # One finding per line and reason, in line order.
    unique = sorted(dict.fromkeys(errors), key=lambda error: error.line)
    return CheckResult(tuple(unique), tuple(state.contexts))


def mask_secrets(text: str) -> str:
    """The text with password/secret values replaced, for viewers and the audit log."""
    # Line by line, with the same line breaks as the findings' line numbers.
    return "".join(
        _SECRET_LINE.sub(lambda match: match.group(1) + "********" + match.group(2), line)
        for line in text.splitlines(keepends=True)
    )


def unified_diff(before: str, after: str, *, label: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{label} (applied)",
        tofile=f"{label} (edited)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
