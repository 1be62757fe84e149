"""A real SIP phone: Debian's baresip, auto-answering, sending a sine.

Used by ``make demo-call`` as the demo agent and by the real-call tests.
Each phone gets its own config directory, SIP port and ctrl_tcp port.  The
sine (default 440 Hz) is what the caller should hear once an agent answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

BARESIP_MODULES = Path("/usr/lib/baresip/modules")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_baresip(workdir: Path) -> subprocess.Popen[bytes]:
    """Run baresip on the config in ``workdir``, logging to workdir/baresip.log."""
    with open(workdir / "baresip.log", "wb") as log:
        # The child keeps its own copy of the descriptor.
        return subprocess.Popen(
            ["baresip", "-f", str(workdir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def stop_baresip(process: subprocess.Popen[bytes] | None) -> None:
    """Terminate (baresip then unregisters its accounts), kill if it hangs."""
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class SipPhone:
    extension: str
    password: str
    sip_host: str
    sip_port: int
    workdir: Path
    tone_hz: int = 440
    auto_answer: bool = True
    # MWI subscriptions: off unless a test watches the lamp.  baresip 1.0
    # can fall into re-subscribing at once after each challenge (seen after
    # an Asterisk restart: thousands of SUBSCRIBE/401 a second from one
    # phone), which starves Asterisk's SIP queues until contacts drop.
    mwi: bool = False
    process: subprocess.Popen[bytes] | None = None
    ctrl_port: int = field(default_factory=free_tcp_port)
    local_port: int = field(default_factory=free_udp_port)

    def write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        answermode = "auto" if self.auto_answer else "manual"
        (self.workdir / "accounts").write_text(
            f"<sip:{self.extension}@{self.sip_host}:{self.sip_port};transport=udp>"
            f";auth_user={self.extension};auth_pass={self.password}"
            f";answermode={answermode};regint=60"
            ";audio_codecs=PCMU\n"
        )
        (self.workdir / "config").write_text(
            "\n".join(
                [
                    "poll_method epoll",
                    f"sip_listen 127.0.0.1:{self.local_port}",
                    f"audio_source ausine,{self.tone_hz}",
                    # ausine only produces 48 kHz; baresip resamples for G.711.
                    "ausrc_srate 48000",
                    "ausrc_channels 2",
                    # baresip 1.0 cannot play to a file; the caller side checks audio.
                    "audio_player aubridge,nil",
                    "audio_alert aubridge,nil",
                    f"module_path {BARESIP_MODULES}",
                    "module g711.so",
                    "module ausine.so",
                    "module aubridge.so",
                    "module account.so",
                    "module_app ctrl_tcp.so",
                    f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
                    "module_app menu.so",
                    # Subscribes to message-summary; NOTIFYs become MWI_NOTIFY events.
                    *(["module_app mwi.so"] if self.mwi else []),
                    "",
                ]
            )
        )

    def start(self) -> None:
        self.write_config()
        self.process = start_baresip(self.workdir)

    def stop(self) -> None:
        stop_baresip(self.process)
        self.process = None

    def log(self) -> str:
        path = self.workdir / "baresip.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def command(self, command: str, params: str = "") -> dict[str, object]:
        """Send a ctrl_tcp command (netstring-framed JSON) and return the reply."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.ctrl_port)
        try:
            payload = json.dumps({"command": command, "params": params, "token": "t"}).encode()
            writer.write(str(len(payload)).encode() + b":" + payload + b",")
            await writer.drain()
            while True:
                length = int((await reader.readuntil(b":"))[:-1])
                body = await reader.readexactly(length)
                await reader.readexactly(1)
                message = json.loads(body)
                if message.get("response"):
                    return dict(message)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def watch_mwi(self) -> MwiWatch:
        """Start collecting the MWI NOTIFY bodies this phone receives (ctrl_tcp events)."""
        watch = MwiWatch()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.ctrl_port)
        watch.start(reader, writer)
        return watch

    async def dial(self, number: str) -> None:
        await self.command("dial", number)

    async def hangup(self) -> None:
        await self.command("hangup")


class MwiWatch:
    """ctrl_tcp pushes every UA event to connected clients; keep the MWI ones."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None

    def start(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._task = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, ValueError):
            while True:
                length = int((await reader.readuntil(b":"))[:-1])
                body = await reader.readexactly(length)
                await reader.readexactly(1)
                message = json.loads(body)
                if message.get("event") and message.get("type") == "MWI_NOTIFY":
                    self.bodies.append(str(message.get("param", "")))

    def waiting(self) -> bool | None:
        """Messages-Waiting of the latest NOTIFY (None before any)."""
        if not self.bodies:
            return None
        return "messages-waiting: yes" in self.bodies[-1].lower()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._writer is not None:
            self._writer.close()
