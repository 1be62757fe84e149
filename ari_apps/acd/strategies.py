"""Agent-selection strategies: which free agent(s) get the next caller of a queue.

A strategy only ranks agents; the router has already reduced the candidates to
agents who may take the call right now (logged in, ready, phone registered,
member of the queue, meeting the queue's required skills, no offer pending).
It returns candidates in preference order; the router offers the call to the
first one, or to all of them at once when ``rings_all`` is set.

Strategies (``STRATEGIES`` registry, the names used in ``QueueConfig.strategy``):

``longest-idle``
    The agent who became ready longest ago first (``idle_since`` ascending).
    An agent who misses an offer becomes ready again "now", so they move to
    the back instead of being rung again at once.
``round-robin``
    Round robin with memory: agents in agent-id order, starting after the last
    agent this queue *offered* a call to (memory moves on each offer, so an
    agent who never answers cannot hold the rotation).
``fewest-calls``
    Fewest calls answered in this queue first, then longest idle.
``ring-all``
    Every candidate at once; the first to answer wins, the others are cancelled.
``random``
    Uniformly shuffled with the injected, caller-seeded ``random.Random``.
``skills-based``
    Best match first, then longest idle. The match score is the SUM of the
    agent's proficiencies (1..5) over the queue's required skills: an agent
    exceeding the minimum in more skills, or by more, ranks higher. With no
    required skills every score is 0 and this is plain longest-idle.

Ties are always broken by ``agent_id`` so the outcome never depends on dict
order.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

LONGEST_IDLE: Final = "longest-idle"
ROUND_ROBIN: Final = "round-robin"
FEWEST_CALLS: Final = "fewest-calls"
RING_ALL: Final = "ring-all"
RANDOM: Final = "random"
SKILLS_BASED: Final = "skills-based"


# Not frozen: routing builds one for every eligible free agent at every
# offer, and a frozen dataclass's __init__ (object.__setattr__ per field)
# took 2.2 us against 0.9 us.  Strategies only read them.
@dataclass(slots=True)
class AgentCandidate:
    """What a strategy may know about a free agent."""

    agent_id: str
    idle_since: float
    calls_answered: int  # in the queue being routed
    skills: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class RoutingContext:
    """What a strategy may know about the queue being routed."""

    required_skills: Mapping[str, int]
    last_offered_agent: str | None
    rng: random.Random


RankFunction = Callable[[Sequence[AgentCandidate], RoutingContext], list[AgentCandidate]]


@dataclass(frozen=True, slots=True)
class Strategy:
    name: str
    rank: RankFunction
    rings_all: bool = False


def meets_required_skills(skills: Mapping[str, int], required: Mapping[str, int]) -> bool:
    """True when the agent has every required skill at (at least) the minimum level."""
    if not required:
        return True  # most queues and callers: asked for every free agent at every offer
    return all(skills.get(skill, 0) >= minimum for skill, minimum in required.items())


def skill_match_score(skills: Mapping[str, int], required: Mapping[str, int]) -> int:
    """Sum of the agent's proficiency over the required skills (higher is better)."""
    return sum(skills.get(skill, 0) for skill in required)


def _idle_key(candidate: AgentCandidate) -> tuple[float, str]:
    return (candidate.idle_since, candidate.agent_id)


def _longest_idle(
    candidates: Sequence[AgentCandidate], context: RoutingContext
) -> list[AgentCandidate]:
    return sorted(candidates, key=_idle_key)


def _round_robin(
    candidates: Sequence[AgentCandidate], context: RoutingContext
) -> list[AgentCandidate]:
    by_id = sorted(candidates, key=lambda c: c.agent_id)
    last = context.last_offered_agent
    if last is None:
        return by_id
    # Comparing ids (rather than looking the last agent up in the list) keeps
    # the rotation right when that agent is busy or no longer a member.
    after = [c for c in by_id if c.agent_id > last]
    wrapped = [c for c in by_id if c.agent_id <= last]
    return after + wrapped


def _fewest_calls(
    candidates: Sequence[AgentCandidate], context: RoutingContext
) -> list[AgentCandidate]:
    return sorted(candidates, key=lambda c: (c.calls_answered, *_idle_key(c)))


def _ring_all(
    candidates: Sequence[AgentCandidate], context: RoutingContext
) -> list[AgentCandidate]:
    return sorted(candidates, key=lambda c: c.agent_id)


def _random(candidates: Sequence[AgentCandidate], context: RoutingContext) -> list[AgentCandidate]:
    # Sort first so the shuffle depends only on the seed, not on input order.
    shuffled = sorted(candidates, key=lambda c: c.agent_id)
    context.rng.shuffle(shuffled)
    return shuffled


def _skills_based(
    candidates: Sequence[AgentCandidate], context: RoutingContext
) -> list[AgentCandidate]:
    required = context.required_skills
    qualified = [c for c in candidates if meets_required_skills(c.skills, required)]
    return sorted(qualified, key=lambda c: (-skill_match_score(c.skills, required), *_idle_key(c)))


STRATEGIES: Final[Mapping[str, Strategy]] = {
    strategy.name: strategy
    for strategy in (
        Strategy(LONGEST_IDLE, _longest_idle),
        Strategy(ROUND_ROBIN, _round_robin),
        Strategy(FEWEST_CALLS, _fewest_calls),
        Strategy(RING_ALL, _ring_all, rings_all=True),
        Strategy(RANDOM, _random),
        Strategy(SKILLS_BASED, _skills_based),
    )
}
