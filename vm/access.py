"""Call service "voicemail.access": a box owner's retrieval menu on a channel.

Entry points (asterisk/config/extensions.conf):

* ``*97`` from an agent phone: ``Stasis(hotline,service,voicemail.access,<ext>)``,
  the box is the caller's extension and only the PIN is asked;
* ``*98`` from an agent phone and DID ``8500``: no box argument, the caller
  keys box then PIN;
* a flow's ``voicemail_access`` node (vm/nodes.py), as ``*98``, for a
  tenant's own retrieval DID.

Only boxes of the call's tenant open (``CallServiceContext.tenant_id``: the
flow's, or for 8500/``*97``/``*98`` the calling phone's or the number's).

The menu itself is the pure ``vm.access_core.AccessSession``; this adapter
plays, records, keeps its one timer, runs store actions (vm/access_store.py)
and translates the channel's ARI events.  It ends when the session does:
goodbye (the direct-service runner then hangs up), a call back (the channel
continues in the dialplan: ``handed_off``), or the caller's hang-up.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Mapping
from typing import Any, Final

from ari_apps import executor as ops
from ari_apps.ari.errors import AriError, log_call_failure
from ari_apps.ari.events import (
    CHANNEL_DTMF_RECEIVED,
    PLAYBACK_FINISHED,
    RECORDING_FAILED,
    RECORDING_FINISHED,
    AriEvent,
)
from ari_apps.call_services import CallServiceContext, ServiceResult, register_call_service
from ari_apps.provisioning import AGENT_CONTEXT
from hotline import dial_policy, outbound_guard, tenancy
from hotline.errors import HotlineError
from vm import access_store
from vm.access_core import (
    AccessSession,
    CallBack,
    CancelRecording,
    CancelTimer,
    Command,
    DigitPressed,
    DiscardRecording,
    Event,
    Hangup,
    HungUp,
    MarkHeard,
    Play,
    PlaybackDone,
    RecordingDone,
    RecordingFailed,
    SalvageGreeting,
    SetGreeting,
    StartRecording,
    StartTimer,
    StopPlayback,
    StoreRequest,
    TimerFired,
)
from vm.messages import get_message, message_media
from vm.nodes import ACCESS_OUTCOME_GOODBYE, ACCESS_SERVICE_NAME
from vm.store import discard_recording, live_recording_name

log = logging.getLogger(__name__)

SERVICE_NAME: Final = ACCESS_SERVICE_NAME
OUTCOME_GOODBYE: Final = ACCESS_OUTCOME_GOODBYE
OUTCOME_CALLBACK: Final = "callback"
OUTCOME_HANGUP: Final = "hangup"
# The core always waits on a prompt, a timer, the store or a recording; this
# only guards against an event Asterisk never sends (a playback that hangs).
IDLE_GUARD_S: Final = 180.0
# Grace on top of a recording's maxDurationSeconds before we stop it ourselves.
RECORDING_GRACE_S: Final = 10.0

_background: set[asyncio.Task[None]] = set()


def _spawn(coro: Any, name: str) -> None:
    task: asyncio.Task[None] = asyncio.create_task(coro, name=name)
    _background.add(task)
    task.add_done_callback(_background.discard)


async def drain_background() -> None:
    """Wait for greetings still being kept after a hang-up (tests, shutdown)."""
    while _background:
        await asyncio.gather(*list(_background), return_exceptions=True)


class VoicemailAccess:
    name = SERVICE_NAME

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        args = [str(arg) for arg in params.get("args") or []]
        box = str(params.get("box") or (args[0] if args else "")).strip()
        return await _AccessCall(call).run(box or None)


class _AccessCall:
    def __init__(self, call: CallServiceContext) -> None:
        self.call = call
        self.session = AccessSession(f"vma-{uuid.uuid4().hex[:12]}")
        self.loop = asyncio.get_running_loop()
        self.timer: tuple[str, float] | None = None  # (timer id, loop deadline)
        # core recording id -> ARI recording name (flat, beside the store)
        self.recordings: dict[str, str] = {}
        self.live_deadline: float | None = None
        self.internal: deque[Event] = deque()  # answers to feed before the next ARI event
        # The lockouts and the call-back limits count this caller's number.
        self.asker = access_store.Asker(call.caller_id, call.settings, call.tenant_id)
        self.result = ServiceResult(OUTCOME_HANGUP)

    async def run(self, box: str | None) -> ServiceResult:
        try:
            await self._execute(self.session.start(box))
            while not self.session.finished:
                if self.internal:
                    await self._execute(self.session.handle(self.internal.popleft()))
                    continue
                event = await self.call.next_event(self._wait_s())
                if event is None:
                    await self._idle()
                    continue
                translated = await self._translate(event)
                if translated is not None:
                    await self._execute(self.session.handle(translated))
        except asyncio.CancelledError:
            # The runner cancels us when the channel goes: finish the session
            # (a greeting being recorded is kept or dropped in the background).
            self._hung_up_now()
            raise
        finally:
            if not self.session.finished:
                self._hung_up_now()
        return self.result

    def _wait_s(self) -> float:
        deadlines = [self.loop.time() + IDLE_GUARD_S]
        if self.timer is not None:
            deadlines.append(self.timer[1])
        if self.live_deadline is not None:
            deadlines.append(self.live_deadline)
        return max(0.0, min(deadlines) - self.loop.time())

    async def _idle(self) -> None:
        now = self.loop.time()
        if self.timer is not None and now >= self.timer[1] - 0.01:
            timer_id, self.timer = self.timer[0], None
            await self._execute(self.session.handle(TimerFired(timer_id)))
        elif self.live_deadline is not None and now >= self.live_deadline - 0.01:
            # RecordingFinished never came: stop it; its end event follows.
            self.live_deadline = None
            recording_id = self.session.recording_id
            if recording_id is not None:
                await self.call.ops.run_best_effort(
                    ops.StopRecording(self.recordings[recording_id])
                )
        elif self.timer is None and self.live_deadline is None:
            log.warning("call %s: voicemail access idle too long", self.call.call_id)
            self._hung_up_now()

    async def _translate(self, event: AriEvent) -> Event | None:
        if event.is_channel_final:
            return HungUp()
        if event.type == CHANNEL_DTMF_RECEIVED and event.digit:
            return DigitPressed(event.digit)
        if event.type == PLAYBACK_FINISHED and event.playback_id:
            return PlaybackDone(event.playback_id)
        if event.type in (RECORDING_FINISHED, RECORDING_FAILED):
            recording_id = self.session.recording_id
            if recording_id is None or self.recordings.get(recording_id) != event.recording_name:
                return None
            self.live_deadline = None
            if event.type == RECORDING_FAILED:
                return RecordingFailed(recording_id)
            name = self.recordings[recording_id]
            try:
                duration = await asyncio.to_thread(access_store.recording_duration_s, name)
            except (HotlineError, OSError):
                log.warning("call %s: recording %s unreadable", self.call.call_id, name)
                return RecordingFailed(recording_id)
            return RecordingDone(recording_id, duration)
        return None

    def _hung_up_now(self) -> None:
        if self.session.finished:
            return
        for command in self.session.handle(HungUp()):
            if isinstance(command, SalvageGreeting):
                self._salvage(command)

    def _salvage(self, command: SalvageGreeting) -> None:
        name = self.recordings.pop(command.recording_id, "")
        if name:
            _spawn(
                _salvage_after_close(self.call, name, command),
                name=f"vm-access-salvage-{name}",
            )

    async def _execute(self, commands: list[Command]) -> None:
        for command in commands:
            await self._one(command)

    async def _one(self, command: Command) -> None:
        call = self.call
        if isinstance(command, Play):
            media = await self._resolve(command.media)
            try:
                if not media:
                    raise LookupError("nothing playable")
                await call.ops.run(
                    ops.PlayMedia(call.channel_id, tuple(media), command.playback_id)
                )
            except (AriError, LookupError) as error:
                # The core waits for PlaybackDone: answer it ourselves.
                log_call_failure(log, call.call_id, f"playback {media}", error)
                self.internal.append(PlaybackDone(command.playback_id))
        elif isinstance(command, StopPlayback):
            await call.ops.run_best_effort(ops.StopMedia(command.playback_id))
        elif isinstance(command, StartTimer):
            self.timer = (command.timer_id, self.loop.time() + command.seconds)
        elif isinstance(command, CancelTimer):
            if self.timer is not None and self.timer[0] == command.timer_id:
                self.timer = None
        elif isinstance(command, StartRecording):
            await self._start_recording(command)
        elif isinstance(command, CancelRecording):
            self.live_deadline = None
            name = self.recordings.pop(command.recording_id, "")
            await call.ops.run_best_effort(ops.CancelRecording(name))
            await asyncio.to_thread(discard_recording, name)
        elif isinstance(command, DiscardRecording):
            name = self.recordings.pop(command.recording_id, "")
            await asyncio.to_thread(discard_recording, name)
        elif isinstance(command, SalvageGreeting):
            self._salvage(command)
        elif isinstance(command, MarkHeard):
            await access_store.mark_heard(command.message_id, self.call.tenant_id)
        elif isinstance(command, StoreRequest):
            answer = await access_store.answer(
                command.request_id, command.action, self.recordings, self.asker
            )
            if isinstance(command.action, SetGreeting):
                self.recordings.pop(command.action.recording_id, None)
            self.internal.append(answer)
        elif isinstance(command, CallBack):
            await self._call_back(command)
        elif isinstance(command, Hangup):
            self.result = ServiceResult(OUTCOME_GOODBYE)

    async def _resolve(self, media: tuple[str, ...]) -> list[str]:
        """``voicemail:<id>`` becomes the message's recording; a gone message is skipped."""
        resolved: list[str] = []
        for item in media:
            if item.startswith("voicemail:"):
                try:
                    message = await get_message(
                        int(item.removeprefix("voicemail:")), tenant_id=self.call.tenant_id
                    )
                except (HotlineError, ValueError):
                    continue
                resolved.append(message_media(message))
            else:
                resolved.append(item)
        return resolved

    async def _start_recording(self, command: StartRecording) -> None:
        box = self.session.box or "unknown"
        name = live_recording_name("greeting", box)
        self.recordings[command.recording_id] = name
        try:
            await self.call.ops.run(
                ops.StartRecording(
                    self.call.channel_id,
                    name,
                    max_duration_s=command.max_duration_s,
                    beep=True,
                    terminate_on="#",
                )
            )
        except AriError as error:
            log.warning("call %s: greeting recording failed: %s", self.call.call_id, error)
            self.internal.append(RecordingFailed(command.recording_id))
            return
        self.live_deadline = self.loop.time() + command.max_duration_s + RECORDING_GRACE_S

    async def _call_back(self, command: CallBack) -> None:
        try:
            if command.context == AGENT_CONTEXT and self.call.tenant_id is not None:
                # An agent's extension rings only for a channel of its tenant
                # (a caller from 8500 has no mark of its own): see tenancy.
                await self.call.ops.run(
                    ops.SetVariable(
                        self.call.channel_id,
                        "CHANNEL(accountcode)",
                        tenancy.tenant_accountcode(self.call.tenant_id),
                    )
                )
            await self.call.ops.run(
                ops.ContinueInDialplan(self.call.channel_id, command.context, command.number)
            )
        except AriError as error:
            log.warning("call %s: call back %s failed: %s", self.call.call_id, command, error)
            self.result = ServiceResult(OUTCOME_GOODBYE)
            return
        self.result = ServiceResult(
            OUTCOME_CALLBACK, {"vm_callback": command.number}, handed_off=True
        )
        try:
            await outbound_guard.audit_placed(
                dial_policy.CALLBACK,
                self.call.caller_id,
                command.number,
                context=command.context,
                box=self.session.box or "",
                call_id=self.call.call_id,
                tenant_id=self.call.tenant_id,
            )
        except Exception:  # the call has left already; a lost audit row is logged
            log.exception("call %s: call-back to %s not audited", self.call.call_id, command)


async def _salvage_after_close(
    call: CallServiceContext, name: str, command: SalvageGreeting
) -> None:
    """Asterisk closes the file itself once the channel is gone; wait for that
    (the live recording disappears), then keep or drop it."""
    deadline = asyncio.get_running_loop().time() + RECORDING_GRACE_S
    while asyncio.get_running_loop().time() < deadline:
        try:
            await call.ari.get_live_recording(name)
        except AriError:
            break
        await asyncio.sleep(0.2)
    await access_store.salvage_greeting(
        name, command.box, command.kind, command.min_duration_s, call.tenant_id
    )


register_call_service(VoicemailAccess())
