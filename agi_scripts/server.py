"""Asyncio shell around ``AgiConnection``: one task per FastAGI connection.

Robustness rules (each one a bug we saw in other FastAGI servers):
- a client that connects and sends nothing, closes early or sends junk is
  dropped after ``header_timeout_s`` or at the first bad byte, never polled in
  a loop;
- the ``HANGUP`` line is handled by the protocol core, so replies never shift;
- every connection task is tracked and cancelled/awaited on ``stop()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from agi_scripts.protocol import (
    AgiConnection,
    AgiError,
    AgiEvent,
    AgiProtocolError,
    AgiRequest,
    CommandResult,
    ConnectionClosed,
)

log = logging.getLogger(__name__)

READ_CHUNK_BYTES: Final = 65_536
AST_STATE_UP: Final = 6  # CHANNEL STATUS result for an answered channel


class AgiHangup(AgiError):
    """The channel hung up (or Asterisk closed the connection); stop the script."""

    error_id = "agi_hangup"
    http_status = 409


class AgiCommandError(AgiError):
    """Asterisk rejected a command (510 unknown, 520 usage, or result=-1)."""

    error_id = "agi_command_failed"
    http_status = 502

    def __init__(self, command: str, result: CommandResult) -> None:
        super().__init__(
            f"AGI command {command!r} failed: {result.raw}",
            {"command": command, "code": result.code, "result": result.result},
        )
        self.result = result


class AgiSession:
    """One call's FastAGI conversation; handlers drive it with ``command()``."""

    def __init__(
        self,
        request: AgiRequest,
        connection: AgiConnection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        command_timeout_s: float | None = None,
    ) -> None:
        self.request = request
        self._connection = connection
        self._reader = reader
        self._writer = writer
        self._command_timeout_s = command_timeout_s
        self._closed = False

    @property
    def hung_up(self) -> bool:
        return self._connection.hangup_received

    async def command(self, command: str, *args: str | int) -> CommandResult:
        """Send one command and wait for its reply.

        Raises ``AgiHangup`` on 511 (dead channel), on result=-1 after a
        HANGUP notice and when the connection closes; ``AgiCommandError`` on
        any other non-200 reply.
        """
        if self._closed:
            raise AgiHangup("AGI connection already closed", {"command": command})
        data = self._connection.send_command(command, *args)
        try:
            self._writer.write(data)
            await self._writer.drain()
            async with asyncio.timeout(self._command_timeout_s):
                result = await self._read_reply()
        except (ConnectionError, OSError) as exc:
            self._closed = True
            raise AgiHangup("AGI connection lost", {"command": command}) from exc
        if result.code == 511:
            raise AgiHangup("channel is dead", {"command": command, "reply": result.raw})
        if result.code != 200:
            raise AgiCommandError(command, result)
        if result.result == "-1" and self.hung_up:
            raise AgiHangup("channel hung up", {"command": command, "reply": result.raw})
        return result

    async def _read_reply(self) -> CommandResult:
        while True:
            chunk = await self._reader.read(READ_CHUNK_BYTES)
            reply: CommandResult | None = None
            for event in self._connection.receive_data(chunk):
                if isinstance(event, CommandResult):
                    reply = event
                elif isinstance(event, ConnectionClosed):
                    self._closed = True
                    raise AgiHangup("Asterisk closed the AGI connection")
                # HangupNotice: the connection records it; keep waiting for the reply.
            if reply is not None:
                return reply

    async def answer(self) -> CommandResult:
        result = await self.command("ANSWER")
        if result.result == "-1":
            raise AgiCommandError("ANSWER", result)
        return result

    async def channel_status(self) -> int:
        result = await self.command("CHANNEL STATUS")
        status = result.result_int
        if status is None or status < 0:
            raise AgiCommandError("CHANNEL STATUS", result)
        return status

    async def get_variable(self, name: str) -> str | None:
        """The variable's value, or None when it is not set."""
        result = await self.command("GET VARIABLE", name)
        return result.data if result.result == "1" else None

    async def set_variable(self, name: str, value: str) -> None:
        await self.command("SET VARIABLE", name, value)

    async def stream_file(self, name: str, escape_digits: str = "") -> str | None:
        """Play ``name``; returns the escape digit pressed, or None."""
        result = await self.command("STREAM FILE", name, escape_digits)
        code = result.result_int
        if code is None or code < 0:
            raise AgiCommandError("STREAM FILE", result)
        return chr(code) if code > 0 else None

    async def verbose(self, message: str, level: int = 1) -> None:
        await self.command("VERBOSE", message, level)

    async def hangup(self) -> None:
        await self.command("HANGUP")


AgiHandler = Callable[[AgiSession], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """``host`` names only this machine (a literal loopback address or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class FastAgiServer:
    """Serves FastAGI, dispatching by script path (``agi://host:port/hello`` -> ``hello``).

    FastAGI has no authentication: whoever reaches the port can report a fax
    result (``fax_result`` converts and emails the file it names), so the
    server listens on loopback unless given another address.  An empty host,
    which asyncio would take as "every interface", is refused: a
    non-loopback address must be named (``HOTLINE_AGI_HOST``), and is logged
    as a warning.
    """

    def __init__(
        self,
        handlers: Mapping[str, AgiHandler],
        host: str = "127.0.0.1",
        port: int = 4573,
        *,
        header_timeout_s: float = 5.0,
        command_timeout_s: float | None = None,
        max_connections: int = 512,
    ) -> None:
        if not host:
            raise ValueError("FastAGI host must be an address; '' would listen on every interface")
        self._handlers = dict(handlers)
        self._host = host
        self._port = port
        self._header_timeout_s = header_timeout_s
        self._command_timeout_s = command_timeout_s
        self._max_connections = max_connections
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def bound_port(self) -> int:
        if self._server is None or not self._server.sockets:
            raise RuntimeError("FastAgiServer is not started")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def active_connections(self) -> int:
        return len(self._tasks)

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("FastAgiServer already started")
        self._server = await asyncio.start_server(self._on_connect, self._host, self._port)
        log.info("FastAGI listening on %s:%d", self._host, self.bound_port)
        if not is_loopback(self._host):
            log.warning(
                "FastAGI listens on %s, not loopback: anyone who can reach port %d can "
                "report fax results; allow only Asterisk's address to it",
                self._host,
                self.bound_port,
            )

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def __aenter__(self) -> FastAgiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A plain callback that spawns our own task: asyncio then never owns a
        # connection task we cannot cancel and await on stop().
        if len(self._tasks) >= self._max_connections:
            log.warning("FastAGI connection limit %d reached; dropping", self._max_connections)
            writer.close()
            return
        task = asyncio.create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        connection = AgiConnection()
        try:
            request = await self._read_request(connection, reader, peer)
            if request is None:
                return
            handler = self._handlers.get(request.script)
            if handler is None:
                log.warning("FastAGI: no handler for script %r from %s", request.script, peer)
                return
            session = AgiSession(
                request, connection, reader, writer, command_timeout_s=self._command_timeout_s
            )
            await self._run_handler(handler, session, peer)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _read_request(
        self, connection: AgiConnection, reader: asyncio.StreamReader, peer: object
    ) -> AgiRequest | None:
        try:
            async with asyncio.timeout(self._header_timeout_s):
                while True:
                    events: list[AgiEvent] = connection.receive_data(
                        await reader.read(READ_CHUNK_BYTES)
                    )
                    for event in events:
                        if isinstance(event, AgiRequest):
                            return event
                        if isinstance(event, ConnectionClosed):
                            log.info("FastAGI: %s closed before sending AGI headers", peer)
                            return None
        except TimeoutError:
            log.warning("FastAGI: %s sent no complete AGI headers in time; dropped", peer)
        except AgiProtocolError as exc:
            log.warning("FastAGI: dropping %s: %s", peer, exc.message)
        except (ConnectionError, OSError) as exc:
            log.info("FastAGI: %s connection error before headers: %r", peer, exc)
        return None

    async def _run_handler(self, handler: AgiHandler, session: AgiSession, peer: object) -> None:
        script = session.request.script
        try:
            await handler(session)
        except AgiHangup:
            log.info("FastAGI %s: channel %s hung up", script, session.request.channel)
        except AgiProtocolError as exc:
            log.warning("FastAGI %s: protocol error from %s: %s", script, peer, exc.message)
        except TimeoutError:
            log.warning("FastAGI %s: command timed out for %s", script, peer)
        except Exception:
            log.exception("FastAGI %s: handler failed", script)
