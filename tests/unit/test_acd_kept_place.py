"""Virtual hold in the ACD core: a caller leaves for a call back keeping
their place, and the kept place is served in the order of the original
arrival, ahead of later live callers (the invariants run in
test_acd_properties.py)."""

from __future__ import annotations

from typing import Any

from ari_apps.acd import (
    Acd,
    AgentNotReady,
    AgentReady,
    CallerArrived,
    CallerLeft,
    CancelOffer,
    ConnectCall,
    OfferAnswered,
    OfferCall,
    Tick,
)
from ari_apps.acd.commands import Announce
from ari_apps.acd.core import KEPT_PLACE_REACH_S
from ari_apps.acd.events import CallerChoseCallback, KeptPlaceAnswered, KeptPlaceUnreached
from tests.unit.test_acd_helpers import T0, agent, bring_online, of_type, queue


def _paused_center(**queue_options: Any) -> Acd:
    acd = Acd([queue(**queue_options)], [agent("a1"), agent("a2")])
    bring_online(acd, "a1")
    acd.handle(AgentNotReady(T0, "a1", "break"))
    return acd


def test_given_a_waiting_caller_when_they_choose_a_callback_then_they_leave_as_callback() -> None:
    acd = _paused_center()
    acd.handle(CallerArrived(T0, "live-1", "sales"))

    commands = acd.handle(CallerChoseCallback(T0 + 30, "live-1"))

    assert of_type(commands, CallerLeft) == [CallerLeft("live-1", "sales", "callback")]
    assert acd.call_state("live-1") is None


def test_given_a_kept_place_and_a_later_live_caller_then_the_place_is_served_first() -> None:
    acd = _paused_center()
    acd.handle(CallerArrived(T0 + 5, "cb-1", "sales", joined_at=T0, kept_place=True))
    acd.handle(CallerArrived(T0 + 10, "live-2", "sales"))

    commands = acd.handle(AgentReady(T0 + 20, "a1"))

    # The agent is reserved for the place, not rung: the caller is called first.
    assert of_type(commands, OfferCall) == [
        OfferCall("cb-1", "a1", "PJSIP/a1", "sales", 20.0, kept_place=True)
    ]
    assert acd.call_state("live-2") == "waiting"

    rung = acd.handle(KeptPlaceAnswered(T0 + 30, "cb-1"))
    assert of_type(rung, OfferCall) == [OfferCall("cb-1", "a1", "PJSIP/a1", "sales", 20.0)]
    connected = acd.handle(OfferAnswered(T0 + 33, "cb-1", "a1"))
    assert of_type(connected, ConnectCall) == [ConnectCall("cb-1", "a1", "sales")]
    assert of_type(connected, CallerLeft) == [CallerLeft("cb-1", "sales", "answered")]
    assert acd.call_state("live-2") == "waiting"


def test_given_a_reserved_agent_when_the_caller_is_not_reached_then_they_are_free_no_miss() -> None:
    acd = _paused_center()
    acd.handle(CallerArrived(T0, "cb-1", "sales", joined_at=T0 - 100, kept_place=True))
    acd.handle(CallerArrived(T0, "live-2", "sales"))
    acd.handle(AgentReady(T0 + 1, "a1"))

    commands = acd.handle(KeptPlaceUnreached(T0 + 40, "cb-1"))

    assert CancelOffer("cb-1", "a1", "caller_left") in commands
    assert CallerLeft("cb-1", "sales", "callback_unreached") in commands
    # Free again at once, and the next caller is offered to them.
    assert of_type(commands, OfferCall) == [OfferCall("live-2", "a1", "PJSIP/a1", "sales", 20.0)]
    assert acd.agent_status("a1").state == "ringing"


def test_given_a_reserved_agent_when_the_call_back_takes_too_long_then_the_place_is_given_up() -> (
    None
):
    acd = _paused_center()
    acd.handle(CallerArrived(T0, "cb-1", "sales", joined_at=T0 - 100, kept_place=True))
    acd.handle(AgentReady(T0 + 1, "a1"))
    # An ordinary ring timeout passes without effect: the call back takes longer.
    assert not of_type(acd.handle(Tick(T0 + 30)), CancelOffer)

    commands = acd.handle(Tick(T0 + 1 + KEPT_PLACE_REACH_S))

    assert of_type(commands, CancelOffer) == [CancelOffer("cb-1", "a1", "ring_timeout")]
    assert of_type(commands, CallerLeft) == [
        CallerLeft("cb-1", "sales", "callback_unreached", "ring_timeout")
    ]
    assert acd.agent_status("a1").state == "ready"


def test_given_a_kept_place_then_no_max_wait_leave_empty_or_announcement_applies() -> None:
    acd = Acd(
        [queue(max_wait_s=30, leave_empty=True, announce_position_every_s=10)],
        [agent("a1")],
    )
    # Nobody logged in: a kept place still gets in, and waits.
    commands = acd.handle(CallerArrived(T0, "cb-1", "sales", joined_at=T0 - 500, kept_place=True))
    commands += acd.handle(Tick(T0 + 600))

    assert not of_type(commands, CallerLeft)
    assert not of_type(commands, Announce)
    assert acd.call_state("cb-1") == "waiting"


def test_given_a_ring_all_queue_then_a_kept_place_reserves_one_agent() -> None:
    acd = Acd([queue(strategy="ring-all")], [agent("a1"), agent("a2")])
    acd.handle(CallerArrived(T0, "cb-1", "sales", joined_at=T0 - 10, kept_place=True))

    commands = bring_online(acd, "a1", T0 + 1) + bring_online(acd, "a2", T0 + 1)

    offers = of_type(commands, OfferCall)
    assert [offer.call_id for offer in offers] == ["cb-1"]
    assert offers[0].kept_place


def test_given_a_kept_place_then_the_queue_status_marks_it_and_longest_wait_is_a_callers() -> None:
    acd = _paused_center()
    acd.handle(CallerArrived(T0, "cb-1", "sales", joined_at=T0 - 3600, kept_place=True))
    acd.handle(CallerArrived(T0, "live-2", "sales", joined_at=T0 - 42))

    status = acd.queue_status("sales", T0)

    assert [(w.call_id, w.kept_place) for w in status.waiting] == [
        ("cb-1", True),
        ("live-2", False),
    ]
    assert status.longest_wait_s == 42
