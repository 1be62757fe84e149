"""The ACD's runtime state and the state changes shared by several events.

Invariants kept here (and checked by the property tests):
* ``agent.offered_call`` is set exactly while the agent is ringing, and the
  caller's ``ringing_agents`` names that agent;
* a caller is in ``callers`` while waiting or ringing, in ``connected`` after
  an answer, and in neither once it has left.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

from ari_apps.acd.commands import (
    AGENT_NOT_READY,
    AGENT_READY,
    AGENT_WRAP_UP,
    NOT_READY_MISSED,
    AgentStateChanged,
    CallerLeft,
    CallerQueued,
    CancelOffer,
    Command,
)
from ari_apps.acd.config import AgentConfig
from ari_apps.acd.exceptions import UnknownAgentError, UnknownQueueError
from ari_apps.acd.records import (
    AgentRecord,
    ConnectedCall,
    QueueRecord,
    WaitingCaller,
)


def emit(out: list[Command], change: AgentStateChanged | None) -> None:
    if change is not None:
        out.append(change)


@dataclass(slots=True)
class AcdState:
    queues: dict[str, QueueRecord] = field(default_factory=dict)
    agents: dict[str, AgentRecord] = field(default_factory=dict)
    callers: dict[str, WaitingCaller] = field(default_factory=dict)
    connected: dict[str, ConnectedCall] = field(default_factory=dict)
    arrivals: itertools.count[int] = field(default_factory=itertools.count)
    # Agents in wrap-up, kept by ``AgentRecord.become`` (see there).
    wrapping_up: set[str] = field(default_factory=set)

    # (wrap-up end, agent id) as a heap, pushed to by ``AgentRecord`` each
    # time an end is set.  An entry goes stale when that agent leaves wrap-up
    # or gets another end; stale entries are dropped once they reach the top.
    wrap_up_ends: list[tuple[float, str]] = field(default_factory=list)

    def add_agent(self, config: AgentConfig) -> AgentRecord:
        record = AgentRecord(config, wrapping_up=self.wrapping_up, wrap_up_ends=self.wrap_up_ends)
        self.agents[config.agent_id] = record
        return record

    def earliest_wrap_up_end(self) -> float | None:
        """When the next agent's wrap-up ends (None: nobody is in wrap-up)."""
        heap = self.wrap_up_ends
        while heap:
            ends_at, agent_id = heap[0]
            agent = self.agents.get(agent_id)
            if (
                agent is not None
                and agent_id in self.wrapping_up
                and agent.wrapup_ends_at == ends_at
            ):
                return ends_at
            heapq.heappop(heap)
        return None

    def wrap_ups_due(self, now: float) -> list[AgentRecord]:
        """The agents whose wrap-up has ended by ``now``, in the order of ``agents``."""
        earliest = self.earliest_wrap_up_end()
        if earliest is None or earliest > now:
            return []  # what nearly every event finds
        due = [
            agent
            for agent in (self.agents[agent_id] for agent_id in self.wrapping_up)
            if agent.wrapup_ends_at is not None and agent.wrapup_ends_at <= now
        ]
        if len(due) > 1:
            order = {agent_id: place for place, agent_id in enumerate(self.agents)}
            due.sort(key=lambda agent: order[agent.agent_id])
        return due

    def queue(self, name: str) -> QueueRecord:
        try:
            return self.queues[name]
        except KeyError:
            raise UnknownQueueError(name) from None

    def agent(self, agent_id: str) -> AgentRecord:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise UnknownAgentError(agent_id) from None

    def is_staffed(self, queue: QueueRecord) -> bool:
        return any(a.staffs(queue.config) for a in self.agents.values())

    def callers_in_order(self, queue_name: str | None = None) -> list[WaitingCaller]:
        """Callers of one queue (or all), best-ranked first."""
        selected = (c for c in self.callers.values() if queue_name in (None, c.queue))
        return sorted(selected, key=WaitingCaller.order_key)

    def position(self, caller: WaitingCaller) -> int:
        key = caller.order_key()
        return 1 + sum(
            1 for c in self.callers.values() if c.queue == caller.queue and c.order_key() < key
        )

    def leave(self, caller: WaitingCaller, outcome: str, reason: str, out: list[Command]) -> None:
        """The caller's final exit from the ACD."""
        del self.callers[caller.call_id]
        out.append(CallerLeft(caller.call_id, caller.queue, outcome, reason))

    def cancel_offers(
        self,
        caller: WaitingCaller,
        reason: str,
        now: float,
        out: list[Command],
        keep_agent: str | None = None,
    ) -> None:
        """Stop ringing every agent of ``caller`` except ``keep_agent``; those
        agents are ready again without a miss and keep their idle time."""
        for agent_id in sorted(caller.ringing_agents - {keep_agent}):
            agent = self.agents[agent_id]
            out.append(CancelOffer(caller.call_id, agent_id, reason))
            agent.offered_call = None
            emit(out, agent.become(AGENT_READY, None, now))
            caller.ringing_agents.discard(agent_id)
        if not caller.ringing_agents:
            caller.ring_deadline = None

    def withdraw_offer(self, agent: AgentRecord, reason: str, out: list[Command]) -> None:
        """Take back the agent's pending offer; the caller waits at their place
        again (if nobody else rings). The agent's state is the caller's job."""
        call_id = agent.offered_call
        if call_id is None:
            return
        agent.offered_call = None
        out.append(CancelOffer(call_id, agent.agent_id, reason))
        caller = self.callers[call_id]
        caller.ringing_agents.discard(agent.agent_id)
        if not caller.ringing_agents:
            caller.ring_deadline = None

    def fail_offer(
        self, caller: WaitingCaller, agent: AgentRecord, now: float, out: list[Command]
    ) -> None:
        """The agent missed the offer: count it, and make them ready again
        (at the back of the longest-idle line) or not_ready after too many."""
        caller.ringing_agents.discard(agent.agent_id)
        if not caller.ringing_agents:
            caller.ring_deadline = None
        agent.offered_call = None
        agent.consecutive_misses += 1
        agent.idle_since = now
        limit = self.queues[caller.queue].config.max_misses_before_not_ready
        if limit and agent.consecutive_misses >= limit:
            emit(out, agent.become(AGENT_NOT_READY, NOT_READY_MISSED, now))
        else:
            emit(out, agent.become(AGENT_READY, None, now))

    def finish_after_call_work(self, agent: AgentRecord, now: float, out: list[Command]) -> None:
        """Wrap-up is over: ready, or the not-ready state asked for during the call."""
        reason = agent.not_ready_after_call
        agent.not_ready_after_call = None
        if reason is not None:
            emit(out, agent.become(AGENT_NOT_READY, reason, now))
        else:
            agent.idle_since = now
            emit(out, agent.become(AGENT_READY, None, now))

    def enqueue(
        self, caller: WaitingCaller, queue: QueueRecord, now: float, out: list[Command]
    ) -> None:
        caller.visited_queues.add(queue.config.name)
        every = caller.options.announce_period_s(queue.config.announce_position_every_s)
        # A kept place has nobody on the line to tell.
        caller.next_announce_at = (
            now + every if every is not None and not caller.kept_place else None
        )
        self.callers[caller.call_id] = caller
        out.append(
            CallerQueued(
                caller.call_id,
                queue.config.name,
                self.position(caller),
                caller.priority,
                caller.options.moh_class or queue.config.moh_class,
            )
        )

    def end_call(self, connected: ConnectedCall, now: float, out: list[Command]) -> None:
        """A connected call is over: record its handle time, start wrap-up."""
        del self.connected[connected.call_id]
        queue = self.queues.get(connected.queue)
        if queue is None:  # removed during the call: no statistics to keep
            wrapup_s = connected.wrapup_s_if_queue_removed
        else:
            queue.handle_times.append(max(0.0, now - connected.connected_at))
            wrapup_s = queue.config.wrapup_s
        agent = self.agents[connected.agent_id]
        agent.connected_call = None
        if not agent.logged_in:
            return
        if wrapup_s > 0:
            emit(out, agent.become(AGENT_WRAP_UP, None, now))
            agent.wrapup_ends_at = now + wrapup_s
        else:
            self.finish_after_call_work(agent, now, out)
