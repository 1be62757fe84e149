"""The email a box's address gets about a new message, the WAV attached."""

from __future__ import annotations

import asyncio
import logging

from vm.messages import get_message
from vm.store import audio_file, publish_event, runtime

log = logging.getLogger(__name__)


async def email_notification(message_id: int) -> str:
    """Mail the box's address about a message, WAV attached; returns the status.

    Never raises: the outcome ("sent", "disabled", "no_address", "failed")
    and the reason are kept on the message, so a mail outage loses nothing.
    """
    from hotline.mail import Attachment, send_mail

    message = await get_message(message_id, tenant_id=None)  # call-time: just left
    box = message.mailbox
    settings = runtime().settings
    status, error = "failed", ""
    if not box.email:
        status = "no_address"
    elif settings is None or not settings.smtp_host:
        status = "disabled"
    else:
        try:
            data = await asyncio.to_thread(audio_file(message.audio_path).read_bytes)
            caller = message.caller_id or "unknown caller"
            subject = f"New voicemail in box {box.number} from {caller}"
            body = (
                f"Box: {box.number} {box.name}\n"
                f"From: {caller}\n"
                f"Received: {message.received_at:%Y-%m-%d %H:%M:%S %Z}\n"
                f"Duration: {message.duration_s:.0f} s\n"
            )
            filename = f"voicemail-{box.number}-{message.id}.wav"
            sent = await send_mail(
                settings, [box.email], subject, body, [Attachment(filename, data, "audio", "wav")]
            )
            status = "sent" if sent else "disabled"
        except Exception as exc:  # SMTP, DNS, file: all end up on the message
            log.warning("voicemail %s: email failed", message.id, exc_info=True)
            error = f"{type(exc).__name__}: {exc}"[:300]
    message.email_status = status
    message.email_error = error
    await message.save(update_fields=["email_status", "email_error"])
    publish_event("email", box=box.number, message_id=message.id, status=status)
    return status
