"""Matching waiting callers with free agents.

Caller order (across ALL queues): priority first (higher wins; priorities are
absolute numbers, comparable between queues), then the earliest ``joined_at``
(longest wait), then arrival order. Callers are served greedily in that order:
each one gets the free agent(s) its queue's strategy prefers among those who
may serve that queue.

Consequence for an agent in several queues: they are always offered the
best-ranked caller, by that order, among all the queues they serve. Asterisk's
app_queue looks at each queue on its own and cannot guarantee this. Because
every agent who is free and eligible for a caller is considered for that
caller before any lower-ranked caller, a free agent is never left idle while
a caller they could take waits, and within one queue and priority callers are
offered strictly first-come first-served.

Ringing callers are skipped: a caller is offered to one agent at a time
(all at once for ring-all), never to more agents while that ring lasts.

A caller who asked for skills of their own (``caller_options.py``) is only
offered to agents who also have those; for ranking, the strategy sees the
queue's and the caller's requirements together (the higher level of each).

A returning caller whose queue keeps callers for their familiar agent
(``QueueConfig.familiar_agent_s``) is offered only to the agent who last
served them until that time is up, while that agent is logged in and
serves the queue; others take the callers behind them meanwhile.  An agent
logged out (or gone from the queue) is not waited for.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ari_apps.acd.records import AgentRecord, QueueRecord, WaitingCaller
from ari_apps.acd.strategies import STRATEGIES, AgentCandidate, RoutingContext


@dataclass(frozen=True, slots=True)
class PlannedOffer:
    caller: WaitingCaller
    agents: tuple[AgentRecord, ...]


def plan_offers(
    callers: Iterable[WaitingCaller],
    agents: Iterable[AgentRecord],
    queues: Mapping[str, QueueRecord],
    rng: random.Random,
    now: float = 0.0,
) -> list[PlannedOffer]:
    """Decide who rings for whom now. Updates each queue's round-robin memory
    (it is part of the decision), mutates nothing else."""
    # Most events (an answer, a hang-up, a ring timing out) find nobody
    # waiting to be offered: the agents are not even looked at then (every
    # event routes, and a centre has far more agents than waiting callers).
    callers = [c for c in callers if not c.is_ringing]
    if not callers:
        return []
    agents = list(agents)
    free = [agent for agent in agents if agent.is_free()]
    if not free:
        return []
    # Only callers of a queue some free agent belongs to can be served now
    # (``serves`` needs membership, and ``free`` only shrinks below): the
    # others are not even sorted.  With 500 waiting in 20 queues and one
    # agent just ready, this is most of the decision's time.
    reachable = set().union(*(agent.config.queues for agent in free))
    waiting = sorted(
        (c for c in callers if c.queue in reachable),
        key=WaitingCaller.order_key,
    )
    plans: list[PlannedOffer] = []
    for caller in waiting:
        if not free:
            break
        queue = queues[caller.queue]
        eligible = {a.agent_id: a for a in free if a.serves(queue.config) and caller.accepts(a)}
        kept_for = _kept_for(caller, queue, agents, now)
        if kept_for is not None:
            eligible = {kept_for: eligible[kept_for]} if kept_for in eligible else {}
        if not eligible:
            continue
        strategy = STRATEGIES[queue.config.strategy]
        candidates = [
            AgentCandidate(
                agent_id=a.agent_id,
                idle_since=a.idle_since,
                calls_answered=queue.calls_answered[a.agent_id],
                skills=a.config.skills,
            )
            for a in eligible.values()
        ]
        context = RoutingContext(
            required_skills=_combined(queue.config.required_skills, caller),
            last_offered_agent=queue.last_offered_agent,
            rng=rng,
        )
        ranked = strategy.rank(candidates, context)
        if not ranked:
            continue
        chosen = ranked if strategy.rings_all else ranked[:1]
        chosen_agents = tuple(eligible[c.agent_id] for c in chosen)
        plans.append(PlannedOffer(caller, chosen_agents))
        queue.last_offered_agent = chosen_agents[0].agent_id
        taken = {a.agent_id for a in chosen_agents}
        free = [a for a in free if a.agent_id not in taken]
    return plans


def _combined(queue_skills: Mapping[str, int], caller: WaitingCaller) -> Mapping[str, int]:
    own = caller.options.required_skills
    if not own:
        return queue_skills
    combined = dict(queue_skills)
    for skill, level in own.items():
        combined[skill] = max(level, combined.get(skill, 0))
    return combined


def _kept_for(
    caller: WaitingCaller, queue: QueueRecord, agents: list[AgentRecord], now: float
) -> str | None:
    """The familiar agent this caller is kept for now, or None."""
    until = caller.familiar_until(queue.config)
    if until is None or now >= until:
        return None
    return caller.familiar_agent if familiar_is_waited_for(caller, queue, agents) else None


def familiar_is_waited_for(
    caller: WaitingCaller, queue: QueueRecord, agents: Iterable[AgentRecord]
) -> bool:
    """Whether the caller's familiar agent is one worth waiting for: logged
    in, their phone registered, serving the caller's queue."""
    return any(
        agent.agent_id == caller.familiar_agent and agent.staffs(queue.config) for agent in agents
    )
