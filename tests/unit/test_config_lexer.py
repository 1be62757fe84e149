"""Reading a config file as Asterisk's main/config.c does: comments, escapes, blanks.

``_asterisk_reference`` transliterates config.c's loop (a NUL-terminated
buffer, ``memmove`` and all) as literally as Python allows; the lexer under
test is written differently, and hypothesis compares the two.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.config_lexer import MAX_LINE_BYTES, logical_lines

_NUL = "\0"
_C_BLANKS = " \t\n\v\f\r"


def _c_string(buffer: list[str], start: int) -> str:
    end = buffer.index(_NUL, start)
    return "".join(buffer[start:end])


def _asterisk_reference(text: str) -> list[tuple[int, str]]:
    """config_text_file_load()'s comment loop, statement by statement."""
    parsed: list[tuple[int, str]] = []
    comment = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        buf = [*line, "\n", _NUL]  # fgets keeps the newline
        process_buf: int | None = None if comment else 0
        new_buf = 0
        while True:
            try:
                comment_p = buf.index(";", new_buf, buf.index(_NUL, new_buf))
            except ValueError:
                break
            if comment_p > new_buf and buf[comment_p - 1] == "\\":
                new_buf = comment_p
                del buf[comment_p - 1]  # memmove over the backslash
            elif (
                buf[comment_p + 1] == "-"
                and buf[comment_p + 2] == "-"
                and buf[comment_p + 3] != "-"
            ):
                buf[comment_p] = _NUL
                new_buf = comment_p + 3
                comment += 1
            elif (
                comment_p >= new_buf + 2 and buf[comment_p - 1] == "-" and buf[comment_p - 2] == "-"
            ):
                comment -= 1
                new_buf = comment_p + 1
                if not comment:
                    if process_buf is not None:
                        oldptr = buf.index(_NUL, process_buf)
                        rest = buf[new_buf:]
                        buf[oldptr:] = rest
                        new_buf = oldptr
                    else:
                        process_buf = new_buf
            elif not comment:
                buf[comment_p] = _NUL
                new_buf = comment_p
            else:
                new_buf = comment_p + 1
        if process_buf is not None:
            content = _c_string(buf, process_buf).strip(_C_BLANKS)
            if content:
                parsed.append((lineno, content))
    return parsed


def lines_of(text: str) -> list[tuple[int, str]]:
    lines, problems = logical_lines(text)
    assert problems == [], problems
    return [(line.number, line.text) for line in lines]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ";---" is an ordinary comment to the end of its line, not a block.
        (";---\n#include x\n", [(2, "#include x")]),
        ("[a] ;--- hidden\n[b]\n", [(1, "[a]"), (2, "[b]")]),
        # "\;" is a literal ";", so "\;--" opens nothing.
        ("exten => 1,1,NoOp(\\;--)\n[b]\n", [(1, "exten => 1,1,NoOp(;--)"), (2, "[b]")]),
        ("exten => s,1,NoOp(a\\;b)\n", [(1, "exten => s,1,NoOp(a;b)")]),
        # A block comment spans lines; what follows its end on that line counts.
        (";-- one\n[hidden]\n--; [after]\n", [(3, "[after]")]),
        ("[a] ;-- c --; [b]\n", [(1, "[a]  [b]")]),
        (";-- x --;#include y\n", [(1, "#include y")]),
        # Nested: the first "--;" closes only the inner comment.
        (";-- a ;-- b --; [hidden] --; [seen]\n", [(1, "[seen]")]),
        (";-- a\n;-- b\n--;\n[hidden]\n--;\n[seen]\n", [(6, "[seen]")]),
        # ";--;" opens a comment and does not close it.
        (";--;\n[hidden]\n--;[seen]\n", [(3, "[seen]")]),
        # Inside a comment, "\;" is not an end and a lone ";" is skipped.
        (";-- --\\; [hidden] ; --; [seen]\n", [(1, "[seen]")]),
        # Blanks, CRLF and the last line without a newline.
        ("  [a]  \t\r\nexten => 1,1,NoOp()\r\n", [(1, "[a]"), (2, "exten => 1,1,NoOp()")]),
        ("[a]\n\n   \n; only a comment\n[b]", [(1, "[a]"), (5, "[b]")]),
    ],
)
def test_given_tricky_comments_then_lines_are_read_as_asterisk_reads_them(
    text: str, expected: list[tuple[int, str]]
) -> None:
    assert lines_of(text) == expected
    assert _asterisk_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("[a]\n--;\n[b]\n", "stray_comment_end", 2),
        ("[a]\n;-- never closed\n[b]\n", "unterminated_comment", 2),
        ("[a]\nexten => 1,1,NoOp(\0)\n", "control_character", 2),
        ("[a]\rexten => 1,1,NoOp()\n", "control_character", 1),
        ("[a]\n" + "x" * MAX_LINE_BYTES + "\n", "line_too_long", 2),
        (";--" * 129 + "\n", "comment_nesting", 1),
    ],
)
@pytest.mark.security
def test_given_text_asterisk_reads_differently_or_not_at_all_then_a_finding(
    text: str, code: str, line: int
) -> None:
    _lines, problems = logical_lines(text)
    assert [(p.line, p.code) for p in problems][:1] == [(line, code)]


_PIECES = st.sampled_from(
    [";", "-", "--", ";--", "--;", "\\", "\\;", " ", "\t", "\r", "\n", "[a]", "#", "x", "=>"]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_given_any_text_then_lexer_agrees_with_config_c_reference(text: str) -> None:
    lines, problems = logical_lines(text)
    # The reference goes wherever C's undefined behaviour (a negative depth
    # reaching nest[-1]) would; the lexer refuses such text instead.
    if any(p.code == "stray_comment_end" for p in problems):
        return
    assert [(line.number, line.text) for line in lines] == _asterisk_reference(text)
