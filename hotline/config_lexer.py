"""Asterisk's config file lexing, line for line as ``main/config.c`` does it.

Pure.  The checks of the custom dialplan and trunks are only as good as their
reading of the file: a line the checker takes for a comment while Asterisk
reads it (or the other way round) is a line nobody checked.  An earlier,
simpler reading hid everything after ``;---`` or ``\\;--`` from the checker,
so a ``#include`` or a redefined Hotline context there reached Asterisk.
This module is a port of ``config_text_file_load()``'s comment loop, not an
approximation of it.

The rules, read in config.c (COMMENT_META ``;``, COMMENT_TAG ``-``):

- Lines end at ``\\n`` only (``fgets``); ``\\r`` is just a character, which
  ``ast_strip()`` later trims as blank at either end of the line.
- The loop looks at each ``;`` from where it last stopped (``new_buf``):
  1. ``\\;`` (the backslash at or after ``new_buf``) is a literal ``;``: the
     backslash is removed, scanning goes on after the ``;``.
  2. ``;--`` not followed by a fourth ``-`` opens a block comment, which
     nests (up to 128 deep; past that Asterisk loops forever) and may span
     lines; scanning goes on after the ``;--``.  So ``;---`` is not a block
     comment but an ordinary one.
  3. ``--;`` whose dashes are at or after ``new_buf`` closes one level
     (``;--;`` therefore does not close what it opened).  Back at depth 0,
     the text after it is joined to the text before the comment.
  4. Any other ``;`` ends the line outside a block comment, and is skipped
     inside one.
- A ``--;`` outside any comment makes Asterisk's depth negative: from there
  on it ignores whole lines.  A line that starts inside a comment is never
  read before the ``--;`` that ends it.
- What is left is trimmed (``ast_strip``) and, if not empty, is a line.

The checker is stricter than Asterisk where Asterisk only warns: a stray
``--;``, an unterminated or too deeply nested comment, control characters
and over-long lines are findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.config_findings import CheckError

MAX_NESTED_COMMENTS = 128  # config.c; one ";--" deeper and Asterisk loops forever
# Asterisk skips (with a warning) a line of 8191 bytes or more; well below.
MAX_LINE_BYTES = 4096
_C_BLANKS = " \t\n\v\f\r"  # isspace() in the C locale, what ast_strip() trims


@dataclass(frozen=True)
class LogicalLine:
    """A line as Asterisk's parser gets it: comments removed, blanks trimmed."""

    number: int
    text: str


@dataclass
class _State:
    depth: int = 0  # negative after a stray "--;", as in config.c
    # Line of each open block comment, outermost first (config.c's nest[]).
    opened_at: list[int] = field(default_factory=list)


def _comment_free(raw: str, number: int, state: _State) -> tuple[str | None, CheckError | None]:
    """One line through config.c's comment loop: the text Asterisk parses, or None.

    ``open_from`` is where the part of the line that still belongs to the
    parsed text begins (config.c's process_buf up to its first NUL); ``kept``
    is what has been settled before it.
    """
    active = state.depth == 0  # config.c: process_buf is NULL inside a comment
    kept = ""
    open_from: int | None = 0 if active else None
    problem: CheckError | None = None
    scan = 0  # config.c's new_buf
    while (semicolon := raw.find(";", scan)) >= 0:
        if semicolon > scan and raw[semicolon - 1] == "\\":
            if open_from is not None:
                kept += raw[open_from : semicolon - 1] + ";"
                open_from = semicolon + 1
            scan = semicolon + 1
        elif (
            raw[semicolon + 1 : semicolon + 3] == "--" and raw[semicolon + 3 : semicolon + 4] != "-"
        ):
            if state.depth >= MAX_NESTED_COMMENTS:
                return None, CheckError(number, "comment_nesting", str(MAX_NESTED_COMMENTS))
            if open_from is not None:
                kept += raw[open_from:semicolon]
                open_from = None
            state.depth += 1
            if state.depth > 0:
                state.opened_at.append(number)
            scan = semicolon + 3
        elif semicolon >= scan + 2 and raw[semicolon - 2 : semicolon] == "--":
            if state.depth > 0:
                state.opened_at.pop()
            state.depth -= 1
            if state.depth < 0 and problem is None:
                problem = CheckError(number, "stray_comment_end", "--;")
            scan = semicolon + 1
            if state.depth == 0:
                if not active:
                    active, kept = True, ""
                open_from = semicolon + 1
        elif state.depth == 0:
            if open_from is not None:
                kept += raw[open_from:semicolon]
                open_from = None
            break
        else:
            scan = semicolon + 1
    if open_from is not None:
        kept += raw[open_from:]
    return (kept.strip(_C_BLANKS) if active else None), problem


def _character_problem(number: int, raw: str) -> CheckError | None:
    if len(raw.encode("utf-8")) >= MAX_LINE_BYTES:
        return CheckError(number, "line_too_long", str(MAX_LINE_BYTES))
    # A CR before the LF is how Windows ends lines; anywhere else it, NUL
    # (where C stops reading) and the other controls make what the editor
    # shows differ from what Asterisk reads.
    body = raw[:-1] if raw.endswith("\r") else raw
    for char in body:
        if ord(char) < 0x20 and char != "\t":
            return CheckError(number, "control_character", f"U+{ord(char):04X}")
    return None


def logical_lines(text: str) -> tuple[list[LogicalLine], list[CheckError]]:
    """The lines Asterisk parses from ``text`` and the lexing findings."""
    lines: list[LogicalLine] = []
    problems: list[CheckError] = []
    state = _State()
    for number, raw in enumerate(text.split("\n"), start=1):
        problem = _character_problem(number, raw)
        if problem is not None:
            problems.append(problem)
        content, comment_problem = _comment_free(raw, number, state)
        if comment_problem is not None:
            problems.append(comment_problem)
            if comment_problem.code == "comment_nesting":
                return lines, problems
        if content:
            lines.append(LogicalLine(number, content))
    if state.depth > 0:
        problems.append(CheckError(state.opened_at[0], "unterminated_comment", ";--"))
    return lines, problems
