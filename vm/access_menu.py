"""The voicemail retrieval menu's vocabulary: the events it takes, the
commands and store actions it gives, its states and the moves between them,
and the prompts it builds.

Pure data and pure functions; the session that follows them is
``vm/access_core.py``, which re-exports every name here and documents the
keys and the adapter's contract (every ``Play`` answered by ``PlaybackDone``
and so on).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from ari_apps.ivr.commands import CancelTimer as CancelTimer
from ari_apps.ivr.commands import Play as Play
from ari_apps.ivr.commands import StartTimer as StartTimer
from ari_apps.ivr.commands import StopPlayback as StopPlayback

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


# -- states ------------------------------------------------------------------------------
NOT_STARTED: Final = ""  # before AccessSession.start()
LOGIN_BOX: Final = "login_box"
LOGIN_PIN: Final = "login_pin"
BUSY: Final = "busy"  # waits for the store
MAIN: Final = "main"
MESSAGE: Final = "message"  # playing a message, or its menu after it
ADVANCED: Final = "advanced"
FORWARD_BOX: Final = "forward_box"
OPTIONS: Final = "options"
GREETING_INTRO: Final = "greeting_intro"
RECORDING: Final = "recording"
NEW_PIN: Final = "new_pin"
CONFIRM_PIN: Final = "confirm_pin"
GOODBYE_STATE: Final = "goodbye"
ENDED: Final = "ended"  # ignores everything


# -- the moves between states ---------------------------------------------------------------
# What each key, pause and # does per state is in the tables at the end of
# vm/access_core.py; this one says where those actions may lead.  Rules:
#
# 1. The state changes only in AccessSession._become, and only along
#    ACCESS_TRANSITIONS.  Any other move is a bug in the menu, never the
#    caller's doing, and raises IllegalAccessTransition before anything changes.
# 2. There is one row per state, NOT_STARTED and ENDED included, and the rows
#    name no other state.  Re-entering a state (a re-prompt) is a move too and
#    is listed.
# 3. A hang-up ends every started state, so every row but NOT_STARTED's lists
#    ENDED; ENDED's row is empty: nothing leaves it.
# 4. Every state is reachable from NOT_STARTED, and ENDED from every state:
#    no menu is dead code, none is a trap.
#
# tests/unit/test_vm_access_transitions.py checks these rules, and that no run
# of events makes a move the table does not list.
ACCESS_TRANSITIONS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        NOT_STARTED: frozenset({LOGIN_BOX, LOGIN_PIN}),
        LOGIN_BOX: frozenset({LOGIN_BOX, LOGIN_PIN, GOODBYE_STATE, ENDED}),
        LOGIN_PIN: frozenset({LOGIN_PIN, BUSY, GOODBYE_STATE, ENDED}),
        # The store's answers: PIN checked (messages loaded next), messages
        # loaded, saved, deleted, forwarded, PIN or greeting stored, call-back
        # allowed (ENDED) or refused.
        BUSY: frozenset(
            {
                BUSY,
                LOGIN_BOX,
                LOGIN_PIN,
                MAIN,
                MESSAGE,
                FORWARD_BOX,
                OPTIONS,
                GOODBYE_STATE,
                ENDED,
            }
        ),
        MAIN: frozenset({MAIN, MESSAGE, OPTIONS, GOODBYE_STATE, ENDED}),
        MESSAGE: frozenset({MESSAGE, MAIN, ADVANCED, FORWARD_BOX, BUSY, GOODBYE_STATE, ENDED}),
        ADVANCED: frozenset({ADVANCED, MESSAGE, BUSY, ENDED}),
        FORWARD_BOX: frozenset({FORWARD_BOX, MESSAGE, BUSY, ENDED}),
        OPTIONS: frozenset({OPTIONS, MAIN, GREETING_INTRO, NEW_PIN, ENDED}),
        GREETING_INTRO: frozenset({OPTIONS, RECORDING, ENDED}),
        RECORDING: frozenset({OPTIONS, BUSY, ENDED}),
        NEW_PIN: frozenset({NEW_PIN, CONFIRM_PIN, OPTIONS, ENDED}),
        CONFIRM_PIN: frozenset({NEW_PIN, OPTIONS, BUSY, ENDED}),
        GOODBYE_STATE: frozenset({ENDED}),
        ENDED: frozenset(),
    }
)
ACCESS_STATES: Final = frozenset(ACCESS_TRANSITIONS)
FINAL_STATES: Final = frozenset({ENDED})
# Started and not over: the states the key and timeout tables have a row for.
LIVE_STATES: Final = ACCESS_STATES - {NOT_STARTED, ENDED}
# Digits then #: the box and PIN at login, the box to forward to, the new PIN twice.
ENTRY_STATES: Final = frozenset({LOGIN_BOX, LOGIN_PIN, FORWARD_BOX, NEW_PIN, CONFIRM_PIN})


class IllegalAccessTransition(RuntimeError):
    """A move ``ACCESS_TRANSITIONS`` does not list: a bug in the menu, so loud."""

    def __init__(self, session_id: str, current: str, wanted: str) -> None:
        super().__init__(f"access session {session_id!r}: no transition {current!r} -> {wanted!r}")
        self.current = current
        self.wanted = wanted


# -- prompts ------------------------------------------------------------------------------
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


def main_menu_media(messages: Sequence[MessageInfo]) -> tuple[str, ...]:
    """The counts, which folder ``1`` starts in, then the main menu's keys."""
    new = sum(1 for message in messages if message.is_new)
    media = list(count_media(new, len(messages) - new))
    if messages:
        folder = "sound:vm-INBOX" if new else "sound:vm-Old"
        media += ["sound:vm-onefor", folder, "sound:vm-messages"]
    media.append("sound:vm-opts")
    return tuple(media)


def message_help_media(index: int, count: int) -> tuple[str, ...]:
    """The message menu for message ``index`` of ``count``: no "previous" on the
    first, no "next" on the last."""
    media: list[str] = []
    if index > 0:
        media.append("sound:vm-prev")
    media += ["sound:vm-advopts", "sound:vm-repeat"]
    if index < count - 1:
        media.append("sound:vm-next")
    media += ["sound:vm-delete", "sound:vm-toforward", "sound:vm-savemessage"]
    media.append("sound:vm-helpexit")
    return tuple(media)


def message_header_media(index: int, count: int, caller_id: str) -> tuple[str, ...]:
    """ "First/last message" or "message N", then "from <digits>" for a numeric caller."""
    if index == 0:
        header: tuple[str, ...] = ("sound:vm-first", "sound:vm-message")
    elif index == count - 1:
        header = ("sound:vm-last", "sound:vm-message")
    else:
        header = ("sound:vm-message", f"number:{index + 1}")
    if re.fullmatch(r"[0-9]{1,20}", caller_id):
        header += ("sound:vm-from", f"digits:{caller_id}")
    return header
