"""Callers: ordering, priority/VIP, multi-queue weighting, join/leave-empty,
max wait and overflow, announcements, restore after restart, status, errors."""

from __future__ import annotations

from typing import Any

import pytest

from ari_apps.acd import (
    Acd,
    AgentConfigured,
    AgentDeviceChanged,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    Announce,
    CallEnded,
    CallerAbandoned,
    CallerArrived,
    CallerLeft,
    CallerQueued,
    CancelOffer,
    DuplicateCallError,
    InvalidConfigError,
    OfferAnswered,
    OfferCall,
    OfferFailed,
    Overflow,
    OverflowTarget,
    QueueConfig,
    QueueConfigured,
    Tick,
    UnknownQueueError,
)
from tests.unit.test_acd_helpers import T0, agent, bring_online, of_type, queue


def answer_next(acd: Acd, agent_id: str, now: float) -> str:
    """Agent becomes ready, answers the offer it gets, hangs up; returns the call id."""
    offers = of_type(acd.handle(AgentReady(now, agent_id)), OfferCall)
    assert len(offers) == 1
    call_id = offers[0].call_id
    acd.handle(OfferAnswered(now + 1, call_id, agent_id))
    acd.handle(CallEnded(now + 2, call_id, agent_id))
    acd.handle(AgentNotReady(now + 3, agent_id, "between"))
    return call_id


def paused_agent_acd(*queues: QueueConfig, agent_queues: tuple[str, ...] = ("sales",)) -> Acd:
    configs = list(queues) or [queue()]
    acd = Acd(configs, [agent("a", queues=agent_queues)])
    bring_online(acd, "a")
    acd.handle(AgentNotReady(T0, "a", "setup"))
    return acd


def test_given_callers_of_same_priority_then_served_first_come_first_served() -> None:
    acd = paused_agent_acd()
    for n in range(3):
        positions = of_type(acd.handle(CallerArrived(T0 + n, f"c{n}", "sales")), CallerQueued)
        assert positions[0].position == n + 1
    served = [answer_next(acd, "a", T0 + 10 * (n + 1)) for n in range(3)]
    assert served == ["c0", "c1", "c2"]


def test_given_higher_priority_caller_arrives_later_then_served_first() -> None:
    acd = paused_agent_acd()
    acd.handle(CallerArrived(T0, "low", "sales", priority=0))
    queued = of_type(acd.handle(CallerArrived(T0 + 5, "high", "sales", priority=5)), CallerQueued)
    assert (queued[0].position, queued[0].priority) == (1, 5)
    assert answer_next(acd, "a", T0 + 10) == "high"


def test_given_vip_caller_id_then_priority_raised_to_vip_priority() -> None:
    acd = paused_agent_acd(queue(vip_caller_ids=frozenset({"+4911"}), vip_priority=7))
    acd.handle(CallerArrived(T0, "normal", "sales", priority=3))
    queued = of_type(
        acd.handle(CallerArrived(T0 + 1, "vip", "sales", priority=1, caller_id="+4911")),
        CallerQueued,
    )
    assert queued[0].priority == 7
    assert answer_next(acd, "a", T0 + 10) == "vip"


def test_given_vip_with_higher_own_priority_then_vip_does_not_lower_it() -> None:
    config = queue(vip_caller_ids=frozenset({"+4911"}), vip_priority=7)
    assert config.effective_priority(9, "+4911") == 9
    assert config.effective_priority(9, "+4912") == 9
    assert config.effective_priority(0, "+4911") == 7


def test_given_failed_offer_then_caller_keeps_place_ahead_of_later_callers() -> None:
    acd = Acd([queue()], [agent("a"), agent("b")])
    bring_online(acd, "a", T0)
    acd.handle(CallerArrived(T0 + 1, "first", "sales"))  # rings a
    acd.handle(CallerArrived(T0 + 2, "second", "sales"))  # waits, nobody free
    commands = acd.handle(OfferFailed(T0 + 3, "first", "a", "no_answer"))
    assert [o.call_id for o in of_type(commands, OfferCall)] == ["first"]
    status = acd.queue_status("sales", T0 + 3)
    assert [(w.call_id, w.position) for w in status.waiting] == [("first", 1), ("second", 2)]


def test_given_agent_in_two_queues_then_takes_longest_waiting_caller_across_queues() -> None:
    acd = paused_agent_acd(queue("sales"), queue("support"), agent_queues=("sales", "support"))
    acd.handle(CallerArrived(T0 + 1, "sales-new", "sales"))
    acd.handle(CallerArrived(T0 - 30, "support-old", "support", joined_at=T0 - 30))
    acd.handle(CallerArrived(T0 + 2, "support-newer", "support"))
    served = [answer_next(acd, "a", T0 + 10 * (n + 1)) for n in range(3)]
    assert served == ["support-old", "sales-new", "support-newer"]


def test_given_agent_in_two_queues_then_priority_beats_longer_wait_in_other_queue() -> None:
    acd = paused_agent_acd(queue("sales"), queue("support"), agent_queues=("sales", "support"))
    acd.handle(CallerArrived(T0, "sales-old", "sales", priority=0))
    acd.handle(CallerArrived(T0 + 50, "support-urgent", "support", priority=2))
    assert answer_next(acd, "a", T0 + 60) == "support-urgent"


def test_given_join_empty_false_and_no_staffed_agent_then_caller_rejected() -> None:
    acd = Acd([queue(join_empty=False)], [agent("a")])
    commands = acd.handle(CallerArrived(T0, "c1", "sales"))
    assert commands == [CallerLeft("c1", "sales", "rejected", "join_empty")]
    assert acd.call_state("c1") is None


def test_given_join_empty_false_and_agent_logged_in_but_unregistered_then_rejected() -> None:
    acd = Acd([queue(join_empty=False)], [agent("a")])
    acd.handle(AgentReady.__mro__[0](T0, "a")) if False else None
    bring_online(acd, "a")
    acd.handle(CallerArrived(T0, "ok", "sales"))
    assert acd.call_state("ok") == "ringing"

    acd.handle(AgentDeviceChanged(T0 + 1, "a", registered=False))
    commands = acd.handle(CallerArrived(T0 + 2, "c2", "sales"))
    assert commands == [CallerLeft("c2", "sales", "rejected", "join_empty")]


def test_given_join_empty_false_and_paused_agent_then_caller_may_join() -> None:
    acd = Acd([queue(join_empty=False)], [agent("a")])
    bring_online(acd, "a")
    acd.handle(AgentNotReady(T0, "a", "lunch"))
    commands = acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    assert of_type(commands, CallerQueued)[0].position == 1


def test_given_leave_empty_when_last_agent_logs_out_then_waiting_callers_rejected() -> None:
    acd = Acd([queue(leave_empty=True)], [agent("a")])
    bring_online(acd, "a")
    acd.handle(AgentNotReady(T0, "a", "lunch"))
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    acd.handle(CallerArrived(T0 + 2, "c2", "sales"))
    commands = acd.handle(AgentLoggedOut(T0 + 3, "a"))
    assert of_type(commands, CallerLeft) == [
        CallerLeft("c1", "sales", "rejected", "leave_empty"),
        CallerLeft("c2", "sales", "rejected", "leave_empty"),
    ]


def test_given_leave_empty_with_voicemail_overflow_then_callers_overflow() -> None:
    target = OverflowTarget("voicemail", "sales-vm")
    acd = Acd([queue(leave_empty=True, overflow=target)], [agent("a")])
    bring_online(acd, "a")
    acd.handle(AgentNotReady(T0, "a", "lunch"))
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    commands = acd.handle(AgentLoggedOut(T0 + 3, "a"))
    assert commands[1:] == [
        CallerLeft("c1", "sales", "overflowed", "leave_empty"),
        Overflow("c1", "sales", target),
    ]


def test_given_max_wait_without_overflow_then_caller_times_out() -> None:
    acd = paused_agent_acd(queue(max_wait_s=60))
    acd.handle(CallerArrived(T0, "c1", "sales"))
    assert acd.next_deadline() == T0 + 60
    assert acd.handle(Tick(T0 + 59)) == []
    assert acd.handle(Tick(T0 + 60)) == [CallerLeft("c1", "sales", "timed_out", "max_wait")]


def test_given_max_wait_with_flow_node_overflow_then_overflow_command() -> None:
    target = OverflowTarget("flow_node", "after-hours")
    acd = paused_agent_acd(queue(max_wait_s=60, overflow=target))
    acd.handle(CallerArrived(T0, "c1", "sales"))
    assert acd.handle(Tick(T0 + 60)) == [
        CallerLeft("c1", "sales", "overflowed", "max_wait"),
        Overflow("c1", "sales", target),
    ]


def test_given_max_wait_with_queue_overflow_then_moved_keeping_join_time() -> None:
    target = OverflowTarget("queue", "backup")
    sales = queue("sales", max_wait_s=60, overflow=target)
    backup = queue("backup", max_wait_s=120, moh_class="calm")
    acd = paused_agent_acd(sales, backup, agent_queues=("sales", "backup"))
    acd.handle(CallerArrived(T0 + 30, "already", "backup"))
    acd.handle(CallerArrived(T0, "c1", "sales"))
    commands = acd.handle(Tick(T0 + 60))
    assert commands == [
        CallerLeft("c1", "sales", "overflowed", "max_wait", moved_to_queue="backup"),
        Overflow("c1", "sales", target),
        CallerQueued("c1", "backup", 1, 0, "calm"),  # joined T0: ahead of "already"
    ]
    # The max-wait clock restarts in the new queue (T0 + 60 + 120).
    acd.handle(CallerAbandoned(T0 + 61, "already"))
    assert acd.next_deadline() == T0 + 180
    assert acd.handle(Tick(T0 + 180)) == [CallerLeft("c1", "backup", "timed_out", "max_wait")]


def test_given_overflow_loop_between_queues_then_caller_times_out_instead_of_bouncing() -> None:
    a_to_b = queue("a", max_wait_s=10, overflow=OverflowTarget("queue", "b"))
    b_to_a = queue("b", max_wait_s=10, overflow=OverflowTarget("queue", "a"))
    acd = Acd([a_to_b, b_to_a], [])
    acd.handle(CallerArrived(T0, "c1", "a"))
    acd.handle(Tick(T0 + 10))
    assert acd.handle(Tick(T0 + 20)) == [CallerLeft("c1", "b", "timed_out", "max_wait")]


def test_given_overflow_queue_refuses_empty_joins_then_caller_times_out_in_source() -> None:
    sales = queue("sales", max_wait_s=10, overflow=OverflowTarget("queue", "backup"))
    acd = Acd([sales, queue("backup", join_empty=False)], [])
    acd.handle(CallerArrived(T0, "c1", "sales"))
    assert acd.handle(Tick(T0 + 10)) == [CallerLeft("c1", "sales", "timed_out", "max_wait")]


def test_given_ringing_caller_past_max_wait_then_not_pulled_until_offer_fails() -> None:
    acd = Acd([queue(max_wait_s=10, ring_timeout_s=20)], [agent("a")])
    bring_online(acd, "a")
    acd.handle(CallerArrived(T0, "c1", "sales"))
    assert acd.handle(Tick(T0 + 10)) == []
    commands = acd.handle(OfferFailed(T0 + 15, "c1", "a"))
    assert CallerLeft("c1", "sales", "timed_out", "max_wait") in commands
    assert of_type(commands, OfferCall) == []


def test_given_announce_interval_then_position_announced_periodically() -> None:
    acd = paused_agent_acd(queue(announce_position_every_s=30))
    acd.handle(CallerArrived(T0, "c1", "sales"))
    acd.handle(CallerArrived(T0 + 10, "c2", "sales"))
    assert acd.next_deadline() == T0 + 30
    assert acd.handle(Tick(T0 + 30)) == [Announce("c1", "sales", 1, None)]
    assert acd.handle(Tick(T0 + 40)) == [Announce("c2", "sales", 2, None)]
    assert acd.handle(Tick(T0 + 60)) == [Announce("c1", "sales", 1, None)]


def test_given_handle_history_then_estimated_wait_follows_documented_formula() -> None:
    config = queue(announce_position_every_s=30, announce_ewt=True, wrapup_s=10)
    acd = Acd([config], [agent("a"), agent("b")])
    bring_online(acd, "a")
    bring_online(acd, "b")
    # Two calls handled: talk times 50 s and 110 s -> average 80 s.
    for call_id, agent_id, talk_s in (("h1", "a", 50), ("h2", "b", 110)):
        acd.handle(CallerArrived(T0, call_id, "sales"))
        acd.handle(OfferAnswered(T0 + 1, call_id, agent_id))
        acd.handle(CallEnded(T0 + 1 + talk_s, call_id, agent_id))
    # Paused agents do not shorten the wait: no working agent at all.
    acd.handle(AgentNotReady(T0 + 200, "a", "lunch"))
    acd.handle(AgentNotReady(T0 + 200, "b", "lunch"))
    acd.handle(CallerArrived(T0 + 200, "w1", "sales"))
    acd.handle(CallerArrived(T0 + 201, "w2", "sales"))
    # position * (avg 80 + wrap-up 10) / max(1, working agents = 0)
    assert acd.handle(Tick(T0 + 230)) == [Announce("w1", "sales", 1, 90.0)]
    # One working agent (ringing for w1): w2 at position 2 -> 2 * 90 / 1.
    commands = acd.handle(AgentReady(T0 + 231, "a"))
    assert of_type(commands, OfferCall)[0].call_id == "w1"
    assert of_type(commands, Announce) == [Announce("w2", "sales", 2, 180.0)]
    status = acd.queue_status("sales", T0 + 231)
    assert status.avg_handle_s == 80.0
    assert status.estimated_wait_s == 3 * 90.0 / 1


def test_given_ringing_caller_then_no_announcement_until_waiting_again() -> None:
    acd = Acd([queue(announce_position_every_s=5, ring_timeout_s=20)], [agent("a")])
    bring_online(acd, "a")
    acd.handle(CallerArrived(T0, "c1", "sales"))
    assert acd.next_deadline() == T0 + 20  # ring deadline only
    assert of_type(acd.handle(Tick(T0 + 6)), Announce) == []


def test_given_restored_caller_with_join_time_then_keeps_place_and_max_wait() -> None:
    acd = paused_agent_acd(queue(max_wait_s=100))
    acd.handle(CallerArrived(T0 + 50, "new", "sales"))
    commands = acd.handle(CallerArrived(T0 + 60, "restored", "sales", joined_at=T0))
    assert of_type(commands, CallerQueued)[0].position == 1
    status = acd.queue_status("sales", T0 + 60)
    assert [(w.call_id, w.waited_s) for w in status.waiting] == [("restored", 60), ("new", 10)]
    assert status.longest_wait_s == 60
    assert acd.handle(Tick(T0 + 100)) == [CallerLeft("restored", "sales", "timed_out", "max_wait")]


def test_given_waiting_caller_hangs_up_then_abandoned() -> None:
    acd = paused_agent_acd()
    acd.handle(CallerArrived(T0, "c1", "sales"))
    assert acd.handle(CallerAbandoned(T0 + 3, "c1")) == [CallerLeft("c1", "sales", "abandoned")]
    assert acd.handle(CallerAbandoned(T0 + 4, "c1")) == []


def test_given_ringing_all_caller_hangs_up_then_every_offer_cancelled() -> None:
    acd = Acd([queue(strategy="ring-all")], [agent("a"), agent("b")])
    bring_online(acd, "a")
    bring_online(acd, "b")
    acd.handle(CallerArrived(T0, "c1", "sales"))
    commands = acd.handle(CallerAbandoned(T0 + 1, "c1"))
    assert sorted(c.agent_id for c in of_type(commands, CancelOffer)) == ["a", "b"]
    assert of_type(commands, CallerLeft) == [CallerLeft("c1", "sales", "abandoned")]


def test_given_duplicate_call_id_then_domain_error() -> None:
    acd = paused_agent_acd()
    acd.handle(CallerArrived(T0, "c1", "sales"))
    with pytest.raises(DuplicateCallError) as error:
        acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    assert error.value.http_status == 409


def test_given_unknown_queue_then_domain_error_and_no_state_change() -> None:
    acd = paused_agent_acd()
    with pytest.raises(UnknownQueueError) as error:
        acd.handle(CallerArrived(T0, "c1", "nope"))
    assert (error.value.error_id, error.value.http_status) == ("acd_queue_unknown", 404)
    assert acd.call_state("c1") is None


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"strategy": "linear"}, "strategy"),
        ({"ring_timeout_s": 0}, "ring_timeout_s"),
        ({"required_skills": {"x": 6}}, "skills.x"),
        ({"overflow": OverflowTarget("queue", "sales")}, "overflow"),
        ({"handle_time_window": 0}, "handle_time_window"),
    ],
)
def test_given_invalid_queue_config_then_error_names_field(
    options: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidConfigError) as error:
        queue(**options)
    assert error.value.field == field
    assert error.value.http_status == 422


def test_given_runtime_config_events_then_new_queue_and_agent_are_used() -> None:
    acd = Acd([], [])
    acd.handle(QueueConfigured(T0, queue("night")))
    acd.handle(AgentConfigured(T0, agent("z", queues=("night",))))
    bring_online(acd, "z")
    offers = of_type(acd.handle(CallerArrived(T0 + 1, "c1", "night")), OfferCall)
    assert [(o.agent_id, o.queue) for o in offers] == [("z", "night")]
    with pytest.raises(UnknownQueueError):
        acd.handle(AgentConfigured(T0, agent("y", queues=("day",))))


def test_given_skills_raised_at_runtime_then_agent_becomes_eligible() -> None:
    acd = Acd([queue(required_skills={"french": 3})], [agent("a", skills={"french": 2})])
    bring_online(acd, "a")
    acd.handle(CallerArrived(T0, "c1", "sales"))
    assert acd.call_state("c1") == "waiting"
    commands = acd.handle(AgentConfigured(T0 + 1, agent("a", skills={"french": 4})))
    assert [o.call_id for o in of_type(commands, OfferCall)] == ["c1"]


def test_queue_status_lists_agents_by_state_and_callers_by_position() -> None:
    acd = Acd([queue()], [agent("a"), agent("b"), agent("c")])
    bring_online(acd, "a")
    bring_online(acd, "b")
    acd.handle(AgentNotReady(T0, "b", "lunch"))
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    acd.handle(CallerArrived(T0 + 2, "c2", "sales"))
    status = acd.queue_status("sales", T0 + 10)
    assert status.agents_by_state["ringing"] == ("a",)
    assert status.agents_by_state["not_ready"] == ("b",)
    assert status.agents_by_state["logged_out"] == ("c",)
    assert [(w.call_id, w.position, w.ringing_agents) for w in status.waiting] == [
        ("c1", 1, ("a",)),
        ("c2", 2, ()),
    ]
    assert status.longest_wait_s == 9
    assert status.avg_handle_s is None and status.estimated_wait_s is None
