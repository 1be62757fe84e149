"""The ACD core: ``Acd.handle(event) -> list[Command]``, a pure state machine.

No I/O, no clock reads: time comes in as ``event.now`` (epoch seconds) and the
only randomness is the injected ``random.Random`` (``random`` strategy).

Each ``handle`` call runs these steps, always in this order:

1. apply the event (agent events: ``agent_events.py``; caller and offer
   events: ``caller_events.py``);
2. run everything due at ``event.now`` (``deadlines.py``): ring timeouts,
   wrap-up ends, max-wait and leave-empty evictions with overflow;
3. route waiting callers to free agents (``routing.py``). Caller order across
   queues: priority first (higher wins), then longest wait (earliest
   ``joined_at``), then arrival order; an agent in several queues therefore
   always gets the best-ranked caller among all queues they serve;
4. play due position/wait announcements to callers still waiting.

Configuration events (``QueueConfigured``, ``QueueRemoved``,
``AgentConfigured``) change queues and agents live; ``QueueRemoved`` first
sends the queue's waiting callers through its overflow rule, so a deleted
queue never strands anyone.

Virtual hold: a waiting caller may leave for a call back keeping their place
(``CallerChoseCallback``, outcome "callback"); the place comes back as a
*kept place* (``CallerArrived`` with ``kept_place`` and the original
``joined_at``), ranked like everyone by that arrival.  At the front, with an
agent free, it reserves that one agent (``OfferCall`` with ``kept_place``)
while the adapter calls the caller back; ``KeptPlaceAnswered`` rings the
agent, ``KeptPlaceUnreached`` (or KEPT_PLACE_REACH_S) frees them, no miss.

Applying the event before the deadlines lets an answer that arrives a little
after the ring deadline still win. Every event runs step 2, so ``Tick`` is only
needed when nothing else happens: send one at ``next_deadline()``.

"Staffed" (join-empty and leave-empty): at least one agent who is logged in
(any state, paused included), has a registered phone, is a member and has the
queue's required skills. Leave-empty is a condition checked on every event,
not an edge, so it also holds after a restart.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable
from typing import Final

from ari_apps.acd import deadlines
from ari_apps.acd.agent_events import handle_agent_event
from ari_apps.acd.caller_events import handle_caller_event
from ari_apps.acd.commands import (
    AGENT_RINGING,
    CANCEL_QUEUE_REMOVED,
    LEFT_QUEUE_REMOVED,
    Command,
    OfferCall,
)
from ari_apps.acd.config import OVERFLOW_QUEUE, AgentConfig, OverflowTarget, QueueConfig
from ari_apps.acd.events import (
    AgentConfigured,
    AgentDeviceChanged,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentPauseToggled,
    AgentReady,
    AgentWrapUpExtended,
    CallEnded,
    CallerAbandoned,
    CallerArrived,
    CallerChoseCallback,
    CallRestored,
    Event,
    KeptPlaceAnswered,
    KeptPlaceUnreached,
    OfferAnswered,
    OfferFailed,
    QueueConfigured,
    QueueRemoved,
    Tick,
)
from ari_apps.acd.exceptions import InvalidConfigError, QueueInUseError, UnknownQueueError
from ari_apps.acd.records import QueueRecord
from ari_apps.acd.routing import plan_offers
from ari_apps.acd.state import AcdState, emit
from ari_apps.acd.status import AgentStatus, QueueStatus, build_agent_status, build_queue_status

CALL_WAITING: Final = "waiting"
CALL_RINGING: Final = "ringing"
CALL_CONNECTED: Final = "connected"
# How long a kept place may hold its reserved agent while its caller is
# called back: a ring of up to 45 s, the "press 1" prompt said twice, and
# the keys.  Past it the place is given up (outcome "callback_unreached").
KEPT_PLACE_REACH_S: Final = 120.0


class Acd:
    """Automatic call distribution over a set of queues and agents.

    ``rng`` drives the ``random`` strategy; pass one seeded by the caller. The
    default is seeded with 0 so that even an un-seeded Acd is reproducible.
    """

    def __init__(
        self,
        queues: Iterable[QueueConfig] = (),
        agents: Iterable[AgentConfig] = (),
        rng: random.Random | None = None,
    ) -> None:
        self._rng = rng if rng is not None else random.Random(0)
        self._state = AcdState()
        queue_list = list(queues)
        for queue in queue_list:
            if queue.name in self._state.queues:
                raise InvalidConfigError(f"queue {queue.name!r}", "name", "duplicate queue")
            self._state.queues[queue.name] = QueueRecord.create(queue)
        # Checked after all queues exist so queues may overflow into each other.
        for queue in queue_list:
            self._check_overflow(queue)
        for agent in agents:
            if agent.agent_id in self._state.agents:
                raise InvalidConfigError(f"agent {agent.agent_id!r}", "agent_id", "duplicate")
            self._check_membership(agent)
            self._state.add_agent(agent)

    def handle(self, event: Event) -> list[Command]:
        """Apply one event; return the commands for the adapter, in order.

        Raises an ``AcdError`` (state unchanged) for unknown queues or agents,
        duplicate call ids, invalid config, or agent requests while logged out.
        """
        out: list[Command] = []
        match event:
            case (
                CallerArrived()
                | CallerChoseCallback()
                | KeptPlaceAnswered()
                | KeptPlaceUnreached()
                | CallerAbandoned()
                | OfferAnswered()
                | OfferFailed()
                | CallEnded()
                | CallRestored()
            ):
                handle_caller_event(self._state, event, out)
            case (
                AgentLoggedIn()
                | AgentLoggedOut()
                | AgentReady()
                | AgentNotReady()
                | AgentPauseToggled()
                | AgentDeviceChanged()
                | AgentWrapUpExtended()
            ):
                handle_agent_event(self._state, event, out)
            case QueueConfigured():
                self._queue_configured(event.config)
            case QueueRemoved():
                self._queue_removed(event.name, event.now, out)
            case AgentConfigured():
                self._agent_configured(event.config)
            case Tick():
                pass
        deadlines.run_due(self._state, event.now, out)
        self._route(event.now, out)
        deadlines.announce_due(self._state, event.now, out)
        return out

    def next_deadline(self) -> float | None:
        """When the adapter should send the next Tick (None: nothing pending)."""
        return deadlines.next_deadline(self._state)

    # ---------------------------------------------------------------- queries

    def queue_status(self, name: str, now: float) -> QueueStatus:
        queue = self._state.queue(name)
        callers = self._state.callers_in_order(name)
        return build_queue_status(queue, callers, list(self._state.agents.values()), now)

    def agent_status(self, agent_id: str) -> AgentStatus:
        return build_agent_status(self._state.agent(agent_id))

    def agent_registered(self, agent_id: str) -> bool | None:
        """Whether the agent's phone is registered; None for an unknown agent."""
        agent = self._state.agents.get(agent_id)
        return None if agent is None else agent.registered

    def queue_config(self, name: str) -> QueueConfig | None:
        queue = self._state.queues.get(name)
        return None if queue is None else queue.config

    def queue_names(self) -> tuple[str, ...]:
        return tuple(self._state.queues)

    def agent_ids(self) -> tuple[str, ...]:
        return tuple(self._state.agents)

    def call_state(self, call_id: str) -> str | None:
        """ "waiting", "ringing", "connected", or None when the ACD does not track it."""
        caller = self._state.callers.get(call_id)
        if caller is not None:
            return CALL_RINGING if caller.is_ringing else CALL_WAITING
        return CALL_CONNECTED if call_id in self._state.connected else None

    def place_of(self, call_id: str) -> tuple[str, int, float] | None:
        """A waiting caller's place: (queue, priority asked for, joined_at)."""
        caller = self._state.callers.get(call_id)
        if caller is None:
            return None
        return caller.queue, caller.base_priority, caller.joined_at

    # ---------------------------------------------------------------- helpers

    def _route(self, now: float, out: list[Command]) -> None:
        state = self._state
        plans = plan_offers(
            state.callers.values(), state.agents.values(), state.queues, self._rng, now
        )
        for plan in plans:
            caller = plan.caller
            queue = state.queues[caller.queue].config
            # A kept place reserves one agent (even in ring-all) while its
            # caller is called back, which takes longer than a ring.
            agents = plan.agents[:1] if caller.kept_place else plan.agents
            for agent in agents:
                out.append(
                    OfferCall(
                        caller.call_id,
                        agent.agent_id,
                        agent.config.extension,
                        queue.name,
                        queue.ring_timeout_s,
                        kept_place=caller.kept_place,
                    )
                )
                agent.offered_call = caller.call_id
                caller.ringing_agents.add(agent.agent_id)
                emit(out, agent.become(AGENT_RINGING, None, now))
            reach_s = KEPT_PLACE_REACH_S if caller.kept_place else queue.ring_timeout_s
            caller.ring_deadline = now + reach_s

    def _queue_configured(self, config: QueueConfig) -> None:
        self._check_overflow(config)
        record = self._state.queues.get(config.name)
        if record is None:
            self._state.queues[config.name] = QueueRecord.create(config)
            return
        record.reconfigure(config)
        for caller in self._state.callers.values():
            if caller.queue == config.name:
                caller.priority = config.effective_priority(
                    caller.base_priority, caller.caller_id, caller.vip
                )

    def _queue_removed(self, name: str, now: float, out: list[Command]) -> None:
        state = self._state
        queue = state.queue(name)
        into_it = OverflowTarget(OVERFLOW_QUEUE, name)
        overflowing = sorted(
            q.config.name for q in state.queues.values() if q.config.overflow == into_it
        )
        if overflowing:
            # Removing it would leave those queues overflowing into nothing.
            raise QueueInUseError(name, overflowing)
        for caller in state.callers_in_order(name):
            # Ringing agents are released without a miss: not their fault.
            state.cancel_offers(caller, CANCEL_QUEUE_REMOVED, now, out)
            deadlines.evict(state, caller, LEFT_QUEUE_REMOVED, now, out)
        del state.queues[name]
        for call in list(state.connected.values()):
            if call.queue == name:
                # The agent keeps the wrap-up they were promised when they answered.
                state.connected[call.call_id] = dataclasses.replace(
                    call, wrapup_s_if_queue_removed=queue.config.wrapup_s
                )
        for agent in state.agents.values():
            if name in agent.config.queues:
                remaining = tuple(q for q in agent.config.queues if q != name)
                agent.config = dataclasses.replace(agent.config, queues=remaining)

    def _agent_configured(self, config: AgentConfig) -> None:
        self._check_membership(config)
        record = self._state.agents.get(config.agent_id)
        if record is None:
            self._state.add_agent(config)
        else:
            record.config = config

    def _check_overflow(self, config: QueueConfig) -> None:
        target = config.overflow
        if target is None or target.kind != OVERFLOW_QUEUE:
            return
        if target.target not in self._state.queues:
            raise UnknownQueueError(target.target)

    def _check_membership(self, config: AgentConfig) -> None:
        for queue in config.queues:
            self._state.queue(queue)
