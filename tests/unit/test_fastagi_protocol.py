"""The sans-I/O FastAGI state machine, fed realistic Asterisk transcripts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agi_scripts.protocol import (
    AgiArgumentError,
    AgiConnection,
    AgiEvent,
    AgiProtocolError,
    AgiRequest,
    AgiState,
    AgiUsageError,
    CommandResult,
    ConnectionClosed,
    HangupNotice,
    format_command,
    parse_reply_line,
)

HEADERS = (
    b"agi_network: yes\n"
    b"agi_network_script: hello\n"
    b"agi_request: agi://127.0.0.1:4573/hello\n"
    b"agi_channel: PJSIP/1001-00000001\n"
    b"agi_language: en\n"
    b"agi_type: PJSIP\n"
    b"agi_uniqueid: 1700000000.1\n"
    b"agi_version: 22.0.0\n"
    b"agi_callerid: 1001\n"
    b"agi_calleridname: Alice Example\n"
    b"agi_callingpres: 0\n"
    b"agi_dnid: 500\n"
    b"agi_rdnis: unknown\n"
    b"agi_context: default\n"
    b"agi_extension: 500\n"
    b"agi_priority: 1\n"
    b"agi_enhanced: 0.0\n"
    b"agi_accountcode: \n"
    b"agi_threadid: 139872234567424\n"
    b"agi_arg_1: first\n"
    b"agi_arg_2: second arg\n"
    b"\n"
)

USAGE_520 = (
    b"520-Invalid command syntax.  Proper usage follows:\n"
    b" Usage: STREAM FILE <filename> <escape digits> [<sample offset>]\n"
    b"   Send the given file, allowing playback to be interrupted by the given\n"
    b"520 End of proper usage.\n"
)


def feed_in_chunks(conn: AgiConnection, data: bytes, cuts: list[int]) -> list[AgiEvent]:
    events: list[AgiEvent] = []
    start = 0
    for cut in [*sorted(cuts), len(data)]:
        if cut > start:
            events.extend(conn.receive_data(data[start:cut]))
            start = cut
    return events


def connected() -> AgiConnection:
    conn = AgiConnection()
    events = conn.receive_data(HEADERS)
    assert len(events) == 1 and isinstance(events[0], AgiRequest)
    return conn


def split_like_res_agi(line: str) -> list[str]:
    """Test oracle: how res_agi splits a command line into words (quotes, backslash)."""
    words: list[str] = []
    current: list[str] = []
    quoted = escaped = in_word = False
    for ch in line:
        if escaped:
            current.append(ch)
            escaped, in_word = False, True
        elif ch == "\\":
            escaped = in_word = True
        elif ch == '"':
            quoted, in_word = not quoted, True
        elif ch in " \t" and not quoted:
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        else:
            current.append(ch)
            in_word = True
    if in_word:
        words.append("".join(current))
    return words


def test_given_header_block_when_blank_line_arrives_then_request_has_script_and_args() -> None:
    conn = AgiConnection()
    events = conn.receive_data(HEADERS)
    assert len(events) == 1
    request = events[0]
    assert isinstance(request, AgiRequest)
    assert request.script == "hello"
    assert request.args == ("first", "second arg")
    assert request.caller_id == "1001"
    assert request.headers["agi_calleridname"] == "Alice Example"
    assert request.headers["agi_accountcode"] == ""
    assert conn.state is AgiState.IDLE


def test_given_headers_split_at_every_single_point_then_the_same_request_comes_out() -> None:
    expected = AgiConnection().receive_data(HEADERS)
    for cut in range(len(HEADERS) + 1):
        assert feed_in_chunks(AgiConnection(), HEADERS, [cut]) == expected, cut


def test_given_headers_fed_byte_by_byte_then_the_request_comes_out_once() -> None:
    conn = AgiConnection()
    events = feed_in_chunks(conn, HEADERS, list(range(len(HEADERS))))
    assert [type(e) for e in events] == [AgiRequest]


@settings(max_examples=150, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=len(HEADERS)), max_size=12))
def test_given_any_chunking_of_headers_then_request_is_identical(cuts: list[int]) -> None:
    expected = AgiConnection().receive_data(HEADERS)
    assert feed_in_chunks(AgiConnection(), HEADERS, cuts) == expected


def test_given_script_only_in_agi_request_then_path_is_taken_from_the_url() -> None:
    conn = AgiConnection()
    [request] = conn.receive_data(b"agi_request: agi://10.0.0.1:4573/queue/in?lang=fr\n\n")
    assert isinstance(request, AgiRequest)
    assert request.script == "queue/in"


def test_given_crlf_line_endings_then_they_are_accepted() -> None:
    conn = AgiConnection()
    [request] = conn.receive_data(b"agi_network_script: hello\r\nagi_callerid: 42\r\n\r\n")
    assert isinstance(request, AgiRequest)
    assert request.caller_id == "42"


@pytest.mark.parametrize(
    ("line", "result", "data", "options"),
    [
        ("200 result=0", "0", "", {}),
        ("200 result=1 (hello world)", "1", "hello world", {}),
        ("200 result=1 (a (nested) value) endpos=5", "1", "a (nested) value", {"endpos": "5"}),
        ("200 result=0 endpos=160000", "0", "", {"endpos": "160000"}),
        ("200 result= (timeout)", "", "timeout", {}),
        ("200 result=-1", "-1", "", {}),
    ],
)
def test_given_200_reply_variants_then_result_data_and_options_are_split(
    line: str, result: str, data: str, options: dict[str, str]
) -> None:
    reply = parse_reply_line(line)
    assert (reply.code, reply.result, reply.data, dict(reply.options)) == (
        200,
        result,
        data,
        options,
    )
    assert reply.raw == line


def test_given_a_command_when_reply_arrives_split_anywhere_then_one_result() -> None:
    reply = b"200 result=1 (some value) endpos=12\n"
    for cut in range(len(reply) + 1):
        conn = connected()
        conn.send_command("GET VARIABLE", "X")
        [result] = feed_in_chunks(conn, reply, [cut])
        assert isinstance(result, CommandResult)
        assert (result.code, result.result, result.data) == (200, "1", "some value")
        assert conn.state is AgiState.IDLE


def test_given_hangup_between_command_and_reply_then_replies_do_not_shift() -> None:
    conn = connected()
    conn.send_command("GET VARIABLE", "FOO")
    events = conn.receive_data(b"HANGUP\n200 result=1 (foo-value)\n")
    assert events[0] == HangupNotice()
    assert isinstance(events[1], CommandResult) and events[1].data == "foo-value"
    conn.send_command("GET VARIABLE", "BAR")
    [second] = conn.receive_data(b"200 result=1 (bar-value)\n")
    assert isinstance(second, CommandResult) and second.data == "bar-value"
    assert conn.hangup_received


def test_given_hangup_split_around_reply_bytes_every_way_then_same_events() -> None:
    stream = b"HANGUP\n200 result=1 (x)\n"
    for cut in range(len(stream) + 1):
        conn = connected()
        conn.send_command("GET VARIABLE", "X")
        events = feed_in_chunks(conn, stream, [cut])
        assert [type(e) for e in events] == [HangupNotice, CommandResult], cut


def test_given_hangup_after_reply_while_idle_then_it_is_a_notice_not_an_error() -> None:
    conn = connected()
    conn.send_command("ANSWER")
    events = conn.receive_data(b"200 result=0\nHANGUP\n")
    assert [type(e) for e in events] == [CommandResult, HangupNotice]
    assert conn.state is AgiState.IDLE
    conn.send_command("SET VARIABLE", "A", "b")
    [dead] = conn.receive_data(
        b"511 Command Not Permitted on a dead channel or intercept routine\n"
    )
    assert isinstance(dead, CommandResult) and dead.code == 511


def test_given_multiline_520_fed_byte_by_byte_then_one_result_with_usage_text() -> None:
    conn = connected()
    conn.send_command("STREAM FILE")
    events = feed_in_chunks(conn, USAGE_520, list(range(len(USAGE_520))))
    assert len(events) == 1
    result = events[0]
    assert isinstance(result, CommandResult)
    assert result.code == 520
    assert "Usage: STREAM FILE" in result.data
    assert result.raw.endswith("520 End of proper usage.")
    assert conn.state is AgiState.IDLE


def test_given_single_line_520_and_510_then_they_are_plain_error_results() -> None:
    conn = connected()
    conn.send_command("STREAM FILE")
    [syntax] = conn.receive_data(b"520 Invalid command syntax.  Proper usage not available.\n")
    conn.send_command("NOT A COMMAND")
    [unknown] = conn.receive_data(b"510 Invalid or unknown command\n")
    assert isinstance(syntax, CommandResult) and syntax.code == 520
    assert isinstance(unknown, CommandResult)
    assert unknown.code == 510 and unknown.data == "Invalid or unknown command"


def test_given_eof_then_connection_closed_and_further_data_is_an_error() -> None:
    conn = connected()
    assert conn.receive_data(b"") == [ConnectionClosed()]
    assert conn.receive_data(b"") == []
    with pytest.raises(AgiProtocolError):
        conn.receive_data(b"200 result=0\n")


def test_given_eof_before_headers_then_connection_closed_without_request() -> None:
    conn = AgiConnection()
    assert conn.receive_data(b"") == [ConnectionClosed()]
    assert conn.state is AgiState.CLOSED


@pytest.mark.parametrize(
    ("junk", "reason"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "malformed AGI header line"),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "binary data"),
        (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "malformed AGI header line"),
        (b"\n", "empty AGI header block"),
        (b"agi_x: \x00\x01\n", "binary data"),
    ],
)
def test_given_garbage_before_headers_then_protocol_error_with_reason(
    junk: bytes, reason: str
) -> None:
    conn = AgiConnection()
    with pytest.raises(AgiProtocolError, match=reason):
        conn.receive_data(junk)
    assert conn.state is AgiState.FAILED
    with pytest.raises(AgiProtocolError):
        conn.receive_data(b"agi_network: yes\n")


def test_given_a_line_without_newline_beyond_limit_then_error_without_buffering_more() -> None:
    conn = AgiConnection(max_line_bytes=100)
    conn.receive_data(b"agi_network: " + b"y" * 80)
    with pytest.raises(AgiProtocolError, match="longer than 100"):
        conn.receive_data(b"y" * 30)


def test_given_too_many_header_lines_then_error() -> None:
    conn = AgiConnection(max_header_lines=5)
    lines = b"".join(b"agi_h%d: v\n" % i for i in range(6))
    with pytest.raises(AgiProtocolError, match="more than 5"):
        conn.receive_data(lines)


def test_given_reply_with_no_command_outstanding_then_protocol_error() -> None:
    conn = connected()
    with pytest.raises(AgiProtocolError, match="no command outstanding"):
        conn.receive_data(b"200 result=1\n")


def test_given_non_reply_text_while_awaiting_then_protocol_error() -> None:
    conn = connected()
    conn.send_command("ANSWER")
    with pytest.raises(AgiProtocolError, match="not an AGI reply"):
        conn.receive_data(b"hello there\n")


def test_given_command_outstanding_when_sending_another_then_usage_error() -> None:
    conn = connected()
    conn.send_command("ANSWER")
    with pytest.raises(AgiUsageError):
        conn.send_command("HANGUP")


def test_given_headers_not_complete_when_sending_command_then_usage_error() -> None:
    with pytest.raises(AgiUsageError):
        AgiConnection().send_command("ANSWER")


def test_given_arguments_with_spaces_and_quotes_then_they_are_quoted() -> None:
    assert format_command("SET VARIABLE", "X", "a b") == b'SET VARIABLE X "a b"\n'
    assert format_command("SET VARIABLE", "X", 'say "hi"') == b'SET VARIABLE X "say \\"hi\\""\n'
    assert format_command("STREAM FILE", "beep", "") == b'STREAM FILE beep ""\n'
    assert format_command("VERBOSE", "x", 3) == b"VERBOSE x 3\n"


@pytest.mark.parametrize("bad", ["line\nbreak", "cr\rhere", "nul\x00byte"])
def test_given_newline_or_nul_in_argument_then_clear_error(bad: str) -> None:
    with pytest.raises(AgiArgumentError, match="cannot contain"):
        format_command("SET VARIABLE", "X", bad)


def test_given_newline_in_command_then_error_and_state_unchanged() -> None:
    conn = connected()
    with pytest.raises(AgiArgumentError):
        conn.send_command("ANSWER\nHANGUP")
    assert conn.state is AgiState.IDLE


@settings(max_examples=200, deadline=None)
@given(
    args=st.lists(
        st.text(
            alphabet=st.characters(blacklist_characters="\n\r\x00", blacklist_categories=["Cs"]),
            max_size=20,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_given_any_arguments_then_asterisk_style_splitting_recovers_them(args: list[str]) -> None:
    line = format_command("SET VARIABLE", *args).decode("utf-8").rstrip("\n")
    assert split_like_res_agi(line) == ["SET", "VARIABLE", *args]
