"""Read-only snapshots for the API and wallboards, and the estimated-wait formula.

Estimated wait (``estimated_wait_s``)::

    position * (avg_handle_s + wrapup_s) / max(1, working_agents)

``avg_handle_s`` is the mean talk time of the last ``handle_time_window``
answered calls of the queue; ``wrapup_s`` is added because an agent is not
free again before wrap-up ends; ``working_agents`` counts the queue's staffed
agents who are ready, ringing, on a call or in wrap-up (paused agents do not
shorten the wait). No completed call yet -> no estimate (None): a made-up
number would be read to callers as a promise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ari_apps.acd.commands import AGENT_STATES
from ari_apps.acd.records import WORKING_STATES, AgentRecord, QueueRecord, WaitingCaller


def estimated_wait_s(
    position: int, avg_handle_s: float | None, wrapup_s: float, working_agents: int
) -> float | None:
    if avg_handle_s is None:
        return None
    return position * (avg_handle_s + wrapup_s) / max(1, working_agents)


def working_agent_count(queue: QueueRecord, agents: Iterable[AgentRecord]) -> int:
    return sum(1 for a in agents if a.staffs(queue.config) and a.state in WORKING_STATES)


@dataclass(frozen=True, slots=True)
class WaitingCallerStatus:
    call_id: str
    position: int
    priority: int
    caller_id: str
    joined_at: float
    waited_s: float
    ringing_agents: tuple[str, ...]
    # A callback keeping its place (virtual hold): in line, not on the line.
    kept_place: bool = False


@dataclass(frozen=True, slots=True)
class QueueStatus:
    name: str
    strategy: str
    waiting: tuple[WaitingCallerStatus, ...]  # in queue order, position 1 first
    agents_by_state: Mapping[str, tuple[str, ...]]  # members serving the queue
    unregistered_agents: tuple[str, ...]  # logged-in members whose phone is down
    avg_handle_s: float | None
    longest_wait_s: float
    estimated_wait_s: float | None  # for a caller joining now


@dataclass(frozen=True, slots=True)
class AgentStatus:
    agent_id: str
    extension: str
    state: str
    reason: str | None
    registered: bool
    queues: tuple[str, ...]
    state_since: float
    idle_since: float
    offered_call_id: str | None
    connected_call_id: str | None
    wrapup_ends_at: float | None
    consecutive_misses: int
    not_ready_after_call: str | None


def build_queue_status(
    queue: QueueRecord,
    callers_in_order: list[WaitingCaller],
    agents: list[AgentRecord],
    now: float,
) -> QueueStatus:
    waiting = tuple(
        WaitingCallerStatus(
            call_id=c.call_id,
            position=index,
            priority=c.priority,
            caller_id=c.caller_id,
            joined_at=c.joined_at,
            waited_s=max(0.0, now - c.joined_at),
            ringing_agents=tuple(sorted(c.ringing_agents)),
            kept_place=c.kept_place,
        )
        for index, c in enumerate(callers_in_order, start=1)
    )
    members = sorted((a for a in agents if a.serves(queue.config)), key=lambda a: a.agent_id)
    by_state = {
        state: tuple(a.agent_id for a in members if a.state == state) for state in AGENT_STATES
    }
    avg = queue.average_handle_s()
    return QueueStatus(
        name=queue.config.name,
        strategy=queue.config.strategy,
        waiting=waiting,
        agents_by_state=by_state,
        unregistered_agents=tuple(a.agent_id for a in members if a.logged_in and not a.registered),
        avg_handle_s=avg,
        # METRICS.md: the oldest *caller* still waiting; a kept place's
        # caller hung up and is called back, so is not waiting on the line.
        longest_wait_s=max((w.waited_s for w in waiting if not w.kept_place), default=0.0),
        estimated_wait_s=estimated_wait_s(
            len(waiting) + 1, avg, queue.config.wrapup_s, working_agent_count(queue, agents)
        ),
    )


def build_agent_status(agent: AgentRecord) -> AgentStatus:
    return AgentStatus(
        agent_id=agent.agent_id,
        extension=agent.config.extension,
        state=agent.state,
        reason=agent.reason,
        registered=agent.registered,
        queues=agent.config.queues,
        state_since=agent.state_since,
        idle_since=agent.idle_since,
        offered_call_id=agent.offered_call,
        connected_call_id=agent.connected_call,
        wrapup_ends_at=agent.wrapup_ends_at,
        consecutive_misses=agent.consecutive_misses,
        not_ready_after_call=agent.not_ready_after_call,
    )
