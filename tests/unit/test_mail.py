"""hotline.mail against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from hotline.mail import Attachment, MailError, send_mail
from hotline.settings import Settings, load_settings
from tests.integration.smtp import SMTP_HOST, Inbox, start_smtp_server


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    controller, inbox = start_smtp_server()
    yield controller.port, inbox
    controller.stop()


def _settings(tmp_path: object, **changes: object) -> Settings:
    base = load_settings({"HOTLINE_VAR_DIR": str(tmp_path)})
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


async def test_message_with_attachment_reaches_the_server(
    smtp_server: tuple[int, Inbox], tmp_path: object
) -> None:
    port, inbox = smtp_server
    settings = _settings(tmp_path, smtp_host=SMTP_HOST, smtp_port=port)
    audio = b"RIFF" + bytes(100)
    sent = await send_mail(
        settings,
        ["agent@example.org"],
        "New voicemail",
        "You have a message.",
        [Attachment("msg.wav", audio, "audio", "wav")],
    )
    assert sent
    message = await inbox.wait_for(lambda m: m["Subject"] == "New voicemail", timeout_s=5)
    assert message["To"] == "agent@example.org"
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "msg.wav"
    assert part.get_content() == audio


async def test_without_smtp_host_nothing_is_sent(tmp_path: object) -> None:
    assert not await send_mail(_settings(tmp_path), ["a@example.org"], "s", "b")


async def test_unreachable_server_is_a_clear_error(tmp_path: object) -> None:
    settings = _settings(tmp_path, smtp_host="127.0.0.1", smtp_port=9)
    with pytest.raises(MailError, match=r"could not send mail to a@example\.org"):
        await send_mail(settings, ["a@example.org"], "s", "b")
