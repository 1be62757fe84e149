"""A caller's own settings from their flow's queue node: max wait, skills,
music on hold, announcements (``ari_apps/acd/caller_options.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from ari_apps.acd import (
    Acd,
    AgentNotReady,
    Announce,
    CallerArrived,
    CallerLeft,
    CallerOptions,
    CallerQueued,
    InvalidConfigError,
    OfferCall,
    OfferFailed,
    Overflow,
    OverflowTarget,
    Tick,
    parse_flow_options,
)
from ari_apps.acd.exits import QueueExit, queue_exits
from tests.unit.test_acd_helpers import T0, agent, bring_online, of_type, queue


def paused_agent_acd(*queues: Any, agent_queues: tuple[str, ...] = ("sales",)) -> Acd:
    acd = Acd(list(queues) or [queue()], [agent("a", queues=agent_queues)])
    bring_online(acd, "a")
    acd.handle(AgentNotReady(T0, "a", "setup"))
    return acd


def arrive(acd: Acd, call_id: str, now: float = T0, **options: Any) -> list[Any]:
    return list(acd.handle(CallerArrived(now, call_id, "sales", options=CallerOptions(**options))))


# -- max wait ------------------------------------------------------------------


def test_given_node_max_wait_shorter_than_queue_then_caller_times_out_back_to_the_flow() -> None:
    # The demo's situation: the node says 600 s; here the queue allows 900
    # and would overflow to another flow node, which must not be used.
    target = OverflowTarget("flow_node", "after-hours")
    acd = paused_agent_acd(queue(max_wait_s=900, overflow=target))
    arrive(acd, "c1", max_wait_s=600)
    assert acd.next_deadline() == T0 + 600
    assert acd.handle(Tick(T0 + 599)) == []
    commands = acd.handle(Tick(T0 + 600))
    assert commands == [CallerLeft("c1", "sales", "timed_out", "caller_max_wait")]
    # The flow takes its node's own branch (on_timeout, else on_overflow).
    assert queue_exits(commands) == [QueueExit("c1", "timed_out")]
    assert acd.call_state("c1") is None


def test_given_node_max_wait_and_queue_without_max_wait_then_node_bound_applies() -> None:
    acd = paused_agent_acd(queue())
    arrive(acd, "c1", max_wait_s=30)
    assert acd.handle(Tick(T0 + 30)) == [CallerLeft("c1", "sales", "timed_out", "caller_max_wait")]


def test_given_queue_max_wait_shorter_than_node_then_queue_overflow_rule_applies() -> None:
    target = OverflowTarget("flow_node", "after-hours")
    acd = paused_agent_acd(queue(max_wait_s=60, overflow=target))
    arrive(acd, "c1", max_wait_s=600)
    assert acd.next_deadline() == T0 + 60
    assert acd.handle(Tick(T0 + 60)) == [
        CallerLeft("c1", "sales", "overflowed", "max_wait"),
        Overflow("c1", "sales", target),
    ]


def test_given_equal_max_waits_then_the_queue_rule_wins_the_tie() -> None:
    target = OverflowTarget("flow_node", "after-hours")
    acd = paused_agent_acd(queue(max_wait_s=60, overflow=target))
    arrive(acd, "c1", max_wait_s=60)
    assert of_type(acd.handle(Tick(T0 + 60)), Overflow) == [Overflow("c1", "sales", target)]


def test_given_node_max_wait_when_overflowed_to_another_queue_then_bound_counts_from_arrival() -> (
    None
):
    sales = queue("sales", max_wait_s=60, overflow=OverflowTarget("queue", "backup"))
    acd = paused_agent_acd(sales, queue("backup"), agent_queues=("sales", "backup"))
    arrive(acd, "c1", max_wait_s=100)
    moved = acd.handle(Tick(T0 + 60))
    assert of_type(moved, CallerQueued)[0].queue == "backup"
    # Not restarted by the move: 100 s after joining, not 60 + 100.
    assert acd.next_deadline() == T0 + 100
    assert acd.handle(Tick(T0 + 100)) == [
        CallerLeft("c1", "backup", "timed_out", "caller_max_wait")
    ]


def test_given_ringing_caller_past_own_max_wait_then_not_pulled_until_offer_fails() -> None:
    acd = Acd([queue(ring_timeout_s=20)], [agent("a")])
    bring_online(acd, "a")
    arrive(acd, "c1", max_wait_s=10)
    assert acd.call_state("c1") == "ringing"
    assert acd.handle(Tick(T0 + 10)) == []
    commands = acd.handle(OfferFailed(T0 + 15, "c1", "a"))
    assert CallerLeft("c1", "sales", "timed_out", "caller_max_wait") in commands
    assert of_type(commands, OfferCall) == []


# -- skills ----------------------------------------------------------------------


def test_given_caller_skills_then_only_agents_with_them_are_offered_the_call() -> None:
    acd = Acd([queue()], [agent("a"), agent("b", skills={"french": 3})])
    bring_online(acd, "a", T0)  # idle longest: would be first without the skill
    bring_online(acd, "b", T0 + 5)
    commands = arrive(acd, "c1", T0 + 10, required_skills={"french": 2})
    assert [o.agent_id for o in of_type(commands, OfferCall)] == ["b"]


def test_given_caller_skills_nobody_has_then_caller_waits_and_others_are_served() -> None:
    acd = Acd([queue()], [agent("a")])
    bring_online(acd, "a")
    arrive(acd, "picky", T0 + 1, required_skills={"french": 1})
    assert acd.call_state("picky") == "waiting"
    commands = arrive(acd, "plain", T0 + 2)
    assert [(o.call_id, o.agent_id) for o in of_type(commands, OfferCall)] == [("plain", "a")]


def test_given_skills_based_queue_then_caller_skills_count_in_the_match() -> None:
    def first_offer(**options: Any) -> str:
        agents = [
            agent("a", skills={"billing": 5, "french": 1}),
            agent("b", skills={"billing": 2, "french": 5}),
        ]
        acd = Acd([queue(strategy="skills-based", required_skills={"billing": 1})], agents)
        bring_online(acd, "a", T0)
        bring_online(acd, "b", T0)
        [offer] = of_type(arrive(acd, "c1", T0 + 1, **options), OfferCall)
        return offer.agent_id

    # Billing alone: a (5) beats b (2); billing and French: b (2 + 5) beats a (5 + 1).
    assert first_offer() == "a"
    assert first_offer(required_skills={"french": 1}) == "b"


# -- music and announcements --------------------------------------------------------


def test_given_caller_moh_class_then_it_is_used_in_every_queue_they_wait_in() -> None:
    sales = queue("sales", max_wait_s=60, overflow=OverflowTarget("queue", "backup"))
    backup = queue("backup", moh_class="calm")
    acd = paused_agent_acd(sales, backup, agent_queues=("sales", "backup"))
    queued = of_type(arrive(acd, "c1", moh_class="jazz"), CallerQueued)
    assert queued[0].moh_class == "jazz"
    assert of_type(acd.handle(Tick(T0 + 60)), CallerQueued)[0].moh_class == "jazz"


def test_given_caller_announce_period_then_it_replaces_the_queue_period() -> None:
    acd = paused_agent_acd(queue(announce_position_every_s=30))
    arrive(acd, "c1", announce_every_s=20)
    assert acd.next_deadline() == T0 + 20
    assert acd.handle(Tick(T0 + 20)) == [Announce("c1", "sales", 1, None)]
    assert acd.handle(Tick(T0 + 40)) == [Announce("c1", "sales", 1, None)]


def test_given_caller_announce_period_zero_then_no_announcements_for_that_caller() -> None:
    acd = paused_agent_acd(queue(announce_position_every_s=30))
    arrive(acd, "quiet", announce_every_s=0)
    arrive(acd, "normal", T0 + 1)
    assert acd.next_deadline() == T0 + 31
    assert acd.handle(Tick(T0 + 31)) == [Announce("normal", "sales", 2, None)]


def test_given_caller_announce_period_when_queue_has_none_then_caller_still_hears_them() -> None:
    acd = paused_agent_acd(queue())
    arrive(acd, "c1", announce_every_s=45)
    assert acd.handle(Tick(T0 + 45)) == [Announce("c1", "sales", 1, None)]


# -- the flow's options, as the node's parser sees them ---------------------------------


def test_given_flow_options_then_parsed_into_caller_options() -> None:
    options = parse_flow_options(
        {"skills": "french:3, billing", "moh_class": "jazz", "announce_every_s": 0},
        max_wait_s=600,
    )
    assert options == CallerOptions(
        max_wait_s=600,
        required_skills={"french": 3, "billing": 1},
        moh_class="jazz",
        announce_every_s=0,
    )
    assert parse_flow_options({}) == CallerOptions()


@pytest.mark.parametrize(
    ("options", "field", "reason"),
    [
        ({"music_class": "default"}, "music_class", "not an option the ACD can honour"),
        ({"priority": 5}, "priority", "it takes announce_every_s, moh_class, skills"),
        ({"skills": "french:9"}, "skills", "level 9 of 'french' is outside 1..5"),
        ({"skills": "french:x"}, "skills", "is not skill or skill:level"),
        ({"skills": "french, french:2"}, "skills", "'french' is named twice"),
        ({"skills": 3}, "skills", "must be skill names"),
        ({"moh_class": "my class"}, "moh_class", "music-on-hold class name"),
        ({"announce_every_s": True}, "announce_every_s", "whole seconds"),
        ({"announce_every_s": 7200}, "announce_every_s", "between 0 (off) and 3600"),
    ],
)
def test_given_option_the_acd_cannot_honour_then_refused_naming_it(
    options: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(InvalidConfigError) as error:
        parse_flow_options(options)
    assert (error.value.subject, error.value.field) == ("options", field)
    assert reason in error.value.reason
