"""Prompt files: which WAVs are accepted, and how they are stored and replaced."""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import pytest

from hotline import prompts
from hotline.prompts import PromptFiles, PromptRejected, check_name, inspect_wav, prompt_dir
from hotline.settings import load_settings


def make_wav(seconds: float = 0.5, *, channels: int = 1, rate: int = 8000, width: int = 2) -> bytes:
    buffer = io.BytesIO()
    frames = int(seconds * rate)
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        # A constant non-silent sample; files differ by length.
        sample = bytes(width) if width == 1 else struct.pack("<h", 1000)
        writer.writeframes(sample * channels * frames)
    return buffer.getvalue()


def rejection(data: bytes) -> PromptRejected:
    with pytest.raises(PromptRejected) as caught:
        inspect_wav(data)
    return caught.value


def test_given_16_bit_mono_8k_wav_then_accepted_with_its_duration() -> None:
    info = inspect_wav(make_wav(1.25))
    assert (info.channels, info.sample_rate_hz, info.sample_width_bytes) == (1, 8000, 2)
    assert info.duration_s == pytest.approx(1.25)


def test_given_empty_file_then_rejected_as_empty() -> None:
    assert rejection(b"").reason == "empty"
    assert rejection(make_wav(0)).reason == "empty"


def test_given_mp3_renamed_wav_then_rejected_as_not_wav_naming_mp3() -> None:
    error = rejection(b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 100)
    assert error.reason == "not_wav"
    assert error.values["kind"] == "MP3"
    assert "not a WAV" in error.message


def test_given_ogg_or_text_then_rejected_as_not_wav() -> None:
    assert rejection(b"OggS\x00\x02" + bytes(100)).values["kind"] == "Ogg"
    assert rejection(b"hello, this is text").values["kind"] == "unknown"


@pytest.mark.parametrize(
    ("channels", "rate", "width", "problems"),
    [
        (2, 8000, 2, "stereo"),
        (1, 44100, 2, "44100 Hz"),
        (1, 8000, 1, "8-bit"),
        (2, 16000, 1, "stereo, 16000 Hz, 8-bit"),
    ],
)
def test_given_wrong_wav_format_then_rejected_saying_which(
    channels: int, rate: int, width: int, problems: str
) -> None:
    error = rejection(make_wav(0.1, channels=channels, rate=rate, width=width))
    assert error.reason == "wrong_format"
    assert error.values["problems"] == problems
    assert problems in error.message


def test_given_float_wav_then_rejected_as_not_pcm() -> None:
    data = bytearray(make_wav(0.1))
    data[20:22] = struct.pack("<H", 3)  # WAVE_FORMAT_IEEE_FLOAT
    error = rejection(bytes(data))
    assert error.reason == "wrong_format" and "not PCM" in error.values["problems"]


def test_given_truncated_or_cut_header_then_rejected_as_corrupt() -> None:
    data = make_wav(1.0)
    assert rejection(data[: len(data) // 2]).reason == "corrupt"
    assert rejection(data[:30]).reason == "corrupt"


def test_given_more_than_five_minutes_then_rejected_as_too_long() -> None:
    error = rejection(make_wav(301))
    assert error.reason == "too_long" and error.values["seconds"] == 301


def test_given_exactly_five_minutes_then_accepted() -> None:
    assert inspect_wav(make_wav(300)).duration_s == pytest.approx(300)


@pytest.mark.parametrize("name", ["", "Main", "main menu", "../etc", "a" * 65, "x.wav"])
def test_given_bad_prompt_name_then_rejected(name: str) -> None:
    with pytest.raises(PromptRejected) as caught:
        check_name(name)
    assert caught.value.reason == "bad_name" and caught.value.field == "name"


def test_given_sandbox_then_prompt_dir_follows_absolute_sounds_link_inside_root(
    tmp_path: Path,
) -> None:
    root = tmp_path / "chroot"
    (root / "usr/share/asterisk/sounds-real/en").mkdir(parents=True)
    (root / "usr/share/asterisk/sounds").mkdir(parents=True)
    (root / "usr/share/asterisk/sounds/en").symlink_to("/usr/share/asterisk/sounds-real/en")
    settings = load_settings(
        {"HOTLINE_VAR_DIR": str(tmp_path / "var"), "HOTLINE_ASTERISK_ROOT": str(root)}
    )
    assert prompt_dir(settings) == root / "usr/share/asterisk/sounds-real/en/hotline"


def test_given_system_asterisk_then_prompt_dir_is_under_var_dir(tmp_path: Path) -> None:
    settings = load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_ASTERISK": "system"})
    assert prompt_dir(settings) == tmp_path / "sounds" / "hotline"


def test_given_new_version_then_old_audio_is_kept_and_no_temp_file_is_left(
    tmp_path: Path,
) -> None:
    files = PromptFiles(tmp_path / "hotline")
    first, second = make_wav(0.2), make_wav(0.3)
    assert files.write("welcome", first, None) is None
    archive = files.write("welcome", second, 1)
    assert archive is not None and archive.name == "welcome.v1.wav"
    assert archive.read_bytes() == first
    assert files.read("welcome") == second
    assert sorted(p.name for p in files.directory.iterdir()) == ["welcome.v1.wav", "welcome.wav"]
    files.undo_write("welcome", archive)
    assert files.read("welcome") == first
    assert files.remove("welcome") == ["welcome.wav"]
    assert files.read("welcome") is None


def test_given_prompt_dir_function_then_it_reads_the_configured_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("HOTLINE_ASTERISK", "system")
    assert prompts.current_prompt_dir() == tmp_path / "sounds" / "hotline"


def test_given_file_over_the_upload_cap_then_rejected_as_too_large() -> None:
    header = make_wav(0.1)[:44]
    error = rejection(header + bytes(prompts.MAX_UPLOAD_BYTES))
    assert error.reason == "too_large" and error.field == "file"
