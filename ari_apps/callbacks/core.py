"""A callback's life as a table: state and event in, next state out.

Pure: no I/O, no clock.  The service feeds it what Asterisk reported and
stores the state it answers.  Placing a callback rings the agent first (the
caller never hears a machine waiting for an agent), then the caller.

A queue callback (virtual hold, KIND_QUEUE) waits SCHEDULED as a kept place
in its queue; at the front, with an agent reserved for it, the caller is
rung first (DIAL_CALLER) and, once they confirm, the reserved agent; it is
CONNECTED when an agent answers.  If the ACD lets the place go (its queue
removed), it lands FAILED on the supervisors' list.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

SCHEDULED: Final = "scheduled"  # to be placed (due_at says when it is due)
RINGING_AGENT: Final = "ringing_agent"  # the agent's phone rings
DIALING: Final = "dialing"  # the agent answered; the caller's number rings
CONNECTED: Final = "connected"  # agent and caller are talking
DONE: Final = "done"
FAILED: Final = "failed"  # the caller could not be reached MAX_ATTEMPTS times
CANCELLED: Final = "cancelled"
KIND_AGENT: Final = "agent"
KIND_QUEUE: Final = "queue"
KINDS: Final = (KIND_AGENT, KIND_QUEUE)
STATES: Final = (SCHEDULED, RINGING_AGENT, DIALING, CONNECTED, DONE, FAILED, CANCELLED)
FINAL: Final = frozenset({DONE, FAILED, CANCELLED})
IN_PROGRESS: Final = frozenset({RINGING_AGENT, DIALING, CONNECTED})

PLACE: Final = "place"
CANCEL: Final = "cancel"
AGENT_ANSWERED: Final = "agent_answered"
AGENT_NOT_REACHED: Final = "agent_not_reached"
CUSTOMER_ANSWERED: Final = "customer_answered"
CUSTOMER_NOT_REACHED: Final = "customer_not_reached"  # busy, no answer, refused
HUNG_UP: Final = "hung_up"  # either side ended the connected call
RESTARTED: Final = "restarted"  # Hotline restarted while it was in progress
DIAL_CALLER: Final = "dial_caller"  # a kept place reached the front: ring the caller
PLACE_LOST: Final = "place_lost"  # the queue let the kept place go (queue removed)
EVENTS: Final = (
    PLACE,
    DIAL_CALLER,
    PLACE_LOST,
    CANCEL,
    AGENT_ANSWERED,
    AGENT_NOT_REACHED,
    CUSTOMER_ANSWERED,
    CUSTOMER_NOT_REACHED,
    HUNG_UP,
    RESTARTED,
)

# A failed attempt is retried this much later, at most MAX_ATTEMPTS in all.
MAX_ATTEMPTS: Final = 3
RETRY_AFTER: Final = timedelta(minutes=10)

# (state, event) -> next state.  CUSTOMER_NOT_REACHED's SCHEDULED becomes
# FAILED on the last attempt (after_attempt).  A pair not here is refused.
TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    (SCHEDULED, PLACE): RINGING_AGENT,
    (SCHEDULED, CANCEL): CANCELLED,
    (FAILED, PLACE): RINGING_AGENT,  # an agent may still try by hand
    (FAILED, CANCEL): CANCELLED,
    # The agent did not answer: the caller was never rung; nothing counted.
    (RINGING_AGENT, AGENT_NOT_REACHED): SCHEDULED,
    (RINGING_AGENT, AGENT_ANSWERED): DIALING,
    (RINGING_AGENT, RESTARTED): SCHEDULED,
    (DIALING, CUSTOMER_ANSWERED): CONNECTED,
    (DIALING, CUSTOMER_NOT_REACHED): SCHEDULED,
    # The agent gave up while the caller's phone rang: an attempt all the same.
    (DIALING, HUNG_UP): SCHEDULED,
    (DIALING, RESTARTED): SCHEDULED,
    (CONNECTED, HUNG_UP): DONE,
    # They talked; the restart cut them off, but the callback was made.
    (CONNECTED, RESTARTED): DONE,
    # Queue callbacks: the caller first, an agent already reserved for them.
    (SCHEDULED, DIAL_CALLER): DIALING,
    (SCHEDULED, PLACE_LOST): FAILED,
    (DIALING, PLACE_LOST): FAILED,
}

# Events that use up one of MAX_ATTEMPTS: the caller's phone was rung.
_COUNTED: Final = frozenset({(DIALING, CUSTOMER_NOT_REACHED), (DIALING, HUNG_UP)})


class RefusedTransition(ValueError):
    def __init__(self, state: str, event: str) -> None:
        super().__init__(f"a callback that is {state} cannot take {event}")
        self.state = state
        self.event = event


def takes(state: str, event: str) -> bool:
    return (state, event) in TRANSITIONS


def after(state: str, event: str, attempts: int) -> tuple[str, int]:
    """(next state, attempts so far) after ``event``; RefusedTransition if
    the table has no such step."""
    nxt = TRANSITIONS.get((state, event))
    if nxt is None:
        raise RefusedTransition(state, event)
    if (state, event) in _COUNTED:
        attempts += 1
        if attempts >= MAX_ATTEMPTS:
            return FAILED, attempts
    return nxt, attempts


def retry_delay(state: str, event: str) -> timedelta | None:
    """How much later a callback put back to SCHEDULED by ``event`` is due
    again: a caller not reached waits RETRY_AFTER; an agent who did not
    answer leaves it due as it was."""
    if (state, event) in _COUNTED:
        return RETRY_AFTER
    return None
