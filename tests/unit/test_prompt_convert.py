"""The prompt pipeline's conversion with the real ffmpeg: formats in, 8 and 16 kHz out.

Fixtures are made at test time from a sine (no binaries in the repository).
"""

from __future__ import annotations

import array
import io
import math
import struct
import subprocess
import tempfile
import wave
from functools import cache
from pathlib import Path

import pytest

from hotline import audio_convert as convert
from hotline.audio_convert import PromptRejected, check_upload, convert_upload, sniff_format

# format key -> (file extension, ffmpeg encoder arguments)
ENCODINGS = {
    "wav": ("wav", ["-c:a", "pcm_s16le"]),
    "mp3": ("mp3", ["-c:a", "libmp3lame", "-b:a", "64k"]),
    "ogg": ("ogg", ["-c:a", "libopus"]),
    "m4a": ("m4a", ["-c:a", "aac"]),
    # What Chromium's MediaRecorder produces: Opus in WebM, 48 kHz.
    "webm": ("webm", ["-c:a", "libopus"]),
}


@cache
def encoded_tone(
    key: str,
    *,
    frequency_hz: int = 600,
    seconds: float = 2.0,
    lead_silence_s: float = 0.0,
    tail_silence_s: float = 0.0,
    volume: float = 0.5,
    rate_hz: int = 48000,
    channels: int = 2,
) -> bytes:
    """A tone (optionally between silences) encoded by ffmpeg in the format ``key``."""
    extension, codec = ENCODINGS[key]
    tone = f"sine=frequency={frequency_hz}:duration={seconds}:sample_rate={rate_hz}"
    filters = f"volume={volume}"
    if lead_silence_s:
        filters += f",adelay={int(lead_silence_s * 1000)}:all=1"
    if tail_silence_s:
        filters += f",apad=pad_dur={tail_silence_s}"
    # A real file, not a pipe: the MP4 muxer writes its index at the end.
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / f"tone.{extension}"
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                tone,
                "-af",
                filters,
                "-ac",
                str(channels),
                *codec,
                str(output),
            ],
            capture_output=True,
            check=True,
        )
        return output.read_bytes()


def make_wav(seconds: float = 0.5, *, channels: int = 1, rate: int = 8000, width: int = 2) -> bytes:
    """A WAV with a 440 Hz tone (the stdlib writes it: no ffmpeg needed)."""
    buffer = io.BytesIO()
    frames = int(seconds * rate)
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        if width == 2:
            samples = array.array(
                "h",
                (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(frames)),
            )
            pcm = bytes(array.array("h", (s for s in samples for _ in range(channels))))
        else:
            pcm = bytes(
                int(128 + 60 * math.sin(2 * math.pi * 440 * n / rate))
                for n in range(frames)
                for _ in range(channels)
            )
        writer.writeframes(pcm)
    return buffer.getvalue()


def wav_format(data: bytes) -> tuple[int, int, int, float]:
    with wave.open(io.BytesIO(data), "rb") as reader:
        frames = reader.getnframes()
        return (
            reader.getnchannels(),
            reader.getframerate(),
            reader.getsampwidth(),
            frames / reader.getframerate(),
        )


def rms_dbfs(pcm: bytes) -> float:
    samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])
    mean_square = sum(s * s for s in samples) / max(1, len(samples))
    return 20 * math.log10(math.sqrt(mean_square) / 32768) if mean_square else -math.inf


def peak_dbfs(pcm: bytes) -> float:
    samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])
    peak = max((abs(s) for s in samples), default=0)
    return 20 * math.log10(peak / 32768) if peak else -math.inf


def dominant_hz(pcm: bytes, rate_hz: int, candidates: tuple[int, ...]) -> int:
    """Which candidate frequency carries the most energy (a Goertzel per candidate)."""
    samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])[: rate_hz // 2]

    def power(frequency: int) -> float:
        coefficient = 2 * math.cos(2 * math.pi * frequency / rate_hz)
        previous = before = 0.0
        for sample in samples:
            previous, before = sample + coefficient * previous - before, previous
        return previous * previous + before * before - coefficient * previous * before

    return max(candidates, key=power)


def wav_pcm(data: bytes) -> bytes:
    with wave.open(io.BytesIO(data), "rb") as reader:
        return reader.readframes(reader.getnframes())


def rejection(data: bytes, filename: str) -> PromptRejected:
    with pytest.raises(PromptRejected) as caught:
        convert_upload(data, filename)
    return caught.value


@pytest.mark.parametrize("key", sorted(ENCODINGS))
def test_given_each_supported_format_then_converted_to_8k_wav_and_16k_sln16(key: str) -> None:
    extension, _ = ENCODINGS[key]
    data = encoded_tone(key)
    assert sniff_format(data) == key
    converted = convert_upload(data, f"tone.{extension}")
    channels, rate, width, seconds = wav_format(converted.narrowband_wav)
    assert (channels, rate, width) == (1, 8000, 2)
    # Codec padding (AAC priming, Opus pre-skip) may add a few milliseconds.
    assert seconds == pytest.approx(2.0, abs=0.06)
    assert converted.duration_s == pytest.approx(2.0, abs=0.06)
    # sln16 is headerless: 16 000 samples of 2 bytes per second.
    assert len(converted.wideband_sln16) / 32000 == pytest.approx(seconds, abs=0.01)
    assert converted.narrowband_wav[:4] == b"RIFF" and len(converted.narrowband_wav) == 44 + int(
        round(seconds * 8000) * 2
    )
    assert converted.source_format == key
    # The tone survives both rates.
    assert dominant_hz(wav_pcm(converted.narrowband_wav), 8000, (440, 600, 1000)) == 600
    assert dominant_hz(converted.wideband_sln16, 16000, (440, 600, 1000)) == 600


def test_given_silence_around_the_sound_then_it_is_trimmed() -> None:
    data = encoded_tone("wav", seconds=1.0, lead_silence_s=1.5, tail_silence_s=2.0)
    converted = convert_upload(data, "padded.wav")
    # 1 s of tone plus at most 50 ms of padding at each end.
    assert 1.0 <= converted.duration_s <= 1.11
    assert converted.trimmed_s == pytest.approx(3.5, abs=0.11)


@pytest.mark.parametrize("volume", [0.02, 0.9])
def test_given_quiet_or_loud_input_then_loudness_is_normalised(volume: float) -> None:
    converted = convert_upload(encoded_tone("mp3", volume=volume), "tone.mp3")
    pcm = wav_pcm(converted.narrowband_wav)
    # A sine's peak is 3 dB over its RMS: the -1 dBFS ceiling is not reached.
    assert rms_dbfs(pcm) == pytest.approx(convert.TARGET_RMS_DBFS, abs=1.0)
    assert peak_dbfs(pcm) <= convert.PEAK_CEILING_DBFS + 0.1


def test_given_peaky_input_then_peaks_stay_under_the_ceiling() -> None:
    # A click train: a high peak over a low RMS; reaching -20 dBFS RMS would clip.
    samples = array.array("h", [0] * 8000)
    for position in range(0, 8000, 400):
        samples[position] = 30000
    samples[7999] = 30000
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(bytes(samples))
    converted = convert_upload(buffer.getvalue(), "clicks.wav")
    assert peak_dbfs(converted.wideband_sln16) <= convert.PEAK_CEILING_DBFS + 0.1
    assert converted.gain_db < convert.TARGET_RMS_DBFS - rms_dbfs(bytes(samples))


def test_given_more_than_five_minutes_of_sound_then_rejected_as_too_long() -> None:
    error = rejection(make_wav(301), "long.wav")
    assert error.reason == "too_long" and error.values["seconds"] == 301


def test_given_five_minutes_then_accepted() -> None:
    assert convert_upload(make_wav(300), "five.wav").duration_s == pytest.approx(300, abs=0.05)


def test_given_long_silence_after_short_sound_then_length_counts_after_trimming() -> None:
    data = encoded_tone("mp3", seconds=2.0, tail_silence_s=320.0, channels=1, rate_hz=8000)
    assert convert_upload(data, "tail.mp3").duration_s < 2.2


def _silent_wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(bytes(16000))
    return buffer.getvalue()


BAD_UPLOADS = {
    "empty": (b"", "empty.wav", "empty"),
    "text file": (b"hello, this is not audio\n" * 20, "notes.txt", "not_audio"),
    "text named wav": (b"hello, this is not audio\n" * 20, "notes.wav", "not_audio"),
    "corrupt bytes after a WebM header": (
        b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8,
        "x.webm",
        "corrupt",
    ),
    "truncated WAV": (make_wav(1.0)[:3000], "cut.wav", "corrupt"),
    "WAV header only": (make_wav(1.0)[:30], "cut.wav", "corrupt"),
    "zero frames": (make_wav(0), "none.wav", "empty"),
    "digital silence": (_silent_wav(), "silent.wav", "silent"),
    "FLAC": (b"fLaC\x00\x00\x00\x22" + bytes(64), "a.flac", "unsupported_format"),
}


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_given_bad_upload_then_rejected_with_its_reason(case: str) -> None:
    data, filename, reason = BAD_UPLOADS[case]
    error = rejection(data, filename)
    assert error.reason == reason
    assert error.field == "file" and error.status_code == 422
    assert error.as_dict()["details"]["reason"] == reason


def test_given_truncated_m4a_then_rejected_as_corrupt_naming_the_format() -> None:
    data = encoded_tone("m4a")
    error = rejection(data[: len(data) // 2], "cut.m4a")
    assert error.reason == "corrupt" and error.values["kind"] == "M4A"
    assert "moov atom not found" in error.message


@pytest.mark.parametrize(
    ("content", "filename", "kind"),
    [("mp3", "renamed.wav", "MP3"), ("webm", "recording.ogg", "WebM"), ("wav", "x.mp3", "WAV")],
)
def test_given_content_differing_from_extension_then_rejected_as_mismatch(
    content: str, filename: str, kind: str
) -> None:
    error = rejection(encoded_tone(content), filename)
    assert error.reason == "mismatch"
    assert error.values == {"extension": filename.rsplit(".", 1)[1], "kind": kind}
    assert f"its content is {kind}" in error.message


def test_given_unknown_extension_on_real_audio_then_rejected_as_bad_extension() -> None:
    error = rejection(encoded_tone("wav"), "tone.exe")
    assert error.reason == "bad_extension" and error.values["extension"] == "exe"


def test_given_no_extension_then_content_decides() -> None:
    assert check_upload(encoded_tone("webm"), "blob").key == "webm"


def test_given_file_over_the_upload_cap_then_rejected_before_decoding() -> None:
    error = rejection(make_wav(0.1)[:44] + bytes(convert.MAX_UPLOAD_BYTES), "big.wav")
    assert error.reason == "too_large" and error.values["megabytes"] == 16


def test_given_adts_aac_frame_sync_then_not_taken_for_mp3() -> None:
    assert sniff_format(b"\xff\xf1\x50\x80" + bytes(16)) is None
    assert sniff_format(b"\xff\xfb\x90\x00" + bytes(16)) == "mp3"


def test_given_8_bit_stereo_44k_wav_then_converted_like_any_other() -> None:
    converted = convert_upload(make_wav(0.5, channels=2, rate=44100, width=1), "old.wav")
    assert wav_format(converted.narrowband_wav)[:3] == (1, 8000, 2)


def test_given_float_wav_then_ffmpeg_decodes_it() -> None:
    samples = [0.5 * math.sin(2 * math.pi * 440 * n / 8000) for n in range(8000)]
    pcm = struct.pack(f"<{len(samples)}f", *samples)
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + len(pcm))
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 3, 1, 8000, 32000, 4, 32)
        + b"data"
        + struct.pack("<I", len(pcm))
    )
    converted = convert_upload(header + pcm, "float.wav")
    assert converted.duration_s == pytest.approx(1.0, abs=0.06)
