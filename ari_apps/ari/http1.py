"""A small HTTP/1.1 keep-alive client for ARI's REST calls.

Why not aiohttp's client (still used for the events websocket): every call
makes about a dozen REST requests, and under ``make bench`` aiohttp's
per-request machinery (request/response objects, cookie jar, multidicts,
tracing hooks, a writer task) was the largest single share of Hotline's
CPU.  Measured here against a loopback server: 0.15 ms of client CPU per
request with aiohttp, 0.03 ms with a plain keep-alive exchange.

ARI needs little of HTTP: one request at a time per connection, JSON or
empty bodies, answers framed by Content-Length (chunked and read-to-close
are handled too, for proxies in front of Asterisk).  ``ResponseParser`` is
pure (bytes in, a response out) and tested byte by byte and with garbage.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from typing import Final, cast

MAX_HEAD_BYTES: Final = 64 * 1024
MAX_CHUNK_LINE_BYTES: Final = 1024
# Statuses that never carry a body (RFC 9112 section 6.3).
_NO_BODY_STATUSES: Final = frozenset({204, 304})


class ProtocolError(Exception):
    """The server's bytes are not an HTTP/1.x response we can frame."""


class ClosedUnanswered(ConnectionError):
    """The server closed the connection before sending any of the response."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    # Lower-cased names; a repeated header's values joined with ", ".
    headers: dict[str, str]
    body: bytes
    keep_alive: bool


class ResponseParser:
    """Frames one response from the bytes fed to it.

    ``feed`` returns the response once it is complete (and None until then);
    ``feed_eof`` is for the server closing the connection.  Bytes after the
    response are kept in ``leftover``: we never pipeline, so any means the
    connection is out of step and must not be reused.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._state = "head"
        self._status = 0
        self._headers: dict[str, str] = {}
        self._keep_alive = True
        self._remaining = 0
        self._body = bytearray()
        self.received_any = False
        self.leftover = b""

    def feed(self, data: bytes) -> Response | None:
        if self._state == "done":
            self.leftover += data
            return None
        if data:
            self.received_any = True
            if self._state == "head" and not self._buffer:
                whole = whole_response(data)
                if whole is not None:
                    self._state = "done"
                    return whole
        self._buffer += data
        while True:
            progressed = self._step()
            if self._state == "done":
                self.leftover = bytes(self._buffer)
                self._buffer.clear()
                return self._response()
            if not progressed:
                return None

    def feed_eof(self) -> Response | None:
        """The server closed: the response if that completes it, else an error."""
        if self._state == "done":
            return None
        if self._state == "until_close":
            self._body += self._buffer
            self._buffer.clear()
            self._state = "done"
            return self._response()
        if not self.received_any:
            raise ClosedUnanswered("connection closed before any response")
        raise ProtocolError(f"connection closed mid-response (while reading {self._state})")

    def _response(self) -> Response:
        return Response(self._status, self._headers, bytes(self._body), self._keep_alive)

    def _step(self) -> bool:
        match self._state:
            case "head":
                return self._read_head()
            case "length":
                return self._read_counted(then="done")
            case "chunk_size":
                return self._read_chunk_size()
            case "chunk_data":
                return self._read_counted(then="chunk_end")
            case "chunk_end":
                if len(self._buffer) < 2:
                    return False
                if self._buffer[:2] != b"\r\n":
                    raise ProtocolError("chunk data not followed by CRLF")
                del self._buffer[:2]
                self._state = "chunk_size"
                return True
            case "trailers":
                return self._read_trailers()
            case "until_close":
                self._body += self._buffer
                self._buffer.clear()
                return False
        raise AssertionError(f"unknown parser state {self._state}")

    def _read_counted(self, *, then: str) -> bool:
        """Move up to ``_remaining`` body bytes; at zero, go to state ``then``."""
        take = min(self._remaining, len(self._buffer))
        self._body += self._buffer[:take]
        del self._buffer[:take]
        self._remaining -= take
        if self._remaining == 0:
            self._state = then
            return True
        return False

    def _read_head(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                raise ProtocolError(f"response head longer than {MAX_HEAD_BYTES} bytes")
            return False
        if end > MAX_HEAD_BYTES:
            raise ProtocolError(f"response head longer than {MAX_HEAD_BYTES} bytes")
        head = bytes(self._buffer[:end])
        del self._buffer[: end + 4]
        status_line, *header_lines = head.split(b"\r\n")
        version, status = _parse_status_line(status_line)
        headers: dict[str, str] = {}
        for line in header_lines:
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip() or b" " in name:
                raise ProtocolError(f"malformed header line {line[:80]!r}")
            key = name.decode("ascii", errors="replace").lower()
            text = value.strip().decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        if 100 <= status < 200:
            # An interim answer (we never send Expect, but a proxy might):
            # the real response follows.
            return True
        self._status = status
        self._headers = headers
        self._keep_alive = _keeps_alive(version, headers)
        self._choose_framing(status, headers)
        return True

    def _choose_framing(self, status: int, headers: dict[str, str]) -> None:
        if status in _NO_BODY_STATUSES:
            self._state = "done"
            return
        encoding = headers.get("transfer-encoding", "").lower()
        if encoding:
            if encoding.split(",")[-1].strip() != "chunked":
                raise ProtocolError(f"unsupported transfer-encoding {encoding!r}")
            self._state = "chunk_size"
            return
        if "content-length" in headers:
            self._remaining = _parse_length(headers["content-length"])
            self._state = "length" if self._remaining else "done"
            return
        # No framing: the body runs until the server closes.
        self._keep_alive = False
        self._state = "until_close"

    def _take_line(self, limit: int, what: str) -> bytes | None:
        """The next CRLF-ended line without its CRLF, or None until it is complete."""
        end = self._buffer.find(b"\r\n")
        if end < 0:
            if len(self._buffer) > limit:
                raise ProtocolError(f"{what} too long")
            return None
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 2]
        return line

    def _read_chunk_size(self) -> bool:
        size_line = self._take_line(MAX_CHUNK_LINE_BYTES, "chunk size line")
        if size_line is None:
            return False
        line = size_line.split(b";", 1)[0].strip()
        try:
            if not line or not all(chr(c) in "0123456789abcdefABCDEF" for c in line):
                raise ValueError
            size = int(line, 16)
        except ValueError:
            raise ProtocolError(f"bad chunk size {line[:20]!r}") from None
        if size == 0:
            self._state = "trailers"
        else:
            self._remaining = size
            self._state = "chunk_data"
        return True

    def _read_trailers(self) -> bool:
        line = self._take_line(MAX_HEAD_BYTES, "chunked trailers")
        if line is None:
            return False
        if not line:
            self._state = "done"
        return True


# What ``bytes.strip()`` removes, for the same result on a latin-1 ``str``
# (whose ``strip()`` would also take "\x85" and "\xa0").
_ASCII_WHITESPACE: Final = " \t\n\r\x0b\x0c"
_STATUS_LINE_START: Final = ("HTTP/1.1 ", "HTTP/1.0 ")


def whole_response(data: bytes) -> Response | None:
    """The common case in one go: ``data`` is exactly one complete response
    framed by Content-Length, with plain headers, each named once.

    Anything else (a partial read, chunks, an interim answer, a repeated or
    odd header, bytes past the body, garbage) returns None, for
    ``ResponseParser``'s states to frame or reject.  Every ARI answer is the
    common case, and this is about a quarter of the states' CPU (a dozen
    answers a call under ``make bench``: 13 us each through the states).
    """
    end = data.find(b"\r\n\r\n")
    if end < 0 or end > MAX_HEAD_BYTES:
        return None
    status_line, *header_lines = data[:end].decode("latin-1").split("\r\n")
    if not status_line.startswith(_STATUS_LINE_START):
        return None
    code = status_line[9:12]
    if not (code.isascii() and code.isdigit() and len(code) == 3):
        return None
    if status_line[12:13] not in ("", " "):  # "HTTP/1.1 2000" is the states' error to report
        return None
    status = int(code)
    if status < 200:
        return None
    headers: dict[str, str] = {}
    for line in header_lines:
        name, colon, value = line.partition(":")
        key = name.lower()
        if (
            not colon
            or not name
            or not name.isascii()
            or name != name.strip(_ASCII_WHITESPACE)
            or " " in name
            or key in headers
        ):
            return None
        headers[key] = value.strip(_ASCII_WHITESPACE)
    if "transfer-encoding" in headers:
        return None
    body_start = end + 4
    if status in _NO_BODY_STATUSES:
        if len(data) != body_start:
            return None
        body = b""
    else:
        length = headers.get("content-length")
        if length is None or not length.isdigit() or not length.isascii():
            return None
        if len(data) - body_start != int(length):
            return None
        body = data[body_start:]
    return Response(status, headers, body, _keeps_alive(status_line[:8], headers))


def _keeps_alive(version: str, headers: dict[str, str]) -> bool:
    """HTTP/1.0 closes unless asked to keep alive, HTTP/1.1 keeps alive unless told to close."""
    connection = headers.get("connection", "").lower()
    if version == "HTTP/1.0":
        return "keep-alive" in connection
    return "close" not in connection


def _parse_status_line(line: bytes) -> tuple[str, int]:
    parts = line.split(b" ", 2)
    if len(parts) < 2 or parts[0] not in (b"HTTP/1.1", b"HTTP/1.0"):
        raise ProtocolError(f"not an HTTP/1.x status line: {line[:80]!r}")
    code = parts[1]
    if len(code) != 3 or not code.isdigit():
        raise ProtocolError(f"bad status code {code[:10]!r}")
    return parts[0].decode("ascii"), int(code)


def _parse_length(value: str) -> int:
    # Repeated identical Content-Length headers are allowed (RFC 9110 8.6).
    values = {part.strip() for part in value.split(",")}
    if len(values) != 1:
        raise ProtocolError(f"conflicting content-length {value!r}")
    (single,) = values
    if not single.isdigit():
        raise ProtocolError(f"bad content-length {value!r}")
    return int(single)


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser: ResponseParser | None = None
        self._waiter: asyncio.Future[Response] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TCP transport is not an asyncio.Transport subclass, but
        # has its interface: no isinstance check here.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        waiter, parser = self._waiter, self._parser
        if waiter is None or parser is None or waiter.done():
            # Bytes nobody asked for: the connection is out of step.
            self.close()
            return
        try:
            response = parser.feed(data)
        except ProtocolError as exc:
            waiter.set_exception(exc)
            self.close()
            return
        if response is not None:
            if parser.leftover:
                self.close()
            waiter.set_result(response)

    def eof_received(self) -> bool:
        return False  # let the transport close; connection_lost settles the waiter

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter, parser = self._waiter, self._parser
        if waiter is None or parser is None or waiter.done():
            return
        try:
            response = parser.feed_eof()
        except (ProtocolError, ClosedUnanswered) as error:
            waiter.set_exception(error)
            return
        if response is None:  # pragma: no cover - done responses settle the waiter first
            waiter.set_exception(ProtocolError("connection closed"))
        else:
            waiter.set_result(response)

    async def exchange(self, request: bytes) -> Response:
        assert self.transport is not None
        if self.closed or self.transport.is_closing():
            raise ClosedUnanswered("connection already closed")
        self._parser = ResponseParser()
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        try:
            return await self._waiter
        finally:
            self._waiter = None
            self._parser = None

    def time_out(self) -> None:
        """The answer is overdue: the exchange raises TimeoutError (and the
        pool drops the connection, whose state is then unknown)."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(TimeoutError())

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Http1Pool:
    """Keep-alive connections to one server, at most ``limit`` at a time.

    A request that finds its connection closed before any answer is sent
    again once on a fresh connection: the server processed nothing (a
    keep-alive connection it had just dropped, or a session over its limit).

    ``timeout_s`` bounds a whole request.  While it waits for its answer,
    which is nearly always, one timer serves every request in flight (the
    oldest deadline's; ``_watch``); only waiting for a free slot or for a new
    connection takes a timeout of its own.  An ``asyncio.timeout`` around
    every request, a timer made and cancelled each time, cost about 5 us of
    the 45 us of CPU a request takes here (a dozen requests a call under
    ``make bench``).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext | None,
        limit: int,
        keepalive_s: float,
    ) -> None:
        self._host = host
        self._port = port
        self._ssl = ssl_context
        self._limit = limit
        self._keepalive_s = keepalive_s
        self._idle: list[_Connection] = []
        self._slots: asyncio.Semaphore | None = None
        self._closed = False
        # Exchanges waiting for their answer, with their deadlines (loop time).
        self._deadlines: dict[_Connection, float] = {}
        self._watcher: asyncio.TimerHandle | None = None
        self._watcher_at = 0.0

    @property
    def idle_connections(self) -> int:
        return sum(1 for connection in self._idle if not connection.closed)

    async def request(self, request: bytes, timeout_s: float | None = None) -> Response:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._limit)
        deadline = None if timeout_s is None else asyncio.get_running_loop().time() + timeout_s
        if self._slots.locked():
            async with asyncio.timeout_at(deadline):
                await self._slots.acquire()
        else:
            await self._slots.acquire()  # a free slot: no wait
        try:
            return await self._request(request, deadline)
        finally:
            self._slots.release()

    async def _request(self, request: bytes, deadline: float | None) -> Response:
        for attempt in (1, 2):
            connection = self._idle_connection()
            if connection is None:
                async with asyncio.timeout_at(deadline):
                    connection = await self._connect()
            if deadline is not None:
                self._watch(connection, deadline)
            try:
                response = await connection.exchange(request)
            except ClosedUnanswered:
                connection.close()
                if attempt == 2:
                    raise
                continue
            except BaseException:
                # A timeout, a cancellation or garbage mid-response: the
                # connection's state is unknown, so it is not reused.
                connection.close()
                raise
            finally:
                self._deadlines.pop(connection, None)
            if response.keep_alive and not connection.closed and not self._closed:
                connection.idle_since = time.monotonic()
                self._idle.append(connection)
            else:
                connection.close()
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _idle_connection(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            # Most recently used first: it is the least likely to be timed out.
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < self._keepalive_s:
                return connection
            connection.close()
        return None

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(
            _Connection, self._host, self._port, ssl=self._ssl
        )
        return protocol

    def _watch(self, connection: _Connection, deadline: float) -> None:
        """Time the exchange out at ``deadline``; the one timer is moved only
        when this deadline comes before the one it is set for."""
        self._deadlines[connection] = deadline
        if self._watcher is None or deadline < self._watcher_at:
            if self._watcher is not None:
                self._watcher.cancel()
            self._watcher_at = deadline
            self._watcher = asyncio.get_running_loop().call_at(deadline, self._time_out_overdue)

    def _time_out_overdue(self) -> None:
        self._watcher = None
        # A timer may fire a hair before its time on the loop's clock.
        now = asyncio.get_running_loop().time() + 0.001
        # At most ``limit`` exchanges are in flight.
        for connection, deadline in list(self._deadlines.items()):
            if deadline <= now:
                del self._deadlines[connection]
                connection.time_out()
        if self._deadlines:
            self._watch_earliest()

    def _watch_earliest(self) -> None:
        deadline = min(self._deadlines.values())
        self._watcher_at = deadline
        self._watcher = asyncio.get_running_loop().call_at(deadline, self._time_out_overdue)

    def close(self) -> None:
        self._closed = True
        for connection in self._idle:
            connection.close()
        self._idle.clear()
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None
