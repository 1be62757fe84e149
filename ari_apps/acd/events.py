"""Events the adapter feeds into ``Acd.handle``.

Every event carries ``now``: wall-clock epoch seconds at which the adapter saw
it. The core never reads a clock, so its state (join times, wrap-up ends) stays
meaningful across a process restart.

Events about an offer or call the core no longer tracks are stale and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from ari_apps.acd.caller_options import CallerOptions
from ari_apps.acd.config import AgentConfig, QueueConfig

# OfferFailed.reason values (free text is accepted; these are the usual ones).
OFFER_NO_ANSWER: Final = "no_answer"
OFFER_BUSY: Final = "busy"
OFFER_RING_TIMEOUT: Final = "ring_timeout"
OFFER_UNREACHABLE: Final = "unreachable"


@dataclass(frozen=True, slots=True)
class CallerArrived:
    """A caller enters ``queue``.

    ``joined_at`` restores a caller after a restart at their original place
    (it is also the start of their max-wait time); None means ``now``.
    ``options``: what the caller's flow asked for this call (their own max
    wait, skills, music, announcements; see ``caller_options.py``).
    ``familiar_agent``: the agent who last served this caller, if the adapter
    looked (the queue's ``familiar_agent_s`` decides whether it matters).
    ``vip``: the caller is a customer whose VIP mark counts now (the adapter
    asked ``hotline/customers``); each queue raises them to its VIP priority.
    """

    now: float
    call_id: str
    queue: str
    priority: int = 0
    caller_id: str = ""
    joined_at: float | None = None
    options: CallerOptions = field(default_factory=CallerOptions)
    familiar_agent: str | None = None
    # A kept place (virtual hold): no channel, no announcements, no max wait
    # or leave-empty; at the front with an agent free it becomes an OfferCall
    # with ``kept_place`` (see KeptPlaceAnswered).
    kept_place: bool = False
    vip: bool = False


@dataclass(frozen=True, slots=True)
class CallerChoseCallback:
    """A waiting caller asked to be called back, keeping their place: they
    leave with outcome "callback" (the place itself comes back as a
    CallerArrived with ``kept_place`` and the original ``joined_at``)."""

    now: float
    call_id: str


@dataclass(frozen=True, slots=True)
class KeptPlaceAnswered:
    """The kept place's caller answered the call back and confirmed: from now
    on a live caller, and the reserved agent is offered the call (rung)."""

    now: float
    call_id: str


@dataclass(frozen=True, slots=True)
class KeptPlaceUnreached:
    """The kept place's caller did not answer or confirm: the place is given
    up (outcome "callback_unreached"); the reserved agent is free, no miss."""

    now: float
    call_id: str


@dataclass(frozen=True, slots=True)
class CallerAbandoned:
    """The caller hung up (waiting, ringing, or already connected)."""

    now: float
    call_id: str


@dataclass(frozen=True, slots=True)
class AgentLoggedIn:
    """``ready`` False logs the agent in as not_ready (reason "logged_in")."""

    now: float
    agent_id: str
    ready: bool = True


@dataclass(frozen=True, slots=True)
class AgentLoggedOut:
    now: float
    agent_id: str


@dataclass(frozen=True, slots=True)
class AgentReady:
    now: float
    agent_id: str


@dataclass(frozen=True, slots=True)
class AgentNotReady:
    now: float
    agent_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class AgentPauseToggled:
    """The pause feature code on the agent's phone: not_ready <-> ready."""

    now: float
    agent_id: str
    reason: str = "paused"


@dataclass(frozen=True, slots=True)
class AgentWrapUpExtended:
    """The agent needs longer after the call: wrap-up ends ``seconds`` later."""

    now: float
    agent_id: str
    seconds: float


@dataclass(frozen=True, slots=True)
class AgentDeviceChanged:
    """The agent's phone (un)registered. Agents start unregistered."""

    now: float
    agent_id: str
    registered: bool


@dataclass(frozen=True, slots=True)
class OfferAnswered:
    now: float
    call_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class OfferFailed:
    """The agent's leg did not answer (no answer, busy, ring timeout, ...)."""

    now: float
    call_id: str
    agent_id: str
    reason: str = OFFER_NO_ANSWER


@dataclass(frozen=True, slots=True)
class CallEnded:
    """A connected call (after ``ConnectCall``) hung up on either side."""

    now: float
    call_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class CallRestored:
    """A call that was connected before a restart is still up: the agent is
    on that call again.  The caller left the queue before the restart, so
    no CallerQueued/CallerLeft follows; only CallEnded ends it."""

    now: float
    call_id: str
    agent_id: str
    queue: str
    connected_at: float


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed; send one at ``Acd.next_deadline()``."""

    now: float


@dataclass(frozen=True, slots=True)
class QueueConfigured:
    """Add a queue or replace its config (waiting callers stay)."""

    now: float
    config: QueueConfig


@dataclass(frozen=True, slots=True)
class QueueRemoved:
    """Take a queue out of service (it was deleted from the configuration).

    Refused (``QueueInUseError``) while another queue overflows into it.
    Callers still waiting or ringing in it leave through its overflow rule
    like on leave-empty (reason "queue_removed"): moved to the overflow
    queue, handed to the flow node or voicemail, or else "rejected", so
    their flow takes its overflow branch; nobody is dropped. Agents stop
    being members; their calls from it go on and end with the queue's
    wrap-up as it was.
    """

    now: float
    name: str


@dataclass(frozen=True, slots=True)
class AgentConfigured:
    """Add an agent or replace their config (runtime state stays)."""

    now: float
    config: AgentConfig


Event = (
    CallerArrived
    | CallerChoseCallback
    | KeptPlaceAnswered
    | KeptPlaceUnreached
    | CallerAbandoned
    | AgentLoggedIn
    | AgentLoggedOut
    | AgentReady
    | AgentNotReady
    | AgentPauseToggled
    | AgentDeviceChanged
    | AgentWrapUpExtended
    | OfferAnswered
    | OfferFailed
    | CallEnded
    | CallRestored
    | Tick
    | QueueConfigured
    | QueueRemoved
    | AgentConfigured
)
