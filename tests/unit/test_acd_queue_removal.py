"""A queue deleted from the configuration leaves the live ACD (QueueRemoved)."""

from __future__ import annotations

import pytest

from ari_apps.acd import (
    Acd,
    AgentNotReady,
    AgentStateChanged,
    CallEnded,
    CallerArrived,
    CallerLeft,
    CallerQueued,
    CallRestored,
    CancelOffer,
    OfferAnswered,
    OfferCall,
    Overflow,
    OverflowTarget,
    QueueInUseError,
    QueueRemoved,
    UnknownQueueError,
)
from ari_apps.acd.exits import QueueExit, queue_exits
from tests.unit.test_acd_helpers import T0, agent, bring_online, of_type, queue


def two_queue_acd(**sales_options: object) -> Acd:
    acd = Acd(
        [queue("sales", **sales_options), queue("support")],
        [agent("a", queues=("sales", "support"))],
    )
    bring_online(acd, "a")
    return acd


def test_given_queue_removed_then_gone_from_queue_list_status_and_memberships() -> None:
    acd = two_queue_acd()
    assert acd.handle(QueueRemoved(T0, "sales")) == []
    assert acd.queue_names() == ("support",)
    assert acd.agent_status("a").queues == ("support",)
    with pytest.raises(UnknownQueueError):
        acd.queue_status("sales", T0)
    # A flow version that still names it: refused, and the adapter overflows the caller.
    with pytest.raises(UnknownQueueError):
        acd.handle(CallerArrived(T0 + 1, "late", "sales"))


def test_given_removed_queue_then_its_agent_still_serves_the_other_queues() -> None:
    acd = two_queue_acd()
    acd.handle(QueueRemoved(T0, "sales"))
    commands = acd.handle(CallerArrived(T0 + 1, "c1", "support"))
    assert [(o.agent_id, o.queue) for o in of_type(commands, OfferCall)] == [("a", "support")]


def test_given_caller_waiting_when_queue_removed_without_overflow_then_handed_back() -> None:
    acd = two_queue_acd()
    acd.handle(AgentNotReady(T0, "a", "lunch"))
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    commands = acd.handle(QueueRemoved(T0 + 2, "sales"))
    assert commands == [CallerLeft("c1", "sales", "rejected", "queue_removed")]
    # Their flow takes its overflow branch: never lost.
    assert queue_exits(commands) == [QueueExit("c1", "overflow")]
    assert acd.call_state("c1") is None


def test_given_caller_ringing_when_queue_removed_then_offer_cancelled_without_a_miss() -> None:
    acd = two_queue_acd(max_misses_before_not_ready=1)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    assert acd.call_state("c1") == "ringing"
    commands = acd.handle(QueueRemoved(T0 + 2, "sales"))
    assert commands[:3] == [
        CancelOffer("c1", "a", "queue_removed"),
        AgentStateChanged("a", "ready"),
        CallerLeft("c1", "sales", "rejected", "queue_removed"),
    ]
    assert acd.agent_status("a").state == "ready"


def test_given_queue_with_queue_overflow_when_removed_then_callers_move_there() -> None:
    acd = two_queue_acd(overflow=OverflowTarget("queue", "support"))
    acd.handle(AgentNotReady(T0, "a", "lunch"))
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    commands = acd.handle(QueueRemoved(T0 + 2, "sales"))
    assert commands == [
        CallerLeft("c1", "sales", "overflowed", "queue_removed", moved_to_queue="support"),
        Overflow("c1", "sales", OverflowTarget("queue", "support")),
        CallerQueued("c1", "support", 1, 0, "default"),
    ]
    assert acd.call_state("c1") == "waiting"


def test_given_queue_with_voicemail_overflow_when_removed_then_message_goes_to_its_box() -> None:
    acd = two_queue_acd(overflow=OverflowTarget("voicemail", "5000"))
    acd.handle(AgentNotReady(T0, "a", "lunch"))
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    commands = acd.handle(QueueRemoved(T0 + 2, "sales"))
    assert queue_exits(commands) == [QueueExit("c1", "overflow", voicemail_box="5000")]


def test_given_another_queue_overflows_into_it_then_removal_refused_and_nothing_changes() -> None:
    acd = Acd(
        [queue("spare"), queue("front", overflow=OverflowTarget("queue", "spare"))],
        [agent("a", queues=("spare",))],
    )
    with pytest.raises(QueueInUseError) as error:
        acd.handle(QueueRemoved(T0, "spare"))
    assert (error.value.error_id, error.value.http_status) == ("acd_queue_in_use", 409)
    assert error.value.overflowing_queues == ["front"]
    assert acd.queue_names() == ("spare", "front")
    assert acd.agent_status("a").queues == ("spare",)


def test_given_unknown_queue_when_removed_then_domain_error() -> None:
    with pytest.raises(UnknownQueueError):
        Acd([queue()], []).handle(QueueRemoved(T0, "nope"))


def test_given_call_connected_when_queue_removed_then_call_goes_on_and_wrap_up_is_kept() -> None:
    acd = two_queue_acd(wrapup_s=30)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    acd.handle(OfferAnswered(T0 + 2, "c1", "a"))
    assert acd.handle(QueueRemoved(T0 + 3, "sales")) == []
    assert acd.call_state("c1") == "connected"
    commands = acd.handle(CallEnded(T0 + 60, "c1", "a"))
    assert [c.state for c in of_type(commands, AgentStateChanged)] == ["wrap_up"]
    assert acd.next_deadline() == T0 + 90


def test_given_restart_when_connected_call_of_a_deleted_queue_is_restored_then_it_goes_on() -> None:
    acd = two_queue_acd()
    acd.handle(QueueRemoved(T0, "sales"))
    acd.handle(CallRestored(T0 + 1, "c1", "a", "sales", connected_at=T0 - 30))
    assert acd.agent_status("a").state == "on_call"
    commands = acd.handle(CallEnded(T0 + 10, "c1", "a"))
    assert [c.state for c in of_type(commands, AgentStateChanged)] == ["ready"]
