"""Voice prompts: which files are accepted, where they live, how they are replaced.

Flows play ``prompt:NAME``; the adapter plays it as ``sound:hotline/NAME``, so
the audio must sit in Asterisk's ``sounds/<lang>/hotline`` directory in a
format Asterisk plays without transcoding surprises.  Until the media
pipeline (MP3/OGG/WebM, loudness) lands, only WAV is accepted: PCM 16-bit,
mono, 8000 Hz, at most five minutes.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import secrets
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from hotline.errors import HotlineError
from hotline.models_prompts import Prompt
from hotline.settings import Settings, load_settings
from hotline.sounds import resolve_in_root

NAME_PATTERN: Final = re.compile(r"[a-z0-9_-]{1,64}")
CHANNELS: Final = 1
SAMPLE_RATE_HZ: Final = 8000
SAMPLE_WIDTH_BYTES: Final = 2
MAX_DURATION_S: Final = 5 * 60
# Five minutes of the accepted format is 4.8 MB; anything far bigger is
# refused before it is parsed, whatever it claims to be.
MAX_UPLOAD_BYTES: Final = 8 * 1024 * 1024
LANGUAGES: Final = ("en", "zh-CN")
CATEGORIES: Final = ("greeting", "menu", "queue", "announcement", "closed", "other")

# Magic numbers of the formats people most often rename to .wav.
_SIGNATURES: Final = (
    (b"ID3", "MP3"),
    (b"\xff\xfb", "MP3"),
    (b"\xff\xf3", "MP3"),
    (b"\xff\xf2", "MP3"),
    (b"OggS", "Ogg"),
    (b"\x1a\x45\xdf\xa3", "WebM/Matroska"),
    (b"fLaC", "FLAC"),
    (b"FORM", "AIFF"),
)


class PromptRejected(HotlineError):
    """An upload that is not stored; ``reason`` is a stable code the UI translates."""

    error_id = "prompt-rejected"
    status_code = 422

    def __init__(self, reason: str, message: str, field: str, **values: Any) -> None:
        super().__init__(message, {"reason": reason, "field": field, **values})
        self.reason = reason
        self.field = field
        self.values = values


@dataclass(frozen=True)
class WavInfo:
    channels: int
    sample_rate_hz: int
    sample_width_bytes: int
    frames: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate_hz if self.sample_rate_hz else 0.0


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise PromptRejected(
            "bad_name",
            f"prompt name {name!r}: use 1-64 of a-z, 0-9, '_' and '-'",
            "name",
            name=name,
        )
    return name


def _sniff(data: bytes) -> str:
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    return "unknown"


def _format_problems(channels: int, rate: int, width: int) -> list[str]:
    problems = []
    if channels != CHANNELS:
        problems.append("stereo" if channels == 2 else f"{channels} channels")
    if rate != SAMPLE_RATE_HZ:
        problems.append(f"{rate} Hz")
    if width != SAMPLE_WIDTH_BYTES:
        problems.append(f"{8 * width}-bit")
    return problems


def inspect_wav(data: bytes) -> WavInfo:
    """The WAV's format, or PromptRejected saying why it cannot be played."""
    if not data:
        raise PromptRejected("empty", "the file is empty", "file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PromptRejected(
            "too_large", f"the file is larger than {MAX_UPLOAD_BYTES} bytes", "file"
        )
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        kind = _sniff(data)
        raise PromptRejected(
            "not_wav", f"the content is not a WAV (RIFF/WAVE) file ({kind})", "file", kind=kind
        )
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            channels, width, rate, frames = (
                reader.getnchannels(),
                reader.getsampwidth(),
                reader.getframerate(),
                reader.getnframes(),
            )
            problems = _format_problems(channels, rate, width)
            if problems:
                raise PromptRejected(
                    "wrong_format",
                    "wrong format: " + ", ".join(problems) + " (need 16-bit mono 8000 Hz PCM)",
                    "file",
                    problems=", ".join(problems),
                )
            info = WavInfo(channels, rate, width, frames)
            if info.duration_s > MAX_DURATION_S:
                raise PromptRejected(
                    "too_long",
                    f"{info.duration_s:.0f} s is longer than {MAX_DURATION_S} s",
                    "file",
                    seconds=round(info.duration_s),
                )
            audio = reader.readframes(frames)
    except wave.Error as error:
        # The stdlib only reads PCM: "unknown format: 3" is float, 7 is mu-law...
        if str(error).startswith("unknown format"):
            raise PromptRejected(
                "wrong_format",
                f"wrong format: not PCM ({error})",
                "file",
                problems=f"not PCM ({error})",
            ) from error
        raise PromptRejected("corrupt", f"corrupt WAV: {error}", "file") from error
    except EOFError as error:
        raise PromptRejected("corrupt", "corrupt WAV: the header is cut short", "file") from error
    if frames == 0:
        raise PromptRejected("empty", "the file contains no audio", "file")
    if len(audio) < frames * width * channels:
        raise PromptRejected("corrupt", "truncated WAV: less audio than its header says", "file")
    return info


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def prompt_dir(settings: Settings) -> Path:
    """Where prompt files live: Asterisk's ``sounds/en/hotline`` directory.

    In the sandbox ``sounds/en`` is an absolute symlink inside the chroot, so it
    is followed inside the root.  With a system Asterisk, Hotline writes to
    ``<var_dir>/sounds/hotline``: that directory must be (or be linked as)
    Asterisk's ``sounds/<lang>/hotline`` for ``prompt:NAME`` to play.
    """
    if settings.asterisk_root:
        root = Path(settings.asterisk_root)
        return resolve_in_root(root, root / "usr/share/asterisk/sounds/en") / "hotline"
    return settings.var_dir / "sounds" / "hotline"


def current_prompt_dir() -> Path:
    """The configured prompt directory (tests monkeypatch this)."""
    return prompt_dir(load_settings())


class PromptFiles:
    """The audio files of the prompts: ``NAME.wav`` live, ``NAME.v<N>.wav`` kept."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def live(self, name: str) -> Path:
        return self.directory / f"{check_name(name)}.wav"

    def archived(self, name: str, version: int) -> Path:
        return self.directory / f"{check_name(name)}.v{version}.wav"

    def write(self, name: str, data: bytes, replaced_version: int | None) -> Path | None:
        """Make ``data`` the live audio of ``name``; returns where the old audio went.

        The new file is written beside the target and renamed over it, so
        Asterisk never plays a half-written file; the old audio is hard-linked
        (or copied) to its archive name first, so there is no gap either.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        live = self.live(name)
        tmp = self.directory / f".{name}.{secrets.token_hex(4)}.tmp"
        archive: Path | None = None
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            tmp.chmod(0o644)  # Asterisk runs as another user
            if replaced_version is not None and live.exists():
                archive = self.archived(name, replaced_version)
                if archive.exists():
                    archive.unlink()  # a leftover of an upload that failed later
                try:
                    os.link(live, archive)
                except OSError:
                    archive.write_bytes(live.read_bytes())
            os.replace(tmp, live)
        finally:
            tmp.unlink(missing_ok=True)
        return archive

    def undo_write(self, name: str, archive: Path | None) -> None:
        """Put back what ``write`` replaced (the database refused the change)."""
        if archive is not None and archive.exists():
            os.replace(archive, self.live(name))
        else:
            self.live(name).unlink(missing_ok=True)

    def read(self, name: str) -> bytes | None:
        path = self.live(name)
        return path.read_bytes() if path.is_file() else None

    def remove(self, name: str) -> list[str]:
        """Delete the live file and its kept versions; returns the file names removed."""
        pattern = re.compile(rf"{re.escape(check_name(name))}(\.v\d+)?\.wav")
        removed = []
        if self.directory.is_dir():
            for path in sorted(self.directory.iterdir()):
                if pattern.fullmatch(path.name):
                    path.unlink()
                    removed.append(path.name)
        return removed


async def write_file(
    files: PromptFiles, name: str, data: bytes, replaced: int | None
) -> Path | None:
    return await asyncio.to_thread(files.write, name, data, replaced)


async def known_prompt_names() -> frozenset[str]:
    """The names flows may reference as ``prompt:NAME`` (for flow validation)."""
    names = await Prompt.all().values_list("name", flat=True)
    return frozenset(str(name) for name in names)
