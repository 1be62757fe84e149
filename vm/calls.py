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
import contextlib
import logging
import uuid
from collections.abc import Mapping
from typing import Any, Final

from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriError, AriNotFound
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
from ari_apps.executor import (
    CancelRecording,
    ChannelOpsExecutor,
    PlayMedia,
    StartRecording,
    StopMedia,
    StopRecording,
)
from hotline.errors import NotFound
from hotline.models_voicemail import Mailbox
from vm.greetings import greeting_media
from vm.mailboxes import box_by_number
from vm.messages import store_recording
from vm.nodes import OUTCOME_NO_MESSAGE, OUTCOME_OPERATOR, OUTCOME_RECORDED, SERVICE_NAME
from vm.notifications import email_notification
from vm.store import discard_recording, live_recording_name

log = logging.getLogger(__name__)

# Shorter than this is a hang-up after the beep, not a message.
MIN_MESSAGE_S: Final = 1.0
# How long Asterisk may take to close a recording after the caller hung up.
RECORDING_CLOSE_WAIT_S: Final = 10.0
# Guard on top of max_length_s in case RecordingFinished never comes.
RECORDING_GRACE_S: Final = 10.0
GREETING_TIMEOUT_S: Final = 120.0

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

        choice = await self._play_greeting(call, box, greeting_kind, operator_enabled)
        log.info("call %s: voicemail %s greeting done -> %s", call.call_id, box.number, choice)
        if choice is not None:
            return ServiceResult(choice)
        recording = RecordingSession(call, box, max_length_s, silence_s, operator_enabled)
        return await recording.run()

    async def _play_greeting(
        self, call: CallServiceContext, box: Mailbox, kind: str, operator_enabled: bool
    ) -> str | None:
        """None to go on recording; an outcome when the caller chose otherwise."""
        media = greeting_media(box, kind)
        items = [media] if media else stock_greeting(box, kind)
        playback_id = f"vm-greeting-{uuid.uuid4().hex[:12]}"
        await call.ops.run(PlayMedia(call.channel_id, tuple(items), playback_id))
        while True:
            event = await call.next_event(GREETING_TIMEOUT_S)
            if event is None or event.is_channel_final:
                return OUTCOME_NO_MESSAGE
            if event.type == PLAYBACK_FINISHED and event.playback_id == playback_id:
                return None
            if event.type == CHANNEL_DTMF_RECEIVED:
                if event.digit == "0" and operator_enabled:
                    await call.ops.run_unless_gone(StopMedia(playback_id))
                    return OUTCOME_OPERATOR
                if event.digit == "#":  # skip the greeting
                    await call.ops.run_unless_gone(StopMedia(playback_id))
                    return None


class RecordingSession:
    def __init__(
        self,
        call: CallServiceContext,
        box: Mailbox,
        max_length_s: int,
        silence_s: int,
        operator_enabled: bool,
    ) -> None:
        self.call = call
        self.box = box
        self.max_length_s = max_length_s
        self.silence_s = silence_s
        self.operator_enabled = operator_enabled
        self.name = live_recording_name("msg", box.number)
        self.settled = False  # kept, discarded or handed to the after-hang-up task

    async def run(self) -> ServiceResult:
        call = self.call
        try:
            await call.ops.run(
                StartRecording(
                    call.channel_id,
                    self.name,
                    max_duration_s=self.max_length_s,
                    max_silence_s=self.silence_s or None,
                    beep=True,
                    terminate_on="#",
                )
            )
            log.info("call %s: recording %s started", call.call_id, self.name)
            return await self._wait()
        except asyncio.CancelledError:
            # The caller hung up and the flow runner cancelled us.
            self._finish_after_hangup()
            raise
        finally:
            if not self.settled:
                self._finish_after_hangup()

    async def _wait(self) -> ServiceResult:
        call = self.call
        deadline = asyncio.get_running_loop().time() + self.max_length_s + RECORDING_GRACE_S
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            event = await call.next_event(max(remaining, 0.1))
            log.debug("call %s: voicemail event %s", call.call_id, event and event.type)
            if event is None:
                # RecordingFinished never came: stop it, keep what was said.
                await call.ops.run_best_effort(StopRecording(self.name))
                deadline = asyncio.get_running_loop().time() + RECORDING_CLOSE_WAIT_S
                continue
            if event.is_channel_final:
                self._finish_after_hangup()
                return ServiceResult(OUTCOME_NO_MESSAGE)
            if event.type == CHANNEL_DTMF_RECEIVED and event.digit == "0":
                if self.operator_enabled:
                    await self._discard()
                    return ServiceResult(OUTCOME_OPERATOR)
            elif event.type == RECORDING_FAILED and event.recording_name == self.name:
                self.settled = True
                await asyncio.to_thread(discard_recording, self.name)
                return ServiceResult(OUTCOME_FAILED, {"service_error": "recording failed"})
            elif event.type == RECORDING_FINISHED and event.recording_name == self.name:
                return await self._keep()

    async def _discard(self) -> None:
        self.settled = True
        await self.call.ops.run_unless_gone(CancelRecording(self.name))
        await asyncio.to_thread(discard_recording, self.name)

    async def _keep(self) -> ServiceResult:
        self.settled = True
        # The caller may hang up right now, and the flow runner then cancels
        # this service: storing runs as its own task so a cancel cannot cut
        # it in half (file moved, no row) or lose the message.
        storing = spawn_background(
            keep_recording(self.box, self.call.caller_id, self.name, self.call.call_id),
            name=f"vm-keep-{self.name}",
        )
        message = await asyncio.shield(storing)
        if message is None:
            return ServiceResult(OUTCOME_NO_MESSAGE)
        # "Your message has been saved" — the flow then says goodbye.
        playback_id = f"vm-saved-{uuid.uuid4().hex[:12]}"
        with contextlib.suppress(AriError):
            await self.call.ops.run(
                PlayMedia(self.call.channel_id, ("sound:vm-msgsaved",), playback_id)
            )
            while (event := await self.call.next_event(10.0)) is not None:
                if event.is_channel_final or (
                    event.type == PLAYBACK_FINISHED and event.playback_id == playback_id
                ):
                    break
        return ServiceResult(
            OUTCOME_RECORDED,
            {"vm_message_id": str(message.id), "vm_duration_s": f"{message.duration_s:.1f}"},
        )

    def _finish_after_hangup(self) -> None:
        if self.settled:
            return
        self.settled = True
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
        await ChannelOpsExecutor(ari).run_best_effort(StopRecording(recording_name))
        await asyncio.sleep(0.5)
    try:
        await keep_recording(box, caller_id, recording_name, call_id)
    except (OSError, ValueError):
        log.exception("voicemail for box %s after hang-up could not be kept", box.number)


register_call_service(LeaveVoicemail())
