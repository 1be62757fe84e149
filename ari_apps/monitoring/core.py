"""Monitoring's decisions: what each mode asks of Asterisk, and the session's
states as a table.

A session joins a supervisor's phone to an agent's live queue conversation:

* **listen**: the supervisor hears both parties; nobody hears them;
* **whisper**: the supervisor hears both parties and speaks to the agent
  alone (the coach's mode);
* **barge**: the supervisor joins the conversation; all three hear each other.

Listen and whisper go through a snoop channel on the agent's channel
(``spy=both``: the agent's voice and what the agent hears, which is the
caller), bridged with the supervisor's phone.  Whisper adds
``whisper=out``: the supervisor's voice goes into what the agent hears,
never into what the caller hears.  Barge puts the supervisor's phone into
the conversation's own bridge.

A supervisor may change mode during a session: the old attachment is taken
down and the new one built, on the same phone call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

LISTEN: Final = "listen"
WHISPER: Final = "whisper"
BARGE: Final = "barge"
MODES: Final = (LISTEN, WHISPER, BARGE)


@dataclass(frozen=True, slots=True)
class Attachment:
    """How the supervisor's phone joins the conversation in one mode."""

    # A snoop on the agent's channel (spy, whisper), bridged with the
    # supervisor; or None: the supervisor joins the conversation's bridge.
    snoop_spy: str | None
    snoop_whisper: str | None

    @property
    def joins_conversation(self) -> bool:
        return self.snoop_spy is None


ATTACHMENTS: Final[dict[str, Attachment]] = {
    LISTEN: Attachment(snoop_spy="both", snoop_whisper="none"),
    WHISPER: Attachment(snoop_spy="both", snoop_whisper="out"),
    BARGE: Attachment(snoop_spy=None, snoop_whisper=None),
}


class UnknownMode(ValueError):
    def __init__(self, mode: str) -> None:
        super().__init__(f"mode: one of {list(MODES)}, not {mode!r}")
        self.mode = mode


def attachment_for(mode: str) -> Attachment:
    try:
        return ATTACHMENTS[mode]
    except KeyError:
        raise UnknownMode(mode) from None


# -- the session's states ------------------------------------------------------------
RINGING: Final = "ringing"  # the supervisor's phone is being called
CONNECTING: Final = "connecting"  # answered; the attachment is being built
ACTIVE: Final = "active"  # the supervisor hears (and perhaps speaks)
ENDED: Final = "ended"
STATES: Final = (RINGING, CONNECTING, ACTIVE, ENDED)

# Events
ANSWERED: Final = "answered"
ATTACHED: Final = "attached"
MODE_CHANGED: Final = "mode_changed"
ATTACH_FAILED: Final = "attach_failed"
SUPERVISOR_HUNG_UP: Final = "supervisor_hung_up"
CONVERSATION_ENDED: Final = "conversation_ended"
STOPPED: Final = "stopped"
NOT_ANSWERED: Final = "not_answered"
EVENTS: Final = (
    ANSWERED,
    ATTACHED,
    MODE_CHANGED,
    ATTACH_FAILED,
    SUPERVISOR_HUNG_UP,
    CONVERSATION_ENDED,
    STOPPED,
    NOT_ANSWERED,
)

# The end of a session, from wherever it is: why it ended is the event.
_ENDINGS: Final = {SUPERVISOR_HUNG_UP: ENDED, CONVERSATION_ENDED: ENDED, STOPPED: ENDED}

TRANSITIONS: Final[dict[str, dict[str, str]]] = {
    RINGING: {ANSWERED: CONNECTING, NOT_ANSWERED: ENDED, **_ENDINGS},
    CONNECTING: {ATTACHED: ACTIVE, ATTACH_FAILED: ENDED, **_ENDINGS},
    ACTIVE: {MODE_CHANGED: CONNECTING, **_ENDINGS},
    ENDED: {},
}


class InvalidTransition(RuntimeError):
    def __init__(self, state: str, event: str) -> None:
        super().__init__(f"monitoring session: no {event!r} from state {state!r}")
        self.state = state
        self.event = event


def next_state(state: str, event: str) -> str:
    """The state after ``event``; raises for an event the state does not take
    (and for an unknown state)."""
    try:
        return TRANSITIONS[state][event]
    except KeyError:
        raise InvalidTransition(state, event) from None


def takes(state: str, event: str) -> bool:
    return event in TRANSITIONS.get(state, {})
