"""The HTTP/1.1 client ARI's REST calls use: the pure response parser fed
whole, byte by byte and with garbage, and the pool against real sockets."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import pytest
import uvloop
from hypothesis import given, settings
from hypothesis import strategies as st

from ari_apps.ari.http1 import (
    MAX_HEAD_BYTES,
    ClosedUnanswered,
    Http1Pool,
    ProtocolError,
    Response,
    ResponseParser,
    whole_response,
)

JSON_RESPONSE = (
    b"HTTP/1.1 200 OK\r\nServer: Asterisk/22.10.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 13\r\n\r\n"
    b'{"id": "c-1"}'
)
CHUNKED_RESPONSE = (
    b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"
)


def parse_whole(data: bytes) -> Response | None:
    return ResponseParser().feed(data)


def parse_in_pieces(data: bytes, cuts: list[int]) -> Response | None:
    parser = ResponseParser()
    result = None
    start = 0
    for cut in [*sorted(cuts), len(data)]:
        piece = parser.feed(data[start:cut])
        start = cut
        if piece is not None:
            assert result is None, "a second response from one parser"
            result = piece
    return result


def test_content_length_response_is_framed_with_headers_lower_cased() -> None:
    response = parse_whole(JSON_RESPONSE)

    assert response == Response(
        200,
        {"server": "Asterisk/22.10.1", "content-type": "application/json", "content-length": "13"},
        b'{"id": "c-1"}',
        keep_alive=True,
    )


@given(st.lists(st.integers(0, len(JSON_RESPONSE)), max_size=12))
def test_any_split_of_a_response_gives_the_same_response(cuts: list[int]) -> None:
    assert parse_in_pieces(JSON_RESPONSE, cuts) == parse_whole(JSON_RESPONSE)


@given(st.lists(st.integers(0, len(CHUNKED_RESPONSE)), max_size=12))
def test_any_split_of_a_chunked_response_gives_the_body_joined(cuts: list[int]) -> None:
    response = parse_in_pieces(CHUNKED_RESPONSE, cuts)

    assert response is not None
    assert (response.status, response.body) == (201, b"hello, world")


def test_byte_by_byte_the_response_completes_only_on_its_last_byte() -> None:
    parser = ResponseParser()
    results = [parser.feed(JSON_RESPONSE[i : i + 1]) for i in range(len(JSON_RESPONSE))]

    assert results[:-1] == [None] * (len(JSON_RESPONSE) - 1)
    assert results[-1] == parse_whole(JSON_RESPONSE)


def test_no_content_and_zero_length_have_empty_bodies() -> None:
    assert parse_whole(b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n") == Response(
        204, {"content-length": "5"}, b"", keep_alive=True
    )
    response = parse_whole(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert response is not None and response.body == b""


def test_interim_100_continue_is_skipped() -> None:
    response = parse_whole(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")

    assert response is not None and response.status == 204


def test_connection_close_and_http_1_0_are_not_kept_alive() -> None:
    closing = parse_whole(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
    old = parse_whole(b"HTTP/1.0 204 No Content\r\n\r\n")
    old_keep = parse_whole(b"HTTP/1.0 204 No Content\r\nConnection: Keep-Alive\r\n\r\n")

    assert closing is not None and not closing.keep_alive
    assert old is not None and not old.keep_alive
    assert old_keep is not None and old_keep.keep_alive


def test_body_without_framing_runs_until_the_server_closes() -> None:
    parser = ResponseParser()
    assert parser.feed(b"HTTP/1.1 200 OK\r\n\r\npart one, ") is None
    assert parser.feed(b"part two") is None

    response = parser.feed_eof()

    assert response == Response(200, {}, b"part one, part two", keep_alive=False)


def test_bytes_after_the_response_are_kept_as_leftover() -> None:
    parser = ResponseParser()

    parser.feed(JSON_RESPONSE + b"HTTP/1.1 204")
    parser.feed(b" No Content\r\n\r\n")

    assert parser.leftover == b"HTTP/1.1 204 No Content\r\n\r\n"


def test_close_before_any_byte_is_unanswered_and_mid_response_is_a_protocol_error() -> None:
    with pytest.raises(ClosedUnanswered):
        ResponseParser().feed_eof()
    parser = ResponseParser()
    parser.feed(JSON_RESPONSE[:-3])
    with pytest.raises(ProtocolError, match="mid-response"):
        parser.feed_eof()


@pytest.mark.parametrize(
    ("garbage", "reason"),
    [
        (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/2 200\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 2000 OK\r\n\r\n", "bad status code"),
        (b"HTTP/1.1 20x OK\r\n\r\n", "bad status code"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header"),
        (b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "malformed header"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad content-length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", "conflicting content-length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported transfer-encoding"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY",
            "not followed by CRLF",
        ),
        (b"HTTP/1.1 200 OK\r\n" + b"X: " + b"a" * MAX_HEAD_BYTES, "head longer"),
    ],
)
def test_garbage_is_a_protocol_error_naming_what_is_wrong(garbage: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        ResponseParser().feed(garbage)


@given(st.binary(max_size=300))
def test_random_bytes_give_a_response_none_or_a_protocol_error(data: bytes) -> None:
    parser = ResponseParser()
    try:
        result = parser.feed(data)
    except ProtocolError:
        return
    assert result is None or isinstance(result, Response)


def parse_by_states(data: bytes) -> Response | None:
    """The parser's states alone: a first read of one byte never takes the
    whole-response path (``whole_response``)."""
    parser = ResponseParser()
    first = parser.feed(data[:1])
    return first if first is not None else parser.feed(data[1:])


def test_every_kind_of_ari_answer_takes_the_whole_response_path() -> None:
    head = (
        "Server: Asterisk/22.10.1+dfsg+~cs6.17.60671434-1\r\n"
        "Date: Sun, 06 Dec 2026 12:04:57 GMT\r\nCache-Control: no-cache, no-store\r\n"
    )
    answers = [
        JSON_RESPONSE,
        f"HTTP/1.1 204 No Content\r\n{head}\r\n".encode(),
        f"HTTP/1.1 404 Not found\r\n{head}Content-type: application/json\r\n"
        'Content-Length: 30\r\n\r\n{"message":"Bridge not found"}'.encode(),
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ]
    for answer in answers:
        whole = whole_response(answer)
        assert whole is not None, answer
        assert whole == parse_by_states(answer) == parse_whole(answer)
    assert whole_response(answers[-1]) == Response(
        200, {"content-length": "0", "connection": "close"}, b"", keep_alive=False
    )


T = TypeVar("T")

# Mostly what servers send, sometimes what must send a response to the
# parser's states instead: odd whitespace, non-ASCII, colons, line breaks.
_ODD_CHARS = [" ", "\t", ":", "\x85", "\xa0", "\xe9", "\u00b2", "\r", "\n", "\x0b"]
_PLAIN_NAMES = st.sampled_from(["Server", "Date", "Content-type", "X-A", "Connection"])
_HEADER_NAMES = st.one_of(
    _PLAIN_NAMES,
    _PLAIN_NAMES,
    _PLAIN_NAMES,
    st.sampled_from(["content-length", "CONNECTION"]),
    st.text(alphabet=st.sampled_from([*"aZ-09", *_ODD_CHARS]), max_size=6),
)
_PLAIN_VALUES = st.sampled_from(["Asterisk/22", "no-cache, no-store", "", " x ", "close", "\xe9"])
_HEADER_VALUES = st.one_of(
    _PLAIN_VALUES,
    _PLAIN_VALUES,
    _PLAIN_VALUES,
    st.text(alphabet=st.sampled_from([*"aZ-09,", *_ODD_CHARS]), max_size=6),
)


def _mostly(usual: list[T], odd: list[T]) -> st.SearchStrategy[T]:
    return st.sampled_from(usual * 12 + odd)


@st.composite
def responses(draw: st.DrawFn) -> bytes:
    version = draw(_mostly(["HTTP/1.1", "HTTP/1.0"], ["HTTP/2", "http/1.1", "HTTP/1.1 "]))
    code = draw(_mostly(["200", "204", "404"], ["304", "100", "2000", "20x", "\u00b200"]))
    reason = draw(_mostly([" OK", ""], ["  OK", " Not\tfound", "\tOK"]))
    body = draw(st.binary(max_size=6))
    headers = draw(st.lists(st.tuples(_HEADER_NAMES, _HEADER_VALUES), max_size=3))
    lines = [f"{name}:{value}" for name, value in headers]
    lengths: list[int | str | None] = [None, len(body) + 1, f" {len(body)} ", "1, 1", "-0"]
    length = draw(_mostly([len(body)], lengths))
    if length is not None:
        lines.append(f"Content-Length: {length}")
    head = "\r\n".join([f"{version} {code}{reason}", *lines]) + "\r\n\r\n"
    tail = draw(_mostly([b""], [b"X", b"HTTP/1.1 200 OK\r\n"]))
    return head.encode("latin-1", errors="replace") + body + tail


# About one drawn response in eight takes the whole-response path.
@settings(max_examples=600)
@given(responses())
def test_the_whole_response_path_agrees_with_the_parser_states_or_leaves_it_to_them(
    data: bytes,
) -> None:
    whole = whole_response(data)
    if whole is None:
        return
    assert parse_by_states(data) == whole
    parser = ResponseParser()
    assert parser.feed(data) == whole
    assert parser.leftover == b""


# -- the pool over real loopback sockets ----------------------------------------

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[int]]]:
    servers: list[asyncio.Server] = []
    writers: list[asyncio.StreamWriter] = []

    async def start(handler: Handler) -> int:
        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writers.append(writer)
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
                await handler(reader, writer)

        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        servers.append(server)
        port: int = server.sockets[0].getsockname()[1]
        return port

    yield start
    for server in servers:
        server.close()
    # Python 3.11's Server.close() leaves accepted connections open.
    for writer in writers:
        writer.close()
    await asyncio.sleep(0)


def pool_for(port: int, limit: int = 4) -> Http1Pool:
    return Http1Pool("127.0.0.1", port, ssl_context=None, limit=limit, keepalive_s=5.0)


REQUEST = b"POST /ari/channels/c1/answer HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"


async def answer_each_request(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    answer: bytes,
    *,
    delay_s: float = 0,
    heads: list[bytes] | None = None,
) -> None:
    """Serve one keep-alive connection until the client closes it, noting each
    request's head in ``heads`` as it comes."""
    with contextlib.suppress(asyncio.IncompleteReadError):
        while head := await reader.readuntil(b"\r\n\r\n"):
            if heads is not None:
                heads.append(head)
            await asyncio.sleep(delay_s)
            writer.write(answer)
            await writer.drain()


async def test_keep_alive_reuses_one_connection_for_sequential_requests(
    serve: Callable[[Handler], Awaitable[int]],
) -> None:
    connections = 0
    heads: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await answer_each_request(reader, writer, NO_CONTENT, heads=heads)

    pool = pool_for(await serve(handler))
    for _ in range(5):
        assert (await pool.request(REQUEST)).status == 204
    pool.close()

    assert (connections, len(heads)) == (1, 5)


async def test_connection_close_answer_is_not_reused(
    serve: Callable[[Handler], Awaitable[int]],
) -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    pool = pool_for(await serve(handler))
    bodies = [(await pool.request(REQUEST)).body for _ in range(3)]
    pool.close()

    assert bodies == [b"ok"] * 3
    assert connections == 3


async def test_concurrent_requests_never_open_more_than_the_limit(
    serve: Callable[[Handler], Awaitable[int]],
) -> None:
    open_now = 0
    most_open = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now, most_open
        open_now += 1
        most_open = max(most_open, open_now)
        try:
            await answer_each_request(reader, writer, NO_CONTENT, delay_s=0.01)
        finally:
            open_now -= 1

    pool = pool_for(await serve(handler), limit=3)
    responses = await asyncio.gather(*(pool.request(REQUEST) for _ in range(20)))
    pool.close()

    assert [r.status for r in responses] == [204] * 20
    assert most_open == 3


async def test_garbage_from_the_server_fails_the_request_and_drops_the_connection(
    serve: Callable[[Handler], Awaitable[int]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"220 smtp.example ESMTP ready\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(1)

    pool = pool_for(await serve(handler))
    with pytest.raises(ProtocolError):
        await pool.request(REQUEST)

    assert pool.idle_connections == 0
    pool.close()


async def test_a_cancelled_request_does_not_leave_its_connection_for_the_next(
    serve: Callable[[Handler], Awaitable[int]],
) -> None:
    answers = [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond"]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        answer = answers.pop(0)
        if not answer:
            # Never answers the first request in time; a late answer on this
            # connection must not reach the second request.
            await asyncio.sleep(0.3)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
        else:
            writer.write(answer)
        await writer.drain()

    pool = pool_for(await serve(handler))
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await pool.request(REQUEST)
    second = await pool.request(REQUEST)
    pool.close()

    assert second.body == b"second"


async def test_an_answer_overdue_times_out_and_its_connection_is_not_reused(
    serve: Callable[[Handler], Awaitable[int]],
) -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        # The first connection answers too late; later ones at once.
        await answer_each_request(reader, writer, NO_CONTENT, delay_s=0.5 * (connections == 1))

    pool = pool_for(await serve(handler))
    with pytest.raises(TimeoutError):
        await pool.request(REQUEST, timeout_s=0.05)
    second = await pool.request(REQUEST, timeout_s=5)
    pool.close()

    assert (second.status, connections) == (204, 2)


async def test_each_exchange_in_flight_times_out_at_its_own_deadline(
    serve: Callable[[Handler], Awaitable[int]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await answer_each_request(reader, writer, NO_CONTENT, delay_s=0.3)

    pool = pool_for(await serve(handler))
    # The patient one is first in flight, its deadline far off: the impatient
    # one must time out long before the server answers either.
    patient = asyncio.ensure_future(pool.request(REQUEST, timeout_s=5))
    await asyncio.sleep(0.01)
    with pytest.raises(TimeoutError):
        await pool.request(REQUEST, timeout_s=0.05)
    assert (await patient).status == 204
    pool.close()


async def test_waiting_for_a_free_connection_counts_against_the_timeout(
    serve: Callable[[Handler], Awaitable[int]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await answer_each_request(reader, writer, NO_CONTENT, delay_s=0.3)

    pool = pool_for(await serve(handler), limit=1)
    busy = asyncio.ensure_future(pool.request(REQUEST))
    await asyncio.sleep(0.01)
    with pytest.raises(TimeoutError):
        await pool.request(REQUEST, timeout_s=0.05)
    assert (await busy).status == 204
    pool.close()


def test_the_pool_works_on_uvloop_which_hotline_runs_on() -> None:
    # uvloop's transports are not asyncio.Transport subclasses.
    async def scenario() -> list[bytes]:
        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await answer_each_request(
                reader, writer, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
            )
            writer.close()

        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        pool = pool_for(server.sockets[0].getsockname()[1])
        try:
            return [(await pool.request(REQUEST)).body for _ in range(3)]
        finally:
            pool.close()
            server.close()

    assert uvloop.run(scenario()) == [b"ok"] * 3
