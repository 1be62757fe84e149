"""Pure rules of call recording: which calls, how the two sides are joined,
when a file has outlived its queue's retention."""

from __future__ import annotations

import io
import wave
from array import array
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

POLICIES: Final = ("none", "all", "sample")


class RecordingAudioError(ValueError):
    """A side's audio is not the 16-bit mono PCM WAV Asterisk writes."""


def should_record(policy: str, sample_pct: int, draw: float) -> bool:
    """Record this answered call?  ``draw`` is uniform in [0, 1): a sample of
    ``sample_pct`` % records when the draw falls below that share."""
    if policy == "all":
        return True
    if policy == "sample":
        return draw * 100 < max(0, min(100, sample_pct))
    return False


def retention_cutoff(now: datetime, retention_days: int | None) -> datetime | None:
    """Recordings started before this are due for the purge; None keeps all."""
    if retention_days is None:
        return None
    return now - timedelta(days=retention_days)


@dataclass(frozen=True)
class JoinedAudio:
    wav: bytes
    channels: int
    duration_s: float
    # Why a side is missing from a mono file ("the agent side is not a WAV file: ...").
    dropped: tuple[str, ...] = ()


def _pcm16_mono(data: bytes, side: str) -> tuple[int, array[int]]:
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            if reader.getnchannels() != 1 or reader.getsampwidth() != 2:
                raise RecordingAudioError(
                    f"the {side} side is not 16-bit mono PCM "
                    f"({reader.getnchannels()} channels, {8 * reader.getsampwidth()} bit)"
                )
            rate = reader.getframerate()
            samples = array("h")
            samples.frombytes(reader.readframes(reader.getnframes()))
    except (wave.Error, EOFError) as error:
        raise RecordingAudioError(f"the {side} side is not a WAV file: {error}") from error
    return rate, samples


def _wav(rate: int, channels: int, samples: array[int]) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.tobytes())
    return out.getvalue()


def join_sides(caller: bytes | None, agent: bytes | None) -> JoinedAudio:
    """One WAV: caller on the left, agent on the right.

    Both snoops start together on the answer, so their samples line up; the
    shorter side (its channel hung up first) is padded with silence.  With
    one side missing the file is that side alone, in mono.
    """
    decoded: list[tuple[str, int, array[int]]] = []
    problems: list[str] = []
    for name, data in (("caller", caller), ("agent", agent)):
        if not data:
            problems.append(f"the {name} side left no audio")
            continue
        try:
            rate, samples = _pcm16_mono(data, name)
        except RecordingAudioError as error:
            # A call hung up at the answer leaves Asterisk a header-less
            # file: keep the other side rather than lose both.
            problems.append(str(error))
            continue
        decoded.append((name, rate, samples))
    if not decoded:
        raise RecordingAudioError("; ".join(problems) or "neither side left any audio")
    rates = {rate for _, rate, _ in decoded}
    if len(rates) != 1:
        raise RecordingAudioError(f"the two sides differ in sample rate: {sorted(rates)}")
    rate = rates.pop()
    if rate <= 0:
        raise RecordingAudioError("the audio has no sample rate")
    if len(decoded) == 1:
        samples = decoded[0][2]
        return JoinedAudio(_wav(rate, 1, samples), 1, len(samples) / rate, tuple(problems))
    left, right = decoded[0][2], decoded[1][2]
    frames = max(len(left), len(right))
    left.extend(array("h", bytes(2 * (frames - len(left)))))
    right.extend(array("h", bytes(2 * (frames - len(right)))))
    stereo = array("h", bytes(4 * frames))
    stereo[0::2] = left
    stereo[1::2] = right
    return JoinedAudio(_wav(rate, 2, stereo), 2, frames / rate)
