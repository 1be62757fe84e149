"""A box's greetings: set (uploaded or recorded by phone), cleared, played."""

from __future__ import annotations

import asyncio
from typing import Final

from hotline.models_voicemail import GREETING_KINDS, Mailbox
from vm.store import (
    VoicemailRejected,
    audio_file,
    discard_recording,
    media_uri,
    publish_event,
    recording_file,
    write_atomically,
)

MAX_GREETING_S: Final = 120.0


async def set_greeting(
    box: Mailbox, kind: str, audio: bytes, filename: str = "greeting.wav"
) -> None:
    """Make ``audio`` the box's ``kind`` greeting, through the prompt pipeline.

    Any format the prompt pipeline takes (WAV, MP3, OGG/Opus, M4A, WebM) is
    converted to mono 8 kHz 16-bit WAV, normalised and trimmed; bad input is
    refused with the pipeline's reason and nothing is stored.
    """
    if kind not in GREETING_KINDS:
        raise VoicemailRejected("bad_greeting_kind", f"greeting must be one of {GREETING_KINDS}")
    from hotline.audio_convert import PromptRejected, convert_upload

    try:
        converted = await asyncio.to_thread(convert_upload, audio, filename)
    except PromptRejected as error:
        raise VoicemailRejected(
            error.reason,
            error.message,
            "greeting",
            i18n=f"prompts.error.{error.reason}",
            **error.values,
        ) from error
    if converted.duration_s > MAX_GREETING_S:
        raise VoicemailRejected(
            "greeting_too_long",
            f"a greeting is at most {MAX_GREETING_S:.0f} s",
            "greeting",
            limit=int(MAX_GREETING_S),
        )
    wav = converted.narrowband_wav
    relative = f"{box.number}/greeting-{kind}.wav"
    await asyncio.to_thread(write_atomically, audio_file(relative), wav)
    setattr(box, f"greeting_{kind}", relative)
    await box.save(update_fields=[f"greeting_{kind}"])
    publish_event("greeting_changed", box=box.number, greeting=kind)


async def clear_greeting(box: Mailbox, kind: str) -> None:
    relative = box.greeting_path(kind)
    if not relative:
        return
    setattr(box, f"greeting_{kind}", "")
    await box.save(update_fields=[f"greeting_{kind}"])
    audio_file(relative).unlink(missing_ok=True)
    publish_event("greeting_changed", box=box.number, greeting=kind)


def greeting_media(box: Mailbox, kind: str) -> str | None:
    """``recording:...`` for ARI playback, or None when no such greeting exists."""
    relative = box.greeting_path(kind)
    if not relative or not audio_file(relative).is_file():
        return None
    return media_uri(relative)


async def set_greeting_from_recording(box: Mailbox, kind: str, recording_name: str) -> None:
    """A greeting recorded by phone (ARI recording) becomes the box's ``kind`` greeting."""
    data = await asyncio.to_thread(recording_file(recording_name).read_bytes)
    try:
        await set_greeting(box, kind, data)
    finally:
        await asyncio.to_thread(discard_recording, recording_name)
