"""Voicemail application service: the one place that changes boxes and messages.

Used by the "voicemail.leave" call service, phone retrieval, the API and the
web inbox.  Every change that alters a box's counts updates its MWI at once
(ARI mailbox ``<box>@hotline``) and publishes a ("voicemail", ...) bus event.

Where the audio lives
---------------------
Messages and greetings are WAV files (16-bit mono 8 kHz, what ARI records)
in one store inside Asterisk's recording directory::

    <asterisk root>/var/spool/asterisk/recording/hotline-vm/<box>/msg-<token>.wav
    <asterisk root>/var/spool/asterisk/recording/hotline-vm/<box>/greeting-<kind>.wav

- ARI records beside it under a flat name (``hotline-vm-msg-<box>-<token>``:
  a "/" in the name would split ARI's REST paths for stop/cancel), and the
  finished file is moved (renamed, not copied) into ``<box>/``;
- Asterisk plays it back as ``recording:hotline-vm/<box>/msg-<token>``
  (stored recordings find files in sub-directories);
- Hotline reads the same file to serve it to the API and the web inbox and to
  attach it to the email.  That needs Hotline and Asterisk on one host (the
  sandbox, or a system Asterisk beside Hotline); the database keeps only the
  path relative to the store.

Tenants
-------
Boxes belong to a tenant (``Mailbox.tenant``), messages to their box's
(``hotline/tenancy.py``).  What the web inbox and the API call takes the
tenant of the signed-in user or token (``tenant_id``): another tenant's box
or message is "not found", exactly like a missing one.  Box numbers stay one
numbering plan (the unique key is global), so a call finds its box by number
alone (``box_by_number``) and a number another tenant holds is refused when
creating a box as "not available", saying no more.  Forwarding from the phone
reaches only boxes of the source box's tenant.

The runtime (store directory, bus, MWI sink, settings for mail) is set once
by the process with ``configure``; tests configure a tmp directory and a
recording MWI sink.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import secrets
import shutil
import wave
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Protocol

from hotline import seed
from hotline.asterisk_account import share_file, shared_dir
from hotline.bus import EventBus
from hotline.errors import InvalidRequest, NotFound
from hotline.models_voicemail import (
    BOX_KINDS,
    FOLDERS,
    GREETING_KINDS,
    Mailbox,
    VoicemailMessage,
)
from hotline.passwords import hash_password, verify_password
from hotline.settings import Settings
from hotline.tenancy import scoped
from vm.access_core import MIN_PIN_DIGITS

log = logging.getLogger(__name__)

MWI_CONTEXT: Final = "hotline"
STORE_NAME: Final = "hotline-vm"
MAX_PIN_DIGITS: Final = 10
MAX_GREETING_S: Final = 120.0
_BOX_NUMBER = re.compile(r"^[0-9]{2,10}$")
_PIN = re.compile(rf"^[0-9]{{{MIN_PIN_DIGITS},{MAX_PIN_DIGITS}}}$")


class VoicemailRejected(InvalidRequest):
    """Bad input: ``reason`` is stable (for i18n), ``message`` says it in English."""

    error_id = "voicemail-rejected"

    def __init__(
        self, reason: str, message: str, field: str = "", *, i18n: str = "", **values: Any
    ) -> None:
        super().__init__(message, {"reason": reason, "field": field, **values})
        self.reason = reason
        self.field = field
        self.values = values
        # The UI's catalogue key: the prompt pipeline's reasons keep its wording.
        self.i18n_key = i18n or f"voicemail.error.{reason}"


class MwiSink(Protocol):
    """Where message-waiting counts go (ARI mailboxes in the running process)."""

    async def set_mwi(self, mailbox: str, new_messages: int, old_messages: int) -> None: ...

    async def clear_mwi(self, mailbox: str) -> None: ...


@dataclass
class Runtime:
    store: Path
    bus: EventBus | None = None
    mwi: MwiSink | None = None
    settings: Settings | None = None


def default_store(settings: Settings) -> Path:
    root = Path(settings.asterisk_root or "/")
    return root / "var/spool/asterisk/recording" / STORE_NAME


_runtime: Runtime | None = None


def configure(runtime: Runtime) -> None:
    global _runtime
    _runtime = runtime


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        from hotline.settings import load_settings

        settings = load_settings()
        _runtime = Runtime(store=default_store(settings), settings=settings)
    return _runtime


def _asterisk_root() -> str:
    settings = runtime().settings
    return settings.asterisk_root if settings is not None else ""


def mwi_mailbox_name(number: str) -> str:
    return f"{number}@{MWI_CONTEXT}"


# -- paths and media ---------------------------------------------------------------
def audio_file(relative: str) -> Path:
    """The file of a stored path, refusing anything that escapes the store."""
    store = runtime().store.resolve()
    path = (store / relative).resolve()
    if store not in path.parents:
        raise InvalidRequest(f"audio path {relative!r} is outside the voicemail store")
    return path


def _media_uri(relative: str) -> str:
    # recording:NAME is relative to Asterisk's recording dir, without extension.
    return f"recording:{STORE_NAME}/{relative.removesuffix('.wav')}"


def recording_name_for_new_message(box: str) -> tuple[str, str]:
    """(ARI recording name, store-relative path) for a message being recorded."""
    relative = f"{box}/msg-{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(4)}.wav"
    return f"{STORE_NAME}/{relative.removesuffix('.wav')}", relative


def live_recording_name(purpose: str, box: str) -> str:
    """A flat ARI recording name (no "/": ARI's REST paths would split it)."""
    return f"{STORE_NAME}-{purpose}-{box}-{secrets.token_hex(6)}"


def recording_file(recording_name: str) -> Path:
    """Where ARI wrote ``recording_name`` (format wav), beside the store."""
    if "/" in recording_name or recording_name.startswith("."):
        raise InvalidRequest(f"bad recording name {recording_name!r}")
    return runtime().store.parent / f"{recording_name}.wav"


def discard_recording(recording_name: str) -> None:
    recording_file(recording_name).unlink(missing_ok=True)


def _move_into_store(recording_name: str, relative: str) -> bytes:
    source = recording_file(recording_name)
    if not source.is_file():
        raise VoicemailRejected("no_audio", f"the recording {recording_name} does not exist")
    target = audio_file(relative)
    shared_dir(target.parent, _asterisk_root())
    # Asterisk (unprivileged) plays it back; Hotline serves it too.
    share_file(source, _asterisk_root())
    source.replace(target)
    return target.read_bytes()


async def store_recording(
    box: Mailbox, caller_id: str, recording_name: str, call_id: str, min_duration_s: float
) -> VoicemailMessage | None:
    """Keep an ARI recording as a message; None (and the file gone) when too short."""
    data = await asyncio.to_thread(recording_file(recording_name).read_bytes)
    if wav_duration_s(data) < min_duration_s:
        await asyncio.to_thread(discard_recording, recording_name)
        return None
    relative = recording_name_for_new_message(box.number)[1]
    await asyncio.to_thread(_move_into_store, recording_name, relative)
    return await store_message(box, caller_id, relative, None, call_id)


async def set_greeting_from_recording(box: Mailbox, kind: str, recording_name: str) -> None:
    """A greeting recorded by phone (ARI recording) becomes the box's ``kind`` greeting."""
    data = await asyncio.to_thread(recording_file(recording_name).read_bytes)
    try:
        await set_greeting(box, kind, data)
    finally:
        await asyncio.to_thread(discard_recording, recording_name)


def wav_duration_s(data: bytes) -> float:
    """Duration of a PCM WAV; VoicemailRejected when it is not one."""
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            rate = reader.getframerate()
            frames = reader.getnframes()
    except (wave.Error, EOFError) as error:
        raise VoicemailRejected("not_wav", f"not a PCM WAV file: {error}", "audio") from error
    if rate <= 0:
        raise VoicemailRejected("not_wav", "the WAV has no sample rate", "audio")
    return frames / rate


def _read_stored_recording(audio: Path | str) -> tuple[str, bytes]:
    """(store-relative path, bytes) of a WAV already in the store."""
    path = audio_file(audio) if isinstance(audio, str) else audio.resolve()
    store = runtime().store.resolve()
    if store not in path.parents:
        raise VoicemailRejected("outside_store", f"{path} is not in the voicemail store")
    if not path.is_file():
        raise VoicemailRejected("no_audio", f"the recording {path.name} does not exist")
    share_file(path, _asterisk_root())
    return str(path.relative_to(store)), path.read_bytes()


def _write_atomically(path: Path, data: bytes) -> None:
    shared_dir(path.parent, _asterisk_root())
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    share_file(tmp, _asterisk_root())  # Asterisk plays it, through its group
    tmp.replace(path)


# -- boxes ---------------------------------------------------------------------------
def _no_box(number: str) -> NotFound:
    # One answer for a missing box and another tenant's: ids tell nothing.
    return NotFound(f"voicemail box {number} does not exist", {"box": number})


async def box_by_number(number: str, *, tenant_id: int | None = None) -> Mailbox:
    """The box a call reaches by number: one numbering plan across tenants.

    Call-time only (leaving a message, the phone menu); the web inbox and the
    API use :func:`get_box` with their tenant.  With ``tenant_id`` (the phone
    menu knows whose call it is) another tenant's box is as missing as none.
    """
    query = Mailbox.all() if tenant_id is None else scoped(Mailbox, tenant_id)
    box = await query.get_or_none(number=number)
    if box is None:
        raise _no_box(number)
    return box


async def get_box(number: str, *, tenant_id: int) -> Mailbox:
    """``tenant_id``'s box ``number``; NotFound for a missing or foreign one."""
    box = await scoped(Mailbox, tenant_id).get_or_none(number=number)
    if box is None:
        raise _no_box(number)
    return box


async def list_boxes(*, tenant_id: int) -> list[Mailbox]:
    return list(await scoped(Mailbox, tenant_id))


async def create_box(
    number: str,
    *,
    tenant_id: int,
    name: str = "",
    kind: str = "general",
    owner: str = "",
    email: str = "",
    retention_days: int | None = None,
    max_message_s: int = 180,
    pin: str | None = None,
    pin_hash: str = "",
) -> Mailbox:
    if not _BOX_NUMBER.match(number):
        raise VoicemailRejected("bad_number", "a box number is 2 to 10 digits", "number")
    if kind not in BOX_KINDS:
        raise VoicemailRejected("bad_kind", f"kind must be one of {BOX_KINDS}", "kind")
    # One numbering plan: the check is global, and a number another tenant
    # holds is only "not available", without saying whose.
    taken = await Mailbox.get_or_none(number=number)
    if taken is not None:
        if taken.tenant_id == tenant_id:
            raise VoicemailRejected("exists", f"voicemail box {number} already exists", "number")
        raise VoicemailRejected(
            "not_available", f"voicemail box number {number} is not available", "number"
        )
    box = Mailbox(
        tenant_id=tenant_id,
        number=number,
        name=name,
        kind=kind,
        owner=owner,
        max_message_s=max_message_s,
    )
    _apply_settings(box, email=email, retention_days=retention_days)
    box.pin_hash = pin_hash
    if pin is not None:
        box.pin_hash = await asyncio.to_thread(_hash_pin, pin)
    await box.save()
    await publish_mwi(box)
    return box


def _apply_settings(box: Mailbox, *, email: str, retention_days: int | None) -> None:
    email = email.strip()
    if email and (len(email) > 254 or not re.match(r"^[^@\s]+@[^@\s]+$", email)):
        raise VoicemailRejected(
            "bad_email", f"{email!r} is not an email address", "email", address=email[:80]
        )
    if retention_days is not None and not 1 <= retention_days <= 3650:
        raise VoicemailRejected(
            "bad_retention", "retention is 1 to 3650 days, or empty to keep", "retention_days"
        )
    box.email = email
    box.retention_days = retention_days


async def update_box(box: Mailbox, *, email: str, retention_days: int | None) -> Mailbox:
    _apply_settings(box, email=email, retention_days=retention_days)
    await box.save()
    _publish("box_changed", box=box.number)
    return box


def box_snapshot(box: Mailbox) -> dict[str, Any]:
    """What the audit log keeps of a box (never the PIN hash)."""
    return {
        "number": box.number,
        "name": box.name,
        "kind": box.kind,
        "owner": box.owner,
        "email": box.email,
        "retention_days": box.retention_days,
        "pin_set": bool(box.pin_hash),
        "greetings": [kind for kind in GREETING_KINDS if box.greeting_path(kind)],
    }


# -- PIN -------------------------------------------------------------------------------
# A PIN is set (UI, phone, box creation) only with MIN_PIN_DIGITS to
# MAX_PIN_DIGITS digits.  A shorter PIN stored before the minimum rose still
# opens its box (check_pin never looks at the length) until it is changed.
def _hash_pin(pin: str) -> str:
    if not _PIN.match(pin):
        raise VoicemailRejected(
            "bad_pin", f"a PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits", "pin"
        )
    return hash_password(pin)


async def check_pin(box: Mailbox, pin: str) -> bool:
    """True when ``pin`` opens ``box``; a box without a PIN opens for nobody."""
    if not box.pin_hash or not pin:
        return False
    # argon2 takes tens of milliseconds: keep the event loop free for calls.
    return await asyncio.to_thread(verify_password, box.pin_hash, pin)


async def set_pin(box: Mailbox, pin: str) -> None:
    box.pin_hash = await asyncio.to_thread(_hash_pin, pin)
    await box.save(update_fields=["pin_hash"])
    _publish("pin_changed", box=box.number)


# -- greetings -------------------------------------------------------------------------
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
    await asyncio.to_thread(_write_atomically, audio_file(relative), wav)
    setattr(box, f"greeting_{kind}", relative)
    await box.save(update_fields=[f"greeting_{kind}"])
    _publish("greeting_changed", box=box.number, greeting=kind)


async def clear_greeting(box: Mailbox, kind: str) -> None:
    relative = box.greeting_path(kind)
    if not relative:
        return
    setattr(box, f"greeting_{kind}", "")
    await box.save(update_fields=[f"greeting_{kind}"])
    audio_file(relative).unlink(missing_ok=True)
    _publish("greeting_changed", box=box.number, greeting=kind)


def greeting_media(box: Mailbox, kind: str) -> str | None:
    """``recording:...`` for ARI playback, or None when no such greeting exists."""
    relative = box.greeting_path(kind)
    if not relative or not audio_file(relative).is_file():
        return None
    return _media_uri(relative)


# -- messages --------------------------------------------------------------------------
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
        await asyncio.to_thread(_write_atomically, audio_file(relative), audio)
    else:
        relative, data = await asyncio.to_thread(_read_stored_recording, audio)
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
    _publish(
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
        await _counts_changed(message.mailbox, "message_heard", message.id)
    return message


async def save_message(message_id: int, *, tenant_id: int | None) -> VoicemailMessage:
    """File it under "saved" (and count it as heard); ``tenant_id`` as in get_message."""
    message = await get_message(message_id, tenant_id=tenant_id)
    changed = not message.heard
    message.folder = "saved"
    message.heard = True
    await message.save(update_fields=["folder", "heard"])
    if changed:
        await _counts_changed(message.mailbox, "message_saved", message.id)
    else:
        _publish("message_saved", box=message.mailbox.number, message_id=message.id)
    return message


async def delete_message(message_id: int, *, tenant_id: int | None) -> dict[str, Any]:
    """Delete the row and its audio; returns what was deleted (for the audit).

    ``tenant_id`` as in :func:`get_message`.
    """
    message = await get_message(message_id, tenant_id=tenant_id)
    box = message.mailbox
    before = message_snapshot(message)
    await message.delete()
    _remove_audio(message.audio_path)
    await _counts_changed(box, "message_deleted", message_id)
    return before


def _remove_audio(relative: str) -> None:
    try:
        audio_file(relative).unlink(missing_ok=True)
    except (OSError, InvalidRequest):
        log.warning("voicemail audio %s could not be removed", relative, exc_info=True)


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
        raise _no_box(to_box)
    data = await asyncio.to_thread(audio_file(message.audio_path).read_bytes)
    return await store_message(target, message.caller_id, data, message.duration_s, message.call_id)


def message_media(message: VoicemailMessage) -> str:
    """``recording:...`` for ARI playback of a message."""
    return _media_uri(message.audio_path)


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


# -- MWI -----------------------------------------------------------------------------
async def mwi_counts(box: Mailbox) -> tuple[int, int]:
    """(new, old): unheard and heard messages."""
    new = await VoicemailMessage.filter(mailbox_id=box.id, heard=False).count()
    old = await VoicemailMessage.filter(mailbox_id=box.id, heard=True).count()
    return new, old


async def publish_mwi(box: Mailbox) -> tuple[int, int]:
    """Push the box's counts to Asterisk; a failure is logged, never raised.

    The counts stay right in the database; the next change or the startup
    reconcile pushes them again.
    """
    new, old = await mwi_counts(box)
    sink = runtime().mwi
    if sink is not None:
        try:
            await sink.set_mwi(mwi_mailbox_name(box.number), new, old)
        except Exception:  # any transport failure: MWI is advisory
            log.warning("MWI update for box %s failed", box.number, exc_info=True)
    return new, old


async def publish_all_mwi() -> int:
    """Every box's MWI, of every tenant (after Hotline or Asterisk restarts)."""
    boxes = list(await Mailbox.all())
    for box in boxes:
        await publish_mwi(box)
    return len(boxes)


async def _counts_changed(box: Mailbox, kind: str, message_id: int) -> None:
    new, old = await publish_mwi(box)
    _publish(kind, box=box.number, message_id=message_id, new=new, old=old)


def _publish(event: str, **data: Any) -> None:
    bus = runtime().bus
    if bus is not None:
        bus.publish("voicemail", event, **data)


# -- retention -------------------------------------------------------------------------
async def purge_expired(now: datetime) -> int:
    """Delete messages older than their box's retention; returns how many."""
    purged = 0
    for box in await Mailbox.filter(retention_days__isnull=False):
        assert box.retention_days is not None
        cutoff = now - timedelta(days=box.retention_days)
        expired = await VoicemailMessage.filter(mailbox_id=box.id, received_at__lt=cutoff)
        if not expired:
            continue
        for message in expired:
            await message.delete()
            _remove_audio(message.audio_path)
        purged += len(expired)
        new, old = await publish_mwi(box)
        _publish("messages_purged", box=box.number, count=len(expired), new=new, old=old)
    return purged


def remove_box_files(box: Mailbox) -> None:
    shutil.rmtree(audio_file(f"{box.number}/.keep").parent, ignore_errors=True)


# -- email -----------------------------------------------------------------------------
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
    _publish("email", box=box.number, message_id=message.id, status=status)
    return status


# -- phones ----------------------------------------------------------------------------
async def phone_mailboxes(extension: str) -> str:
    """The ARI mailboxes an agent's phone shows: its own box and its queues' boxes,
    only boxes of the agent's tenant (none for an extension that is no agent)."""
    from hotline.models import Agent, QueueMember

    agent = await Agent.get_or_none(extension=extension)
    if agent is None:
        return ""
    tenant_id = agent.tenant_id  # type: ignore[attr-defined]
    queues = [
        member.queue.name
        for member in await QueueMember.filter(agent_id=agent.id).prefetch_related("queue")
    ]
    boxes = await scoped(Mailbox, tenant_id).filter(kind="agent", owner=extension)
    if queues:
        boxes += await scoped(Mailbox, tenant_id).filter(kind="queue", owner__in=queues)
    return ",".join(mwi_mailbox_name(box.number) for box in boxes)


# -- demo ------------------------------------------------------------------------------
DEMO_BOX: Final = "5000"


def demo_pin(settings: Settings) -> str:
    """HOTLINE_DEMO_VM_PIN if it may be set as a PIN, else "" (new demo boxes
    then get none; boxes seeded before keep theirs).  The generated one has
    six digits; one set by hand may be shorter."""
    pin = settings.demo_vm_pin
    if pin and not _PIN.match(pin):
        log.warning(
            "HOTLINE_DEMO_VM_PIN is not %d to %d digits: new demo boxes get no PIN",
            MIN_PIN_DIGITS,
            MAX_PIN_DIGITS,
        )
        return ""
    return pin


async def seed_demo_voicemail(settings: Settings, *, tenant_id: int) -> None:
    """The demo's voicemail (a ``hotline.seed.FeatureDemo``): the support
    line's box and one per demo agent, opened by HOTLINE_DEMO_VM_PIN."""
    pin = demo_pin(settings)  # "" when shorter than a PIN may be set
    pin_hash = seed.demo_secret_hash(pin) if pin else ""
    await seed_demo_boxes(pin_hash, list(seed.DEMO_AGENTS), seed.DEMO_QUEUE, tenant_id=tenant_id)


async def seed_demo_boxes(
    pin_hash: str,
    agent_extensions: tuple[str, ...] | list[str],
    queue: str,
    *,
    tenant_id: int,
) -> None:
    """Box 5000 for the support line (its agents' phones show the lamp) and
    one box per demo agent, all of the demo tenant; all open with the demo
    PIN (HOTLINE_DEMO_VM_PIN).  A number already taken is left alone."""
    if not await Mailbox.exists(number=DEMO_BOX):
        await create_box(
            DEMO_BOX,
            tenant_id=tenant_id,
            name="Support line",
            kind="queue",
            owner=queue,
            email="support@example.org",
            retention_days=30,
            max_message_s=120,
            pin_hash=pin_hash,
        )
    for extension in agent_extensions:
        if not await Mailbox.exists(number=extension):
            await create_box(
                extension,
                tenant_id=tenant_id,
                name=f"Agent {extension}",
                kind="agent",
                owner=extension,
                email=f"agent{extension}@example.org",
                pin_hash=pin_hash,
            )
