"""Each strategy: ranking rules in isolation and through the Acd."""

from __future__ import annotations

import random

import pytest

from ari_apps.acd import (
    Acd,
    AgentNotReady,
    AgentReady,
    CallEnded,
    CallerArrived,
    CancelOffer,
    OfferAnswered,
    OfferCall,
    OfferFailed,
)
from ari_apps.acd.strategies import (
    STRATEGIES,
    AgentCandidate,
    RoutingContext,
    meets_required_skills,
    skill_match_score,
)
from tests.unit.test_acd_helpers import T0, agent, bring_online, of_type, queue


def candidate(
    agent_id: str, idle_since: float = 0.0, calls: int = 0, **skills: int
) -> AgentCandidate:
    return AgentCandidate(agent_id, idle_since, calls, skills)


def context(last: str | None = None, seed: int = 0, **required: int) -> RoutingContext:
    return RoutingContext(required, last, random.Random(seed))


def ranked_ids(strategy: str, candidates: list[AgentCandidate], ctx: RoutingContext) -> list[str]:
    return [c.agent_id for c in STRATEGIES[strategy].rank(candidates, ctx)]


def test_given_idle_times_when_longest_idle_ranks_then_oldest_idle_first() -> None:
    candidates = [candidate("a", 30.0), candidate("b", 10.0), candidate("c", 20.0)]
    assert ranked_ids("longest-idle", candidates, context()) == ["b", "c", "a"]


def test_given_last_agent_when_round_robin_ranks_then_continues_after_that_agent() -> None:
    candidates = [candidate("a"), candidate("b"), candidate("c"), candidate("d")]
    assert ranked_ids("round-robin", candidates, context(last="b")) == ["c", "d", "a", "b"]


def test_given_last_agent_gone_when_round_robin_ranks_then_next_id_comes_first() -> None:
    candidates = [candidate("a"), candidate("c"), candidate("d")]
    assert ranked_ids("round-robin", candidates, context(last="b")) == ["c", "d", "a"]


def test_given_no_memory_when_round_robin_ranks_then_it_starts_at_first_agent_id() -> None:
    assert ranked_ids("round-robin", [candidate("b"), candidate("a")], context()) == ["a", "b"]


def test_given_answered_counts_when_fewest_calls_ranks_then_least_busy_first_ties_by_idle() -> None:
    candidates = [candidate("a", 5.0, 3), candidate("b", 9.0, 1), candidate("c", 1.0, 1)]
    assert ranked_ids("fewest-calls", candidates, context()) == ["c", "b", "a"]


def test_given_required_skills_when_skills_ranks_then_unqualified_dropped_best_sum_first() -> None:
    candidates = [
        candidate("low", 1.0, english=2, billing=3),
        candidate("high", 9.0, english=5, billing=4),
        candidate("missing", 0.0, english=5),
        candidate("mid_old", 2.0, english=4, billing=3),
        candidate("mid_new", 5.0, english=3, billing=4),
    ]
    ctx = context(english=2, billing=2)
    assert ranked_ids("skills-based", candidates, ctx) == ["high", "mid_old", "mid_new", "low"]


def test_skill_helpers_check_every_minimum_and_sum_only_required_skills() -> None:
    assert meets_required_skills({"a": 3, "b": 1}, {"a": 3})
    assert not meets_required_skills({"a": 2}, {"a": 3})
    assert not meets_required_skills({}, {"a": 1})
    assert skill_match_score({"a": 3, "b": 5, "c": 4}, {"a": 1, "c": 1}) == 7


def test_given_same_seed_when_random_ranks_then_order_is_reproducible_and_a_permutation() -> None:
    candidates = [candidate(x) for x in "abcdefgh"]
    first = ranked_ids("random", candidates, context(seed=7))
    again = ranked_ids("random", list(reversed(candidates)), context(seed=7))
    assert first == again
    assert sorted(first) == list("abcdefgh")
    others = {tuple(ranked_ids("random", candidates, context(seed=s))) for s in range(10)}
    assert len(others) > 1


def test_ring_all_is_the_only_strategy_that_rings_everyone() -> None:
    assert {name for name, s in STRATEGIES.items() if s.rings_all} == {"ring-all"}


def _acd_with(strategy: str, agent_ids: list[str], seed: int = 0) -> Acd:
    acd = Acd([queue(strategy=strategy)], [agent(a) for a in agent_ids], random.Random(seed))
    for agent_id in agent_ids:
        bring_online(acd, agent_id)
    return acd


def test_given_longest_idle_queue_when_caller_arrives_then_agent_ready_longest_is_offered() -> None:
    acd = Acd([queue(strategy="longest-idle")], [agent("a"), agent("b")])
    bring_online(acd, "b", T0)
    bring_online(acd, "a", T0 + 5)
    offers = of_type(acd.handle(CallerArrived(T0 + 10, "c1", "sales")), OfferCall)
    assert [(o.agent_id, o.extension) for o in offers] == [("b", "PJSIP/b")]


def test_given_round_robin_when_calls_follow_then_agents_take_turns_with_memory() -> None:
    acd = _acd_with("round-robin", ["a", "b", "c"])
    offered = []
    for n in range(4):
        now = T0 + 10 * n
        offer = of_type(acd.handle(CallerArrived(now, f"c{n}", "sales")), OfferCall)[0]
        offered.append(offer.agent_id)
        acd.handle(OfferAnswered(now + 1, offer.call_id, offer.agent_id))
        acd.handle(CallEnded(now + 2, offer.call_id, offer.agent_id))
    assert offered == ["a", "b", "c", "a"]


def test_given_fewest_calls_when_one_agent_took_a_call_then_the_other_is_offered_next() -> None:
    acd = _acd_with("fewest-calls", ["a", "b"])
    # "a" takes call 1 while "b" is paused; "a" is then idle longer than "b"
    # (its call ended before "b" came back), yet "b" has fewer calls.
    acd.handle(AgentNotReady(T0 + 0.5, "b", "lunch"))
    offer = of_type(acd.handle(CallerArrived(T0 + 1, "c1", "sales")), OfferCall)[0]
    assert offer.agent_id == "a"
    acd.handle(OfferAnswered(T0 + 2, "c1", "a"))
    acd.handle(CallEnded(T0 + 3, "c1", "a"))
    acd.handle(AgentReady(T0 + 4, "b"))
    assert acd.agent_status("a").idle_since < acd.agent_status("b").idle_since
    second = of_type(acd.handle(CallerArrived(T0 + 5, "c2", "sales")), OfferCall)[0]
    assert second.agent_id == "b"


def test_given_ring_all_when_one_answers_then_others_are_cancelled_and_ready_again() -> None:
    acd = _acd_with("ring-all", ["a", "b", "c"])
    offers = of_type(acd.handle(CallerArrived(T0 + 1, "c1", "sales")), OfferCall)
    assert sorted(o.agent_id for o in offers) == ["a", "b", "c"]
    commands = acd.handle(OfferAnswered(T0 + 2, "c1", "b"))
    cancelled = {(c.agent_id, c.reason) for c in of_type(commands, CancelOffer)}
    assert cancelled == {("a", "answered_elsewhere"), ("c", "answered_elsewhere")}
    assert acd.agent_status("a").state == "ready"
    assert acd.agent_status("b").state == "on_call"


def test_given_ring_all_when_one_agent_fails_then_caller_keeps_ringing_the_others() -> None:
    acd = _acd_with("ring-all", ["a", "b"])
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    commands = acd.handle(OfferFailed(T0 + 2, "c1", "a", "busy"))
    assert of_type(commands, OfferCall) == []  # not re-offered while b still rings
    assert acd.call_state("c1") == "ringing"
    assert acd.agent_status("a").consecutive_misses == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_given_random_strategy_when_seeded_then_offer_matches_rng_with_same_seed(seed: int) -> None:
    acd = _acd_with("random", ["a", "b", "c", "d"], seed=seed)
    offer = of_type(acd.handle(CallerArrived(T0 + 1, "c1", "sales")), OfferCall)[0]
    expected = ["a", "b", "c", "d"]
    random.Random(seed).shuffle(expected)
    assert offer.agent_id == expected[0]


def test_given_skills_queue_when_caller_arrives_then_best_qualified_agent_is_offered() -> None:
    sales = queue(strategy="skills-based", required_skills={"spanish": 3})
    agents = [
        agent("novice", skills={"spanish": 2}),
        agent("good", skills={"spanish": 4}),
        agent("best", skills={"spanish": 5}),
    ]
    acd = Acd([sales], agents)
    for agent_id in ("novice", "good", "best"):
        bring_online(acd, agent_id)
    offers = of_type(acd.handle(CallerArrived(T0 + 1, "c1", "sales")), OfferCall)
    assert [o.agent_id for o in offers] == ["best"]
    second = of_type(acd.handle(CallerArrived(T0 + 2, "c2", "sales")), OfferCall)
    assert [o.agent_id for o in second] == ["good"]
    # Nobody else qualifies: the novice is never offered a Spanish call.
    assert of_type(acd.handle(CallerArrived(T0 + 3, "c3", "sales")), OfferCall) == []
