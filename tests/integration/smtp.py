"""A real SMTP server (aiosmtpd) that keeps every message Hotline sends."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from ari_apps.demo_call.phone import free_tcp_port

SMTP_HOST = "127.0.0.1"
SMTP_PORT = 8025


class Inbox:
    """What the server received, parsed; safe to read from the test's loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._messages)

    async def wait_for(
        self, matches: Callable[[EmailMessage], bool], timeout_s: float = 20
    ) -> EmailMessage:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            for message in self.messages:
                if matches(message):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                subjects = [str(m["Subject"]) for m in self.messages]
                raise AssertionError(f"no matching mail within {timeout_s}s; got {subjects}")
            await asyncio.sleep(0.2)


def start_smtp_server(port: int | None = None) -> tuple[Controller, Inbox]:
    """A real SMTP server on ``port``; by default on a port nobody uses, so
    the unit tests' servers never meet each other or the integration
    session's (SMTP_PORT), which may run at the same time."""
    inbox = Inbox()
    controller = Controller(inbox, hostname=SMTP_HOST, port=port or free_tcp_port())
    controller.start()
    return controller, inbox
