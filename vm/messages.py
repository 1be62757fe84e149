"""Voicemail messages: stored (left by a caller or forwarded), listed,
listened to, marked heard, saved and deleted.

Every change that alters a box's counts updates its MWI at once and
publishes a ("voicemail", ...) bus event (``vm/mwi_counts.py``).  What the
web inbox and the API call passes their tenant (``tenant_id``): another
tenant's message is as missing as none (``vm/mailboxes.py``, "Tenants").
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hotline.errors import NotFound
from hotline.models_voicemail import FOLDERS, Mailbox, VoicemailMessage
from hotline.tenancy import scoped
from vm.mailboxes import no_box
from vm.mwi_counts import counts_changed, publish_mwi
from vm.store import (
    STORE_NAME,
    VoicemailRejected,
    audio_file,
    discard_recording,
    media_uri,
    move_into_store,
    publish_event,
    read_stored_recording,
    recording_file,
    remove_audio,
    wav_duration_s,
    write_atomically,
)


def recording_name_for_new_message(box: str) -> tuple[str, str]:
    """(ARI recording name, store-relative path) for a message being recorded."""
    relative = f"{box}/msg-{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(4)}.wav"
    return f"{STORE_NAME}/{relative.removesuffix('.wav')}", relative


async def store_recording(
    box: Mailbox, caller_id: str, recording_name: str, call_id: str, min_duration_s: float
) -> VoicemailMessage | None:
    """Keep an ARI recording as a message; None (and the file gone) when too short."""
    data = await asyncio.to_thread(recording_file(recording_name).read_bytes)
    if wav_duration_s(data) < min_duration_s:
        await asyncio.to_thread(discard_recording, recording_name)
        return None
    relative = recording_name_for_new_message(box.number)[1]
    await asyncio.to_thread(move_into_store, recording_name, relative)
    return await store_message(box, caller_id, relative, None, call_id)


async def list_messages(box: Mailbox, folder: str | None = None) -> list[VoicemailMessage]:
    """Oldest first (the order a caller hears them)."""
    query = VoicemailMessage.filter(mailbox_id=box.id)
    if folder is not None:
        if folder not in FOLDERS:
            raise VoicemailRejected("bad_folder", f"folder must be one of {FOLDERS}", "folder")
        query = query.filter(folder=folder)
    return list(await query.order_by("received_at", "id"))


async def get_message(message_id: int, *, tenant_id: int | None) -> VoicemailMessage:
    """The message ``message_id`` of a box of ``tenant_id``; NotFound otherwise.

    ``tenant_id=None`` only at call time, for the mail of a message just
    left; the phone menu passes its call's tenant.
    """
    query = VoicemailMessage.all() if tenant_id is None else scoped(VoicemailMessage, tenant_id)
    message = await query.get_or_none(id=message_id).prefetch_related("mailbox")
    if message is None:
        raise NotFound(f"voicemail message {message_id} does not exist", {"id": message_id})
    return message


async def store_message(
    box: Mailbox,
    caller_id: str,
    audio: bytes | Path | str,
    duration_s: float | None,
    call_id: str,
    *,
    received_at: datetime | None = None,
) -> VoicemailMessage:
    """Keep a message.

    ``audio`` is WAV bytes (written into the store) or the store-relative
    path (``str``) / absolute path (``Path``) of a WAV already inside it,
    such as an ARI recording.  ``duration_s=None`` takes it from the audio.
    """
    if isinstance(audio, bytes):
        measured = wav_duration_s(audio)
        relative = recording_name_for_new_message(box.number)[1]
        await asyncio.to_thread(write_atomically, audio_file(relative), audio)
    else:
        relative, data = await asyncio.to_thread(read_stored_recording, audio)
        measured = wav_duration_s(data)
    message = await VoicemailMessage.create(
        mailbox=box,
        caller_id=caller_id[:80],
        duration_s=round(measured if duration_s is None else duration_s, 2),
        received_at=received_at or datetime.now(UTC),
        audio_path=relative,
        call_id=call_id,
    )
    new, old = await publish_mwi(box)
    publish_event(
        "message_stored",
        box=box.number,
        message_id=message.id,
        caller_id=message.caller_id,
        new=new,
        old=old,
    )
    return message


async def mark_heard(message_id: int, *, tenant_id: int | None = None) -> VoicemailMessage:
    """Call-time (the phone menu played it); ``tenant_id`` as in get_message."""
    message = await get_message(message_id, tenant_id=tenant_id)
    if not message.heard:
        message.heard = True
        await message.save(update_fields=["heard"])
        await counts_changed(message.mailbox, "message_heard", message.id)
    return message


async def save_message(message_id: int, *, tenant_id: int | None) -> VoicemailMessage:
    """File it under "saved" (and count it as heard); ``tenant_id`` as in get_message."""
    message = await get_message(message_id, tenant_id=tenant_id)
    changed = not message.heard
    message.folder = "saved"
    message.heard = True
    await message.save(update_fields=["folder", "heard"])
    if changed:
        await counts_changed(message.mailbox, "message_saved", message.id)
    else:
        publish_event("message_saved", box=message.mailbox.number, message_id=message.id)
    return message


async def delete_message(message_id: int, *, tenant_id: int | None) -> dict[str, Any]:
    """Delete the row and its audio; returns what was deleted (for the audit).

    ``tenant_id`` as in :func:`get_message`.
    """
    message = await get_message(message_id, tenant_id=tenant_id)
    box = message.mailbox
    before = message_snapshot(message)
    await message.delete()
    remove_audio(message.audio_path)
    await counts_changed(box, "message_deleted", message_id)
    return before


async def forward_message(
    message_id: int, to_box: str, *, tenant_id: int | None = None
) -> VoicemailMessage:
    """A copy of the message lands as new in ``to_box`` (the original stays).

    Call-time (the phone menu).  Only to a box of the source box's tenant:
    another tenant's box is as unknown as a missing one.
    """
    message = await get_message(message_id, tenant_id=tenant_id)
    target = await Mailbox.get_or_none(number=to_box, tenant_id=message.mailbox.tenant_id)
    if target is None:
        raise no_box(to_box)
    data = await asyncio.to_thread(audio_file(message.audio_path).read_bytes)
    return await store_message(target, message.caller_id, data, message.duration_s, message.call_id)


def message_media(message: VoicemailMessage) -> str:
    """``recording:...`` for ARI playback of a message."""
    return media_uri(message.audio_path)


async def message_audio(message_id: int, *, tenant_id: int) -> tuple[VoicemailMessage, bytes]:
    message = await get_message(message_id, tenant_id=tenant_id)
    path = audio_file(message.audio_path)
    if not path.is_file():
        raise NotFound(f"the audio of voicemail message {message_id} is missing")
    return message, await asyncio.to_thread(path.read_bytes)


def message_json(message: VoicemailMessage, audio_url: str) -> dict[str, Any]:
    """The API's view of a message."""
    return {
        "id": message.id,
        "caller_id": message.caller_id,
        "duration_s": message.duration_s,
        "received_at": message.received_at.isoformat(),
        "folder": message.folder,
        "heard": message.heard,
        "email_status": message.email_status,
        "audio_url": audio_url,
    }


def message_snapshot(message: VoicemailMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "box": message.mailbox.number if hasattr(message.mailbox, "number") else None,
        "caller_id": message.caller_id,
        "duration_s": message.duration_s,
        "received_at": message.received_at.isoformat(),
        "folder": message.folder,
        "heard": message.heard,
    }
