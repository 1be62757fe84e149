"""One benchmark caller: dial, wait for the greeting, press 1, listen, hang up.

The caller is the Local channel half that sits in the bench's ARI app; the
other half runs the service under test (Hotline's Stasis app or the plain
dialplan).  The three instants behind the latency figures:

* dialled     - just before the originate request (bench clock, same box);
* answered    - taken by the caller's own dialplan ([hotline-bench-caller])
                the moment the service answers, passed as the Stasis argument;
* first audio - ChannelTalkingStarted from TALK_DETECT, armed on the caller
                before it dials, so the first non-silent 20 ms frame the
                caller receives is caught however early the service plays.

What the caller hears is recorded through a snoop channel on the caller
(spy=in): recording the caller itself would block its ARI control queue, so
the DTMF would only go out when the recording stopped.  The recording only
decides whether the agent's tone was heard; it is analysed after the step so
that analysis does not compete with the calls for the two CPUs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.bench.ari import AriRequestError, BenchAri
from tests.bench.stats import CallOutcome

# A silence threshold of 1 ms makes the very first non-silent frame count as
# "talking started"; the default (2500 ms) fires on the first frame, silent
# or not, because the DSP starts out with no silence accumulated.
TALK_DETECT_SETTINGS = "1"


@dataclass(frozen=True)
class CallPlan:
    endpoint: str  # e.g. Local/8000@from-pstn/n
    caller_context: str  # dialplan the caller runs once answered
    call_s: float  # how long after the answer the caller hangs up
    answer_timeout_s: float = 10.0
    greeting_timeout_s: float = 5.0
    digit: str = "1"


@dataclass
class PlacedCall:
    """What a finished call leaves for the analysis after the step."""

    call_id: str
    failure: str = ""
    dialled_at: float = 0.0
    answered_at: float | None = None
    audio_at: float | None = None
    recording: str | None = None
    snoop_id: str | None = None
    gone: bool = False  # Asterisk reported the channel ended

    def outcome(self, tone_at_s: float | None, failure: str = "") -> CallOutcome:
        failure = self.failure or failure
        if not failure and tone_at_s is None:
            failure = "no_agent_tone"
        answer_ms = (
            (self.answered_at - self.dialled_at) * 1000 if self.answered_at is not None else None
        )
        audio_ms = (
            (self.audio_at - self.answered_at) * 1000
            if self.audio_at is not None and self.answered_at is not None
            else None
        )
        return CallOutcome(
            call_id=self.call_id,
            failure=failure,
            dial_to_answer_ms=answer_ms,
            answer_to_audio_ms=audio_ms,
            tone_after_answer_s=tone_at_s,
        )


def event_time(event: dict[str, Any]) -> float:
    stamp = event.get("timestamp")
    if not stamp:
        return time.time()
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


async def place_call(ari: BenchAri, plan: CallPlan, call_id: str) -> PlacedCall:
    call = PlacedCall(call_id=call_id)
    box = ari.mailbox(call_id)
    script = _CallScript(ari, plan, call)
    try:
        await script.run(box)
    except (AriRequestError, OSError, TimeoutError) as error:
        call.failure = call.failure or f"ari_error:{type(error).__name__}"
    finally:
        await _hang_up(ari, call_id)
        await _wait_gone(box, call)
        if call.snoop_id is not None:
            # The snoop ends with the caller; this only covers a lost race.
            await _hang_up(ari, call.snoop_id)
            ari.drop_mailbox(call.snoop_id)
        ari.drop_mailbox(call_id)
    return call


class _CallScript:
    """The caller's side of one call, driven by its channel's ARI events."""

    def __init__(self, ari: BenchAri, plan: CallPlan, call: PlacedCall) -> None:
        self.ari = ari
        self.plan = plan
        self.call = call
        self.loop = asyncio.get_running_loop()
        self.answer_deadline = 0.0
        self.hang_up_at: float | None = None
        self.greeting_deadline: float | None = None
        self.digit_sent = False
        self.done = False

    async def run(self, box: asyncio.Queue[dict[str, Any]]) -> None:
        call = self.call
        call.dialled_at = time.time()
        await self.ari.request(
            "POST",
            "/channels",
            {
                "endpoint": self.plan.endpoint,
                # On answer the caller runs [hotline-bench-caller], which
                # starts its media and enters our app.
                "context": self.plan.caller_context,
                "extension": "s",
                "priority": 1,
                "channelId": call.call_id,
                "timeout": int(self.plan.answer_timeout_s),
                # Like a PSTN trunk.  Left open, a Local channel picks the
                # richest format (slin192) and Asterisk spends most of its
                # CPU resampling every frame up to 192 kHz and back.
                "formats": "ulaw",
            },
            # Armed before dialling, so no early audio can slip past it.
            body={"variables": {"TALK_DETECT(set)": TALK_DETECT_SETTINGS}},
        )
        self.answer_deadline = self.loop.time() + self.plan.answer_timeout_s
        while not self.done:
            wake_at = await self._on_timers()
            if self.done:
                return
            try:
                timeout = max(0.01, min(wake_at - self.loop.time(), 0.5))
                event = await asyncio.wait_for(box.get(), timeout=timeout)
            except TimeoutError:
                continue
            await self._on_event(event)

    async def _on_timers(self) -> float:
        """Act on whatever deadline passed; return when to look again."""
        now = self.loop.time()
        if self.call.answered_at is None:
            if now >= self.answer_deadline:
                self.call.failure = "no_answer"
                self.done = True
            return self.answer_deadline
        assert self.hang_up_at is not None and self.greeting_deadline is not None
        if now >= self.hang_up_at:
            self.done = True
        elif not self.digit_sent and now >= self.greeting_deadline:
            # Nothing audible yet: the call has failed, but press the digit
            # anyway so the rest of the path is still exercised.
            self.call.failure = "no_greeting"
            await self._press_digit()
        return self.hang_up_at if self.digit_sent else self.greeting_deadline

    async def _on_event(self, event: dict[str, Any]) -> None:
        call = self.call
        kind = event.get("type")
        channel = event.get("channel", {})
        channel_id = channel.get("id")
        if channel_id == call.call_id:
            if kind == "StasisStart" and call.answered_at is None:
                self._answered(event)
                await self._start_snoop()
            elif kind == "ChannelTalkingStarted" and call.audio_at is None:
                call.audio_at = event_time(event)
                await self._press_digit()
                # One measurement per call is all we need; stop the events.
                await self.ari.request(
                    "POST",
                    f"/channels/{call.call_id}/variable",
                    {"variable": "TALK_DETECT(remove)", "value": ""},
                )
            elif kind in ("StasisEnd", "ChannelDestroyed"):
                call.gone = True
                unanswered = call.answered_at is None
                call.failure = call.failure or ("rejected" if unanswered else "hung_up_by_service")
                self.done = True
        elif kind == "StasisStart" and channel_id == call.snoop_id and call.recording is None:
            await self._start_recording()
        elif kind == "RecordingFailed":
            call.failure = call.failure or "recording_failed"
            self.done = True

    def _answered(self, event: dict[str, Any]) -> None:
        args = event.get("args") or []
        try:
            self.call.answered_at = float(args[0])
        except (IndexError, ValueError):
            self.call.answered_at = event_time(event)
        now = self.loop.time()
        self.hang_up_at = now + self.plan.call_s
        self.greeting_deadline = now + self.plan.greeting_timeout_s

    async def _start_snoop(self) -> None:
        call = self.call
        call.snoop_id = f"{call.call_id}-snoop"
        self.ari.share_mailbox(call.snoop_id, self.ari.mailbox_of(call.call_id))
        await self.ari.request(
            "POST",
            f"/channels/{call.call_id}/snoop",
            {"spy": "in", "app": self.ari.app, "snoopId": call.snoop_id},
        )

    async def _start_recording(self) -> None:
        call = self.call
        call.recording = call.call_id
        await self.ari.request(
            "POST",
            f"/channels/{call.snoop_id}/record",
            {
                "name": call.recording,
                "format": "wav",
                "maxDurationSeconds": int(self.plan.call_s) + 10,
                "ifExists": "overwrite",
            },
        )

    async def _press_digit(self) -> None:
        if self.digit_sent:
            return
        self.digit_sent = True
        await self.ari.request(
            "POST", f"/channels/{self.call.call_id}/dtmf", {"dtmf": self.plan.digit}
        )


async def _hang_up(ari: BenchAri, call_id: str) -> None:
    with contextlib.suppress(AriRequestError, OSError, TimeoutError):
        await ari.request("DELETE", f"/channels/{call_id}", accept_missing=True)


async def _wait_gone(box: asyncio.Queue[dict[str, Any]], call: PlacedCall) -> None:
    """Bounded wait for the caller to go and its recording to be finalised."""
    if call.answered_at is None:
        return  # never reached our app, so no events will come
    recording_done = call.recording is None
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            while not (call.gone and recording_done):
                event = await box.get()
                kind = event.get("type")
                if kind in ("StasisEnd", "ChannelDestroyed"):
                    call.gone = call.gone or event.get("channel", {}).get("id") == call.call_id
                elif kind in ("RecordingFinished", "RecordingFailed"):
                    recording_done = True
