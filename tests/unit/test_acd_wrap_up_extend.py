"""The desk's "extend wrap-up": later end, bounded, only while in wrap-up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ari_apps.acd import (
    Acd,
    AgentWrapUpExtended,
    CallEnded,
    CallerArrived,
    OfferAnswered,
    OfferCall,
    Tick,
)
from ari_apps.acd.agent_events import MAX_WRAP_UP_AHEAD_S
from ari_apps.acd.exceptions import NotInWrapUpError
from tests.unit.test_acd_agents import one_agent_acd, states
from tests.unit.test_acd_helpers import T0, of_type


def _in_wrap_up(wrapup_s: int = 30) -> Acd:
    acd = one_agent_acd(wrapup_s=wrapup_s)
    acd.handle(CallerArrived(T0 + 1, "c1", "sales"))
    acd.handle(OfferAnswered(T0 + 2, "c1", "a"))
    acd.handle(CallEnded(T0 + 10, "c1", "a"))  # wrap-up until T0 + 40
    return acd


def test_given_wrap_up_when_extended_then_it_ends_later_and_no_call_is_offered_meanwhile() -> None:
    acd = _in_wrap_up()
    assert acd.handle(AgentWrapUpExtended(T0 + 20, "a", 30)) == []
    assert acd.agent_status("a").wrapup_ends_at == T0 + 70
    assert acd.next_deadline() == T0 + 70
    acd.handle(CallerArrived(T0 + 41, "c2", "sales"))
    assert of_type(acd.handle(Tick(T0 + 41)), OfferCall) == []
    at_the_end = acd.handle(Tick(T0 + 70))
    assert states(at_the_end) == [("a", "ready", None), ("a", "ringing", None)]
    assert [offer.call_id for offer in of_type(at_the_end, OfferCall)] == ["c2"]


def test_given_an_agent_not_in_wrap_up_then_extending_is_refused() -> None:
    acd = one_agent_acd(wrapup_s=30)
    with pytest.raises(NotInWrapUpError, match="ready, not in wrap-up"):
        acd.handle(AgentWrapUpExtended(T0 + 5, "a", 30))


@given(st.lists(st.floats(min_value=0, max_value=3600), min_size=1, max_size=40))
def test_given_any_extensions_then_wrap_up_never_ends_more_than_the_cap_ahead(
    extensions: list[float],
) -> None:
    acd = _in_wrap_up()
    now = T0 + 11
    for seconds in extensions:
        acd.handle(AgentWrapUpExtended(now, "a", seconds))
        ends = acd.agent_status("a").wrapup_ends_at
        assert ends is not None
        assert now < ends <= now + MAX_WRAP_UP_AHEAD_S
        now += 1
