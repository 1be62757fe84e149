"""FastAGI wire protocol as a pure state machine (no sockets, no asyncio).

Bytes from Asterisk go in through ``receive_data``; events come out.  Command
lines to Asterisk come out of ``send_command`` as bytes for the caller to write.

Wire facts this relies on:
- A session opens with ``agi_name: value`` lines ended by one blank line.
- Every command gets exactly one reply: ``200 result=1 (data) endpos=12``, a
  one-line error (``510 ...``, ``511 ...``, ``520 ...``) or a multi-line ``520-``
  block closed by a line starting with ``520 ``.
- When the channel hangs up, Asterisk writes a lone ``HANGUP`` line at any time,
  including between a command and its reply.  Treating it as a reply is what
  shifts every later reply by one, so it is always a separate event here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final

DEFAULT_MAX_LINE_BYTES: Final = 16_384
DEFAULT_MAX_HEADER_LINES: Final = 256
# A ``520-`` usage text is a handful of lines; a runaway block is a broken peer.
MAX_MULTILINE_REPLY_LINES: Final = 500

_HEADER_RE: Final = re.compile(r"^(agi_[A-Za-z0-9_]+):[ \t]?(.*)$")
_REPLY_RE: Final = re.compile(r"^(\d{3})([ -])(.*)$")
# ``(data)`` may itself contain spaces and parentheses; trailing ``key=value``
# options (endpos=..) follow it, so the greedy group stops at the last ``)``
# that is followed only by options.
_DATA_AND_OPTIONS_RE: Final = re.compile(r"^\((.*)\)((?:\s+[A-Za-z_]+=\S*)*)\s*$")
_OPTIONS_RE: Final = re.compile(r"^((?:\s*[A-Za-z_]+=\S*)*)\s*$")
_NEEDS_QUOTES_RE: Final = re.compile(r'[\s"\\]')
# Control bytes never occur in AGI text; they mean a non-AGI client (TLS hello,
# HTTP/2 preface, scanners) and must fail fast, not be buffered.
_BINARY_RE: Final = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HANGUP_LINE: Final = "HANGUP"


class AgiError(Exception):
    """Base of the AGI errors; carries a stable ``error_id`` and ``details``."""

    error_id = "agi_error"
    http_status = 500

    def __init__(self, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


class AgiProtocolError(AgiError):
    """The peer sent something that is not FastAGI; the connection is unusable."""

    error_id = "agi_protocol_error"
    http_status = 502


class AgiArgumentError(AgiError, ValueError):
    """A command or argument cannot be put on the wire (e.g. contains a newline)."""

    error_id = "agi_bad_argument"
    http_status = 400


class AgiUsageError(AgiError):
    """The caller broke the state machine's contract (programming error)."""

    error_id = "agi_usage_error"
    http_status = 500


@dataclass(frozen=True, slots=True)
class AgiRequest:
    """The ``agi_*`` header block; ``script`` is the path part, e.g. ``hello``."""

    headers: Mapping[str, str]
    script: str
    args: tuple[str, ...]

    @property
    def caller_id(self) -> str:
        return self.headers.get("agi_callerid", "")

    @property
    def channel(self) -> str:
        return self.headers.get("agi_channel", "")


@dataclass(frozen=True, slots=True)
class CommandResult:
    """One reply.  ``result`` is the text after ``result=`` (may be empty or -1),
    ``data`` the text in parentheses (or the error text for non-200 replies),
    ``options`` the trailing ``key=value`` pairs such as ``endpos``."""

    code: int
    result: str
    data: str
    raw: str
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code == 200

    @property
    def result_int(self) -> int | None:
        try:
            return int(self.result)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class HangupNotice:
    """Asterisk's asynchronous ``HANGUP`` line: the channel is gone."""


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The peer closed its side (``receive_data(b"")``)."""


AgiEvent = AgiRequest | CommandResult | HangupNotice | ConnectionClosed


class AgiState(Enum):
    READING_HEADERS = "reading_headers"
    IDLE = "idle"
    AWAITING_REPLY = "awaiting_reply"
    CLOSED = "closed"
    FAILED = "failed"


def quote_argument(arg: str | int) -> str:
    """Quote one argument the way res_agi's argument splitter undoes it."""
    text = str(arg)
    if "\n" in text or "\r" in text:
        raise AgiArgumentError(
            "AGI arguments cannot contain newlines (they would end the command line)",
            {"argument": text},
        )
    if "\x00" in text:
        # Asterisk parses the line as a C string: a NUL silently truncates it.
        raise AgiArgumentError("AGI arguments cannot contain NUL bytes", {"argument": text})
    if text and not _NEEDS_QUOTES_RE.search(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def format_command(command: str, *args: str | int) -> bytes:
    """``format_command("SET VARIABLE", "X", "a b")`` -> ``SET VARIABLE X "a b"\\n``."""
    if "\n" in command or "\r" in command:
        raise AgiArgumentError("AGI command cannot contain newlines", {"command": command})
    if not command.strip():
        raise AgiArgumentError("AGI command is empty", {"command": command})
    parts = [command.strip(), *(quote_argument(a) for a in args)]
    return (" ".join(parts) + "\n").encode("utf-8")


def script_from_headers(headers: Mapping[str, str]) -> str:
    """The script path without leading slash and query: ``agi://h:4573/hello?x`` -> ``hello``."""
    script = headers.get("agi_network_script")
    if script is None:
        request = headers.get("agi_request", "")
        _, sep, rest = request.partition("://")
        script = rest.partition("/")[2] if sep else request
    return script.partition("?")[0].strip("/")


def parse_reply_line(line: str) -> CommandResult:
    """Parse a single-line reply such as ``200 result=1 (foo) endpos=3``."""
    match = _REPLY_RE.match(line)
    if match is None or match.group(2) != " ":
        raise AgiProtocolError("not an AGI reply line", {"line": line[:200]})
    code = int(match.group(1))
    rest = match.group(3)
    if code != 200:
        return CommandResult(code=code, result="", data=rest, raw=line)
    if not rest.startswith("result="):
        raise AgiProtocolError("200 reply without result=", {"line": line[:200]})
    result, _, tail = rest[len("result=") :].partition(" ")
    data = ""
    options_text = tail
    data_match = _DATA_AND_OPTIONS_RE.match(tail.strip())
    if data_match is not None:
        data, options_text = data_match.group(1), data_match.group(2)
    elif _OPTIONS_RE.match(tail) is None:
        # Unknown trailing text: keep it rather than failing a valid reply.
        data, options_text = tail.strip(), ""
    options = dict(opt.split("=", 1) for opt in options_text.split())
    return CommandResult(code=code, result=result, data=data, raw=line, options=options)


class AgiConnection:
    """State of one FastAGI connection, seen from the script (server) side."""

    def __init__(
        self,
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        max_header_lines: int = DEFAULT_MAX_HEADER_LINES,
    ) -> None:
        self.max_line_bytes = max_line_bytes
        self.max_header_lines = max_header_lines
        self.state = AgiState.READING_HEADERS
        self.hangup_received = False
        self._buffer = bytearray()
        self._headers: dict[str, str] = {}
        self._multiline: list[str] | None = None
        self._multiline_code = ""

    def send_command(self, command: str, *args: str | int) -> bytes:
        """Bytes to write for ``command``; only one command may be outstanding."""
        if self.state is not AgiState.IDLE:
            raise AgiUsageError(
                f"cannot send a command in state {self.state.value}",
                {"state": self.state.value, "command": command},
            )
        data = format_command(command, *args)
        self.state = AgiState.AWAITING_REPLY
        return data

    def receive_data(self, data: bytes) -> list[AgiEvent]:
        """Feed bytes from the peer; ``b""`` means end of stream."""
        if self.state in (AgiState.CLOSED, AgiState.FAILED):
            if data == b"":
                return []
            raise AgiProtocolError(
                f"data received in state {self.state.value}", {"state": self.state.value}
            )
        if data == b"":
            self.state = AgiState.CLOSED
            return [ConnectionClosed()]
        binary = _BINARY_RE.search(data)
        if binary is not None:
            self.state = AgiState.FAILED
            raise AgiProtocolError(
                "binary data on an AGI connection",
                {"offset": binary.start(), "sample": repr(data[:60])},
            )
        self._buffer += data
        events: list[AgiEvent] = []
        try:
            while True:
                newline = self._buffer.find(b"\n")
                if newline < 0:
                    break
                raw_line = bytes(self._buffer[:newline])
                del self._buffer[: newline + 1]
                self._check_length(len(raw_line))
                event = self._handle_line(_decode_line(raw_line))
                if event is not None:
                    events.append(event)
            # Enforced on the partial line too, so a peer that never sends a
            # newline cannot make us buffer without bound.
            self._check_length(len(self._buffer))
        except AgiProtocolError:
            self.state = AgiState.FAILED
            raise
        return events

    def _check_length(self, length: int) -> None:
        if length > self.max_line_bytes:
            raise AgiProtocolError(
                f"line longer than {self.max_line_bytes} bytes",
                {"limit": self.max_line_bytes, "length": length},
            )

    def _handle_line(self, line: str) -> AgiEvent | None:
        if self.state is AgiState.READING_HEADERS:
            return self._handle_header_line(line)
        if line == HANGUP_LINE:
            self.hangup_received = True
            return HangupNotice()
        if self._multiline is not None:
            return self._continue_multiline(line)
        if self.state is not AgiState.AWAITING_REPLY:
            raise AgiProtocolError("reply received with no command outstanding", {"line": line})
        match = _REPLY_RE.match(line)
        if match is None:
            raise AgiProtocolError("not an AGI reply line", {"line": line[:200]})
        if match.group(2) == "-":
            self._multiline = [line]
            self._multiline_code = match.group(1)
            return None
        self.state = AgiState.IDLE
        return parse_reply_line(line)

    def _continue_multiline(self, line: str) -> CommandResult | None:
        assert self._multiline is not None
        self._multiline.append(line)
        if len(self._multiline) > MAX_MULTILINE_REPLY_LINES:
            raise AgiProtocolError(
                "multi-line reply too long", {"limit": MAX_MULTILINE_REPLY_LINES}
            )
        if not line.startswith(self._multiline_code + " "):
            return None
        lines, self._multiline = self._multiline, None
        self.state = AgiState.IDLE
        first_text = lines[0][4:]
        body = "\n".join([first_text, *lines[1:]])
        return CommandResult(
            code=int(self._multiline_code), result="", data=body, raw="\n".join(lines)
        )

    def _handle_header_line(self, line: str) -> AgiRequest | None:
        if line == "":
            if not self._headers:
                raise AgiProtocolError("empty AGI header block")
            self.state = AgiState.IDLE
            return _build_request(self._headers)
        if len(self._headers) >= self.max_header_lines:
            raise AgiProtocolError(
                f"more than {self.max_header_lines} AGI header lines",
                {"limit": self.max_header_lines},
            )
        match = _HEADER_RE.match(line)
        if match is None:
            raise AgiProtocolError("malformed AGI header line", {"line": line[:200]})
        self._headers[match.group(1)] = match.group(2)
        return None


def _decode_line(raw: bytes) -> str:
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    if b"\r" in raw:
        raise AgiProtocolError("stray carriage return in an AGI line", {"line": repr(raw[:60])})
    # Caller names may be Latin-1 from old trunks; never fail on encoding.
    return raw.decode("utf-8", errors="replace")


def _build_request(headers: dict[str, str]) -> AgiRequest:
    numbered: list[tuple[int, str]] = []
    for key, value in headers.items():
        suffix = key.removeprefix("agi_arg_")
        if suffix != key and suffix.isdigit():
            numbered.append((int(suffix), value))
    args = tuple(value for _, value in sorted(numbered))
    return AgiRequest(headers=dict(headers), script=script_from_headers(headers), args=args)
