"""Leaving a voicemail: the decisions of the call service "voicemail.leave".

Pure: events in, commands out, like ``ari_apps/ivr/core.py`` and
``vm/access_core.py``.  The adapter (``vm/calls.py``) plays, records, keeps
one timer, stores the message and answers each command:

* ``Play`` with ``PlaybackDone`` (also when it could not start);
* ``StartRecording`` with ``RecordingFinished`` or ``RecordingFailed``;
* ``KeepMessage`` with ``MessageKept`` (``message_id`` None: too short);
* ``StartTimer`` with ``TimerFired`` unless another timer replaced it.

The rules (``TRANSITIONS`` holds every move; anything else is a bug):

* the greeting plays; ``#`` skips it, ``0`` leaves for the operator when
  the node has one; its end starts the recording (with a beep; ``#`` ends
  the message, as the stock vm-intro prompt says);
* while recording, ``0`` (with an operator) discards what was said and
  leaves; a failed recording is discarded; a finished one is kept;
* a recording whose end never comes is stopped after its maximum length
  plus a grace, and waited for once more;
* a caller who hangs up during the recording still leaves the message: the
  adapter finishes it after the call (``FinishAfterHangUp``);
* once kept, "your message has been saved" plays and the outcome is
  ``recorded``.  Every path keeps the recording or deletes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

# The channel's events, as the voicemail menu takes them too.
from vm.access_menu import DigitPressed as DigitPressed
from vm.access_menu import HungUp as HungUp
from vm.access_menu import PlaybackDone as PlaybackDone
from vm.nodes import OUTCOME_NO_MESSAGE, OUTCOME_OPERATOR, OUTCOME_RECORDED

GREETING: Final = "greeting"
RECORDING: Final = "recording"
KEEPING: Final = "keeping"
SAYING_SAVED: Final = "saying_saved"
ENDED: Final = "ended"

# Why each move happens:
# - greeting -> recording: the greeting ended, or # skipped it;
# - greeting -> ended: 0 for the operator, a hang-up, no greeting end at all;
# - recording -> recording: the recording overran and was stopped; wait again;
# - recording -> keeping: the recording finished;
# - recording -> ended: 0 for the operator, a failed recording, a hang-up;
# - keeping -> saying_saved: the message is stored;
# - keeping -> ended: too short to be a message;
# - saying_saved -> ended: "saved" was said (or the caller went).
TRANSITIONS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        GREETING: frozenset({RECORDING, ENDED}),
        RECORDING: frozenset({RECORDING, KEEPING, ENDED}),
        KEEPING: frozenset({SAYING_SAVED, ENDED}),
        SAYING_SAVED: frozenset({ENDED}),
        ENDED: frozenset(),
    }
)
START_STATE: Final = GREETING

# What a call service reports when it could not do its job
# (ari_apps.call_services.OUTCOME_FAILED; a unit test keeps them equal).
OUTCOME_FAILED: Final = "failed"

GREETING_TIMEOUT_S: Final = 120.0
# Guard on top of max_length_s in case RecordingFinished never comes.
RECORDING_GRACE_S: Final = 10.0
# How long Asterisk may take to close a recording once stopped.
RECORDING_CLOSE_WAIT_S: Final = 10.0
SAVED_PROMPT_TIMEOUT_S: Final = 10.0
SAVED_PROMPT: Final = "sound:vm-msgsaved"


class IllegalLeaveTransition(RuntimeError):
    """A move ``TRANSITIONS`` does not list: a bug in this module, so loud."""


# -- events ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RecordingFinished:
    pass


@dataclass(frozen=True, slots=True)
class RecordingFailed:
    pass


@dataclass(frozen=True, slots=True)
class MessageKept:
    message_id: int | None
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class TimerFired:
    timer_id: int


Event = (
    DigitPressed
    | PlaybackDone
    | RecordingFinished
    | RecordingFailed
    | MessageKept
    | TimerFired
    | HungUp
)


# -- commands ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Play:
    playback_id: str
    media: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StopPlayback:
    playback_id: str


@dataclass(frozen=True, slots=True)
class StartRecording:
    max_length_s: int
    silence_s: int


@dataclass(frozen=True, slots=True)
class StopRecording:
    """End the recording and keep the file (its RecordingFinished follows)."""


@dataclass(frozen=True, slots=True)
class CancelRecording:
    """End the recording and throw the file away."""


@dataclass(frozen=True, slots=True)
class DiscardRecording:
    """Delete whatever file the recording left."""


@dataclass(frozen=True, slots=True)
class KeepMessage:
    pass


@dataclass(frozen=True, slots=True)
class FinishAfterHangUp:
    """The caller went mid-message: keep it once Asterisk closed the file."""


@dataclass(frozen=True, slots=True)
class StartTimer:
    timer_id: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Finish:
    outcome: str
    variables: Mapping[str, str] = field(default_factory=dict)


Command = (
    Play
    | StopPlayback
    | StartRecording
    | StopRecording
    | CancelRecording
    | DiscardRecording
    | KeepMessage
    | FinishAfterHangUp
    | StartTimer
    | Finish
)


@dataclass(frozen=True, slots=True)
class LeaveOptions:
    greeting: tuple[str, ...]
    max_length_s: int
    silence_s: int
    operator: bool


class LeaveSession:
    """One caller leaving one message.  ``start`` once, then ``handle``."""

    def __init__(self, session_id: str, options: LeaveOptions) -> None:
        self.session_id = session_id
        self.options = options
        self.state = ""
        self.outcome: str | None = None
        self._timer = 0
        self._playback = ""
        self._message: MessageKept | None = None

    @property
    def finished(self) -> bool:
        return self.state == ENDED

    def start(self) -> list[Command]:
        if self.state:
            raise RuntimeError("start() called twice")
        self.state = START_STATE
        self._playback = f"{self.session_id}-greeting"
        return [
            Play(self._playback, self.options.greeting),
            self._arm(GREETING_TIMEOUT_S),
        ]

    def handle(self, event: Event) -> list[Command]:
        if not self.state:
            raise RuntimeError("handle() called before start()")
        if self.state == ENDED:
            return []
        if isinstance(event, TimerFired) and event.timer_id != self._timer:
            return []  # a timer since replaced
        if isinstance(event, PlaybackDone) and event.playback_id != self._playback:
            return []
        handler = _HANDLERS[self.state]
        return handler(self, event)

    # -- per state -------------------------------------------------------------
    def _in_greeting(self, event: Event) -> list[Command]:
        match event:
            case DigitPressed(digit="0") if self.options.operator:
                return [StopPlayback(self._playback), *self._end(OUTCOME_OPERATOR)]
            case DigitPressed(digit="#"):
                return [StopPlayback(self._playback), *self._record()]
            case PlaybackDone():
                return self._record()
            case HungUp() | TimerFired():
                return self._end(OUTCOME_NO_MESSAGE)
        return []

    def _in_recording(self, event: Event) -> list[Command]:
        match event:
            case RecordingFinished():
                self._become(KEEPING)
                return [KeepMessage()]
            case RecordingFailed():
                failed = self._end(OUTCOME_FAILED, {"service_error": "recording failed"})
                return [DiscardRecording(), *failed]
            case DigitPressed(digit="0") if self.options.operator:
                return [CancelRecording(), DiscardRecording(), *self._end(OUTCOME_OPERATOR)]
            case HungUp():
                return [FinishAfterHangUp(), *self._end(OUTCOME_NO_MESSAGE)]
            case TimerFired():
                # RecordingFinished never came: stop it, keep what was said.
                self._become(RECORDING)
                return [StopRecording(), self._arm(RECORDING_CLOSE_WAIT_S)]
        return []

    def _in_keeping(self, event: Event) -> list[Command]:
        # A hang-up now changes nothing: the message is being stored.
        if not isinstance(event, MessageKept):
            return []
        if event.message_id is None:
            return self._end(OUTCOME_NO_MESSAGE)
        self._message = event
        self._become(SAYING_SAVED)
        self._playback = f"{self.session_id}-saved"
        return [Play(self._playback, (SAVED_PROMPT,)), self._arm(SAVED_PROMPT_TIMEOUT_S)]

    def _in_saying_saved(self, event: Event) -> list[Command]:
        if isinstance(event, PlaybackDone | HungUp | TimerFired):
            message = self._message
            assert message is not None and message.message_id is not None
            return self._end(
                OUTCOME_RECORDED,
                {
                    "vm_message_id": str(message.message_id),
                    "vm_duration_s": f"{message.duration_s:.1f}",
                },
            )
        return []

    # -- plumbing --------------------------------------------------------------
    def _record(self) -> list[Command]:
        self._become(RECORDING)
        return [
            StartRecording(self.options.max_length_s, self.options.silence_s),
            self._arm(self.options.max_length_s + RECORDING_GRACE_S),
        ]

    def _arm(self, seconds: float) -> StartTimer:
        self._timer += 1
        return StartTimer(self._timer, seconds)

    def _end(self, outcome: str, variables: Mapping[str, str] | None = None) -> list[Command]:
        self._become(ENDED)
        self.outcome = outcome
        return [Finish(outcome, dict(variables or {}))]

    def _become(self, state: str) -> None:
        if state not in TRANSITIONS.get(self.state, frozenset()):
            raise IllegalLeaveTransition(f"no move {self.state} -> {state}")
        self.state = state


_HANDLERS: Final = MappingProxyType(
    {
        GREETING: LeaveSession._in_greeting,
        RECORDING: LeaveSession._in_recording,
        KEEPING: LeaveSession._in_keeping,
        SAYING_SAVED: LeaveSession._in_saying_saved,
    }
)
