"""FastAgiServer over real TCP on 127.0.0.1, with a scripted client playing Asterisk."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from agi_scripts.handlers import HANDLERS
from agi_scripts.server import AgiCommandError, AgiHandler, AgiHangup, AgiSession, FastAgiServer
from tests.unit.loop_watch import LoopWatch

STEP_TIMEOUT_S = 2.0


def headers(script: str = "hello", caller_id: str = "1001") -> bytes:
    return (
        "agi_network: yes\n"
        f"agi_network_script: {script}\n"
        f"agi_request: agi://127.0.0.1:4573/{script}\n"
        "agi_channel: PJSIP/1001-00000007\n"
        "agi_uniqueid: 1700000000.7\n"
        f"agi_callerid: {caller_id}\n"
        "agi_calleridname: Alice\n"
        "agi_context: default\n"
        "agi_extension: 500\n"
        "agi_priority: 2\n"
        "\n"
    ).encode()


class ScriptedAsterisk:
    """Asterisk's side of a FastAGI connection, driven step by step by a test."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int) -> ScriptedAsterisk:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def expect_command(self) -> str:
        line = await asyncio.wait_for(self.reader.readline(), STEP_TIMEOUT_S)
        assert line.endswith(b"\n"), f"connection ended instead of a command: {line!r}"
        return line.decode().rstrip("\n")

    async def expect_closed_by_server(self, within_s: float = STEP_TIMEOUT_S) -> bytes:
        rest = await asyncio.wait_for(self.reader.read(), within_s)
        return rest

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


async def started(handlers: dict[str, AgiHandler], **options: Any) -> FastAgiServer:
    server = FastAgiServer(handlers, host="127.0.0.1", port=0, **options)
    await server.start()
    return server


@pytest.fixture
async def hello_server() -> AsyncIterator[FastAgiServer]:
    server = await started(HANDLERS, header_timeout_s=0.5)
    yield server
    await server.stop()


async def wait_until_idle(server: FastAgiServer, within_s: float = 1.0) -> float:
    start = time.monotonic()
    while server.active_connections:
        assert time.monotonic() - start < within_s, "server kept the connection"
        await asyncio.sleep(0.005)
    return time.monotonic() - start


async def test_given_ringing_channel_when_hello_runs_then_it_answers_and_sets_variables(
    hello_server: FastAgiServer,
) -> None:
    asterisk = await ScriptedAsterisk.connect(hello_server.bound_port)
    await asterisk.send(headers(caller_id="1001"))
    assert await asterisk.expect_command() == "CHANNEL STATUS"
    await asterisk.send(b"200 result=4\n")
    assert await asterisk.expect_command() == "ANSWER"
    await asterisk.send(b"200 result=0\n")
    assert await asterisk.expect_command() == "SET VARIABLE HOTLINE_AGI ok"
    await asterisk.send(b"200 result=1\n")
    assert await asterisk.expect_command() == "SET VARIABLE HOTLINE_AGI_CALLER 1001"
    await asterisk.send(b"200 result=1\n")
    assert await asterisk.expect_closed_by_server() == b""
    await asterisk.close()
    await wait_until_idle(hello_server)


async def test_given_answered_channel_when_hello_runs_then_no_answer_and_caller_is_quoted(
    hello_server: FastAgiServer,
) -> None:
    asterisk = await ScriptedAsterisk.connect(hello_server.bound_port)
    await asterisk.send(headers(caller_id='"Bob B" <2002>'))
    assert await asterisk.expect_command() == "CHANNEL STATUS"
    await asterisk.send(b"200 result=6\n")
    assert await asterisk.expect_command() == "SET VARIABLE HOTLINE_AGI ok"
    await asterisk.send(b"200 result=1\n")
    caller_line = await asterisk.expect_command()
    assert caller_line == 'SET VARIABLE HOTLINE_AGI_CALLER "\\"Bob B\\" <2002>"'
    await asterisk.send(b"200 result=1\n")
    assert await asterisk.expect_closed_by_server() == b""
    await asterisk.close()


async def test_given_hangup_between_command_and_reply_then_each_command_gets_its_reply() -> None:
    seen: list[str] = []

    async def reader_script(session: AgiSession) -> None:
        seen.append(f"A={await session.get_variable('A')}")
        seen.append(f"B={await session.get_variable('B')}")
        try:
            await session.set_variable("C", "c")
        except AgiHangup:
            seen.append("hangup")
            raise

    server = await started({"reader": reader_script})
    try:
        asterisk = await ScriptedAsterisk.connect(server.bound_port)
        await asterisk.send(headers("reader"))
        assert await asterisk.expect_command() == "GET VARIABLE A"
        await asterisk.send(b"HANGUP\n")
        await asyncio.sleep(0.02)  # the HANGUP line arrives in its own segment
        await asterisk.send(b"200 result=1 (a-value)\n")
        assert await asterisk.expect_command() == "GET VARIABLE B"
        await asterisk.send(b"200 result=1 (b-value)\nHANGUP\n")
        assert await asterisk.expect_command() == "SET VARIABLE C c"
        await asterisk.send(b"511 Command Not Permitted on a dead channel or intercept routine\n")
        assert await asterisk.expect_closed_by_server() == b""
        await asterisk.close()
        await wait_until_idle(server)
        assert seen == ["A=a-value", "B=b-value", "hangup"]
    finally:
        await server.stop()


async def test_given_asterisk_closes_mid_command_then_handler_sees_hangup() -> None:
    outcome: list[str] = []

    async def script(session: AgiSession) -> None:
        try:
            await session.stream_file("hello-world", "#")
        except AgiHangup:
            outcome.append("hangup")

    server = await started({"s": script})
    try:
        asterisk = await ScriptedAsterisk.connect(server.bound_port)
        await asterisk.send(headers("s"))
        assert await asterisk.expect_command() == "STREAM FILE hello-world #"
        await asterisk.close()
        await wait_until_idle(server)
        assert outcome == ["hangup"]
    finally:
        await server.stop()


async def test_given_stream_file_interrupted_by_digit_then_digit_is_returned() -> None:
    got: list[str | None] = []

    async def script(session: AgiSession) -> None:
        got.append(await session.stream_file("menu", "12#"))
        got.append(await session.stream_file("menu", "12#"))

    server = await started({"s": script})
    try:
        asterisk = await ScriptedAsterisk.connect(server.bound_port)
        await asterisk.send(headers("s"))
        assert await asterisk.expect_command() == "STREAM FILE menu 12#"
        await asterisk.send(b"200 result=50 endpos=4000\n")  # '2' is ASCII 50
        assert await asterisk.expect_command() == "STREAM FILE menu 12#"
        await asterisk.send(b"200 result=0 endpos=16000\n")
        assert await asterisk.expect_closed_by_server() == b""
        await asterisk.close()
        assert got == ["2", None]
    finally:
        await server.stop()


async def test_given_usage_error_reply_then_handler_gets_command_error() -> None:
    errors: list[int] = []

    async def script(session: AgiSession) -> None:
        try:
            await session.command("STREAM FILE")
        except AgiCommandError as exc:
            errors.append(exc.result.code)

    server = await started({"s": script})
    try:
        asterisk = await ScriptedAsterisk.connect(server.bound_port)
        await asterisk.send(headers("s"))
        assert await asterisk.expect_command() == "STREAM FILE"
        await asterisk.send(b"520-Invalid command syntax.  Proper usage follows:\n")
        await asterisk.send(b" Usage: STREAM FILE <filename> <escape digits>\n520 End of usage.\n")
        assert await asterisk.expect_closed_by_server() == b""
        await asterisk.close()
        await wait_until_idle(server)
        assert errors == [520]
    finally:
        await server.stop()


async def test_given_connect_and_close_without_headers_then_dropped_promptly_without_spinning(
    hello_server: FastAgiServer,
) -> None:
    async with LoopWatch() as watch:
        cpu_before = time.process_time()
        wall_before = time.monotonic()
        for _ in range(20):
            asterisk = await ScriptedAsterisk.connect(hello_server.bound_port)
            await asterisk.close()
        dropped_after_s = await wait_until_idle(hello_server, within_s=1.0)
        await asyncio.sleep(0.3)  # a spinning server would burn CPU during this window
        cpu_used = time.process_time() - cpu_before
        wall = time.monotonic() - wall_before
    assert dropped_after_s < 1.0
    assert watch.longest_hold_s < 0.2, "event loop was blocked"
    assert cpu_used < 0.8 * wall, f"{cpu_used:.2f}s CPU in {wall:.2f}s wall: spinning"


async def test_given_client_that_sends_nothing_then_dropped_after_header_timeout(
    hello_server: FastAgiServer,
) -> None:
    asterisk = await ScriptedAsterisk.connect(hello_server.bound_port)
    started_at = time.monotonic()
    assert await asterisk.expect_closed_by_server(within_s=2.0) == b""
    waited = time.monotonic() - started_at
    await asterisk.close()
    assert 0.4 <= waited < 1.5


async def test_given_binary_junk_then_server_drops_at_once_not_at_timeout() -> None:
    server = await started(HANDLERS, header_timeout_s=5.0)
    try:
        asterisk = await ScriptedAsterisk.connect(server.bound_port)
        started_at = time.monotonic()
        await asterisk.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(64)))
        assert await asterisk.expect_closed_by_server(within_s=1.0) == b""
        await asterisk.close()
        assert time.monotonic() - started_at < 1.0
    finally:
        await server.stop()


async def test_given_unknown_script_then_connection_closed_without_commands(
    hello_server: FastAgiServer,
) -> None:
    asterisk = await ScriptedAsterisk.connect(hello_server.bound_port)
    await asterisk.send(headers("no-such-script"))
    assert await asterisk.expect_closed_by_server() == b""
    await asterisk.close()


async def test_given_handler_crashes_then_connection_closes_and_server_keeps_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(session: AgiSession) -> None:
        raise RuntimeError("bug in script")

    server = await started({"broken": broken, **HANDLERS})
    try:
        first = await ScriptedAsterisk.connect(server.bound_port)
        await first.send(headers("broken"))
        assert await first.expect_closed_by_server() == b""
        await first.close()
        second = await ScriptedAsterisk.connect(server.bound_port)
        await second.send(headers("hello"))
        assert await second.expect_command() == "CHANNEL STATUS"
        await second.close()
        assert "handler failed" in caplog.text
    finally:
        await server.stop()


async def test_given_connection_waiting_for_reply_when_server_stops_then_no_task_is_left() -> None:
    entered = asyncio.Event()

    async def waits_forever(session: AgiSession) -> None:
        entered.set()
        await session.answer()

    tasks_before = asyncio.all_tasks()
    server = await started({"w": waits_forever})
    asterisk = await ScriptedAsterisk.connect(server.bound_port)
    await asterisk.send(headers("w"))
    assert await asterisk.expect_command() == "ANSWER"
    assert entered.is_set()
    assert server.active_connections == 1
    await asyncio.wait_for(server.stop(), 1.0)
    assert server.active_connections == 0
    assert await asterisk.expect_closed_by_server() == b""
    await asterisk.close()
    assert asyncio.all_tasks() - tasks_before == set()
