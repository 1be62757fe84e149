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

Playing a message marks it heard (the MWI lamp follows).  Invalid keys and
timeouts re-prompt; the third in a row says goodbye at login and in the
main and message menus, and goes back a menu in mailbox options and in the
forward and new-PIN entries.  Advanced options and the entries after login
go back a menu on the first timeout; advanced options re-prompts invalid
keys without counting them.  Digits are ignored while the store works or
goodbye plays, so a DTMF flood cannot stack requests.  Hang-up ends the
session at once; a greeting being recorded is kept only if it is at least
``MIN_GREETING_S`` long.

The menu is data, like h11's ``_state.py``: ``ACCESS_TRANSITIONS`` lists the
moves between states (any other one raises ``IllegalAccessTransition``), and
``KEYS``/``OTHER_KEY``/``ON_TIMEOUT``/``ON_SUBMIT`` at the end of this module
say what a key, a pause and an entry's ``#`` do in each state; each set of
tables has its rules above it.  The events, commands, states,
``ACCESS_TRANSITIONS`` and the prompt builders live in ``vm/access_menu.py``
and are re-exported here, so callers import ``vm.access_core`` only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Final

from ari_apps.ivr.menu_core import Attempts, DigitEntry, PromptWait
from vm.access_menu import ACCESS_TRANSITIONS as ACCESS_TRANSITIONS
from vm.access_menu import ADVANCED as ADVANCED
from vm.access_menu import BUSY as BUSY
from vm.access_menu import CONFIRM_PIN as CONFIRM_PIN
from vm.access_menu import ENDED as ENDED
from vm.access_menu import ENTRY_STATES as ENTRY_STATES
from vm.access_menu import FORWARD_BOX as FORWARD_BOX
from vm.access_menu import GOODBYE_STATE as GOODBYE_STATE
from vm.access_menu import GREETING_INTRO as GREETING_INTRO

# The menu's vocabulary (events, commands, states, ACCESS_TRANSITIONS, prompts),
from vm.access_menu import LOCKED_OUT as LOCKED_OUT
from vm.access_menu import LOGIN_BOX as LOGIN_BOX
from vm.access_menu import LOGIN_PIN as LOGIN_PIN
from vm.access_menu import MAIN as MAIN
from vm.access_menu import MESSAGE as MESSAGE
from vm.access_menu import NEW_PIN as NEW_PIN
from vm.access_menu import NOT_STARTED as NOT_STARTED
from vm.access_menu import OPTIONS as OPTIONS
from vm.access_menu import OVER_LIMIT as OVER_LIMIT
from vm.access_menu import RECORDING as RECORDING
from vm.access_menu import CallBack as CallBack
from vm.access_menu import CancelRecording as CancelRecording
from vm.access_menu import CancelTimer as CancelTimer
from vm.access_menu import ChangePin as ChangePin
from vm.access_menu import CheckCallBack as CheckCallBack
from vm.access_menu import CheckPin as CheckPin
from vm.access_menu import Command as Command
from vm.access_menu import DeleteMessage as DeleteMessage
from vm.access_menu import DigitPressed as DigitPressed
from vm.access_menu import DiscardRecording as DiscardRecording
from vm.access_menu import Event as Event
from vm.access_menu import ForwardMessage as ForwardMessage
from vm.access_menu import Hangup as Hangup
from vm.access_menu import HungUp as HungUp
from vm.access_menu import IllegalAccessTransition as IllegalAccessTransition
from vm.access_menu import LoadMessages as LoadMessages
from vm.access_menu import MarkHeard as MarkHeard
from vm.access_menu import MessageInfo as MessageInfo
from vm.access_menu import Play as Play
from vm.access_menu import PlaybackDone as PlaybackDone
from vm.access_menu import RecordingDone as RecordingDone
from vm.access_menu import RecordingFailed as RecordingFailed
from vm.access_menu import SalvageGreeting as SalvageGreeting
from vm.access_menu import SaveMessage as SaveMessage
from vm.access_menu import SetGreeting as SetGreeting
from vm.access_menu import StartRecording as StartRecording
from vm.access_menu import StartTimer as StartTimer
from vm.access_menu import StopPlayback as StopPlayback
from vm.access_menu import StoreAction as StoreAction
from vm.access_menu import StoreAnswered as StoreAnswered
from vm.access_menu import StoreRequest as StoreRequest
from vm.access_menu import TimerFired as TimerFired
from vm.access_menu import count_media as count_media
from vm.access_menu import main_menu_media as main_menu_media
from vm.access_menu import message_header_media as message_header_media
from vm.access_menu import message_help_media as message_help_media

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


def callback_target(caller_id: str) -> CallBack | None:
    """Where calling ``caller_id`` back goes, or None when it is not a number."""
    number = caller_id.strip()
    if not _DIALABLE.match(number):
        return None
    context = "hotline-agents" if _INTERNAL_EXTENSION.match(number) else "to-pstn"
    return CallBack(number, context)


class AccessSession:
    """One caller in the retrieval menu.  ``start`` once, then ``handle`` each event."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self._state: str = NOT_STARTED
        self.box: str | None = None
        self.messages: list[MessageInfo] = []
        self.index = 0
        self._box_given = False
        self._counter = 0
        self._prompt = PromptWait()  # the menu core: one prompt, one timer
        self._recording: tuple[str, str] | None = None  # (recording id, greeting kind)
        self._request: tuple[str, StoreAction] | None = None
        self._after_play = "wait"  # what PlaybackDone leads to: a key of AFTER_PLAY
        self._entry = DigitEntry(MAX_ENTRY_DIGITS, terminator=None, ends_when_full=False)
        self._attempts = Attempts(MAX_ATTEMPTS)
        self._login_failures = Attempts(MAX_ATTEMPTS)  # across box/PIN re-entries
        self._first_pin = ""
        self._greeting_kind = ""

    @property
    def state(self) -> str:
        """Read-only: it changes only in ``_become``, along ``ACCESS_TRANSITIONS``."""
        return self._state

    @property
    def finished(self) -> bool:
        return self._state == ENDED

    @property
    def awaiting_store(self) -> bool:
        return self._request is not None

    @property
    def recording_id(self) -> str | None:
        return self._recording[0] if self._recording else None

    # -- public API ----------------------------------------------------------------
    def start(self, box: str | None = None) -> list[Command]:
        if self._state != NOT_STARTED:
            raise RuntimeError("start() called twice")
        out: list[Command] = []
        if box:
            self.box, self._box_given = box, True
            self._ask_pin(out)
        else:
            self._ask_box(out)
        return out

    def handle(self, event: Event) -> list[Command]:
        if self._state == NOT_STARTED:
            raise RuntimeError("handle() called before start()")
        out: list[Command] = []
        if self._state == ENDED:
            return out
        if isinstance(event, HungUp):
            self._hung_up(out)
        elif isinstance(event, DigitPressed):
            if len(event.digit) == 1 and event.digit in "0123456789*#ABCD":
                key = event.digit
                KEYS[self._state].get(key, OTHER_KEY[self._state])(self, key, out)
        elif isinstance(event, PlaybackDone):
            if self._prompt.prompt_done(event.playback_id):
                AFTER_PLAY[self._after_play](self, out)
        elif isinstance(event, TimerFired):
            if self._prompt.timer_fired(event.timer_id):
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
    def _become(self, state: str) -> None:
        """The one place the state changes: along ``ACCESS_TRANSITIONS`` or not at all."""
        if state not in ACCESS_TRANSITIONS.get(self._state, ()):
            raise IllegalAccessTransition(self.session_id, self._state, state)
        self._state = state

    def _new_id(self, kind: str) -> str:
        self._counter += 1
        return f"{self.session_id}-{kind}-{self._counter}"

    def _quiet(self, out: list[Command]) -> None:
        """Stop the prompt and the timer (barge-in, leaving a menu)."""
        out.extend(self._prompt.quiet())

    def _play(self, out: list[Command], media: Sequence[str], after: str = "wait") -> None:
        self._quiet(out)
        self._after_play = after
        out.append(self._prompt.playing(Play(self._new_id("pb"), tuple(media))))

    def _wait(self, out: list[Command], seconds: float) -> None:
        out.append(self._prompt.waiting(StartTimer(self._new_id("tm"), seconds)))

    def _ask_store(self, out: list[Command], action: StoreAction) -> None:
        self._become(BUSY)
        self._quiet(out)
        request_id = self._new_id("rq")
        self._request = (request_id, action)
        out.append(StoreRequest(request_id, action))

    def _enter(self, state: str, out: list[Command], media: Sequence[str]) -> None:
        """Go to a menu or entry state: fresh buffer, prompt, then wait."""
        self._become(state)
        self._entry.clear()
        self._play(out, media)

    def _goodbye(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self._become(GOODBYE_STATE)
        self._play(out, (*prefix, GOODBYE), after="hangup")

    def _fail_attempt(self, out: list[Command], retry: Sequence[str], state: str) -> None:
        """An invalid key or a timeout: re-prompt, or goodbye after the third."""
        if self._attempts.fail():
            self._goodbye(out)
        else:
            self._enter(state, out, retry)

    # -- prompts of each state -----------------------------------------------------------
    def _ask_box(self, out: list[Command], media: Sequence[str] = ("sound:vm-login",)) -> None:
        self._attempts.reset()
        self._enter(LOGIN_BOX, out, media)

    def _ask_pin(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self._attempts.reset()
        self._enter(LOGIN_PIN, out, (*prefix, "sound:vm-password"))

    def _main(self, out: list[Command], prefix: Sequence[str] = (), reset: bool = True) -> None:
        if reset:
            self._attempts.reset()
        self._enter(MAIN, out, (*prefix, *self._main_media()))

    def _main_media(self) -> tuple[str, ...]:
        return main_menu_media(self.messages)

    def _message_help(self) -> tuple[str, ...]:
        return message_help_media(self.index, len(self.messages))

    def _message_menu(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self._enter(MESSAGE, out, (*prefix, *self._message_help()))

    def _options(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self._attempts.reset()
        self._enter(OPTIONS, out, (*prefix, "sound:vm-options"))

    def _play_message(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self._attempts.reset()
        message = self.messages[self.index]
        header = message_header_media(self.index, len(self.messages), message.caller_id)
        self._enter(MESSAGE, out, (*prefix, *header, f"voicemail:{message.message_id}"))
        if message.is_new:
            # Heard as soon as it starts, like VoiceMailMain: the lamp follows.
            out.append(MarkHeard(message.message_id))
            self.messages[self.index] = replace(message, is_new=False)

    # -- re-prompts: ON_TIMEOUT's, and OTHER_KEY's with "sorry" in front ------------------
    def _retry_login_box(self, out: list[Command]) -> None:
        self._fail_attempt(out, ("sound:vm-login",), LOGIN_BOX)

    def _retry_login_pin(self, out: list[Command]) -> None:
        self._fail_attempt(out, ("sound:vm-password",), LOGIN_PIN)

    def _retry_main(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self._fail_attempt(out, (*prefix, *self._main_media()), MAIN)

    def _retry_message(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        self._fail_attempt(out, (*prefix, *self._message_help()), MESSAGE)

    def _retry_options(self, out: list[Command], prefix: Sequence[str] = ()) -> None:
        """Like ``_fail_attempt``, but the third goes back to the main menu."""
        if self._attempts.fail():
            self._main(out, prefix)
        else:
            self._enter(OPTIONS, out, (*prefix, "sound:vm-options"))

    def _no_timer(self, out: list[Command]) -> None:
        """ON_TIMEOUT of the states that ask nothing and so run no timer."""

    # -- what PlaybackDone leads to (AFTER_PLAY) --------------------------------------------
    def _await_key(self, out: list[Command]) -> None:
        self._wait(out, DIGIT_TIMEOUT_S if self._state in ENTRY_STATES else MENU_TIMEOUT_S)

    def _start_recording(self, out: list[Command]) -> None:
        self._become(RECORDING)
        recording_id = self._new_id("rec")
        self._recording = (recording_id, self._greeting_kind)
        out.append(StartRecording(recording_id, GREETING_MAX_S[self._greeting_kind]))

    def _end_after_goodbye(self, out: list[Command]) -> None:
        self._become(ENDED)
        out.append(Hangup("goodbye"))

    # -- keys (KEYS and OTHER_KEY) -----------------------------------------------------------
    def _ignore(self, key: str, out: list[Command]) -> None:
        """Keys while the store works, goodbye plays, a greeting's instructions play
        or it records (where ``#`` is ARI's terminateOn)."""

    def _collect(self, key: str, out: list[Command]) -> None:
        self._quiet(out)
        self._entry.press(key)  # never complete here: # is KEYS' _submit_key
        self._wait(out, DIGIT_TIMEOUT_S)

    def _submit_key(self, key: str, out: list[Command]) -> None:
        self._quiet(out)
        self._submit(out)

    def _to_main(self, key: str, out: list[Command]) -> None:
        self._main(out)

    def _to_message_menu(self, key: str, out: list[Command]) -> None:
        self._message_menu(out)

    def _to_options(self, key: str, out: list[Command]) -> None:
        self._options(out)

    def _listen(self, key: str, out: list[Command]) -> None:
        """``1`` from the first message (the new ones come first), ``2`` from the first old one."""
        start = 0
        if key == "2":
            start = next((i for i, m in enumerate(self.messages) if not m.is_new), -1)
        if not self.messages or start < 0:
            self._main(out, ("sound:vm-nomore",), reset=False)
            return
        self.index = start
        self._play_message(out)

    def _main_help(self, key: str, out: list[Command]) -> None:
        self._main(out, reset=False)

    def _say_goodbye(self, key: str, out: list[Command]) -> None:
        self._goodbye(out)

    def _main_invalid(self, key: str, out: list[Command]) -> None:
        self._retry_main(out, (SORRY,))

    def _previous(self, key: str, out: list[Command]) -> None:
        if self.index > 0:
            self.index -= 1
            self._play_message(out)
        else:
            self._message_menu(out, ("sound:vm-nomore",))

    def _repeat(self, key: str, out: list[Command]) -> None:
        self._play_message(out)

    def _next(self, key: str, out: list[Command]) -> None:
        if self.index < len(self.messages) - 1:
            self.index += 1
            self._play_message(out)
        else:
            self._message_menu(out, ("sound:vm-nomore",))

    def _delete(self, key: str, out: list[Command]) -> None:
        self._ask_store(out, DeleteMessage(self.messages[self.index].message_id))

    def _save(self, key: str, out: list[Command]) -> None:
        self._ask_store(out, SaveMessage(self.messages[self.index].message_id))

    def _ask_forward_box(self, key: str, out: list[Command]) -> None:
        self._attempts.reset()
        self._enter(FORWARD_BOX, out, ("sound:vm-extension", "sound:vm-then-pound"))

    def _advanced(self, key: str, out: list[Command]) -> None:
        self._enter(ADVANCED, out, ("sound:vm-tocallback", "sound:vm-starmain"))

    def _message_invalid(self, key: str, out: list[Command]) -> None:
        self._retry_message(out, (SORRY,))

    def _call_back(self, key: str, out: list[Command]) -> None:
        target = callback_target(self.messages[self.index].caller_id)
        if target is None:
            self._message_menu(out, ("sound:vm-nonumber",))
        else:
            self._ask_store(out, CheckCallBack(target.number, target.context))

    def _advanced_invalid(self, key: str, out: list[Command]) -> None:
        self._enter(ADVANCED, out, (SORRY, "sound:vm-tocallback", "sound:vm-starmain"))

    def _greeting_intro(self, key: str, out: list[Command]) -> None:
        self._greeting_kind = OPTION_GREETINGS[key]
        self._become(GREETING_INTRO)
        self._play(out, (GREETING_PROMPTS[self._greeting_kind],), after="record")

    def _ask_new_pin(self, key: str, out: list[Command]) -> None:
        self._attempts.reset()
        self._enter(NEW_PIN, out, ("sound:vm-newpassword",))

    def _options_invalid(self, key: str, out: list[Command]) -> None:
        self._retry_options(out, (SORRY,))

    def _record_now(self, key: str, out: list[Command]) -> None:
        """``#`` during the greeting instructions skips them."""
        self._quiet(out)
        self._start_recording(out)

    def _cancel_recording(self, key: str, out: list[Command]) -> None:
        if self._recording is not None:
            out.append(CancelRecording(self._recording[0]))
            self._recording = None
            self._options(out)

    # -- entries (ON_SUBMIT) ----------------------------------------------------------------
    def _timed_out(self, out: list[Command]) -> None:
        if self._state in ENTRY_STATES and self._entry.digits:
            self._submit(out)  # rule 4: a pause after digits is a #
        else:
            ON_TIMEOUT[self._state](self, out)

    def _submit(self, out: list[Command]) -> None:
        entered = self._entry.take()
        ON_SUBMIT[self._state](self, entered, out)

    def _submit_box(self, entered: str, out: list[Command]) -> None:
        self.box = entered
        self._ask_pin(out)

    def _submit_pin(self, entered: str, out: list[Command]) -> None:
        assert self.box is not None
        self._ask_store(out, CheckPin(self.box, entered))

    def _submit_forward_box(self, entered: str, out: list[Command]) -> None:
        if not entered.isdigit():
            self._fail_forward(out)
        else:
            message = self.messages[self.index]
            self._ask_store(out, ForwardMessage(message.message_id, entered))

    def _submit_new_pin(self, entered: str, out: list[Command]) -> None:
        if not entered.isdigit() or len(entered) < MIN_PIN_DIGITS:
            self._pin_retry(out, "sound:vm-invalid-password")
        else:
            self._first_pin = entered
            self._enter(CONFIRM_PIN, out, ("sound:vm-reenterpassword",))

    def _submit_confirm_pin(self, entered: str, out: list[Command]) -> None:
        if entered != self._first_pin:
            self._pin_retry(out, "sound:vm-mismatch")
        else:
            assert self.box is not None
            self._ask_store(out, ChangePin(self.box, entered))

    def _pin_retry(self, out: list[Command], reason: str) -> None:
        self._first_pin = ""
        if self._attempts.fail():
            self._options(out, (reason,))
        else:
            self._enter(NEW_PIN, out, (reason, "sound:vm-newpassword"))

    def _fail_forward(self, out: list[Command]) -> None:
        if self._attempts.fail():
            self._message_menu(out, ("sound:pbx-invalid",))
        else:
            self._enter(FORWARD_BOX, out, ("sound:pbx-invalid", "sound:vm-extension"))

    # -- hang-up, recordings and the store's answers ------------------------------------------
    def _hung_up(self, out: list[Command]) -> None:
        if self._recording is not None:
            recording_id, kind = self._recording
            assert self.box is not None
            out.append(SalvageGreeting(recording_id, self.box, kind, MIN_GREETING_S))
            self._recording = None
        self._prompt.forget()
        self._become(ENDED)

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
            last_try = self._login_failures.fail()
            if answer.error == LOCKED_OUT:
                self._goodbye(out, ("sound:vm-incorrect", TRY_LATER))
            elif last_try:
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
                self._fail_forward(out)  # back in the forward entry, or the message menu
        elif isinstance(action, ChangePin):
            self._options(out, ("sound:vm-passchanged",) if answer.ok else (SORRY,))
        elif isinstance(action, CheckCallBack):
            if answer.ok:
                self._become(ENDED)
                out.append(CallBack(action.number, action.context))
            else:
                self._message_menu(out, (TRY_LATER if answer.error == OVER_LIMIT else CANNOT_DIAL,))
        else:  # SetGreeting
            self._options(out, ("sound:vm-msgsaved",) if answer.ok else (SORRY,))


# -- what each key, pause and # does, per state ---------------------------------------------
# The session decides nothing by its state but through these tables; where an
# action may lead is ACCESS_TRANSITIONS' business (vm/access_menu.py).  Rules:
#
# 1. KEYS, OTHER_KEY and ON_TIMEOUT have one row per live state (LIVE_STATES:
#    started, not ENDED; handle() ignores everything once ENDED).
# 2. A key goes to KEYS[state][key]; a key that row does not list goes to
#    OTHER_KEY[state]: "sorry" and the menu again in a menu, the digit kept in
#    an entry, nothing where the caller is not asked anything (BUSY,
#    GREETING_INTRO, RECORDING, GOODBYE_STATE).
# 3. The entries (ENTRY_STATES: digits then #) list # as _submit_key, which
#    hands the digits to ON_SUBMIT[state]; ON_SUBMIT has one row per entry.
# 4. The menu's timer going off goes to ON_TIMEOUT[state], except in an entry
#    with digits typed, where the pause is a # (rule 3).  The states that ask
#    nothing run no timer: their ON_TIMEOUT is _no_timer.
# 5. Actions are AccessSession methods: KeyAction takes the key (or, in
#    ON_SUBMIT, the digits entered), Step takes nothing.
#
# tests/unit/test_vm_access_transitions.py checks rules 1 and 3.
_S = AccessSession
KeyAction = Callable[[AccessSession, str, list[Command]], None]
Step = Callable[[AccessSession, list[Command]], None]

KEYS: Final[Mapping[str, Mapping[str, KeyAction]]] = MappingProxyType(
    {
        LOGIN_BOX: {"#": _S._submit_key},
        LOGIN_PIN: {"#": _S._submit_key},
        BUSY: {},
        MAIN: {
            "1": _S._listen,
            "2": _S._listen,
            "0": _S._to_options,
            "*": _S._main_help,
            "#": _S._say_goodbye,
        },
        MESSAGE: {
            "3": _S._advanced,
            "4": _S._previous,
            "5": _S._repeat,
            "6": _S._next,
            "7": _S._delete,
            "8": _S._ask_forward_box,
            "9": _S._save,
            "*": _S._to_message_menu,
            "#": _S._to_main,
        },
        ADVANCED: {"2": _S._call_back, "*": _S._to_message_menu},
        FORWARD_BOX: {"#": _S._submit_key, "*": _S._to_message_menu},
        OPTIONS: {
            "1": _S._greeting_intro,
            "2": _S._greeting_intro,
            "3": _S._greeting_intro,
            "5": _S._ask_new_pin,
            "*": _S._to_main,
            "#": _S._to_main,
        },
        GREETING_INTRO: {"*": _S._to_options, "#": _S._record_now},
        RECORDING: {"*": _S._cancel_recording},
        NEW_PIN: {"#": _S._submit_key, "*": _S._to_options},
        CONFIRM_PIN: {"#": _S._submit_key, "*": _S._to_options},
        GOODBYE_STATE: {},
    }
)
OTHER_KEY: Final[Mapping[str, KeyAction]] = MappingProxyType(
    {
        LOGIN_BOX: _S._collect,
        LOGIN_PIN: _S._collect,
        BUSY: _S._ignore,
        MAIN: _S._main_invalid,
        MESSAGE: _S._message_invalid,
        ADVANCED: _S._advanced_invalid,
        FORWARD_BOX: _S._collect,
        OPTIONS: _S._options_invalid,
        GREETING_INTRO: _S._ignore,
        RECORDING: _S._ignore,
        NEW_PIN: _S._collect,
        CONFIRM_PIN: _S._collect,
        GOODBYE_STATE: _S._ignore,
    }
)
ON_TIMEOUT: Final[Mapping[str, Step]] = MappingProxyType(
    {
        LOGIN_BOX: _S._retry_login_box,
        LOGIN_PIN: _S._retry_login_pin,
        BUSY: _S._no_timer,
        MAIN: _S._retry_main,
        MESSAGE: _S._retry_message,
        ADVANCED: _S._message_menu,
        FORWARD_BOX: _S._message_menu,
        OPTIONS: _S._retry_options,
        GREETING_INTRO: _S._no_timer,
        RECORDING: _S._no_timer,
        NEW_PIN: _S._options,
        CONFIRM_PIN: _S._options,
        GOODBYE_STATE: _S._no_timer,
    }
)
ON_SUBMIT: Final[Mapping[str, KeyAction]] = MappingProxyType(
    {
        LOGIN_BOX: _S._submit_box,
        LOGIN_PIN: _S._submit_pin,
        FORWARD_BOX: _S._submit_forward_box,
        NEW_PIN: _S._submit_new_pin,
        CONFIRM_PIN: _S._submit_confirm_pin,
    }
)
# What the end of a prompt leads to (AccessSession._after_play): wait for a key,
# record a greeting after its instructions, or hang up after goodbye.
AFTER_PLAY: Final[Mapping[str, Step]] = MappingProxyType(
    {"wait": _S._await_key, "record": _S._start_recording, "hangup": _S._end_after_goodbye}
)
