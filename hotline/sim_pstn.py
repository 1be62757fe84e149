"""The sandbox's simulated PSTN: what ``hotline-sim-pstn.conf`` needs besides
its dialplan (README "The simulated PSTN").

A simulated person "speaks" with a steady 700 Hz tone, so a recording on
Hotline's side shows whether the callee was heard.  It must be a sound file:
a tone generator (PlayTones, Milliwatt) on the far half of a Local channel
writes frames that the half Hotline holds never reads, which records as
silence.  The file is made beside the rendered configuration on every
render, so a cold sandbox has it before the first call.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path
from typing import Final

from hotline.asterisk_account import share_file, shared_dir
from hotline.settings import Settings
from hotline.webrtc_cert import asterisk_path

PERSON_TONE_HZ: Final = 700
_RATE: Final = 8000
_SECONDS: Final = 10
_NAME: Final = "person-tone"


def sounds_dir(settings: Settings) -> Path:
    return settings.asterisk_etc / "hotline-sim"


def person_tone_media(settings: Settings) -> str:
    """The file as Playback() names it: Asterisk's path, no extension."""
    return asterisk_path(settings, sounds_dir(settings) / _NAME)


def ensure_sim_sounds(settings: Settings) -> None:
    folder = shared_dir(sounds_dir(settings), settings.asterisk_root)
    target = folder / f"{_NAME}.wav"
    if target.exists():
        return
    samples = (
        int(10000 * math.sin(2 * math.pi * PERSON_TONE_HZ * i / _RATE))
        for i in range(_RATE * _SECONDS)
    )
    tmp = target.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(_RATE)
        out.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    share_file(tmp, settings.asterisk_root)
    tmp.replace(target)
