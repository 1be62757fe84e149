"""Text-to-speech drafts with Debian's espeak-ng, so a flow works before the recordings exist.

espeak-ng is offline and robotic on purpose: a draft is a placeholder the
studio recording later replaces as a new version of the same prompt.  Its
WAV output (22 050 Hz) goes through the same pipeline as any upload.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Final

from hotline.audio_convert import ConvertedPrompt, PromptRejected, convert_upload

# Catalogue language -> espeak-ng voice.  "cmn" is Mandarin (it reads Hanzi;
# "cmn-latn-pinyin" would expect pinyin).
VOICES: Final = {"en": "en-us", "zh-CN": "cmn"}
MAX_TEXT_CHARS: Final = 1000
# A little slower than espeak's 175 words per minute: callers hear it
# through an 8 kHz phone line.
WORDS_PER_MINUTE: Final = 150
ESPEAK_TIMEOUT_S: Final = 60


def check_text(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise PromptRejected("tts_empty", "the text to speak is empty", "tts_text")
    if len(cleaned) > MAX_TEXT_CHARS:
        raise PromptRejected(
            "tts_too_long",
            f"the text is longer than {MAX_TEXT_CHARS} characters",
            "tts_text",
            limit=MAX_TEXT_CHARS,
        )
    return cleaned


def synthesise_wav(text: str, language: str) -> bytes:
    """espeak-ng's WAV of ``text`` in ``language`` (a catalogue language code)."""
    voice = VOICES.get(language)
    if voice is None:
        raise PromptRejected(
            "bad_language", f"no text-to-speech voice for {language!r}", "language"
        )
    cleaned = check_text(text)
    with tempfile.TemporaryDirectory(prefix="hotline-tts-") as tmp:
        output = Path(tmp) / "draft.wav"
        # The text goes through stdin, never the command line: it is user input.
        completed = subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", str(output), "--stdin"],
            input=cleaned.encode("utf-8"),
            capture_output=True,
            timeout=ESPEAK_TIMEOUT_S,
            check=False,
        )
        if completed.returncode != 0 or not output.is_file():
            raise RuntimeError(
                f"espeak-ng failed ({completed.returncode}): "
                + completed.stderr.decode(errors="replace").strip()
            )
        return output.read_bytes()


def synthesise(text: str, language: str) -> ConvertedPrompt:
    """A TTS draft, converted like an upload (trimmed, normalised, 8 and 16 kHz)."""
    return convert_upload(synthesise_wav(text, language), "draft.wav")
