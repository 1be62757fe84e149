"""Commands ``Acd.handle`` asks the adapter to execute (or to record).

Lifecycle contract: every ``CallerArrived`` ends with exactly one *final*
``CallerLeft`` (``moved_to_queue`` is None). A move into an overflow queue is a
non-final ``CallerLeft`` (outcome "overflowed", ``moved_to_queue`` set)
followed by ``CallerQueued`` for the new queue, so per queue visit there is
exactly one ``CallerQueued`` and one ``CallerLeft``; a caller rejected on
arrival gets a final ``CallerLeft`` without any ``CallerQueued``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ari_apps.acd.config import OverflowTarget

# CallerLeft.outcome values.
OUTCOME_ANSWERED: Final = "answered"
OUTCOME_ABANDONED: Final = "abandoned"
OUTCOME_OVERFLOWED: Final = "overflowed"
OUTCOME_TIMED_OUT: Final = "timed_out"
OUTCOME_REJECTED: Final = "rejected"
# Left keeping their place for a call back (virtual hold): METRICS.md's
# "callback requested".
OUTCOME_CALLBACK: Final = "callback"
# A kept place whose caller could not be reached (or did not confirm): the
# place is given up; the callback retries by its own policy.
OUTCOME_CALLBACK_UNREACHED: Final = "callback_unreached"
OUTCOMES: Final = frozenset(
    {
        OUTCOME_ANSWERED,
        OUTCOME_ABANDONED,
        OUTCOME_OVERFLOWED,
        OUTCOME_TIMED_OUT,
        OUTCOME_REJECTED,
        OUTCOME_CALLBACK,
        OUTCOME_CALLBACK_UNREACHED,
    }
)

# CallerLeft.reason values for the outcomes that need one.
LEFT_JOIN_EMPTY: Final = "join_empty"
LEFT_LEAVE_EMPTY: Final = "leave_empty"
LEFT_MAX_WAIT: Final = "max_wait"
# The caller's own max wait (their flow's queue node) ended before the queue's.
LEFT_CALLER_MAX_WAIT: Final = "caller_max_wait"
LEFT_QUEUE_REMOVED: Final = "queue_removed"

# Agent states (AgentStateChanged.state).
AGENT_LOGGED_OUT: Final = "logged_out"
AGENT_READY: Final = "ready"
AGENT_NOT_READY: Final = "not_ready"
AGENT_RINGING: Final = "ringing"
AGENT_ON_CALL: Final = "on_call"
AGENT_WRAP_UP: Final = "wrap_up"
AGENT_STATES: Final = (
    AGENT_LOGGED_OUT,
    AGENT_READY,
    AGENT_NOT_READY,
    AGENT_RINGING,
    AGENT_ON_CALL,
    AGENT_WRAP_UP,
)

# Not-ready reasons the core sets by itself.
NOT_READY_MISSED: Final = "missed"
NOT_READY_AT_LOGIN: Final = "logged_in"

# CancelOffer.reason values.
CANCEL_ANSWERED_ELSEWHERE: Final = "answered_elsewhere"
CANCEL_CALLER_LEFT: Final = "caller_left"
CANCEL_RING_TIMEOUT: Final = "ring_timeout"
CANCEL_AGENT_UNAVAILABLE: Final = "agent_unavailable"
CANCEL_QUEUE_REMOVED: Final = "queue_removed"


@dataclass(frozen=True, slots=True)
class OfferCall:
    """Ring ``extension`` (agent ``agent_id``) for ``call_id``; answer with
    OfferAnswered or OfferFailed. The core also times the ring out itself.

    ``kept_place``: the caller is a kept place (virtual hold) that reached
    the front with this agent free.  The agent is reserved, not rung: the
    adapter calls the caller back first and answers with KeptPlaceAnswered
    (then this agent is offered the call again, to ring) or
    KeptPlaceUnreached."""

    call_id: str
    agent_id: str
    extension: str
    queue: str
    ring_timeout_s: float
    kept_place: bool = False


@dataclass(frozen=True, slots=True)
class CancelOffer:
    """Stop ringing the agent for this call (hang up the agent leg)."""

    call_id: str
    agent_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ConnectCall:
    """Bridge the caller with the agent who answered."""

    call_id: str
    agent_id: str
    queue: str


@dataclass(frozen=True, slots=True)
class Announce:
    """Tell a waiting caller their position and (if known) estimated wait;
    ``offer_callback``: and that they may ask for a call back instead."""

    call_id: str
    queue: str
    position: int
    estimated_wait_s: float | None
    offer_callback: bool = False


@dataclass(frozen=True, slots=True)
class Overflow:
    """The caller overflowed from ``queue`` to ``target``. For kind "queue" the
    core has already moved them; for the other kinds it follows the final
    ``CallerLeft`` and the adapter must take the call out of the ACD to that
    flow node or voicemail box (``exits.py`` pairs the two)."""

    call_id: str
    queue: str
    target: OverflowTarget


@dataclass(frozen=True, slots=True)
class CallerQueued:
    call_id: str
    queue: str
    position: int
    priority: int
    moh_class: str


@dataclass(frozen=True, slots=True)
class CallerLeft:
    call_id: str
    queue: str
    outcome: str
    reason: str = ""
    moved_to_queue: str | None = None

    @property
    def is_final(self) -> bool:
        """True when the call is out of the ACD (not moved to another queue)."""
        return self.moved_to_queue is None


@dataclass(frozen=True, slots=True)
class AgentStateChanged:
    agent_id: str
    state: str
    reason: str | None = None


Command = (
    OfferCall
    | CancelOffer
    | ConnectCall
    | Announce
    | Overflow
    | CallerQueued
    | CallerLeft
    | AgentStateChanged
)
