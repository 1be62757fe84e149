"""Load steps: hold N callers on the line for a while, then judge every call.

Each of the N slots places calls back to back until the step's time is up,
so N is the number of callers in the system (IVR, queue or talking) at any
moment.  Slot starts are spread over one call length so the step does not
begin with N simultaneous answers.  Recordings are fetched and analysed
once the step's calls have ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.bench.agents import AGENT_TONE_HZ
from tests.bench.ari import AriRequestError, BenchAri
from tests.bench.caller import CallPlan, PlacedCall, place_call
from tests.bench.stats import CallOutcome, StepResult
from tests.bench.tone import first_tone_s
from tests.integration.audio import read_wav

_serial = itertools.count(1)


@dataclass(frozen=True)
class StepPlan:
    half: str  # "native" or "hotline"; prefixes call ids
    concurrency: int
    duration_s: float  # new calls start only within this window
    call: CallPlan
    pause_between_calls_s: float = 0.5
    keep_failed_in: Path | None = None  # where to save failed calls' recordings


async def run_step(
    ari: BenchAri,
    plan: StepPlan,
    cpu_sampler: Callable[[], tuple[float, float | None]],
) -> StepResult:
    asterisk_before, hotline_before = cpu_sampler()
    wall_start = time.monotonic()
    stop_at = wall_start + plan.duration_s
    spread_s = plan.call.call_s / max(1, plan.concurrency)
    slots = [
        asyncio.create_task(_slot(ari, plan, index * spread_s, stop_at))
        for index in range(plan.concurrency)
    ]
    placed = [call for calls in await asyncio.gather(*slots) for call in calls]
    asterisk_after, hotline_after = cpu_sampler()
    wall_s = time.monotonic() - wall_start
    outcomes = tuple([await _judge(ari, call, plan.keep_failed_in) for call in placed])
    hotline_cpu = (
        hotline_after - hotline_before
        if hotline_after is not None and hotline_before is not None
        else None
    )
    return StepResult(
        concurrency=plan.concurrency,
        outcomes=outcomes,
        asterisk_cpu_s=asterisk_after - asterisk_before,
        hotline_cpu_s=hotline_cpu,
        wall_s=wall_s,
    )


async def _slot(ari: BenchAri, plan: StepPlan, delay_s: float, stop_at: float) -> list[PlacedCall]:
    await asyncio.sleep(delay_s)
    placed: list[PlacedCall] = []
    # Bounded: at most one call per (call length + pause) within the window.
    max_calls = int(plan.duration_s / (plan.call.call_s + plan.pause_between_calls_s)) + 2
    for _ in range(max_calls):
        if time.monotonic() >= stop_at:
            break
        call_id = f"bench-{plan.half}-{next(_serial):05d}"
        placed.append(await place_call(ari, plan.call, call_id))
        await asyncio.sleep(plan.pause_between_calls_s)
    return placed


async def _judge(ari: BenchAri, call: PlacedCall, keep_failed_in: Path | None) -> CallOutcome:
    if call.recording is None:
        return call.outcome(None, failure="no_recording")
    try:
        data = await _fetch_recording(ari, call.recording)
    except (AriRequestError, OSError, TimeoutError):
        return call.outcome(None, failure="recording_missing")
    finally:
        with contextlib.suppress(AriRequestError, OSError, TimeoutError):
            await ari.request("DELETE", f"/recordings/stored/{call.recording}", accept_missing=True)
    try:
        audio = read_wav(data)
    except (wave.Error, ValueError, EOFError):
        return call.outcome(None, failure="recording_unreadable")
    outcome = call.outcome(first_tone_s(audio, AGENT_TONE_HZ))
    if keep_failed_in is not None and not outcome.ok:
        _save(keep_failed_in / f"{call.call_id}.wav", data)
    return outcome


def _save(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def _fetch_recording(ari: BenchAri, name: str) -> bytes:
    # The recording is finalised a moment after the channel goes; bounded retry.
    for attempt in range(10):
        data = await ari.request("GET", f"/recordings/stored/{name}/file", accept_missing=True)
        if isinstance(data, bytes) and data:
            return data
        await asyncio.sleep(0.2 * (attempt + 1))
    raise TimeoutError(f"recording {name} never appeared")


async def drain_calls(
    ari: BenchAri, id_prefix: str, agent_extensions: list[str], timeout_s: float = 60
) -> int:
    """Wait (bounded) until the bench's calls are gone; hang up what is left.

    An overloaded Asterisk can take many seconds to tear down the service
    side of calls whose callers already hung up.  Returns how many channels
    had to be hung up here.
    """
    # The agents' legs, and real-SIP callers' channels on the demo trunks.
    agent_prefixes = (*(f"PJSIP/{ext}-" for ext in agent_extensions), "PJSIP/demo-trunk")

    async def leftovers() -> list[str]:
        channels = await ari.request("GET", "/channels")
        return [
            c["id"]
            for c in channels
            if str(c.get("id", "")).startswith(id_prefix)
            or str(c.get("name", "")).startswith(agent_prefixes)
        ]

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    remaining = await leftovers()
    while remaining and loop.time() < deadline:
        await asyncio.sleep(1)
        remaining = await leftovers()
    for channel_id in remaining:
        with contextlib.suppress(AriRequestError, OSError, TimeoutError):
            await ari.request("DELETE", f"/channels/{channel_id}", accept_missing=True)
    return len(remaining)
