"""The prompt pipeline against the security review: length before decoding,
decoding cut at the limit, and the work done in a confined child.

The finding: a 16 MiB Opus file (hours at a low bitrate) was decoded whole,
about 0.7 GiB of PCM, inside the call process, before its length was
checked.  ``tests/bench/prompt_rss.py`` prints the peak RSS before and after
(the numbers are in ``hotline/audio_convert.py``'s docstring).
"""

from __future__ import annotations

import io
import json
import subprocess
import wave
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from hotline import audio_convert as convert
from hotline import sandbox
from hotline.audio_convert import PromptRejected, convert_upload, decode_to_wideband
from hotline.models_prompts import Prompt
from tests.unit.ui_support import UiClient
from voice_prompts import services as prompt_services
from voice_prompts.services import PromptFiles

pytestmark = pytest.mark.security
I18N = Path(__file__).parents[2] / "admin_ui" / "i18n"
ELEVEN_MINUTES_S = 660


@cache
def long_wav(seconds: int) -> bytes:
    """A tone at 8 kHz, 8-bit mono: eleven minutes in 5.3 MB, its length in the header."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(8000)
        writer.writeframes(bytes([128, 200, 128, 56]) * (2000 * seconds))
    return buffer.getvalue()


@cache
def live_webm(seconds: int) -> bytes:
    """WebM written to a pipe, as a browser's recorder does: no duration in it."""
    return subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi",
         "-i", f"sine=frequency=600:sample_rate=8000:duration={seconds}",
         "-ac", "1", "-c:a", "libvorbis", "-q:a", "0", "-f", "webm", "pipe:1"],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip


class RunSpy:
    """Wraps ``sandbox.run_sync``: which programs ran, and their wrapped commands."""

    def __init__(self) -> None:
        self.real = sandbox.run_sync
        self.argvs: list[list[str]] = []
        self.commands: list[list[str]] = []

    def __call__(self, argv: Sequence[str], **options: Any) -> sandbox.Completed:
        self.argvs.append(list(argv))
        self.commands.append(sandbox.command(argv, options["limits"]))
        return self.real(argv, **options)

    @property
    def programs(self) -> list[str]:
        return [argv[0] for argv in self.argvs]


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> RunSpy:
    spy = RunSpy()
    monkeypatch.setattr(sandbox, "run_sync", spy)
    return spy


def test_given_a_file_stating_eleven_minutes_then_refused_before_anything_is_decoded(
    runs: RunSpy,
) -> None:
    with pytest.raises(PromptRejected) as refused:
        decode_to_wideband(long_wav(ELEVEN_MINUTES_S), convert.FORMATS_BY_KEY["wav"])
    assert refused.value.reason == "file_too_long"
    assert refused.value.values == {"seconds": ELEVEN_MINUTES_S}
    assert runs.programs == ["ffprobe"]


def test_given_a_file_stating_no_length_then_the_decoder_stops_at_the_limit(
    runs: RunSpy,
) -> None:
    with pytest.raises(PromptRejected) as refused:
        decode_to_wideband(live_webm(ELEVEN_MINUTES_S), convert.FORMATS_BY_KEY["webm"])
    assert refused.value.reason == "file_too_long"
    # Cut one second past the limit: eleven minutes never reach memory.
    assert refused.value.values["seconds"] == convert.MAX_SOURCE_DURATION_S + 1
    assert runs.programs == ["ffprobe", "ffmpeg"]
    decoder = runs.argvs[1]
    assert decoder[decoder.index("-t") + 1] == str(convert.MAX_SOURCE_DURATION_S + 1)
    assert decoder.index("-t") < decoder.index("-i")  # an input option: reading stops


def test_given_a_long_upload_then_the_whole_pipeline_refuses_it_with_its_reason() -> None:
    with pytest.raises(PromptRejected) as refused:
        convert_upload(long_wav(ELEVEN_MINUTES_S), "long.wav")
    assert refused.value.reason == "file_too_long" and refused.value.field == "file"
    assert refused.value.status_code == 422


def test_given_ffmpeg_and_ffprobe_then_they_run_as_nobody_under_limits_reading_files_only(
    runs: RunSpy,
) -> None:
    decode_to_wideband(long_wav(2), convert.FORMATS_BY_KEY["wav"])
    convert.to_narrowband_wav(bytes(3200))
    assert runs.programs == ["ffprobe", "ffmpeg", "ffmpeg"]
    for argv, command in zip(runs.argvs, runs.commands, strict=True):
        assert Path(command[0]).name == "prlimit"
        assert f"--as={convert.FFMPEG_LIMITS.address_space_bytes}" in command
        assert f"--cpu={convert.FFMPEG_LIMITS.cpu_s}" in command
        assert ("--reuid=65534" in command) is (sandbox.run_as().uid is not None)
        allowed = argv[argv.index("-protocol_whitelist") + 1]
        assert allowed in ("file", "pipe")  # never http, tcp, concat...


def test_given_an_upload_then_nothing_is_decoded_in_hotlines_own_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def not_here(*args: object) -> None:
        raise AssertionError("audio decoded in Hotline's process")

    monkeypatch.setattr(convert, "decode_to_wideband", not_here)
    monkeypatch.setattr(convert, "trim_and_normalise", not_here)
    converted = convert_upload(long_wav(2), "tone.wav")
    assert converted.duration_s == pytest.approx(2.0, abs=0.06)
    assert converted.narrowband_wav[:4] == b"RIFF" and converted.wideband_sln16


def test_given_an_upload_then_the_converting_child_runs_under_its_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    commands: list[list[str]] = []
    real = sandbox.run_sync

    def spy(argv: Sequence[str], **options: Any) -> sandbox.Completed:
        if "hotline.audio_convert_worker" in argv:
            commands.append(sandbox.command(argv, options["limits"], drop_privileges=False))
            assert options["timeout_s"] == convert.WORKER_TIMEOUT_S
        return real(argv, **options)

    monkeypatch.setattr(sandbox, "run_sync", spy)
    convert_upload(long_wav(2), "tone.wav")
    [command] = commands
    assert f"--as={convert.WORKER_LIMITS.address_space_bytes}" in command
    assert f"--cpu={convert.WORKER_LIMITS.cpu_s}" in command


def test_given_the_converting_child_out_of_memory_then_refused_as_too_complex(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Too little for the interpreter to start: the child fails, Hotline refuses.
    tiny = sandbox.Limits(
        cpu_s=60, address_space_bytes=8 * sandbox.MIB, file_size_bytes=sandbox.MIB
    )
    monkeypatch.setattr(convert, "WORKER_LIMITS", tiny)
    with pytest.raises(PromptRejected) as refused:
        convert_upload(long_wav(2), "tone.wav")
    assert refused.value.reason == "too_complex" and refused.value.values == {"kind": "WAV"}


def test_given_a_conversion_over_its_time_then_it_is_killed_and_refused_as_too_complex(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(convert, "WORKER_TIMEOUT_S", 0.01)
    with pytest.raises(PromptRejected) as refused:
        convert_upload(long_wav(2), "tone.wav")
    assert refused.value.reason == "too_complex"


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize("reason", ["file_too_long", "too_complex"])
def test_given_the_new_refusals_then_both_languages_name_them(language: str, reason: str) -> None:
    catalogue = json.loads((I18N / f"prompts.{language}.json").read_text(encoding="utf-8"))
    assert catalogue[f"prompts.error.{reason}"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "the recording lasts 660 s; files longer than 10 minutes are not converted"),
        ("zh-CN", "录音时长 660 秒；超过 10 分钟的文件不予转换"),
    ],
)
async def test_given_an_eleven_minute_upload_on_the_page_then_refused_in_the_users_language(
    ui: UiClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str, words: str
) -> None:
    files = PromptFiles(tmp_path / "sounds")
    monkeypatch.setattr(prompt_services, "current_files", lambda: files)
    await ui.login("administrator")
    if language != "en":
        await ui.post("/language", {"language": language, "next": "/prompts"})
    response = await ui.post(
        "/prompts",
        {"name": "welcome", "category": "menu", "language": "en"},
        files={"file": ("long.wav", long_wav(ELEVEN_MINUTES_S), "audio/wav")},
    )
    assert response.status_code == 422
    assert ui.last.context["error"]["key"] == "prompts.error.file_too_long"
    assert words in response.text
    assert await Prompt.all().count() == 0
