"""Turn an uploaded audio file into the two files Asterisk plays, or say why not.

Pure functions over bytes (ffmpeg runs as a subprocess on a temporary file;
nothing is stored here).  The steps, in order:

1. size and emptiness;
2. the content is sniffed from its magic bytes and must be a supported
   format whose name matches the file's extension (an MP3 renamed ``.wav`` is
   refused: people are told what they really uploaded);
3. ffmpeg decodes the first audio stream to 16 kHz mono signed-linear; any
   decoder error means the file is corrupt;
4. pydub trims leading and trailing silence and normalises loudness (RMS to
   about -20 dBFS, peaks kept under -1 dBFS);
5. the length is capped (five minutes after trimming);
6. ffmpeg resamples to 8 kHz (with its anti-aliasing filter; pydub's
   ``set_frame_rate`` uses ``audioop.ratecv``, which has none) and the result
   is wrapped in a plain 44-byte-header WAV.

Asterisk picks the file by format: ``NAME.wav`` (signed-linear 8 kHz) for
narrowband channels, ``NAME.sln16`` (raw signed-linear 16 kHz, format_sln's
"sln16") for wideband ones such as G.722, each the cheapest translation.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
import warnings
import wave
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Final

from hotline.errors import HotlineError

# pydub imports audioop, which warns about its removal in Python 3.13 on
# import; our tests turn warnings into errors.  audioop is still shipped with
# the 3.11 we run on.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

MAX_DURATION_S: Final = 5 * 60
# A five-minute 16 kHz mono WAV is 9.6 MB; compressed formats are far
# smaller.  Anything bigger is refused before it is decoded.
MAX_UPLOAD_BYTES: Final = 16 * 1024 * 1024
NARROWBAND_HZ: Final = 8000
WIDEBAND_HZ: Final = 16000
SAMPLE_WIDTH_BYTES: Final = 2
TARGET_RMS_DBFS: Final = -20.0
PEAK_CEILING_DBFS: Final = -1.0
# Silence is what lies 40 dB under the loudest peak, counting anything under
# -50 dBFS as silence too (a hum between words is not sound), but always at
# least 20 dB under the peak so a very quiet recording is not all "silence".
SILENCE_BELOW_PEAK_DB: Final = 40.0
SILENCE_FLOOR_DBFS: Final = -50.0
MIN_SILENCE_MARGIN_DB: Final = 20.0
# A recording whose loudest sample is this quiet is a muted microphone.
SILENT_PEAK_DBFS: Final = -70.0
# Kept around the sound so the first consonant is not clipped.
TRIM_PADDING_MS: Final = 50
FFMPEG_TIMEOUT_S: Final = 120
_RAW_WIDEBAND_OUT: Final = (
    "-ar",
    str(WIDEBAND_HZ),
    "-f",
    "s16le",
    "-acodec",
    "pcm_s16le",
    "pipe:1",
)


@dataclass(frozen=True)
class AudioFormat:
    key: str  # stable code: wav, mp3, ogg, m4a, webm
    label: str  # what people call it
    extensions: tuple[str, ...]
    demuxer: str  # ffmpeg's input format name


FORMATS: Final = (
    AudioFormat("wav", "WAV", ("wav", "wave"), "wav"),
    AudioFormat("mp3", "MP3", ("mp3",), "mp3"),
    AudioFormat("ogg", "OGG", ("ogg", "oga", "opus"), "ogg"),
    AudioFormat("m4a", "M4A", ("m4a", "mp4"), "mov"),
    AudioFormat("webm", "WebM", ("webm", "weba"), "matroska"),
)
FORMATS_BY_KEY: Final = {fmt.key: fmt for fmt in FORMATS}
ACCEPTED_EXTENSIONS: Final = tuple(ext for fmt in FORMATS for ext in fmt.extensions)
# Formats we recognise but do not take: the message names them.
UNSUPPORTED_KINDS: Final = {b"fLaC": "FLAC", b"FORM": "AIFF", b"#!AMR": "AMR"}


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
class ConvertedPrompt:
    """What is written for Asterisk, and what the catalogue records about it."""

    narrowband_wav: bytes  # mono 8 kHz 16-bit PCM WAV
    wideband_sln16: bytes  # raw mono 16 kHz 16-bit little-endian
    duration_s: float  # after trimming
    source_format: str  # FORMATS key
    trimmed_s: float  # silence removed
    gain_db: float  # applied by the normalisation


def sniff_format(data: bytes) -> str | None:
    """The FORMATS key the content is, from its magic bytes; None when unknown."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or _is_mp3_frame(data[:2]):
        return "mp3"
    if data[:4] == b"OggS":
        return "ogg"
    if data[4:8] == b"ftyp":
        return "m4a"
    if data[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM (or Matroska, decoded alike)
        return "webm"
    return None


def _is_mp3_frame(head: bytes) -> bool:
    # An MPEG audio frame sync is 11 set bits; layer bits 00 are ADTS AAC, not MP3.
    return len(head) == 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06 != 0


def _unsupported_kind(data: bytes) -> str | None:
    for magic, kind in UNSUPPORTED_KINDS.items():
        if data.startswith(magic):
            return kind
    return None


def extension_of(filename: str) -> str:
    return PurePath(filename).suffix.lower().lstrip(".")


def check_upload(data: bytes, filename: str) -> AudioFormat:
    """The upload's format, or PromptRejected when it cannot be taken as it is."""
    if not data:
        raise PromptRejected("empty", "the file is empty", "file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PromptRejected(
            "too_large",
            f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB",
            "file",
            megabytes=MAX_UPLOAD_BYTES // (1024 * 1024),
        )
    extension = extension_of(filename)
    key = sniff_format(data)
    if key is None:
        kind = _unsupported_kind(data)
        if kind is not None:
            raise PromptRejected(
                "unsupported_format",
                f"{kind} is not accepted; use WAV, MP3, OGG, M4A or WebM",
                "file",
                kind=kind,
            )
        raise PromptRejected(
            "not_audio",
            "the content is not audio in a supported format (WAV, MP3, OGG, M4A, WebM)",
            "file",
        )
    fmt = FORMATS_BY_KEY[key]
    if extension and extension not in ACCEPTED_EXTENSIONS:
        raise PromptRejected(
            "bad_extension",
            f"files named .{extension} are not accepted",
            "file",
            extension=extension,
        )
    if extension and extension not in fmt.extensions:
        raise PromptRejected(
            "mismatch",
            f"the file is named .{extension} but its content is {fmt.label}",
            "file",
            extension=extension,
            kind=fmt.label,
        )
    return fmt


def _check_wav_length(data: bytes) -> None:
    """A PCM WAV must hold the audio its header announces (ffmpeg reads a cut one silently)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            expected = reader.getnframes() * reader.getsampwidth() * reader.getnchannels()
            actual = len(reader.readframes(reader.getnframes()))
    except wave.Error as error:
        if str(error).startswith("unknown format"):
            return  # float, mu-law, ADPCM...: the stdlib cannot read it, ffmpeg can
        raise PromptRejected("corrupt", f"corrupt WAV: {error}", "file") from error
    except EOFError as error:
        raise PromptRejected("corrupt", "corrupt WAV: the header is cut short", "file") from error
    if actual < expected:
        raise PromptRejected("corrupt", "truncated WAV: less audio than its header says", "file")


def _ffmpeg(args: list[str], stdin: bytes | None = None) -> tuple[int, bytes, str]:
    completed = subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", *args],
        input=stdin,
        capture_output=True,
        timeout=FFMPEG_TIMEOUT_S,
        check=False,
    )
    return completed.returncode, completed.stdout, completed.stderr.decode(errors="replace")


def decode_to_wideband(data: bytes, fmt: AudioFormat) -> bytes:
    """Raw mono 16 kHz signed-linear of the first audio stream; corrupt input is refused."""
    if fmt.key == "wav":
        _check_wav_length(data)
    # A temporary file, not a pipe: MP4 keeps its index (moov) at the end and
    # needs a seekable input.
    with tempfile.TemporaryDirectory(prefix="hotline-prompt-") as tmp:
        source = Path(tmp) / f"upload.{fmt.extensions[0]}"
        source.write_bytes(data)
        decode = ["-f", fmt.demuxer, "-i", str(source), "-map", "0:a:0", "-ac", "1"]
        code, pcm, errors = _ffmpeg([*decode, *_RAW_WIDEBAND_OUT])
    if code != 0 or errors.strip():
        # ffmpeg's first error line names the problem ("moov atom not found",
        # "Invalid data found when processing input"...).
        detail = errors.strip().splitlines()[0] if errors.strip() else f"ffmpeg exit {code}"
        raise PromptRejected(
            "corrupt",
            f"the {fmt.label} file cannot be decoded: {detail}",
            "file",
            kind=fmt.label,
        )
    return pcm


def trim_and_normalise(pcm16k: bytes) -> tuple[AudioSegment, float, float]:
    """The sound without its silent ends, at the target loudness; with (trimmed_s, gain_db)."""
    segment = AudioSegment(
        data=pcm16k[: len(pcm16k) - len(pcm16k) % SAMPLE_WIDTH_BYTES],
        sample_width=SAMPLE_WIDTH_BYTES,
        frame_rate=WIDEBAND_HZ,
        channels=1,
    )
    if len(segment) == 0:
        raise PromptRejected("empty", "the file contains no audio", "file")
    peak = segment.max_dBFS
    if peak < SILENT_PEAK_DBFS:
        raise PromptRejected("silent", "the audio is silent", "file")
    threshold = min(
        max(SILENCE_FLOOR_DBFS, peak - SILENCE_BELOW_PEAK_DB), peak - MIN_SILENCE_MARGIN_DB
    )
    lead_ms = detect_leading_silence(segment, silence_threshold=threshold, chunk_size=10)
    tail_ms = detect_leading_silence(segment.reverse(), silence_threshold=threshold, chunk_size=10)
    if lead_ms >= len(segment):
        raise PromptRejected("silent", "the audio is silent", "file")
    start = max(0, lead_ms - TRIM_PADDING_MS)
    end = min(len(segment), len(segment) - tail_ms + TRIM_PADDING_MS)
    trimmed = segment[start:end]
    gain_db = min(TARGET_RMS_DBFS - trimmed.dBFS, PEAK_CEILING_DBFS - trimmed.max_dBFS)
    trimmed_s = (len(segment) - len(trimmed)) / 1000
    return trimmed.apply_gain(gain_db), trimmed_s, gain_db


def to_narrowband_wav(pcm16k: bytes) -> bytes:
    raw_wideband_in = ["-f", "s16le", "-ar", str(WIDEBAND_HZ), "-ac", "1", "-i", "pipe:0"]
    raw_narrowband_out = ["-ar", str(NARROWBAND_HZ), "-f", "s16le", "-acodec", "pcm_s16le"]
    code, pcm8k, errors = _ffmpeg([*raw_wideband_in, *raw_narrowband_out, "pipe:1"], stdin=pcm16k)
    if code != 0:
        raise RuntimeError(f"ffmpeg could not resample: {errors.strip()}")
    return wav_bytes(pcm8k, NARROWBAND_HZ)


def wav_bytes(pcm: bytes, rate_hz: int) -> bytes:
    """A plain PCM WAV: Asterisk's format_wav wants no extra chunks to guess about."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(SAMPLE_WIDTH_BYTES)
        writer.setframerate(rate_hz)
        writer.writeframes(pcm)
    return buffer.getvalue()


def convert_upload(data: bytes, filename: str) -> ConvertedPrompt:
    """The whole pipeline (see the module docstring); PromptRejected says why not."""
    fmt = check_upload(data, filename)
    segment, trimmed_s, gain_db = trim_and_normalise(decode_to_wideband(data, fmt))
    duration_s = len(segment) / 1000
    if duration_s > MAX_DURATION_S:
        raise PromptRejected(
            "too_long",
            f"{duration_s:.0f} s is longer than {MAX_DURATION_S} s",
            "file",
            seconds=round(duration_s),
        )
    wideband = segment.raw_data
    return ConvertedPrompt(
        narrowband_wav=to_narrowband_wav(wideband),
        wideband_sln16=wideband,
        duration_s=duration_s,
        source_format=fmt.key,
        trimmed_s=trimmed_s,
        gain_db=gain_db,
    )
