"""Mutable runtime records the ``Acd`` keeps per queue, agent and caller.

Internal to the package: the outside world sees them only through commands
and the frozen snapshots of ``status.py``.
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from ari_apps.acd.caller_options import CallerOptions
from ari_apps.acd.commands import (
    AGENT_LOGGED_OUT,
    AGENT_NOT_READY,
    AGENT_ON_CALL,
    AGENT_READY,
    AGENT_RINGING,
    AGENT_WRAP_UP,
    AgentStateChanged,
)
from ari_apps.acd.config import AgentConfig, QueueConfig
from ari_apps.acd.strategies import meets_required_skills

# States in which an agent counts as working the queue for estimated wait.
WORKING_STATES = frozenset({AGENT_READY, AGENT_RINGING, AGENT_ON_CALL, AGENT_WRAP_UP})

CallerOrderKey = tuple[int, float, int]

# An agent's states and the moves between them, as data: ``AgentRecord.become``
# refuses any other.  Why each move happens:
# - logged_out -> ready / not_ready: login, ready or not; -> on_call: back
#   from a logout during a call, or a call restored after a restart.
# - ready -> ringing: offered a call; -> not_ready: the agent pauses.
# - ringing -> on_call: answered; -> ready: the offer was missed, cancelled
#   (answered elsewhere, caller gone) or the phone unregistered;
#   -> not_ready: too many misses in a row, or the agent paused.
# - on_call -> wrap_up: the call ended with after-call work; -> ready /
#   not_ready: ended without it (not_ready if asked for during the call).
# - wrap_up -> ready / not_ready: after-call work over or cut short.
# - not_ready -> not_ready: another pause reason.
# - every state but logged_out -> logged_out: logout; ready, not_ready and
#   wrap_up -> on_call: a call restored after a restart.
AGENT_TRANSITIONS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        AGENT_LOGGED_OUT: frozenset({AGENT_READY, AGENT_NOT_READY, AGENT_ON_CALL}),
        AGENT_READY: frozenset({AGENT_RINGING, AGENT_NOT_READY, AGENT_LOGGED_OUT, AGENT_ON_CALL}),
        AGENT_RINGING: frozenset({AGENT_ON_CALL, AGENT_READY, AGENT_NOT_READY, AGENT_LOGGED_OUT}),
        AGENT_ON_CALL: frozenset({AGENT_WRAP_UP, AGENT_READY, AGENT_NOT_READY, AGENT_LOGGED_OUT}),
        AGENT_WRAP_UP: frozenset({AGENT_READY, AGENT_NOT_READY, AGENT_LOGGED_OUT, AGENT_ON_CALL}),
        AGENT_NOT_READY: frozenset({AGENT_READY, AGENT_NOT_READY, AGENT_LOGGED_OUT, AGENT_ON_CALL}),
    }
)


class IllegalAgentTransition(RuntimeError):
    """A move ``AGENT_TRANSITIONS`` does not list: a bug in the core, so loud."""

    def __init__(self, agent_id: str, current: str, wanted: str) -> None:
        super().__init__(f"agent {agent_id!r}: no transition {current} -> {wanted}")
        self.current = current
        self.wanted = wanted


@dataclass(slots=True)
class QueueRecord:
    config: QueueConfig
    handle_times: deque[float]
    last_offered_agent: str | None = None
    calls_answered: Counter[str] = field(default_factory=Counter)

    @classmethod
    def create(cls, config: QueueConfig) -> QueueRecord:
        return cls(config, deque(maxlen=config.handle_time_window))

    def reconfigure(self, config: QueueConfig) -> None:
        self.config = config
        if self.handle_times.maxlen != config.handle_time_window:
            self.handle_times = deque(self.handle_times, maxlen=config.handle_time_window)

    def average_handle_s(self) -> float | None:
        if not self.handle_times:
            return None
        return sum(self.handle_times) / len(self.handle_times)


@dataclass(slots=True)
class AgentRecord:
    config: AgentConfig
    state: str = AGENT_LOGGED_OUT
    reason: str | None = None
    registered: bool = False
    state_since: float = 0.0
    # When the agent last became ready after doing something (login, pause,
    # call, missed offer); the longest-idle clock.
    idle_since: float = 0.0
    offered_call: str | None = None
    connected_call: str | None = None
    # Read and set through ``wrapup_ends_at``, which keeps ``wrap_up_ends``.
    _wrapup_ends_at: float | None = field(default=None, repr=False)
    consecutive_misses: int = 0
    # Requested while on a call, applied when the call (and wrap-up) ends:
    # a not_ready reason, or None for "become ready".
    not_ready_after_call: str | None = None
    # The ids of its ACD's agents in wrap-up (``AcdState.wrapping_up``),
    # kept by ``become``: every event asks who finishes wrap-up now and when
    # the next one does, and need not look at every agent for that.
    wrapping_up: set[str] | None = field(default=None, repr=False, compare=False)
    # Its ACD's heap of (wrap-up end, agent id), pushed to whenever an end is
    # set (``AcdState.earliest_wrap_up_end``): the next end is read off its
    # top, not found by looking at every agent in wrap-up on every event.
    wrap_up_ends: list[tuple[float, str]] | None = field(default=None, repr=False, compare=False)

    @property
    def wrapup_ends_at(self) -> float | None:
        return self._wrapup_ends_at

    @wrapup_ends_at.setter
    def wrapup_ends_at(self, ends_at: float | None) -> None:
        self._wrapup_ends_at = ends_at
        if ends_at is not None and self.wrap_up_ends is not None:
            heapq.heappush(self.wrap_up_ends, (ends_at, self.config.agent_id))

    @property
    def agent_id(self) -> str:
        return self.config.agent_id

    @property
    def logged_in(self) -> bool:
        return self.state != AGENT_LOGGED_OUT

    def is_free(self) -> bool:
        """May be offered a call right now."""
        return self.state == AGENT_READY and self.registered and self.offered_call is None

    def serves(self, queue: QueueConfig) -> bool:
        """Member of the queue with every required skill (regardless of state)."""
        return queue.name in self.config.queues and meets_required_skills(
            self.config.skills, queue.required_skills
        )

    def staffs(self, queue: QueueConfig) -> bool:
        """Counts for join-empty/leave-empty: logged in, phone registered, serves."""
        return self.logged_in and self.registered and self.serves(queue)

    def become(self, state: str, reason: str | None, now: float) -> AgentStateChanged | None:
        """Switch state; returns the command to emit, or None if nothing changed.

        Only along ``AGENT_TRANSITIONS``; anything else raises before any change.
        """
        if state == self.state and reason == self.reason:
            return None
        if state not in AGENT_TRANSITIONS.get(self.state, ()):
            raise IllegalAgentTransition(self.agent_id, self.state, state)
        self.state = state
        self.reason = reason
        self.state_since = now
        if state != AGENT_WRAP_UP:
            self.wrapup_ends_at = None
        if self.wrapping_up is not None:
            if state == AGENT_WRAP_UP:
                self.wrapping_up.add(self.agent_id)
            else:
                self.wrapping_up.discard(self.agent_id)
        return AgentStateChanged(self.agent_id, state, reason)


@dataclass(slots=True)
class WaitingCaller:
    """A caller in a queue, waiting or being offered (``ringing_agents``)."""

    call_id: str
    queue: str
    base_priority: int
    priority: int
    caller_id: str
    joined_at: float
    queue_entered_at: float
    arrival_seq: int
    next_announce_at: float | None = None
    ringing_agents: set[str] = field(default_factory=set)
    ring_deadline: float | None = None
    visited_queues: set[str] = field(default_factory=set)
    options: CallerOptions = field(default_factory=CallerOptions)
    familiar_agent: str | None = None
    # A kept place (virtual hold, events.CallerArrived): nobody on a channel.
    kept_place: bool = False
    # A customer whose VIP mark counted when they arrived: every queue they
    # wait in (an overflow's too) gives them its VIP priority.
    vip: bool = False

    def order_key(self) -> CallerOrderKey:
        """Higher priority first, then earlier join, then earlier arrival."""
        return (-self.priority, self.joined_at, self.arrival_seq)

    @property
    def is_ringing(self) -> bool:
        return bool(self.ringing_agents)

    def own_deadline(self) -> float | None:
        """When the caller's own max wait ends (counted from joining the ACD)."""
        if self.kept_place:
            return None
        max_wait_s = self.options.max_wait_s
        return None if max_wait_s is None else self.joined_at + max_wait_s

    def familiar_until(self, config: QueueConfig) -> float | None:
        """Until when this caller is kept for their familiar agent (None: not)."""
        if self.familiar_agent is None or config.familiar_agent_s <= 0:
            return None
        return self.queue_entered_at + config.familiar_agent_s

    def accepts(self, agent: AgentRecord) -> bool:
        """The agent has the skills this caller asked for (beyond the queue's)."""
        return meets_required_skills(agent.config.skills, self.options.required_skills)


@dataclass(frozen=True, slots=True)
class ConnectedCall:
    """``wrapup_s_if_queue_removed``: the wrap-up the agent still gets when
    the call's queue was removed during the call (set on removal; 0 for a
    call restored after a restart whose queue no longer exists)."""

    call_id: str
    agent_id: str
    queue: str
    connected_at: float
    wrapup_s_if_queue_removed: float = 0.0
