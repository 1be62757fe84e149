"""Syntax check of the config telecom staff edit: custom dialplan and SIP trunks.

Pure: text in, findings out; no I/O.  The checker is deliberately stricter
than Asterisk (which logs a warning and carries on), because a silently
dropped line is how a trunk stops routing without anybody noticing.  Asterisk
stays the final authority: ``hotline/dialplan_apply.py`` verifies after the
reload and rolls back when something the checker accepted is not live.

Decisions:
- Custom contexts may not redefine Hotline's own contexts, except ``to-pstn``,
  which is where a trunk is wired in.  Hotline's ``to-pstn`` already owns the
  ``_X.`` pattern, so additions must use more specific patterns (``_0X.``).
- ``#include``/``#exec`` are refused: a custom file must not make Asterisk
  read (or run) anything else on the box.
- Trunk sections may be endpoint, aor, auth, registration or identify;
  transports and globals belong to Hotline's own ``pjsip.conf``.
- Templates (``[name](!)``) are valid syntax and accepted.  Asterisk never
  makes a template live, so a dialplan template fails verification.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

HOTLINE_CONTEXTS = frozenset({"from-pstn", "hotline-safe", "hotline-agents", "hotline-agi"})
EXTENSIBLE_CONTEXT = "to-pstn"
RESERVED_SECTIONS = frozenset({"general", "globals"})
HOTLINE_PJSIP_SECTIONS = frozenset({"global", "system", "transport-udp"})
TRUNK_TYPES = frozenset({"endpoint", "aor", "auth", "registration", "identify"})
MAX_NAME = 79  # Asterisk keeps category names in an 80-byte buffer.

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+@-]*$")
_HEADER = re.compile(r"^\[([^\]]*)\]\s*(?:\(([^)]*)\))?\s*$")
_KEY_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)\s*=>?\s*(.*)$")
_APP = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\s*(\(.*\))?\s*$", re.DOTALL)
_PRIORITY = re.compile(r"^(hint|\d+|n)(?:\(([A-Za-z0-9_-]+)\))?$")
_LITERAL_EXTEN = re.compile(r"^[A-Za-z0-9*#+-][A-Za-z0-9*#+_-]*$")
_PATTERN_BODY = re.compile(r"^(?:[XZNxzn0-9*#+.!-]|\[[0-9*#A-Za-z-]+\])+$")
_SECRET_LINE = re.compile(
    r"^([ \t]*(?:password|secret|md5_cred|auth_password)[ \t]*=>?[ \t]*)\S.*?(\s*)$",
    re.IGNORECASE | re.DOTALL,
)
_FORBIDDEN_DIRECTIVES = ("#include", "#tryinclude", "#exec")
_CLOSERS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True)
class CheckError:
    """One finding.  ``code`` picks the translated message; ``detail`` fills it."""

    line: int
    code: str
    detail: str = ""

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


def _strip_comment(line: str) -> str:
    # ";" starts a comment unless escaped as "\;".
    out: list[str] = []
    escaped = False
    for char in line:
        if char == ";" and not escaped:
            break
        escaped = char == "\\" and not escaped
        out.append(char)
    return "".join(out).strip()


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(line number, content without comments) for non-empty lines."""
    lines: list[tuple[int, str]] = []
    in_block = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if in_block:
            end = line.find("--;")
            if end < 0:
                continue
            line, in_block = line[end + 3 :], False
        start = line.find(";--")
        if start >= 0:
            end = line.find("--;", start + 3)
            if end < 0:
                line, in_block = line[:start], True
            else:
                line = line[:start] + line[end + 3 :]
        content = _strip_comment(line)
        if content:
            lines.append((number, content))
    return lines


def _name_error(number: int, name: str) -> CheckError | None:
    if not _NAME.match(name):
        return CheckError(number, "bad_name", name)
    if len(name) > MAX_NAME:
        return CheckError(number, "name_too_long", name[:20] + "…")
    return None


def _directive_error(number: int, line: str) -> CheckError | None:
    if not line.startswith("#"):
        return None
    lowered = line.lower()
    if lowered.startswith(_FORBIDDEN_DIRECTIVES):
        return CheckError(number, "include_forbidden", line.split()[0])
    return CheckError(number, "unknown_directive", line.split()[0])


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


def _header(number: int, line: str) -> tuple[str, tuple[str, ...], list[CheckError]]:
    """Context/section name, template options, errors of a ``[name](opts)`` line."""
    match = _HEADER.match(line)
    if match is None:
        return "", (), [CheckError(number, "bad_header", line)]
    name = match.group(1).strip()
    options = tuple(opt.strip() for opt in (match.group(2) or "").split(",") if opt.strip())
    error = _name_error(number, name)
    return name, options, [error] if error else []


def _pattern_error(number: int, pattern: str) -> CheckError | None:
    exten = pattern.split("/", 1)[0].strip()  # "7000/1234" matches on caller id too
    if exten.startswith("_"):
        body = exten[1:]
        if not body or not _PATTERN_BODY.match(body):
            return CheckError(number, "bad_pattern", exten)
        return None
    if not _LITERAL_EXTEN.match(exten):
        return CheckError(number, "bad_extension", exten)
    return None


@dataclass
class _Extension:
    last_priority: int = 0


@dataclass
class _DialplanState:
    context: str = ""
    extension: str = ""
    extensions: dict[tuple[str, str], _Extension] | None = None


def _check_priority(
    number: int, state: _DialplanState, extension: str, priority: str
) -> list[CheckError]:
    match = _PRIORITY.match(priority)
    if match is None:
        return [CheckError(number, "bad_priority", priority)]
    value = match.group(1)
    if value == "hint":
        return []
    assert state.extensions is not None
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


def _check_application(number: int, application: str) -> list[CheckError]:
    problem = balance_error(application)
    if problem:
        return [CheckError(number, "unbalanced", problem)]
    if _APP.match(application.strip()) is None:
        return [CheckError(number, "bad_application", application.strip()[:40])]
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
            return [CheckError(number, "incomplete_exten", value[:40])]
        pattern, priority, application = (part.strip() for part in parts)
        pattern_error = _pattern_error(number, pattern)
        if pattern_error:
            return [pattern_error]
        extension = pattern.split("/", 1)[0].strip()
        if state.context == EXTENSIBLE_CONTEXT and extension == "_X.":
            return [CheckError(number, "to_pstn_catch_all", extension)]
        state.extension = extension
    priority = priority.strip()
    errors = _check_priority(number, state, extension, priority)
    if not priority.startswith("hint"):
        errors += _check_application(number, application)
    return errors


def check_dialplan(text: str) -> CheckResult:
    """Check extensions.conf text meant for ``hotline-custom.conf``."""
    errors: list[CheckError] = []
    contexts: list[str] = []
    state = _DialplanState(extensions={})
    for number, line in _logical_lines(text):
        directive = _directive_error(number, line)
        if directive:
            errors.append(directive)
            continue
        if line.startswith("["):
            name, options, header_errors = _header(number, line)
            errors += header_errors
            # After a broken header its lines are not checked again and again.
            state.context, state.extension = (name, "") if not header_errors else ("!", "")
            if header_errors:
                continue
            lowered = name.lower()
            if lowered in HOTLINE_CONTEXTS:
                errors.append(CheckError(number, "hotline_context", name))
            elif lowered in RESERVED_SECTIONS:
                errors.append(CheckError(number, "reserved_section", name))
            elif name in contexts:
                errors.append(CheckError(number, "duplicate_section", name))
            else:
                contexts.append(name)
            errors += [
                CheckError(number, "unknown_template", opt)
                for opt in options
                if opt != "!" and opt not in contexts
            ]
            continue
        match = _KEY_VALUE.match(line)
        if match is None:
            errors.append(CheckError(number, "unknown_line", line[:40]))
            continue
        if not state.context:
            errors.append(CheckError(number, "outside_section", line[:40]))
            continue
        if state.context == "!":
            continue
        key, value = match.group(1).lower(), match.group(2).strip()
        if key in ("exten", "same"):
            errors += _check_exten(number, key, value, state)
        elif key == "include":
            error = _name_error(number, value)
            errors += [error] if error else []
        elif key != "ignorepat":
            errors.append(CheckError(number, "unknown_key", key))
    return CheckResult(tuple(errors), tuple(contexts))


@dataclass
class _Section:
    name: str
    line: int
    kind: str  # "" until a type= line (or a template) gives one
    template: bool


def _trunk_header(
    number: int, line: str, sections: list[_Section]
) -> tuple[_Section | None, list[CheckError]]:
    name, options, errors = _header(number, line)
    if errors:
        return None, errors
    if name.lower() in HOTLINE_PJSIP_SECTIONS or name.isdigit():
        # Digits are agent extensions, which Hotline creates over ARI.
        return None, [CheckError(number, "hotline_section", name)]
    known = {section.name: section for section in sections}
    errors = [
        CheckError(number, "unknown_template", opt)
        for opt in options
        if opt != "!" and opt not in known
    ]
    inherited = next((known[o].kind for o in options if o in known and known[o].kind), "")
    return _Section(name, number, inherited, "!" in options), errors


def check_trunks(text: str) -> CheckResult:
    """Check pjsip.conf text meant for ``hotline-trunks.conf``."""
    errors: list[CheckError] = []
    sections: list[_Section] = []
    current: _Section | None = None
    skipping = False  # inside a rejected section: its lines are not checked again
    for number, line in _logical_lines(text):
        directive = _directive_error(number, line)
        if directive:
            errors.append(directive)
            continue
        if line.startswith("["):
            current, header_errors = _trunk_header(number, line, sections)
            errors += header_errors
            skipping = current is None
            if current is not None:
                sections.append(current)
            continue
        match = _KEY_VALUE.match(line)
        if match is None:
            errors.append(CheckError(number, "unknown_line", line[:40]))
        elif skipping:
            continue
        elif current is None:
            errors.append(CheckError(number, "outside_section", line[:40]))
        else:
            key, value = match.group(1).lower(), match.group(2).strip()
            if key == "type" and value == "transport":
                errors.append(CheckError(number, "transport_forbidden", value))
            elif key == "type" and value not in TRUNK_TYPES:
                errors.append(CheckError(number, "bad_type", value))
            elif key == "type":
                current.kind = value
            elif not value:
                errors.append(CheckError(number, "empty_value", key))
    # One name may carry several types (an endpoint and its aor), not one type twice.
    seen: set[tuple[str, str]] = set()
    for section in sections:
        if not section.kind and not section.template:
            errors.append(CheckError(section.line, "missing_type", section.name))
        elif (section.name, section.kind) in seen:
            errors.append(CheckError(section.line, "duplicate_section", section.name))
        seen.add((section.name, section.kind))
    errors.sort(key=lambda error: error.line)
    endpoints = tuple(
        dict.fromkeys(s.name for s in sections if s.kind == "endpoint" and not s.template)
    )
    return CheckResult(tuple(errors), endpoints)


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
