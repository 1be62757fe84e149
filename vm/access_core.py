"""Voicemail retrieval by phone: the menu a box owner walks through.

Pure: events in, commands out, like ``ari_apps/ivr/core.py``.  The adapter
(``vm/access.py``) plays, records, keeps one timer and talks to the store;
it answers every ``Play`` with ``PlaybackDone`` (also when the playback
failed to start), every ``StartTimer`` with ``TimerFired`` unless cancelled,
every ``StartRecording`` with ``RecordingDone``/``RecordingFailed`` and
every ``StoreRequest`` with ``StoreAnswered``.  Events carrying an id the
session no longer waits for are stale and ignored.

Keys follow Asterisk's VoiceMailMain because the stock ``vm-*`` prompts we
play announce them:

* login: box number then ``#`` (skipped when the entry point knows the box),
  PIN then ``#``; three failures say goodbye.  Failures also count across
  calls (``vm/pin_lockout.py``): a locked box or caller hears "login
  incorrect, please try your call again later" and goodbye, and the PIN is
  not even checked;
* main menu: "you have N new and M old messages"; ``1`` listen (new first,
  then old), ``2`` start at the old ones, ``0`` mailbox options, ``*`` help
  (the menu again), ``#`` goodbye;
* while a message plays or after it: ``4`` previous, ``5`` repeat, ``6``
  next, ``7`` delete, ``8`` forward (box then ``#``, ``*`` cancels), ``9``
  save, ``3`` advanced options (``2`` calls the sender back once the store
  has applied the toll-fraud rules of ``hotline/dial_policy.py``: a refused
  number hears "cannot be completed as dialled", a caller over the daily
  limit "please try your call again later"; ``*`` back),
  ``*`` help, ``#`` back to the main menu;
* mailbox options (``vm-options``): ``1`` unavailable greeting, ``2`` busy
  greeting, ``3`` name, ``5`` change PIN (entered twice, digits only, at
  least ``MIN_PIN_DIGITS``; an older, shorter PIN still opens the box but
  cannot be chosen again), ``*`` main menu.  ``4`` (temporary greeting in
  the stock prompt) is not offered and counts as invalid.

Playing a message marks it heard (the MWI lamp follows).  In every menu
invalid keys and timeouts re-prompt; the third in a row says goodbye.
Digits are ignored while the store works or goodbye plays, so a DTMF flood
cannot stack requests.  Hang-up ends the session at once; a greeting being
recorded is kept only if it is at least ``MIN_GREETING_S`` long.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from ari_apps.ivr.commands import CancelTimer as CancelTimer
from ari_apps.ivr.commands import Play as Play
from ari_apps.ivr.commands import StartTimer as StartTimer
from ari_apps.ivr.commands import StopPlayback as StopPlayback

# Six digits: a million PINs, against the lockout's few guesses per quarter hour.
MIN_PIN_DIGITS: Final = 6
MAX_ENTRY_DIGITS: Final = 16  # longer input is ignored until # (flood guard)
MAX_ATTEMPTS: Final = 3
MENU_TIMEOUT_S: Final = 6.0
DIGIT_TIMEOUT_S: Final = 5.0
MIN_GREETING_S: Final = 1.0
GREETING_MAX_S: Final = {"unavailable": 60, "busy": 60, "name": 10}
GREETING_PROMPTS: Final = {
    "unavailable": "sound:vm-rec-unv",
    "busy": "sound:vm-rec-busy",
    "name": "sound:vm-rec-name",
}
OPTION_GREETINGS: Final = {"1": "unavailable", "2": "busy", "3": "name"}
# Agent phones are 1XXX in [hotline-agents]; anything else leaves via to-pstn.
_INTERNAL_EXTENSION = re.compile(r"^1[0-9]{3}$")
_DIALABLE = re.compile(r"^\+?[0-9]{3,20}$")

GOODBYE: Final = "sound:vm-goodbye"
SORRY: Final = "sound:vm-sorry"  # "I'm sorry, I did not understand your response."
TRY_LATER: Final = "sound:please-try-call-later"  # "Please try your call again later."
# "Your call cannot be completed as dialed. Please check the number and dial again."
CANNOT_DIAL: Final = "sound:cannot-complete-as-dialed"

# StoreAnswered.error values the menu branches on.
LOCKED_OUT: Final = "locked"  # CheckPin: the box or the caller is locked out
OVER_LIMIT: Final = "over_limit"  # CheckCallBack: the caller or the number had enough today


# -- what the store knows about a message ---------------------------------------------
@dataclass(frozen=True, slots=True)
class MessageInfo:
    message_id: str
    is_new: bool
    caller_id: str = ""


# -- events ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DigitPressed:
    digit: str


@dataclass(frozen=True, slots=True)
class PlaybackDone:
    playback_id: str


@dataclass(frozen=True, slots=True)
class TimerFired:
    timer_id: str


@dataclass(frozen=True, slots=True)
class RecordingDone:
    recording_id: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class RecordingFailed:
    recording_id: str


@dataclass(frozen=True, slots=True)
class StoreAnswered:
    """The store's answer; ``messages`` only for LoadMessages."""

    request_id: str
    ok: bool
    messages: tuple[MessageInfo, ...] = ()
    error: str = ""


@dataclass(frozen=True, slots=True)
class HungUp:
    pass


Event = (
    DigitPressed
    | PlaybackDone
    | TimerFired
    | RecordingDone
    | RecordingFailed
    | StoreAnswered
    | HungUp
)


# -- store actions -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CheckPin:
    box: str
    pin: str


@dataclass(frozen=True, slots=True)
class LoadMessages:
    box: str


@dataclass(frozen=True, slots=True)
class SaveMessage:
    message_id: str


@dataclass(frozen=True, slots=True)
class DeleteMessage:
    message_id: str


@dataclass(frozen=True, slots=True)
class ForwardMessage:
    message_id: str
    to_box: str


@dataclass(frozen=True, slots=True)
class ChangePin:
    box: str
    pin: str


@dataclass(frozen=True, slots=True)
class CheckCallBack:
    """May the caller's channel go to ``number`` in ``context`` (toll-fraud rules)?"""

    number: str
    context: str


@dataclass(frozen=True, slots=True)
class SetGreeting:
    """Store recording ``recording_id`` as the box's ``kind`` greeting, then drop it."""

    box: str
    kind: str
    recording_id: str


StoreAction = (
    CheckPin
    | LoadMessages
    | SaveMessage
    | DeleteMessage
    | ForwardMessage
    | ChangePin
    | SetGreeting
    | CheckCallBack
)


# -- commands ----------------------------------------------------------------------------
# Play, StopPlayback, StartTimer and CancelTimer are the flow engine's own
# (imported above): the same playback and timer contract, one definition.
# Here Play's media may also be ``voicemail:<message id>``, which the
# adapter resolves to the message audio.


@dataclass(frozen=True, slots=True)
class StartRecording:
    """Record the caller after a beep; ``#`` ends it (the adapter passes terminateOn)."""

    recording_id: str
    max_duration_s: int


@dataclass(frozen=True, slots=True)
class CancelRecording:
    """Stop the live recording and throw it away."""

    recording_id: str


@dataclass(frozen=True, slots=True)
class DiscardRecording:
    """A finished recording nobody wants: delete the stored file."""

    recording_id: str


@dataclass(frozen=True, slots=True)
class SalvageGreeting:
    """The caller hung up while recording a greeting: once the recording is
    stored, keep it as ``kind`` greeting if it lasts ``min_duration_s``, else drop it."""

    recording_id: str
    box: str
    kind: str
    min_duration_s: float


@dataclass(frozen=True, slots=True)
class MarkHeard:
    """Fire and forget: no answer expected."""

    message_id: str


@dataclass(frozen=True, slots=True)
class StoreRequest:
    request_id: str
    action: StoreAction


@dataclass(frozen=True, slots=True)
class CallBack:
    """Continue the caller's channel in ``context`` at ``number`` (ends the session)."""

    number: str
    context: str


@dataclass(frozen=True, slots=True)
class Hangup:
    reason: str


Command = (
    Play
    | StopPlayback
    | StartTimer
    | CancelTimer
    | StartRecording
    | CancelRecording
    | DiscardRecording
    | SalvageGreeting
    | MarkHeard
    | StoreRequest
    | CallBack
    | Hangup
)


def callback_target(caller_id: str) -> CallBack | None:
    """Where calling ``caller_id`` back goes, or None when it is not a number."""
    number = caller_id.strip()
    if not _DIALABLE.match(number):
        return None
    context = "hotline-agents" if _INTERNAL_EXTENSION.match(number) else "to-pstn"
    return CallBack(number, context)


def count_media(new: int, old: int) -> tuple[str, ...]:
    """ "You have N new and M old messages" from stock prompts."""
    if new == 0 and old == 0:
        return ("sound:vm-youhave", "sound:vm-no", "sound:vm-messages")
    media = ["sound:vm-youhave"]
    if new:
        media += [f"number:{new}", "sound:vm-INBOX", _messages_word(new)]
    if new and old:
        media.append("sound:vm-and")
    if old:
        media += [f"number:{old}", "sound:vm-Old", _messages_word(old)]
    return tuple(media)


def _messages_word(count: int) -> str:
    return "sound:vm-message" if count == 1 else "sound:vm-messages"


# States.  "busy" waits for the store; "ended" ignores everything.
LOGIN_BOX: Final = "login_box"
LOGIN_PIN: Final = "login_pin"
BUSY: Final = "busy"
MAIN: Final = "main"
MESSAGE: Final = "message"
ADVANCED: Final = "advanced"
FORWARD_BOX: Final = "forward_box"
OPTIONS: Final = "options"
GREETING_INTRO: Final = "greeting_intro"
RECORDING: Final = "recording"
NEW_PIN: Final = "new_pin"
CONFIRM_PIN: Final = "confirm_pin"
GOODBYE_STATE: Final = "goodbye"
ENDED: Final = "ended"

_COLLECTING: Final = frozenset({LOGIN_BOX, LOGIN_PIN, FORWARD_BOX, NEW_PIN, CONFIRM_PIN})


class AccessSession:
    """One caller in the retrieval menu.  ``start`` once, then ``handle`` each event."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.state = ""
        self.box: str | None = None
        self.messages: list[MessageInfo] = []
        self.index = 0
        self._box_given = False
        self._counter = 0
        self._playback: str | None = None
        self._timer: str | None = None
        self._recording: tuple[str, str] | None = None  # (recording id, greeting kind)
        self._request: tuple[str, StoreAction] | None = None
        self._after_play = "wait"  # what PlaybackDone leads to: wait | record | hangup
        self._digits = ""
        self._attempts = 0
        self._login_failures = 0
        self._first_pin = ""
        self._greeting_kind = ""

    @property
    def finished(self) -> bool:
        return self.state == ENDED

    @property
    def awaiting_store(self) -> bool:
        return self._request is not None

    @property
    def recording_id(self) -> str | None:
        return self._recording[0] if self._recording else None

    # -- public API ----------------------------------------------------------------
    def start(self, box: str | None = None) -> list[Command]:
        if self.state:
            raise RuntimeError("start() called twice")
        out: list[Command] = []
        if box:
            self.box, self._box_given = box, True
            self._ask_pin(out)
        else:
            self._ask_box(out)
        return out

    def handle(self, event: Event) -> list[Command]:
        if not self.state:
            raise RuntimeError("handle() called before start()")
        out: list[Command] = []
        if self.state == ENDED:
            return out
        if isinstance(event, HungUp):
            self._hung_up(out)
        elif isinstance(event, DigitPressed):
            if len(event.digit) == 1 and event.digit in "0123456789*#ABCD":
                self._digit(event.digit, out)
        elif isinstance(event, PlaybackDone):
            if event.playback_id == self._playback:
                self._playback = None
                self._played(out)
        elif isinstance(event, TimerFired):
            if event.timer_id == self._timer:
                self._timer = None
                self._timed_out(out)
        elif isinstance(event, RecordingDone | RecordingFailed):
            if self._recording and event.recording_id == self._recording[0]:
                self._recording_ended(event, out)
        elif (
            isinstance(event, StoreAnswered)
            and self._request
            and event.request_id == self._request[0]
        ):
            action = self._request[1]
            self._request = None
            self._answered(action, event, out)
        return out

    # -- plumbing ---------------------------------------------------------------------
    def _new_id(self, kind: str) -> str:
        self._counter += 1
        return f"{self.session_id}-{kind}-{self._counter}"

    def _quiet(self, out: list[Command]) -> None:
        """Stop the prompt and the timer (barge-in, leaving a menu)."""
        if self._playback is not None:
            out.append(StopPlayback(self._playback))
            self._playback = None
        if self._timer is not None:
            out.append(CancelTimer(self._timer))
            self._timer = None

    def _play(self, out: list[Command], media: Sequence[str], after: str = "wait") -> None:
        self._quiet(out)
        self._playback = self._new_id("pb")
        self._after_play = after
        out.append(Play(self._playback, tuple(media)))

    def _wait(self, out: list[Command], seconds: float) -> None:
        self._timer = self._new_id("tm")
        out.append(StartTimer(self._timer, seconds))

    def _ask_store(self, out: list[Command], action: StoreAction) -> None:
        self._quiet(out)
        self.state = BUSY
        request_id = self._new_id("rq")
        self._request = (request_id, action)
        out.append(StoreRequest(request_id, action))

    def _enter(self, state: str, out: list[Command], media: Sequence[str]) -> None:
        """Go to a menu or entry state: fresh buffer, prompt, then wait."""
        self.state = state
        self._digits = ""
        self._play(out, media)

    def _goodbye(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self.state = GOODBYE_STATE
        self._play(out, (*prefix, GOODBYE), after="hangup")

    def _fail_attempt(self, out: list[Command], retry: Sequence[str], state: str) -> None:
        """An invalid key or a timeout: re-prompt, or goodbye after the third."""
        self._attempts += 1
        if self._attempts >= MAX_ATTEMPTS:
            self._goodbye(out)
        else:
            self._enter(state, out, retry)

    # -- prompts of each state -----------------------------------------------------------
    def _ask_box(self, out: list[Command], media: Sequence[str] = ("sound:vm-login",)) -> None:
        self._attempts = 0
        self._enter(LOGIN_BOX, out, media)

    def _ask_pin(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self._attempts = 0
        self._enter(LOGIN_PIN, out, (*prefix, "sound:vm-password"))

    def _main(self, out: list[Command], prefix: Sequence[str] = (), reset: bool = True) -> None:
        if reset:
            self._attempts = 0
        self._enter(MAIN, out, (*prefix, *self._main_media()))

    def _main_media(self) -> tuple[str, ...]:
        new = sum(1 for message in self.messages if message.is_new)
        media = list(count_media(new, len(self.messages) - new))
        if self.messages:
            folder = "sound:vm-INBOX" if new else "sound:vm-Old"
            media += ["sound:vm-onefor", folder, "sound:vm-messages"]
        media.append("sound:vm-opts")
        return tuple(media)

    def _message_help(self) -> tuple[str, ...]:
        media: list[str] = []
        if self.index > 0:
            media.append("sound:vm-prev")
        media += ["sound:vm-advopts", "sound:vm-repeat"]
        if self.index < len(self.messages) - 1:
            media.append("sound:vm-next")
        media += ["sound:vm-delete", "sound:vm-toforward", "sound:vm-savemessage"]
        media.append("sound:vm-helpexit")
        return tuple(media)

    def _message_menu(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self._enter(MESSAGE, out, (*prefix, *self._message_help()))

    def _options(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self._attempts = 0
        self._enter(OPTIONS, out, (*prefix, "sound:vm-options"))

    def _play_message(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self._attempts = 0
        message = self.messages[self.index]
        if self.index == 0:
            header: tuple[str, ...] = ("sound:vm-first", "sound:vm-message")
        elif self.index == len(self.messages) - 1:
            header = ("sound:vm-last", "sound:vm-message")
        else:
            header = ("sound:vm-message", f"number:{self.index + 1}")
        if re.fullmatch(r"[0-9]{1,20}", message.caller_id):
            header += ("sound:vm-from", f"digits:{message.caller_id}")
        self._enter(MESSAGE, out, (*prefix, *header, f"voicemail:{message.message_id}"))
        if message.is_new:
            # Heard as soon as it starts, like VoiceMailMain: the lamp follows.
            out.append(MarkHeard(message.message_id))
            self.messages[self.index] = replace(message, is_new=False)

    # -- event handlers ------------------------------------------------------------------
    def _hung_up(self, out: list[Command]) -> None:
        if self._recording is not None:
            recording_id, kind = self._recording
            assert self.box is not None
            out.append(SalvageGreeting(recording_id, self.box, kind, MIN_GREETING_S))
            self._recording = None
        self._playback = self._timer = None
        self.state = ENDED

    def _played(self, out: list[Command]) -> None:
        if self._after_play == "hangup":
            self.state = ENDED
            out.append(Hangup("goodbye"))
        elif self._after_play == "record":
            self.state = RECORDING
            recording_id = self._new_id("rec")
            self._recording = (recording_id, self._greeting_kind)
            out.append(StartRecording(recording_id, GREETING_MAX_S[self._greeting_kind]))
        else:
            self._wait(out, DIGIT_TIMEOUT_S if self.state in _COLLECTING else MENU_TIMEOUT_S)

    def _timed_out(self, out: list[Command]) -> None:
        state = self.state
        if state in _COLLECTING and self._digits:
            self._submit(out)
        elif state in (LOGIN_BOX, LOGIN_PIN):
            retry = ("sound:vm-login",) if state == LOGIN_BOX else ("sound:vm-password",)
            self._fail_attempt(out, retry, state)
        elif state == MAIN:
            self._fail_attempt(out, self._main_media(), MAIN)
        elif state == MESSAGE:
            self._fail_attempt(out, self._message_help(), MESSAGE)
        elif state in (ADVANCED, FORWARD_BOX):
            self._message_menu(out)
        elif state in (NEW_PIN, CONFIRM_PIN):
            self._options(out)
        elif state == OPTIONS:
            self._attempts += 1
            if self._attempts >= MAX_ATTEMPTS:
                self._main(out)
            else:
                self._enter(OPTIONS, out, ("sound:vm-options",))

    def _digit(self, digit: str, out: list[Command]) -> None:
        state = self.state
        if state in _COLLECTING:
            self._collect(digit, out)
        elif state == MAIN:
            self._main_key(digit, out)
        elif state == MESSAGE:
            self._message_key(digit, out)
        elif state == ADVANCED:
            self._advanced_key(digit, out)
        elif state == OPTIONS:
            self._options_key(digit, out)
        elif state == GREETING_INTRO:
            if digit == "*":
                self._options(out)
            elif digit == "#":  # skip the instructions, record now
                self._quiet(out)
                self._after_play = "record"
                self._played(out)
        elif state == RECORDING and digit == "*" and self._recording is not None:
            out.append(CancelRecording(self._recording[0]))
            self._recording = None
            self._options(out)
        # BUSY, GOODBYE and RECORDING (other keys; '#' is ARI's terminateOn) ignore digits.

    def _collect(self, digit: str, out: list[Command]) -> None:
        if digit == "*" and self.state in (FORWARD_BOX, NEW_PIN, CONFIRM_PIN):
            self._quiet(out)
            if self.state == FORWARD_BOX:
                self._message_menu(out)
            else:
                self._options(out)
            return
        self._quiet(out)
        if digit == "#":
            self._submit(out)
            return
        if len(self._digits) < MAX_ENTRY_DIGITS:
            self._digits += digit
        self._wait(out, DIGIT_TIMEOUT_S)

    def _submit(self, out: list[Command]) -> None:
        entered, self._digits = self._digits, ""
        state = self.state
        if state == LOGIN_BOX:
            self.box = entered
            self._ask_pin(out)
        elif state == LOGIN_PIN:
            assert self.box is not None
            self._ask_store(out, CheckPin(self.box, entered))
        elif state == FORWARD_BOX:
            if not entered.isdigit():
                self._fail_forward(out)
            else:
                message = self.messages[self.index]
                self._ask_store(out, ForwardMessage(message.message_id, entered))
        elif state == NEW_PIN:
            if not entered.isdigit() or len(entered) < MIN_PIN_DIGITS:
                self._pin_retry(out, "sound:vm-invalid-password")
            else:
                self._first_pin = entered
                self._enter(CONFIRM_PIN, out, ("sound:vm-reenterpassword",))
        elif state == CONFIRM_PIN:
            if entered != self._first_pin:
                self._pin_retry(out, "sound:vm-mismatch")
            else:
                assert self.box is not None
                self._ask_store(out, ChangePin(self.box, entered))

    def _pin_retry(self, out: list[Command], reason: str) -> None:
        self._first_pin = ""
        self._attempts += 1
        if self._attempts >= MAX_ATTEMPTS:
            self._options(out, (reason,))
        else:
            self._enter(NEW_PIN, out, (reason, "sound:vm-newpassword"))

    def _fail_forward(self, out: list[Command]) -> None:
        self._attempts += 1
        if self._attempts >= MAX_ATTEMPTS:
            self._message_menu(out, ("sound:pbx-invalid",))
        else:
            self._enter(FORWARD_BOX, out, ("sound:pbx-invalid", "sound:vm-extension"))

    def _main_key(self, digit: str, out: list[Command]) -> None:
        if digit in "12":
            start = 0
            if digit == "2":
                start = next((i for i, m in enumerate(self.messages) if not m.is_new), -1)
            if not self.messages or start < 0:
                self._main(out, ("sound:vm-nomore",), reset=False)
                return
            self.index = start
            self._play_message(out)
        elif digit == "0":
            self._options(out)
        elif digit == "*":
            self._main(out, reset=False)
        elif digit == "#":
            self._goodbye(out)
        else:
            self._fail_attempt(out, (SORRY, *self._main_media()), MAIN)

    def _message_key(self, digit: str, out: list[Command]) -> None:
        last = len(self.messages) - 1
        message = self.messages[self.index]
        if digit == "4":
            if self.index > 0:
                self.index -= 1
                self._play_message(out)
            else:
                self._message_menu(out, ("sound:vm-nomore",))
        elif digit == "5":
            self._play_message(out)
        elif digit == "6":
            if self.index < last:
                self.index += 1
                self._play_message(out)
            else:
                self._message_menu(out, ("sound:vm-nomore",))
        elif digit == "7":
            self._ask_store(out, DeleteMessage(message.message_id))
        elif digit == "9":
            self._ask_store(out, SaveMessage(message.message_id))
        elif digit == "8":
            self._attempts = 0
            self._enter(FORWARD_BOX, out, ("sound:vm-extension", "sound:vm-then-pound"))
        elif digit == "3":
            self._enter(ADVANCED, out, ("sound:vm-tocallback", "sound:vm-starmain"))
        elif digit == "*":
            self._message_menu(out)
        elif digit == "#":
            self._main(out)
        else:
            self._fail_attempt(out, (SORRY, *self._message_help()), MESSAGE)

    def _advanced_key(self, digit: str, out: list[Command]) -> None:
        if digit == "2":
            target = callback_target(self.messages[self.index].caller_id)
            if target is None:
                self._message_menu(out, ("sound:vm-nonumber",))
                return
            self._ask_store(out, CheckCallBack(target.number, target.context))
        elif digit == "*":
            self._message_menu(out)
        else:
            self._enter(ADVANCED, out, (SORRY, "sound:vm-tocallback", "sound:vm-starmain"))

    def _options_key(self, digit: str, out: list[Command]) -> None:
        if digit in OPTION_GREETINGS:
            self._greeting_kind = OPTION_GREETINGS[digit]
            self.state = GREETING_INTRO
            self._play(out, (GREETING_PROMPTS[self._greeting_kind],), after="record")
        elif digit == "5":
            self._attempts = 0
            self._enter(NEW_PIN, out, ("sound:vm-newpassword",))
        elif digit in "*#":
            self._main(out)
        else:
            self._attempts += 1
            if self._attempts >= MAX_ATTEMPTS:
                self._main(out, (SORRY,))
            else:
                self._enter(OPTIONS, out, (SORRY, "sound:vm-options"))

    def _recording_ended(self, event: RecordingDone | RecordingFailed, out: list[Command]) -> None:
        recording_id, kind = self._recording or ("", "")
        self._recording = None
        if isinstance(event, RecordingFailed):
            self._options(out, (SORRY,))
        elif event.duration_s < MIN_GREETING_S:
            out.append(DiscardRecording(recording_id))
            self._options(out, ("sound:vm-tooshort",))
        else:
            assert self.box is not None
            self._ask_store(out, SetGreeting(self.box, kind, recording_id))

    def _answered(self, action: StoreAction, answer: StoreAnswered, out: list[Command]) -> None:
        if isinstance(action, CheckPin):
            if answer.ok:
                self._ask_store(out, LoadMessages(action.box))
                return
            self._login_failures += 1
            if answer.error == LOCKED_OUT:
                self._goodbye(out, ("sound:vm-incorrect", TRY_LATER))
            elif self._login_failures >= MAX_ATTEMPTS:
                self._goodbye(out, ("sound:vm-incorrect",))
            elif self._box_given:
                self._ask_pin(out, ("sound:vm-incorrect",))
            else:
                self._ask_box(out, ("sound:vm-incorrect-mailbox",))
        elif isinstance(action, LoadMessages):
            if not answer.ok:
                self._goodbye(out, (SORRY,))
                return
            new = [m for m in answer.messages if m.is_new]
            self.messages = new + [m for m in answer.messages if not m.is_new]
            self._main(out)
        elif isinstance(action, DeleteMessage | SaveMessage):
            if not answer.ok:
                self._message_menu(out, (SORRY,))
                return
            if isinstance(action, DeleteMessage):
                del self.messages[self.index]
                done = "sound:vm-deleted"
            else:
                self.index += 1
                done = "sound:vm-msgsaved"
            if self.index < len(self.messages):
                self._play_message(out, (done,))
            else:
                self.index = max(0, len(self.messages) - 1)
                self._main(out, (done, "sound:vm-nomore"))
        elif isinstance(action, ForwardMessage):
            if answer.ok:
                self._message_menu(out, ("sound:vm-msgforwarded",))
            else:
                self.state = FORWARD_BOX
                self._fail_forward(out)
        elif isinstance(action, ChangePin):
            self._options(out, ("sound:vm-passchanged",) if answer.ok else (SORRY,))
        elif isinstance(action, CheckCallBack):
            if answer.ok:
                self.state = ENDED
                out.append(CallBack(action.number, action.context))
            else:
                self._message_menu(out, (TRY_LATER if answer.error == OVER_LIMIT else CANNOT_DIAL,))
        else:  # SetGreeting
            self._options(out, ("sound:vm-msgsaved",) if answer.ok else (SORRY,))
