"""Outgoing mail for notifications (voicemail, received faxes).

Sending goes through the standard library's SMTP client in a worker thread:
a notification is one short session per message, so an async SMTP client
would add a dependency without saving anything measurable.  When no SMTP
host is configured, mail is disabled and ``send_mail`` says so by returning
False rather than pretending it sent anything.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from hotline.errors import HotlineError
from hotline.settings import Settings

log = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 20.0


class MailError(HotlineError):
    """The SMTP server refused the message or could not be reached."""

    error_id = "mail-failed"
    status_code = 502


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str  # e.g. "audio"
    subtype: str  # e.g. "wav"


def build_message(
    settings: Settings,
    recipients: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.smtp_sender.rpartition("@")[2] or None)
    message.set_content(body)
    for attachment in attachments:
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return message


def _deliver(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


async def send_mail(
    settings: Settings,
    recipients: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
) -> bool:
    """Send one message; False when mail is not configured, MailError on failure."""
    wanted = [address for address in recipients if address]
    if not settings.smtp_host or not wanted:
        log.info("mail not sent (no SMTP host or no recipient): %s", subject)
        return False
    message = build_message(settings, wanted, subject, body, attachments)
    try:
        await asyncio.to_thread(_deliver, settings, message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"could not send mail to {', '.join(wanted)}: {exc}") from exc
    return True
