"""The voicemail store: where the audio lives, and the runtime that says where.

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

The runtime
-----------
The runtime (store directory, bus, MWI sink, settings for mail) is set once
by the process with ``configure`` (``vm/retention.py``); tests configure a
tmp directory and a recording MWI sink.  Every voicemail change publishes a
("voicemail", ...) bus event through ``publish_event``.
"""

from __future__ import annotations

import io
import logging
import secrets
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

from hotline.asterisk_account import share_file, shared_dir
from hotline.bus import EventBus
from hotline.errors import InvalidRequest
from hotline.settings import Settings

log = logging.getLogger(__name__)

STORE_NAME: Final = "hotline-vm"


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


def publish_event(event: str, **data: Any) -> None:
    bus = runtime().bus
    if bus is not None:
        bus.publish("voicemail", event, **data)


# -- paths and media ---------------------------------------------------------------
def audio_file(relative: str) -> Path:
    """The file of a stored path, refusing anything that escapes the store."""
    store = runtime().store.resolve()
    path = (store / relative).resolve()
    if store not in path.parents:
        raise InvalidRequest(f"audio path {relative!r} is outside the voicemail store")
    return path


def media_uri(relative: str) -> str:
    # recording:NAME is relative to Asterisk's recording dir, without extension.
    return f"recording:{STORE_NAME}/{relative.removesuffix('.wav')}"


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


def move_into_store(recording_name: str, relative: str) -> bytes:
    source = recording_file(recording_name)
    if not source.is_file():
        raise VoicemailRejected("no_audio", f"the recording {recording_name} does not exist")
    target = audio_file(relative)
    shared_dir(target.parent, _asterisk_root())
    # Asterisk (unprivileged) plays it back; Hotline serves it too.
    share_file(source, _asterisk_root())
    source.replace(target)
    return target.read_bytes()


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


def read_stored_recording(audio: Path | str) -> tuple[str, bytes]:
    """(store-relative path, bytes) of a WAV already in the store."""
    path = audio_file(audio) if isinstance(audio, str) else audio.resolve()
    store = runtime().store.resolve()
    if store not in path.parents:
        raise VoicemailRejected("outside_store", f"{path} is not in the voicemail store")
    if not path.is_file():
        raise VoicemailRejected("no_audio", f"the recording {path.name} does not exist")
    share_file(path, _asterisk_root())
    return str(path.relative_to(store)), path.read_bytes()


def write_atomically(path: Path, data: bytes) -> None:
    shared_dir(path.parent, _asterisk_root())
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    share_file(tmp, _asterisk_root())  # Asterisk plays it, through its group
    tmp.replace(path)


def remove_audio(relative: str) -> None:
    try:
        audio_file(relative).unlink(missing_ok=True)
    except (OSError, InvalidRequest):
        log.warning("voicemail audio %s could not be removed", relative, exc_info=True)
