"""Agent states: login, ready/not-ready, pause toggle, device, offers, wrap-up, misses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from ari_apps.acd import (
    Acd,
    AgentDeviceChanged,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotLoggedInError,
    AgentNotReady,
    AgentPauseToggled,
    AgentReady,
    AgentStateChanged,
    CallEnded,
    CallerAbandoned,
    CallerArrived,
    CancelOffer,
    Command,
    ConnectCall,
    OfferAnswered,
    OfferCall,
    OfferFailed,
    Tick,
    UnknownAgentError,
)
from tests.unit.test_acd_helpers import T0, agent, bring_online, of_type, queue


def states(commands: Sequence[Command]) -> list[tuple[str, str, str | None]]:
    return [(c.agent_id, c.state, c.reason) for c in commands if isinstance(c, AgentStateChanged)]


def one_agent_acd(**queue_options: Any) -> Acd:
    acd = Acd([queue(**queue_options)], [agent("a")])
    bring_online(acd, "a")
    return acd


def test_given_logged_out_agent_when_logging_in_then_ready_and_reported() -> None:
    acd = Acd([queue()], [agent("a")])
    assert states(acd.handle(AgentLoggedIn(T0, "a"))) == [("a", "ready", None)]
    assert acd.agent_status("a").state == "ready"


def test_given_login_as_not_ready_then_reason_is_logged_in() -> None:
    acd = Acd([queue()], [agent("a")])
    assert states(acd.handle(AgentLoggedIn(T0, "a", ready=False))) == [
        ("a", "not_ready", "logged_in")
    ]


def test_given_ready_agent_with_unregistered_phone_when_caller_arrives_then_no_offer() -> None:
    acd = Acd([queue()], [agent("a")])
    acd.handle(AgentLoggedIn(T0, "a"))
    assert of_type(acd.handle(CallerArrived(T0 + 1, "c1", "sales")), OfferCall) == []
    offers = of_type(acd.handle(AgentDeviceChanged(T0 + 2, "a", registered=True)), OfferCall)
    assert [o.call_id for o in offers] == ["c1"]


def test_agent_registered_follows_the_phone_and_is_none_for_strangers() -> None:
    acd = Acd([queue()], [agent("a")])
    assert acd.agent_registered("a") is False
    acd.handle(AgentDeviceChanged(T0, "a", registered=True))
    assert acd.agent_registered("a") is True
    assert acd.agent_registered("nobody") is None


def test_given_ringing_agent_when_phone_unregisters_then_offer_cancelled_without_miss() -> None:
    acd = one_agent_acd()
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    commands = acd.handle(AgentDeviceChanged(T0 + 2, "a", registered=False))
    assert of_type(commands, CancelOffer) == [CancelOffer("c1", "a", "agent_unavailable")]
    status = acd.agent_status("a")
    assert (status.state, status.registered, status.consecutive_misses) == ("ready", False, 0)
    assert acd.call_state("c1") == "waiting"


def test_given_not_ready_agent_when_caller_arrives_then_waits_until_agent_ready() -> None:
    acd = one_agent_acd()
    acd.handle(AgentNotReady(T0 + 1, "a", "lunch"))
    assert acd.agent_status("a").reason == "lunch"
    assert of_type(acd.handle(CallerArrived(T0 + 2, "c1", "sales")), OfferCall) == []
    commands = acd.handle(AgentReady(T0 + 3, "a"))
    assert states(commands) == [("a", "ready", None), ("a", "ringing", None)]
    assert of_type(commands, OfferCall)[0].call_id == "c1"


def test_given_pause_toggle_then_it_alternates_between_not_ready_and_ready() -> None:
    acd = one_agent_acd()
    assert states(acd.handle(AgentPauseToggled(T0 + 1, "a"))) == [("a", "not_ready", "paused")]
    assert states(acd.handle(AgentPauseToggled(T0 + 2, "a"))) == [("a", "ready", None)]


def test_given_ringing_agent_when_going_not_ready_then_caller_back_in_queue() -> None:
    acd = Acd([queue()], [agent("a"), agent("b")])
    bring_online(acd, "a", T0)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    commands = acd.handle(AgentNotReady(T0 + 2, "a", "break"))
    assert of_type(commands, CancelOffer) == [CancelOffer("c1", "a", "agent_unavailable")]
    assert acd.call_state("c1") == "waiting"
    offers = of_type(bring_online(acd, "b", T0 + 3), OfferCall)
    assert [(o.call_id, o.agent_id) for o in offers] == [("c1", "b")]


def test_given_answered_offer_then_connect_and_agent_on_call() -> None:
    acd = one_agent_acd()
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    commands = acd.handle(OfferAnswered(T0 + 2, "c1", "a"))
    assert of_type(commands, ConnectCall) == [ConnectCall("c1", "a", "sales")]
    assert states(commands) == [("a", "on_call", None)]
    assert acd.call_state("c1") == "connected"
    assert acd.agent_status("a").connected_call_id == "c1"


def test_given_call_ends_then_wrap_up_for_queue_time_then_ready_on_tick() -> None:
    acd = one_agent_acd(wrapup_s=30)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    acd.handle(OfferAnswered(T0 + 2, "c1", "a"))
    commands = acd.handle(CallEnded(T0 + 62, "c1", "a"))
    assert states(commands) == [("a", "wrap_up", None)]
    assert acd.agent_status("a").wrapup_ends_at == T0 + 92
    assert acd.next_deadline() == T0 + 92
    assert states(acd.handle(Tick(T0 + 91))) == []
    assert states(acd.handle(Tick(T0 + 92))) == [("a", "ready", None)]
    assert acd.next_deadline() is None


def test_given_agent_in_wrap_up_when_call_arrives_then_it_waits() -> None:
    acd = one_agent_acd(wrapup_s=30)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    acd.handle(OfferAnswered(T0 + 2, "c1", "a"))
    acd.handle(CallEnded(T0 + 10, "c1", "a"))
    assert of_type(acd.handle(CallerArrived(T0 + 11, "c2", "sales")), OfferCall) == []
    offers = of_type(acd.handle(Tick(T0 + 40)), OfferCall)
    assert [o.call_id for o in offers] == ["c2"]


def test_given_wrap_up_when_agent_presses_ready_then_wrap_up_ends_early() -> None:
    acd = one_agent_acd(wrapup_s=30)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    acd.handle(OfferAnswered(T0 + 2, "c1", "a"))
    acd.handle(CallEnded(T0 + 10, "c1", "a"))
    assert states(acd.handle(AgentReady(T0 + 12, "a"))) == [("a", "ready", None)]
    assert acd.agent_status("a").wrapup_ends_at is None


def test_given_wrap_up_comes_from_the_queue_of_the_last_call() -> None:
    acd = Acd(
        [queue("sales", wrapup_s=10), queue("support", wrapup_s=50)],
        [agent("a", queues=("sales", "support"))],
    )
    bring_online(acd, "a")
    acd.handle(CallerArrived(T0 + 1, "c1", "support"))
    acd.handle(OfferAnswered(T0 + 2, "c1", "a"))
    acd.handle(CallEnded(T0 + 5, "c1", "a"))
    assert acd.agent_status("a").wrapup_ends_at == T0 + 55


def test_given_not_ready_requested_on_call_then_applied_after_wrap_up() -> None:
    acd = one_agent_acd(wrapup_s=5)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    acd.handle(OfferAnswered(T0 + 2, "c1", "a"))
    assert states(acd.handle(AgentNotReady(T0 + 3, "a", "training"))) == []
    assert acd.agent_status("a").not_ready_after_call == "training"
    acd.handle(CallEnded(T0 + 4, "c1", "a"))
    assert states(acd.handle(Tick(T0 + 9))) == [("a", "not_ready", "training")]


def test_given_pause_toggled_twice_on_call_then_agent_ends_ready() -> None:
    acd = one_agent_acd()
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    acd.handle(OfferAnswered(T0 + 2, "c1", "a"))
    acd.handle(AgentPauseToggled(T0 + 3, "a"))
    assert acd.agent_status("a").not_ready_after_call == "paused"
    acd.handle(AgentPauseToggled(T0 + 4, "a"))
    assert states(acd.handle(CallEnded(T0 + 5, "c1", "a"))) == [("a", "ready", None)]


def test_given_failed_offer_then_miss_counted_and_agent_ready_again() -> None:
    acd = Acd([queue(max_misses_before_not_ready=3)], [agent("a"), agent("b")])
    bring_online(acd, "a", T0)
    bring_online(acd, "b", T0 + 1)
    acd.handle(CallerArrived(T0 + 2, "c1", "sales"))
    commands = acd.handle(OfferFailed(T0 + 5, "c1", "a", "no_answer"))
    assert acd.agent_status("a").consecutive_misses == 1
    # The caller is offered at once to b (a is now the most recently idle).
    assert [(o.call_id, o.agent_id) for o in of_type(commands, OfferCall)] == [("c1", "b")]
    assert acd.agent_status("a").state == "ready"


def test_given_consecutive_misses_reach_limit_then_agent_not_ready_missed() -> None:
    acd = one_agent_acd(max_misses_before_not_ready=2)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    first = acd.handle(OfferFailed(T0 + 2, "c1", "a", "busy"))
    assert ("a", "ready", None) in states(first)
    assert len(of_type(first, OfferCall)) == 1  # only agent: rung again
    second = acd.handle(OfferFailed(T0 + 3, "c1", "a", "no_answer"))
    assert states(second) == [("a", "not_ready", "missed")]
    assert of_type(second, OfferCall) == []
    assert acd.call_state("c1") == "waiting"


def test_given_answered_call_then_miss_count_resets() -> None:
    acd = one_agent_acd(max_misses_before_not_ready=2)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    acd.handle(OfferFailed(T0 + 2, "c1", "a"))
    acd.handle(OfferAnswered(T0 + 3, "c1", "a"))
    assert acd.agent_status("a").consecutive_misses == 0


def test_given_zero_miss_limit_then_agent_is_never_made_not_ready() -> None:
    acd = one_agent_acd(max_misses_before_not_ready=0)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    for n in range(5):
        acd.handle(OfferFailed(T0 + 2 + n, "c1", "a"))
    assert acd.agent_status("a").state == "ringing"
    assert acd.agent_status("a").consecutive_misses == 5


def test_given_no_answer_report_then_core_times_the_ring_out() -> None:
    acd = one_agent_acd(ring_timeout_s=15, max_misses_before_not_ready=1)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    assert acd.next_deadline() == T0 + 16
    commands = acd.handle(Tick(T0 + 16))
    assert of_type(commands, CancelOffer) == [CancelOffer("c1", "a", "ring_timeout")]
    assert states(commands) == [("a", "not_ready", "missed")]


def test_given_answer_slightly_after_ring_deadline_then_answer_still_wins() -> None:
    acd = one_agent_acd(ring_timeout_s=15)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    commands = acd.handle(OfferAnswered(T0 + 16.2, "c1", "a"))
    assert of_type(commands, ConnectCall) == [ConnectCall("c1", "a", "sales")]
    assert of_type(commands, CancelOffer) == []


def test_given_stale_answer_after_abandon_then_it_is_ignored() -> None:
    acd = one_agent_acd()
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    abandon = acd.handle(CallerAbandoned(T0 + 2, "c1"))
    assert of_type(abandon, CancelOffer) == [CancelOffer("c1", "a", "caller_left")]
    assert acd.handle(OfferAnswered(T0 + 3, "c1", "a")) == []
    assert acd.agent_status("a").state == "ready"


def test_given_agent_logs_out_while_ringing_then_caller_waits_again() -> None:
    acd = one_agent_acd()
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    commands = acd.handle(AgentLoggedOut(T0 + 2, "a"))
    assert of_type(commands, CancelOffer) == [CancelOffer("c1", "a", "agent_unavailable")]
    assert states(commands) == [("a", "logged_out", None)]
    assert acd.call_state("c1") == "waiting"


def test_given_agent_logs_out_on_call_then_call_goes_on_and_no_wrap_up_follows() -> None:
    acd = one_agent_acd(wrapup_s=30)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    acd.handle(OfferAnswered(T0 + 2, "c1", "a"))
    acd.handle(AgentLoggedOut(T0 + 3, "a"))
    assert acd.call_state("c1") == "connected"
    assert states(acd.handle(CallEnded(T0 + 12, "c1", "a"))) == []
    assert acd.agent_status("a").state == "logged_out"
    assert acd.queue_status("sales", T0 + 12).avg_handle_s == 10


def test_given_logged_out_agent_when_asking_ready_then_domain_error_409() -> None:
    acd = Acd([queue()], [agent("a")])
    with pytest.raises(AgentNotLoggedInError) as error:
        acd.handle(AgentReady(T0, "a"))
    assert (error.value.error_id, error.value.http_status) == ("acd_agent_logged_out", 409)


def test_given_unknown_agent_then_domain_error_404() -> None:
    acd = Acd([queue()], [])
    with pytest.raises(UnknownAgentError) as error:
        acd.handle(AgentLoggedIn(T0, "ghost"))
    assert (error.value.http_status, error.value.details) == (404, {"agent_id": "ghost"})


def test_given_second_login_then_nothing_changes() -> None:
    acd = one_agent_acd()
    assert acd.handle(AgentLoggedIn(T0 + 5, "a")) == []
    assert acd.agent_status("a").idle_since == T0
