"""Call service "voicemail.leave": greeting, beep, record, keep the message.

Started by the flow node "voicemail" (params box, greeting, max_length_s,
silence_s, operator) or from the dialplan as
``Stasis(hotline,service,voicemail.leave,<box>)``.

Outcomes: ``recorded`` (variables vm_message_id, vm_duration_s),
``no_message`` (nothing longer than MIN_MESSAGE_S), ``operator`` (the
caller pressed 0 and the node has an operator target), ``failed``.

A caller who hangs up while recording still leaves the message: the flow
runner cancels this service when the channel goes, so the recording is
finished by a detached task that waits for Asterisk to close the file.
Every path either keeps the recording as a message or deletes it, and a
live recording is always stopped or cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from typing import Any, Final

from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriError, AriNotFound, log_call_failure
from ari_apps.ari.events import (
    CHANNEL_DTMF_RECEIVED,
    PLAYBACK_FINISHED,
    RECORDING_FAILED,
    RECORDING_FINISHED,
)
from ari_apps.call_services import (
    OUTCOME_FAILED,
    CallServiceContext,
    ServiceResult,
    register_call_service,
)
from ari_apps.executor import CancelRecording as ExecutorCancelRecording
from ari_apps.executor import ChannelOpsExecutor, PlayMedia, StopMedia
from ari_apps.executor import StartRecording as ExecutorStartRecording
from ari_apps.executor import StopRecording as ExecutorStopRecording
from hotline.errors import NotFound
from hotline.models_voicemail import Mailbox
from vm.greetings import greeting_media
from vm.leave_core import (
    RECORDING,
    RECORDING_CLOSE_WAIT_S,
    CancelRecording,
    Command,
    DigitPressed,
    DiscardRecording,
    Event,
    Finish,
    FinishAfterHangUp,
    HungUp,
    KeepMessage,
    LeaveOptions,
    LeaveSession,
    MessageKept,
    Play,
    PlaybackDone,
    RecordingFailed,
    RecordingFinished,
    StartRecording,
    StartTimer,
    StopPlayback,
    StopRecording,
    TimerFired,
)
from vm.mailboxes import box_by_number
from vm.messages import store_recording
from vm.nodes import SERVICE_NAME
from vm.notifications import email_notification
from vm.store import discard_recording, live_recording_name

log = logging.getLogger(__name__)

# Shorter than this is a hang-up after the beep, not a message.
MIN_MESSAGE_S: Final = 1.0

# Detached work (messages finished after a hang-up, e-mails) must outlive the
# call's task; keep references so the loop does not drop them.
_background: set[asyncio.Task[Any]] = set()


def spawn_background(coro: Any, name: str) -> asyncio.Task[Any]:
    task = asyncio.create_task(coro, name=name)
    _background.add(task)
    task.add_done_callback(_background_done)
    return task


def _background_done(task: asyncio.Task[Any]) -> None:
    _background.discard(task)
    if not task.cancelled() and task.exception() is not None:
        # Nobody awaits these tasks: say what went wrong instead of losing it.
        log.error("voicemail task %s failed", task.get_name(), exc_info=task.exception())


async def drain_background() -> None:
    """Wait for detached voicemail work (tests; orderly shutdown)."""
    while _background:
        await asyncio.gather(*list(_background), return_exceptions=True)


def stock_greeting(box: Mailbox, kind: str) -> list[str]:
    """ "The person at extension 5000 is unavailable / on the phone", then the
    instructions (vm-intro: leave a message after the tone, # when done)."""
    status = "sound:vm-isonphone" if kind == "busy" else "sound:vm-isunavail"
    return ["sound:vm-theperson", f"digits:{box.number}", status, "sound:vm-intro"]


class LeaveVoicemail:
    name = SERVICE_NAME

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        args = params.get("args") or []
        box_number = str(params.get("box") or (args[0] if args else ""))
        try:
            box = await box_by_number(box_number)
            # A flow leaves messages in its own tenant's boxes only: box
            # numbers are one plan, so a number alone could name another's.
            if call.tenant_id is not None and box.tenant_id != call.tenant_id:
                raise NotFound(f"voicemail box {box_number} does not exist")
        except NotFound:
            log.warning("call %s: voicemail box %r does not exist", call.call_id, box_number)
            return ServiceResult(OUTCOME_FAILED, {"service_error": f"no box {box_number}"})
        greeting_kind = str(params.get("greeting") or "unavailable")
        operator_enabled = bool(params.get("operator", False))
        max_length_s = int(params.get("max_length_s") or box.max_message_s)
        silence_s = int(params.get("silence_s", 5))

        media = greeting_media(box, greeting_kind)
        options = LeaveOptions(
            greeting=(media,) if media else tuple(stock_greeting(box, greeting_kind)),
            max_length_s=max_length_s,
            silence_s=silence_s,
            operator=operator_enabled,
        )
        return await LeaveCall(call, box, options).run()


class LeaveCall:
    """Runs ``vm/leave_core.py``'s decisions on one lent channel."""

    def __init__(self, call: CallServiceContext, box: Mailbox, options: LeaveOptions) -> None:
        self.call = call
        self.box = box
        self.session = LeaveSession(f"vm-{uuid.uuid4().hex[:12]}", options)
        self.name = live_recording_name("msg", box.number)
        self.loop = asyncio.get_running_loop()
        self.timer: tuple[int, float] | None = None  # (id, when it fires)
        self.pending: list[Event] = []  # answers the adapter gives itself
        self.result: ServiceResult | None = None

    async def run(self) -> ServiceResult:
        try:
            await self._execute(self.session.start())
            while self.result is None:
                if self.pending:
                    await self._execute(self.session.handle(self.pending.pop(0)))
                    continue
                event = await self._next_event()
                if event is not None:
                    await self._execute(self.session.handle(event))
        except asyncio.CancelledError:
            # The caller hung up and the flow runner cancelled us: what the
            # hang-up needs (finishing a message) must not wait for I/O.
            for command in self.session.handle(HungUp()):
                if isinstance(command, FinishAfterHangUp):
                    self._finish_after_hangup()
            raise
        except Exception:
            # Whatever failed, a live recording is never left behind.
            if self.session.state == RECORDING:
                self._finish_after_hangup()
            raise
        log.info("call %s: voicemail %s -> %s", self.call.call_id, self.box.number, self.result)
        return self.result

    async def _next_event(self) -> Event | None:
        timeout = None if self.timer is None else max(self.timer[1] - self.loop.time(), 0.0)
        event = await self.call.next_event(timeout if timeout is not None else 3600.0)
        if event is None:
            if self.timer is None:
                return None
            timer_id, self.timer = self.timer[0], None
            return TimerFired(timer_id)
        if event.is_channel_final:
            return HungUp()
        if event.type == CHANNEL_DTMF_RECEIVED and event.digit:
            return DigitPressed(event.digit)
        if event.type == PLAYBACK_FINISHED and event.playback_id:
            return PlaybackDone(event.playback_id)
        if event.recording_name == self.name:
            if event.type == RECORDING_FINISHED:
                return RecordingFinished()
            if event.type == RECORDING_FAILED:
                return RecordingFailed()
        return None

    async def _execute(self, commands: list[Command]) -> None:
        for command in commands:
            await self._one(command)

    async def _one(self, command: Command) -> None:
        call, ops = self.call, self.call.ops
        match command:
            case Play(playback_id=playback_id, media=media):
                try:
                    await ops.run(PlayMedia(call.channel_id, media, playback_id))
                except AriError as error:
                    # The core waits for the playback's end: answer it ourselves.
                    log_call_failure(log, call.call_id, f"playback {media}", error)
                    self.pending.append(PlaybackDone(playback_id))
            case StopPlayback(playback_id=playback_id):
                await ops.run_unless_gone(StopMedia(playback_id))
            case StartRecording(max_length_s=max_length_s, silence_s=silence_s):
                try:
                    await ops.run(
                        ExecutorStartRecording(
                            call.channel_id,
                            self.name,
                            max_duration_s=max_length_s,
                            max_silence_s=silence_s or None,
                            beep=True,
                            terminate_on="#",
                        )
                    )
                except AriError as error:
                    log.warning("call %s: recording failed to start: %s", call.call_id, error)
                    self.pending.append(RecordingFailed())
                else:
                    log.info("call %s: recording %s started", call.call_id, self.name)
            case StopRecording():
                await ops.run_best_effort(ExecutorStopRecording(self.name))
            case CancelRecording():
                await ops.run_unless_gone(ExecutorCancelRecording(self.name))
            case DiscardRecording():
                await asyncio.to_thread(discard_recording, self.name)
            case KeepMessage():
                # The caller may hang up right now, and the flow runner then
                # cancels this service: storing runs as its own task so a
                # cancel cannot cut it in half (file moved, no row).
                storing = spawn_background(
                    keep_recording(self.box, call.caller_id, self.name, call.call_id),
                    name=f"vm-keep-{self.name}",
                )
                message = await asyncio.shield(storing)
                kept = (
                    MessageKept(message.id, float(message.duration_s))
                    if message is not None
                    else MessageKept(None)
                )
                self.pending.append(kept)
            case FinishAfterHangUp():
                self._finish_after_hangup()
            case StartTimer(timer_id=timer_id, seconds=seconds):
                self.timer = (timer_id, self.loop.time() + seconds)
            case Finish(outcome=outcome, variables=variables):
                self.result = ServiceResult(outcome, dict(variables))

    def _finish_after_hangup(self) -> None:
        spawn_background(
            finish_after_hangup(
                self.call.ari, self.box, self.call.caller_id, self.name, self.call.call_id
            ),
            name=f"vm-finish-{self.name}",
        )


async def keep_recording(box: Mailbox, caller_id: str, recording_name: str, call_id: str) -> Any:
    """Store the recording as a message and mail it in the background."""
    message = await store_recording(box, caller_id, recording_name, call_id, MIN_MESSAGE_S)
    log.info(
        "voicemail %s from %r: %s",
        box.number,
        caller_id,
        f"message {message.id} ({message.duration_s} s)" if message else "too short, discarded",
    )
    if message is not None:
        spawn_background(email_notification(message.id), name=f"vm-mail-{message.id}")
    return message


async def finish_after_hangup(
    ari: AriClient, box: Mailbox, caller_id: str, recording_name: str, call_id: str
) -> None:
    """Keep what a caller said before hanging up, once Asterisk closed the file.

    Asterisk ends the recording itself when the channel goes; the live
    recording object disappears once the file is written.
    """
    log.info("voicemail %s: caller hung up, finishing recording %s", box.number, recording_name)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RECORDING_CLOSE_WAIT_S
    while loop.time() < deadline:
        try:
            live = await ari.get_live_recording(recording_name)
        except AriNotFound:
            break
        except AriError:
            await asyncio.sleep(0.2)
            continue
        if live.get("state") in ("done", "failed", "canceled"):
            break
        await asyncio.sleep(0.2)
    else:
        # Still "recording" with no channel: never leave it behind.
        await ChannelOpsExecutor(ari).run_best_effort(ExecutorStopRecording(recording_name))
        await asyncio.sleep(0.5)
    try:
        await keep_recording(box, caller_id, recording_name, call_id)
    except (OSError, ValueError):
        log.exception("voicemail for box %s after hang-up could not be kept", box.number)


register_call_service(LeaveVoicemail())
