"""Did the caller hear the agent?  Find a sustained pure tone in a recording.

Hold music can hit 440 Hz for a moment; a baresip agent's sine fills nearly
all of a window's energy and keeps doing so, so we ask for several windows
in a row with most of their energy at the tone.
"""

from __future__ import annotations

import math

from tests.integration.audio import Audio

WINDOW_S = 0.1
SILENCE_RMS = 100.0


def window_tone_share(samples: tuple[int, ...], rate: int, frequency_hz: float) -> float:
    """Share of one window's energy at ``frequency_hz`` (Goertzel), 0..1."""
    coeff = 2 * math.cos(2 * math.pi * frequency_hz / rate)
    s_prev = s_prev2 = 0.0
    energy = 0.0
    for sample in samples:
        s = sample + coeff * s_prev - s_prev2
        s_prev2, s_prev = s_prev, s
        energy += sample * sample
    if energy <= 0:
        return 0.0
    power = s_prev2**2 + s_prev**2 - coeff * s_prev * s_prev2
    # A pure sine of n samples gives power = energy * n / 2.
    return power / (energy * len(samples) / 2)


def first_tone_s(
    audio: Audio, frequency_hz: float, min_share: float = 0.8, min_run_s: float = 0.3
) -> float | None:
    """Start (seconds into the recording) of the first sustained tone, or None."""
    window = max(1, int(audio.rate * WINDOW_S))
    needed = max(1, round(min_run_s / WINDOW_S))
    run = 0
    for index, start in enumerate(range(0, len(audio.samples) - window + 1, window)):
        chunk = audio.samples[start : start + window]
        loud = math.sqrt(sum(s * s for s in chunk) / window) > SILENCE_RMS
        if loud and window_tone_share(chunk, audio.rate, frequency_hz) >= min_share:
            run += 1
            if run >= needed:
                return (index - needed + 1) * WINDOW_S
        else:
            run = 0
    return None
