"""Turn an uploaded audio file into the two files Asterisk plays, or say why not.

Nothing is stored here.  The steps, in order:

1. size and emptiness;
2. the content is sniffed from its magic bytes and must be a supported
   format whose name matches the file's extension (an MP3 renamed ``.wav`` is
   refused: people are told what they really uploaded);
3. ffprobe reads the file's duration and a file longer than
   ``MAX_SOURCE_DURATION_S`` is refused before anything is decoded;
4. ffmpeg decodes the first audio stream to 16 kHz mono signed-linear, cut at
   that same length (``-t``: a header may lie or say nothing, as Chromium's
   WebM recordings do); any decoder error means the file is corrupt;
5. pydub trims leading and trailing silence and normalises loudness (RMS to
   about -20 dBFS, peaks kept under -1 dBFS);
6. the length is capped (five minutes after trimming);
7. ffmpeg resamples to 8 kHz (with its anti-aliasing filter; pydub's
   ``set_frame_rate`` uses ``audioop.ratecv``, which has none) and the result
   is wrapped in a plain 44-byte-header WAV.

Steps 3 to 7 never run in the Hotline process.  ``convert_upload`` checks
steps 1 and 2 and hands the rest to a child, ``python -m
hotline.audio_convert_worker``, under rlimits (``WORKER_LIMITS``) and a
timeout; the child runs ffprobe and ffmpeg as ``nobody`` in a private
directory under their own limits (``hotline.sandbox``).  A security review
had a 16 MiB Opus file (six hours at 6 kbit/s) decode to about 0.7 GiB of
PCM inside the call process.  Measured with ``tests/bench/prompt_rss.py``
(2026-12-04, this 2-core box) on a 16 MiB Opus file of 5.6 hours: before,
the process converting it peaked at 2,535 MB RSS and took 49 s to refuse it
as too long; now it is refused after ffprobe alone in 0.25 s, the process
peaks at 38 MB, what it held once the upload was read, and no child
passes 53 MB.  A file just under ten minutes, the most that is decoded,
peaks at 65 MB in the child and adds nothing to the parent.

Asterisk picks the file by format: ``NAME.wav`` (signed-linear 8 kHz) for
narrowband channels, ``NAME.sln16`` (raw signed-linear 16 kHz, format_sln's
"sln16") for wideband ones such as G.722, each the cheapest translation.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import warnings
import wave
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Final

from hotline import sandbox
from hotline.errors import HotlineError
from hotline.sandbox import MIB, Limits

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
# A file may hold up to five minutes of silence around its five minutes of
# sound (trimmed away); anything longer is refused before it is decoded, and
# the decoder stops there whatever the header said: at most 19.2 MB of PCM.
MAX_SOURCE_DURATION_S: Final = 2 * MAX_DURATION_S
FFMPEG_TIMEOUT_S: Final = 120
FFPROBE_TIMEOUT_S: Final = 30
# ffmpeg and ffprobe (as nobody): decoding ten minutes of Opus took 0.44 s of
# CPU and 55 MB of RSS here; they write only to pipes.
FFMPEG_LIMITS: Final = Limits(
    cpu_s=120, address_space_bytes=1024 * MIB, file_size_bytes=1 * MIB, open_files=64
)
# The child running this whole pipeline (pydub holds a few copies of at most
# ten minutes of 16 kHz PCM); it writes the two outputs, at most 15 MB.
WORKER_LIMITS: Final = Limits(
    cpu_s=120, address_space_bytes=1024 * MIB, file_size_bytes=64 * MIB, open_files=64
)
WORKER_TIMEOUT_S: Final = 300
_PROJECT_ROOT: Final = Path(__file__).resolve().parents[1]
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


def _too_complex(fmt: AudioFormat, detail: str) -> PromptRejected:
    return PromptRejected(
        "too_complex",
        f"converting the {fmt.label} file went over its time or memory limit ({detail})",
        "file",
        kind=fmt.label,
    )


def _ffmpeg(
    program: str, args: list[str], work: Path, fmt: AudioFormat, stdin: bytes | None = None
) -> sandbox.Completed:
    """ffmpeg or ffprobe as nobody in ``work`` (see ``hotline.sandbox``)."""
    timeout_s = FFPROBE_TIMEOUT_S if program == "ffprobe" else FFMPEG_TIMEOUT_S
    try:
        done = sandbox.run_sync(
            [program, "-hide_banner", "-v", "error", *args],
            limits=FFMPEG_LIMITS,
            workdir=work,
            timeout_s=timeout_s,
            stdin=stdin,
        )
    except TimeoutError:
        raise _too_complex(fmt, f"{program} took longer than {timeout_s} s") from None
    if done.returncode < 0:  # killed: its CPU seconds or file size ran out
        raise _too_complex(fmt, f"{program} stopped by signal {-done.returncode}")
    return done


def _cannot_decode(fmt: AudioFormat, done: sandbox.Completed) -> PromptRejected:
    # ffmpeg's first error line names the problem ("moov atom not found",
    # "Invalid data found when processing input"...).
    errors = done.stderr.decode(errors="replace").strip()
    detail = errors.splitlines()[0] if errors else f"exit {done.returncode}"
    return PromptRejected(
        "corrupt",
        f"the {fmt.label} file cannot be decoded: {detail}",
        "file",
        kind=fmt.label,
    )


def _too_long(seconds: float) -> PromptRejected:
    return PromptRejected(
        "too_long",
        f"{seconds:.0f} s is longer than {MAX_DURATION_S} s",
        "file",
        seconds=round(seconds),
    )


def _file_too_long(seconds: float) -> PromptRejected:
    return PromptRejected(
        "file_too_long",
        f"the file lasts {seconds:.0f} s; files over {MAX_SOURCE_DURATION_S} s are not converted",
        "file",
        seconds=round(seconds),
    )


def probe_duration_s(source: Path, fmt: AudioFormat, work: Path) -> float | None:
    """The duration the container states, or None when it states none."""
    done = _ffmpeg(
        "ffprobe",
        [
            "-protocol_whitelist",
            "file",
            "-f",
            fmt.demuxer,
            "-show_entries",
            "format=duration",
            "-of",
            "default=noprint_wrappers=1:nokey=1",
            str(source),
        ],
        work,
        fmt,
    )
    if done.returncode != 0:
        raise _cannot_decode(fmt, done)
    try:
        return float(done.stdout.decode().strip().splitlines()[0])
    except (ValueError, IndexError):
        return None  # "N/A": a live-written WebM, for one


def decode_to_wideband(data: bytes, fmt: AudioFormat) -> bytes:
    """Raw mono 16 kHz signed-linear of the first audio stream; corrupt input is refused.

    Past ``MAX_SOURCE_DURATION_S`` it is refused as ``file_too_long``: before
    decoding when the container says so, else once the decoder reaches it.
    """
    if fmt.key == "wav":
        _check_wav_length(data)
    # A file, not a pipe: MP4 keeps its index (moov) at the end and needs a
    # seekable input.
    with sandbox.private_dir("hotline-prompt-") as work:
        source = work / f"upload.{fmt.extensions[0]}"
        source.write_bytes(data)
        sandbox.hand_over(source)
        stated_s = probe_duration_s(source, fmt, work)
        if stated_s is not None and stated_s > MAX_SOURCE_DURATION_S:
            raise _file_too_long(stated_s)
        # One second past the limit, so that "longer than the limit" shows.
        cut = ["-t", str(MAX_SOURCE_DURATION_S + 1)]
        decode = ["-protocol_whitelist", "file", "-f", fmt.demuxer, *cut, "-i", str(source)]
        done = _ffmpeg(
            "ffmpeg",
            ["-nostdin", *decode, "-map", "0:a:0", "-ac", "1", *_RAW_WIDEBAND_OUT],
            work,
            fmt,
        )
    if done.returncode != 0 or done.stderr.strip():
        raise _cannot_decode(fmt, done)
    decoded_s = len(done.stdout) / (WIDEBAND_HZ * SAMPLE_WIDTH_BYTES)
    if decoded_s > MAX_SOURCE_DURATION_S + 0.5:  # codec padding is not length
        raise _file_too_long(decoded_s)
    return done.stdout


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


def to_narrowband_wav(pcm16k: bytes, fmt: AudioFormat = FORMATS_BY_KEY["wav"]) -> bytes:
    raw_wideband_in = ["-f", "s16le", "-ar", str(WIDEBAND_HZ), "-ac", "1", "-i", "pipe:0"]
    raw_narrowband_out = ["-ar", str(NARROWBAND_HZ), "-f", "s16le", "-acodec", "pcm_s16le"]
    args = ["-nostdin", "-protocol_whitelist", "pipe", *raw_wideband_in, *raw_narrowband_out]
    with sandbox.private_dir("hotline-prompt-") as work:
        done = _ffmpeg("ffmpeg", [*args, "pipe:1"], work, fmt, stdin=pcm16k)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg could not resample: {done.first_error_lines()}")
    return wav_bytes(done.stdout, NARROWBAND_HZ)


def wav_bytes(pcm: bytes, rate_hz: int) -> bytes:
    """A plain PCM WAV: Asterisk's format_wav wants no extra chunks to guess about."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(SAMPLE_WIDTH_BYTES)
        writer.setframerate(rate_hz)
        writer.writeframes(pcm)
    return buffer.getvalue()


def convert_in_this_process(data: bytes, filename: str) -> ConvertedPrompt:
    """The whole pipeline (see the module docstring) in the calling process.

    Only ``hotline.audio_convert_worker`` calls it: Hotline calls
    ``convert_upload``, which runs this in a confined child.
    """
    fmt = check_upload(data, filename)
    segment, trimmed_s, gain_db = trim_and_normalise(decode_to_wideband(data, fmt))
    duration_s = len(segment) / 1000
    if duration_s > MAX_DURATION_S:
        raise _too_long(duration_s)
    wideband = segment.raw_data
    return ConvertedPrompt(
        narrowband_wav=to_narrowband_wav(wideband, fmt),
        wideband_sln16=wideband,
        duration_s=duration_s,
        source_format=fmt.key,
        trimmed_s=trimmed_s,
        gain_db=gain_db,
    )


# The files the worker reads and writes in its directory.
WORKER_UPLOAD: Final = "upload.bin"
WORKER_REQUEST: Final = "request.json"
WORKER_RESULT: Final = "result.json"
WORKER_NARROWBAND: Final = "narrowband.wav"
WORKER_WIDEBAND: Final = "wideband.sln16"


def convert_upload(data: bytes, filename: str) -> ConvertedPrompt:
    """The whole pipeline; PromptRejected says why not.  Blocking: call it off the loop.

    Size and format are checked here; decoding, trimming and resampling run
    in a child process under ``WORKER_LIMITS`` and ``WORKER_TIMEOUT_S``, so
    this process holds the upload and the two results and nothing more.
    """
    fmt = check_upload(data, filename)
    with sandbox.private_dir("hotline-convert-", drop_privileges=False) as work:
        (work / WORKER_UPLOAD).write_bytes(data)
        (work / WORKER_REQUEST).write_text(json.dumps({"filename": filename}), encoding="utf-8")
        try:
            done = sandbox.run_sync(
                [sys.executable, "-P", "-s", "-B", "-m", "hotline.audio_convert_worker", str(work)],
                limits=WORKER_LIMITS,
                workdir=work,
                timeout_s=WORKER_TIMEOUT_S,
                drop_privileges=False,
                # The worker makes ffmpeg's private directories where we make
                # ours: its own directory (0700, ours) is closed to nobody.
                extra_env={"PYTHONPATH": str(_PROJECT_ROOT), "TMPDIR": tempfile.gettempdir()},
            )
        except TimeoutError:
            raise _too_complex(fmt, f"longer than {WORKER_TIMEOUT_S} s") from None
        result = _worker_result(work / WORKER_RESULT)
        if done.returncode != 0 or result is None:
            raise _too_complex(fmt, done.first_error_lines() or f"exit {done.returncode}")
        if "rejected" in result:
            refusal = result["rejected"]
            raise PromptRejected(
                refusal["reason"], refusal["message"], refusal["field"], **refusal["values"]
            )
        return ConvertedPrompt(
            narrowband_wav=(work / WORKER_NARROWBAND).read_bytes(),
            wideband_sln16=(work / WORKER_WIDEBAND).read_bytes(),
            **result["converted"],
        )


def _worker_result(path: Path) -> dict[str, Any] | None:
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) else None
