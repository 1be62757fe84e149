"""Restoring a call that was connected before a restart."""

from __future__ import annotations

import pytest

from ari_apps.acd import (
    Acd,
    AgentStateChanged,
    CallEnded,
    CallerArrived,
    CallRestored,
    DuplicateCallError,
    OfferCall,
)
from tests.unit.test_acd_helpers import T0, agent, bring_online, of_type, queue


def restored_acd() -> Acd:
    acd = Acd([queue(wrapup_s=5)], [agent("a")])
    bring_online(acd, "a")
    acd.handle(CallRestored(T0 + 1, "c1", "a", "sales", connected_at=T0 - 30))
    return acd


def test_given_restored_call_then_agent_is_on_call_and_gets_no_offer() -> None:
    acd = restored_acd()
    assert acd.agent_status("a").state == "on_call"
    assert acd.agent_status("a").connected_call_id == "c1"
    commands = acd.handle(CallerArrived(T0 + 2, "c2", "sales"))
    assert of_type(commands, OfferCall) == []


def test_given_restored_call_when_it_ends_then_wrap_up_counts_from_connect() -> None:
    acd = restored_acd()
    commands = acd.handle(CallEnded(T0 + 10, "c1", "a"))
    assert [c.state for c in of_type(commands, AgentStateChanged)] == ["wrap_up"]
    assert acd.queue_status("sales", T0 + 10).avg_handle_s == pytest.approx(40.0)


def test_given_agent_already_on_a_call_when_another_is_restored_then_refused() -> None:
    acd = restored_acd()
    with pytest.raises(DuplicateCallError):
        acd.handle(CallRestored(T0 + 2, "c9", "a", "sales", connected_at=T0))
