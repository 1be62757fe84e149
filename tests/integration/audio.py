"""Checks on recorded audio: is anything audible, and is a given tone there."""

from __future__ import annotations

import io
import math
import struct
import wave
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Audio:
    rate: int
    samples: tuple[int, ...]

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0


def read_wav(data: bytes, channel: int = 0) -> Audio:
    """One channel of a 16-bit WAV (the first unless told)."""
    with wave.open(io.BytesIO(data)) as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"expected 16-bit WAV, got {wav.getsampwidth() * 8}-bit")
        frames = wav.readframes(wav.getnframes())
        channels = wav.getnchannels()
        rate = wav.getframerate()
    if not 0 <= channel < channels:
        raise ValueError(f"the WAV has {channels} channel(s), not a channel {channel}")
    values = struct.unpack(f"<{len(frames) // 2}h", frames)
    return Audio(rate=rate, samples=tuple(values[channel::channels]))


def wav_channels(data: bytes) -> int:
    with wave.open(io.BytesIO(data)) as wav:
        return int(wav.getnchannels())


def rms(samples: tuple[int, ...] | list[int]) -> float:
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def tone_ratio(audio: Audio, frequency_hz: float) -> float:
    """Share of the signal's energy at ``frequency_hz`` (Goertzel), 0..1 per window, max."""
    window = audio.rate // 10  # 100 ms windows
    best = 0.0
    coeff = 2 * math.cos(2 * math.pi * frequency_hz / audio.rate)
    for start in range(0, len(audio.samples) - window, window):
        chunk = audio.samples[start : start + window]
        s_prev = s_prev2 = 0.0
        for sample in chunk:
            s = sample + coeff * s_prev - s_prev2
            s_prev2, s_prev = s_prev, s
        power = s_prev2**2 + s_prev**2 - coeff * s_prev * s_prev2
        energy = sum(x * x for x in chunk) * len(chunk) / 2
        if energy > 0:
            best = max(best, power / energy)
    return best


def audible_seconds(audio: Audio, threshold: float = 300.0) -> float:
    """Seconds of 100 ms windows whose RMS is above ``threshold``."""
    window = max(1, audio.rate // 10)
    loud = 0
    for start in range(0, len(audio.samples), window):
        if rms(audio.samples[start : start + window]) > threshold:
            loud += 1
    return loud * 0.1


def sound_for_asterisk(env: dict[str, str], name: str, samples: list[int], rate: int = 8000) -> str:
    """Write ``samples`` as a WAV inside Asterisk's filesystem; returns the
    ``sound:`` URI that plays it (``sound:`` takes absolute paths).

    Callers "speak" this way: a ``tone:`` playback on a Local-channel caller
    records as silence, because tone generators write no frames the far half
    of the pair reads.
    """
    path = Path(env["HOTLINE_ASTERISK_ROOT"] or "/") / "tmp" / f"{name}.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    path.chmod(0o644)
    return f"sound:/tmp/{name}"


def tone_sound(env: dict[str, str], hz: int, seconds: float, rate: int = 8000) -> str:
    samples = [
        int(12000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(int(rate * seconds))
    ]
    return sound_for_asterisk(env, f"hl-test-tone-{hz}-{int(seconds * 1000)}", samples, rate)


def silence_sound(env: dict[str, str], seconds: float, rate: int = 8000) -> str:
    """Digital silence that still sends frames (a quiet Local channel sends
    none, so Asterisk's silence detection would never run)."""
    return sound_for_asterisk(
        env, f"hl-test-silence-{int(seconds * 1000)}", [0] * int(rate * seconds), rate
    )
