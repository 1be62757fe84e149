"""``${...}`` and ``$[...]`` in application arguments: what they may call.

Pure.  Asterisk substitutes an application's arguments just before running
it (``pbx_substitute_variables_helper_full``; this module finds the same
spans the same way, quotes do not matter to it and ``\\`` escapes nothing):

- ``${NAME}``, ``${NAME:offset:length}``: a variable.  ``${NAME(args)}``: a
  function, looked up by the text before the first ``(``.  Asterisk first
  substitutes what is inside, so ``${${X}}`` and ``${A${B}}`` read a name
  the call decides: with ``X`` set to ``SHELL(id)``, ``${${X}}`` runs SHELL.
  Names must therefore be written out (``dynamic_name``).
- ``$[...]``: an expression for ``ast_expr``, whose parser calls any
  ``NAME(...)`` in it as a dialplan function, after substitution.  So
  ``$[${X}]`` with ``X`` = ``SHELL(id)`` runs SHELL too, and ``X`` may come
  from a caller (``${CALLERID(name)}``, the dialled number).  A ``${...}`` in
  an expression must be one whose value never holds ``(`` or ``"``: without
  ``(`` nothing can become a call, and without ``"`` nothing can leave the
  quotes around it (``expression_injection``).  Those are the safe-output
  functions (``LEN``, ``ISNULL``, ``FILTER`` to a set without the two...),
  Asterisk's status variables, and the custom dialplan's own variables when
  every value it ever assigns them is itself safe (worked out over the whole
  document, see ``safe_variables``).  ``${FILTER(0-9,${X})}`` makes anything
  safe for arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from hotline.config_findings import short
from hotline.dialplan_allow import (
    ASTERISK_CALL_VARIABLES,
    ASTERISK_SAFE_VARIABLES,
    EXPRESSION_BUILTINS,
    READ_FUNCTIONS,
    SAFE_OUTPUT_FUNCTIONS,
    is_hotline_variable,
)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLACEHOLDER = "\x00"  # stands for a ${...} or $[...] in an expression's skeleton
# What ends a token for ast_expr's lexer (operators, blanks, quotes, parens).
# Its tokens are made of fewer characters still (letters, digits, . ' ; \\ _
# ^ # @ and non-ASCII), so a name read back to one of these is never shorter
# than the lexer's token, and one that is an allowed name is the same token.
_EXPR_DELIMITERS = frozenset(' \t\r\n|&=<>!+-*/%?:,~()"')
# Built-ins and safe-output functions an expression's value may come from.
_SAFE_IN_EXPRESSION = EXPRESSION_BUILTINS | (SAFE_OUTPUT_FUNCTIONS - {"FILTER", "STRFTIME"})


@dataclass(frozen=True)
class Problem:
    code: str
    detail: str


@dataclass(frozen=True)
class Span:
    """One ``${...}`` (kind "var") or ``$[...]`` (kind "expr") at text[start:end]."""

    kind: str
    start: int
    end: int
    inner: str


@dataclass(frozen=True)
class Reference:
    """What a ``${...}`` reads: a variable, or a function with its arguments."""

    name: str
    function: bool
    args: str


def _end_of_variable(text: str, start: int) -> int:
    depth, index = 1, start
    while depth and index < len(text):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
        index += 1
    return index


def _end_of_expression(text: str, start: int) -> int:
    depth, index = 1, start
    while depth and index < len(text):
        if text.startswith("$[", index):
            depth, index = depth + 1, index + 2
            continue
        if text.startswith("${", index):
            index += 2  # Asterisk skips the "{": braces do not count here
            continue
        if text[index] == "[":
            depth += 1
        elif text[index] == "]":
            depth -= 1
        index += 1
    return index


def spans(text: str) -> Iterator[Span]:
    """The outermost substitutions of ``text``, in order."""
    index = 0
    while (dollar := text.find("$", index)) >= 0:
        follower = text[dollar + 1 : dollar + 2]
        if follower not in ("{", "["):
            index = dollar + 1
            continue
        finder = _end_of_variable if follower == "{" else _end_of_expression
        end = finder(text, dollar + 2)
        # Like Asterisk, the last character goes even when it is not the closer.
        yield Span("var" if follower == "{" else "expr", dollar, end, text[dollar + 2 : end - 1])
        index = end


def split_top(text: str, separator: str, maxsplit: int = -1) -> list[str]:
    """``text`` split at ``separator`` outside substitutions, brackets and quotes."""
    parts: list[str] = []
    depth, quoted, start, index = 0, False, 0, 0
    while index < len(text):
        if text.startswith("${", index):
            index = _end_of_variable(text, index + 2)
            continue
        if text.startswith("$[", index):
            index = _end_of_expression(text, index + 2)
            continue
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]" and depth:
            depth -= 1
        elif not quoted and not depth and char == separator and len(parts) != maxsplit:
            parts.append(text[start:index])
            start = index + 1
        index += 1
    parts.append(text[start:])
    return parts


def find_top(text: str, char: str) -> int:
    """Index of the first ``char`` outside substitutions; ``len(text)`` if none."""
    index = 0
    while index < len(text):
        if text.startswith("${", index):
            index = _end_of_variable(text, index + 2)
        elif text.startswith("$[", index):
            index = _end_of_expression(text, index + 2)
        elif text[index] == char:
            return index
        else:
            index += 1
    return len(text)


def _closing_paren(text: str, opening: int) -> int:
    """Index of the ")" matching text[opening], skipping substitutions; -1 if none."""
    depth, index = 0, opening
    while index < len(text):
        if text.startswith("${", index):
            index = _end_of_variable(text, index + 2)
            continue
        if text.startswith("$[", index):
            index = _end_of_expression(text, index + 2)
            continue
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def parse_reference(inner: str) -> Reference | Problem:
    """The variable or function a ``${inner}`` reads, if its name is written out."""
    match = _NAME.match(inner)
    rest = inner[match.end() :] if match else inner
    if match is None or not (rest == "" or rest[0] in ":("):
        return Problem("dynamic_name", short("${" + inner + "}"))
    if not rest.startswith("("):
        return Reference(match.group(0), False, "")
    closing = _closing_paren(rest, 0)
    if closing < 0:
        return Problem("unbalanced", "unclosed (")
    if rest[closing + 1 :] and rest[closing + 1] != ":":
        return Problem("dynamic_name", short("${" + inner + "}"))
    return Reference(match.group(0), True, rest[1:closing])


def _reference_problems(inner: str) -> list[Problem]:
    reference = parse_reference(inner)
    if isinstance(reference, Problem):
        return [reference]
    if reference.function and reference.name.upper() not in READ_FUNCTIONS:
        return [Problem("function_not_allowed", reference.name)]
    return []


def substitution_problems(text: str, safe: frozenset[str]) -> list[Problem]:
    """Every substitution in ``text``, nested ones too: allowed and not injectable."""
    problems: list[Problem] = []
    for span in spans(text):
        if span.kind == "var":
            problems += _reference_problems(span.inner)
        else:
            problems += _expression_problems(span.inner, safe)
        problems += substitution_problems(span.inner, safe)
    return problems


# --- values that cannot smuggle a function call into $[...] ------------------


def _filter_is_safe(charset: str) -> bool:
    """Whether FILTER(charset,...) keeps "(" and '"' out (ranges like 0-9 expanded)."""
    if "\\" in charset or "$" in charset:
        return False
    index = 0
    while index < len(charset):
        low = high = charset[index]
        if index + 2 < len(charset) and charset[index + 1] == "-":
            low, high = sorted((charset[index], charset[index + 2]))
            index += 3
        else:
            index += 1
        if any(low <= char <= high for char in '("'):
            return False
    return True


def _is_safe_reference(inner: str, safe: frozenset[str]) -> bool:
    reference = parse_reference(inner)
    if isinstance(reference, Problem):
        return False
    if not reference.function:
        return variable_key(reference.name) in safe
    name = reference.name.upper()
    if name not in SAFE_OUTPUT_FUNCTIONS:
        return False
    args = split_top(reference.args, ",")
    if name == "FILTER":
        return _filter_is_safe(args[0])
    if name == "STRFTIME":
        format_ = ",".join(args[2:])
        return not (set(format_) & {"(", '"', "$"})
    return True


def _skeleton(text: str, safe: frozenset[str]) -> tuple[str, list[tuple[Span, bool]]]:
    """``text`` with each outermost substitution replaced by a placeholder, and
    whether each one's value is safe."""
    parts: list[str] = []
    judged: list[tuple[Span, bool]] = []
    index = 0
    for span in spans(text):
        parts += [text[index : span.start], _PLACEHOLDER]
        if span.kind == "var":
            judged.append((span, _is_safe_reference(span.inner, safe)))
        else:
            judged.append((span, is_safe_expression(span.inner, safe)))
        index = span.end
    parts.append(text[index:])
    return "".join(parts), judged


def _quoted_tokens(skeleton: str) -> list[tuple[int, int]]:
    """(opening, closing) index of each "..." token, as ast_expr's lexer finds
    them: a '"' without a later one is no quote (the lexer skips it)."""
    tokens: list[tuple[int, int]] = []
    index = 0
    while (opening := skeleton.find('"', index)) >= 0:
        closing = skeleton.find('"', opening + 1)
        if closing < 0:
            break
        tokens.append((opening, closing))
        index = closing + 1
    return tokens


def _calls(skeleton: str) -> Iterator[tuple[str, bool]]:
    """(name, made from a substitution) of each NAME(...) ast_expr would call."""
    quoted = _quoted_tokens(skeleton)
    inside = {i for opening, closing in quoted for i in range(opening, closing + 1)}
    ends = {closing: opening for opening, closing in quoted}
    for index, char in enumerate(skeleton):
        if char != "(" or index in inside:
            continue
        end = index
        while end > 0 and skeleton[end - 1] in " \t\r":
            end -= 1
        if end - 1 in ends:
            # A quoted string right before "(" is a call by that name too.
            name = skeleton[ends[end - 1] + 1 : end - 1]
        else:
            start = end
            while start > 0 and skeleton[start - 1] not in _EXPR_DELIMITERS:
                start -= 1
            name = skeleton[start:end]
        if name:
            yield name, _PLACEHOLDER in name


def _quoted_literals(skeleton: str) -> list[str]:
    return [skeleton[opening + 1 : closing] for opening, closing in _quoted_tokens(skeleton)]


def _expression_problems(inner: str, safe: frozenset[str]) -> list[Problem]:
    skeleton, judged = _skeleton(inner, safe)
    problems = [
        Problem("expression_injection", short(inner[span.start : span.end]))
        for span, is_safe in judged
        if not is_safe
    ]
    for name, computed in _calls(skeleton):
        if computed:
            problems.append(Problem("expression_injection", short("$[" + inner + "]")))
        elif name.upper() not in EXPRESSION_BUILTINS | READ_FUNCTIONS:
            problems.append(Problem("function_not_allowed", short(name)))
    return problems


def is_safe_expression(inner: str, safe: frozenset[str]) -> bool:
    """Whether the value of ``$[inner]`` can never hold "(" or '"'."""
    skeleton, judged = _skeleton(inner, safe)
    if not all(is_safe for _span, is_safe in judged):
        return False
    if any(
        computed or name.upper() not in _SAFE_IN_EXPRESSION for name, computed in _calls(skeleton)
    ):
        return False
    return not any("(" in literal for literal in _quoted_literals(skeleton))


def is_safe_value(text: str, safe: frozenset[str]) -> bool:
    """Whether ``text``, once substituted, can never hold "(" or '"'."""
    skeleton, judged = _skeleton(text, safe)
    literal = skeleton.replace(_PLACEHOLDER, "")
    return "(" not in literal and '"' not in literal and all(ok for _span, ok in judged)


def variable_key(name: str) -> str:
    """How variables are compared here: case and inheritance underscores ignored."""
    return name.lstrip("_").upper()


def safe_variables(assignments: Mapping[str, Sequence[str]]) -> frozenset[str]:
    """The variables whose every value, in the whole document, is safe.

    ``assignments`` maps ``variable_key`` names to every value the document
    assigns them.  The largest set that is consistent: start from every
    assigned name (and Asterisk's status variables), drop any with a value
    that is unsafe given the rest, until nothing changes (so ``N=0`` and
    ``N=$[${N} + 1]`` keep N safe).  A name the document never assigns may
    hold anything and is not in the set.
    """
    safe = (set(assignments) | ASTERISK_SAFE_VARIABLES) - ASTERISK_CALL_VARIABLES
    safe = {name for name in safe if not is_hotline_variable(name)}
    changed = True
    while changed:
        changed = False
        current = frozenset(safe)
        for name in sorted(current):
            if not all(is_safe_value(value, current) for value in assignments.get(name, ())):
                safe.discard(name)
                changed = True
    return frozenset(safe)
